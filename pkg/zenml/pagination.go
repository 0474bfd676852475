package zenml

import (
	"fmt"
	"iter"
	"reflect"
)

// MaxPageSize is the largest page a ZenML server serves: every version
// from 0.58 to 0.93 refuses a larger ListParams.Size with ErrInvalid.
const MaxPageSize = 10000

// firstPageSize is the first page of a walk whose caller chose no size:
// small, so that the first items arrive after one quick round trip.
const firstPageSize = 100

// allItems walks a list endpoint page by page, starting at p.Page (1 when
// unset), and yields its items as each page arrives; fetch gets one page,
// id tells items apart. It stops after the last page, on an empty page, or
// on an error, which it yields once with a zero T. Every All... iterator is
// built on it:
//
//	func (c *Client) AllUsers(ctx context.Context, p ListParams) iter.Seq2[User, error] {
//		return allItems(p, func(u *User) string { return u.ID }, func(p ListParams) (*Page[User], error) { return c.ListUsers(ctx, p) })
//	}
//
// With no p.Size, a walk from the first page asks for firstPageSize items,
// then, when there are more, for pages of MaxPageSize starting over at
// page 1, skipping the items it has yielded already (by id, so an item
// created or deleted in between neither repeats nor hides another). A
// thousand items thus cost two round trips instead of ten, and the first
// of them still arrive at once.
func allItems[T any](p ListParams, id func(*T) string, fetch func(ListParams) (*Page[T], error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		w := walk[T]{p: p, id: id, fetch: fetch, yield: yield}
		w.run()
	}
}

// walk is the state of one allItems loop.
type walk[T any] struct {
	p     ListParams
	id    func(*T) string
	fetch func(ListParams) (*Page[T], error)
	yield func(T, error) bool

	seen     int
	previous []T
	// skip holds the ids of the small first page once the walk has grown
	// its pages: the larger page 1 repeats them.
	skip map[string]bool
}

func (w *walk[T]) run() {
	if w.p.Page <= 0 {
		w.p.Page = 1
	}
	growing := w.p.Size <= 0 && w.p.Page == 1
	if w.p.Size <= 0 {
		w.p.Size = MaxPageSize
	}
	if growing {
		w.p.Size = firstPageSize
	}
	for {
		page, err := w.fetchPage()
		if err != nil {
			var zero T
			w.yield(zero, err)
			return
		}
		for i := range page.Items {
			if w.skip[w.id(&page.Items[i])] {
				continue
			}
			if !w.yield(page.Items[i], nil) {
				return
			}
			w.seen++
		}
		w.previous = page.Items
		// The total bounds the walk too: a server whose page count runs
		// away (or that omits the index) is not followed forever.
		if len(page.Items) == 0 || w.p.Page >= page.TotalPages || page.Total > 0 && w.seen >= page.Total {
			return
		}
		if growing {
			growing = false
			w.skip = make(map[string]bool, len(page.Items))
			for i := range page.Items {
				w.skip[w.id(&page.Items[i])] = true
			}
			w.p.Size, w.previous = MaxPageSize, nil
			continue // page 1 again, larger
		}
		if page.Index == 1 && page.MaxSize > 0 && page.MaxSize < w.p.Size {
			// A server that serves smaller pages than asked for numbers
			// its pages by its own size.
			w.p.Size = page.MaxSize
		}
		w.p.Page++
	}
}

// fetchPage gets page w.p and checks that it is the page asked for.
func (w *walk[T]) fetchPage() (*Page[T], error) {
	page, err := w.fetch(w.p)
	switch {
	case err != nil:
		return nil, err
	case page.Index != 0 && page.Index != w.p.Page:
		// A server (or proxy) that ignores the page parameter would
		// otherwise serve its first page forever.
		return nil, fmt.Errorf("zenml: asked for page %d, the server answered page %d", w.p.Page, page.Index)
	case w.p.Page > 1 && len(page.Items) > 0 && reflect.DeepEqual(page.Items, w.previous):
		// The same check for a server that reports no index.
		return nil, fmt.Errorf("zenml: the server answered page %d with the items of page %d", w.p.Page, w.p.Page-1)
	}
	return page, nil
}
