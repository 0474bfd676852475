package zenml

import (
	"fmt"
	"iter"
	"reflect"
)

// defaultAllPageSize is the page size of the All... iterators when the
// caller sets none: few round trips, small answers.
const defaultAllPageSize = 100

// allItems walks a list endpoint page by page, starting at p.Page (1 when
// unset), and yields its items as each page arrives; fetch gets one page.
// It stops after the last page, on an empty page, or on an error, which
// it yields once with a zero T. Every All... iterator is built on it:
//
//	func (c *Client) AllUsers(ctx context.Context, p ListParams) iter.Seq2[User, error] {
//		return allItems(p, func(p ListParams) (*Page[User], error) { return c.ListUsers(ctx, p) })
//	}
func allItems[T any](p ListParams, fetch func(ListParams) (*Page[T], error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		if p.Page <= 0 {
			p.Page = 1
		}
		if p.Size <= 0 {
			p.Size = defaultAllPageSize
		}
		seen := 0
		var previous []T
		for {
			page, err := fetch(p)
			switch {
			case err != nil:
			case page.Index != 0 && page.Index != p.Page:
				// A server (or proxy) that ignores the page parameter would
				// otherwise serve its first page forever.
				err = fmt.Errorf("zenml: asked for page %d, the server answered page %d", p.Page, page.Index)
			case p.Page > 1 && len(page.Items) > 0 && reflect.DeepEqual(page.Items, previous):
				// The same check for a server that reports no index.
				err = fmt.Errorf("zenml: the server answered page %d with the items of page %d", p.Page, p.Page-1)
			}
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, item := range page.Items {
				if !yield(item, nil) {
					return
				}
			}
			seen += len(page.Items)
			previous = page.Items
			// The total bounds the walk too: a server whose page count runs
			// away (or that omits the index) is not followed forever.
			if len(page.Items) == 0 || p.Page >= page.TotalPages || page.Total > 0 && seen >= page.Total {
				return
			}
			p.Page++
		}
	}
}
