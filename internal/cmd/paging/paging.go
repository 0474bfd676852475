// Package paging gives list commands the same paging flags: --page and
// --size for one page of the server's, --all for every page and --limit N
// for the first N items across pages, as gh's lists do.
package paging

import (
	"iter"

	"github.com/spf13/cobra"

	"github.com/zenctl/zenctl/internal/exitcode"
	"github.com/zenctl/zenctl/pkg/zenml"
)

// Flags are a list command's paging flags.
type Flags struct {
	// Page and Size choose one page; a command without them lists every
	// page by default.
	Page, Size int
	All        bool
	Limit      int

	paged bool
}

// AddPaged adds --page, --size, --all and --limit to a command that shows
// one page by default.
func (f *Flags) AddPaged(cmd *cobra.Command, what string) {
	f.paged = true
	cmd.Flags().IntVar(&f.Page, "page", 1, "Page `NUMBER`")
	cmd.Flags().IntVar(&f.Size, "size", 20, "Page size, `COUNT` 1-10000")
	f.addWalk(cmd, what)
}

// AddWalk adds --all and --limit to a command that lists every page by
// default; --all is accepted for a script written against the other
// lists.
func (f *Flags) AddWalk(cmd *cobra.Command, what string) {
	f.All = true
	f.addWalk(cmd, what)
}

func (f *Flags) addWalk(cmd *cobra.Command, what string) {
	if f.paged {
		cmd.Flags().BoolVar(&f.All, "all", false, "List every "+what+", all pages (printed as they arrive when piped)")
	} else {
		cmd.Flags().BoolVar(&f.All, "all", true, "List every "+what+", all pages (the default)")
	}
	cmd.Flags().IntVar(&f.Limit, "limit", 0, "List at most `COUNT` "+what+"s, across pages")
}

// Validate checks the flags' values and combinations.
func (f *Flags) Validate(cmd *cobra.Command) error {
	switch {
	case f.Limit < 0 || cmd.Flags().Changed("limit") && f.Limit == 0:
		return exitcode.Usagef("--limit must be 1 or more, not %d", f.Limit)
	case cmd.Flags().Changed("all") && f.All && f.Limit > 0:
		return exitcode.Usagef("--all lists every one and --limit at most %d: give one of them", f.Limit)
	case f.paged && f.Page < 1:
		return exitcode.Usagef("--page must be 1 or more, not %d", f.Page)
	case f.paged && (f.Size < 1 || f.Size > zenml.MaxPageSize):
		return exitcode.Usagef("--size must be between 1 and %d, not %d", zenml.MaxPageSize, f.Size)
	case f.paged && cmd.Flags().Changed("page") && f.Walks():
		return exitcode.Usagef("--page chooses one page: it cannot be used with --all or --limit")
	}
	return nil
}

// Walks reports whether the command goes through the pages rather than
// showing one.
func (f *Flags) Walks() bool { return f.All || f.Limit > 0 || !f.paged }

// PageSize is the size of the pages to ask for when walking: the --size
// given; else pages that together hold --limit items and not many more, in
// as few round trips as the server's page limit allows; else 0, which
// lets pkg/zenml choose (a small first page, then the largest).
func (f *Flags) PageSize(sizeChanged bool) int {
	switch {
	case f.paged && sizeChanged:
		return f.Size
	case f.Limit > 0:
		pages := (f.Limit + zenml.MaxPageSize - 1) / zenml.MaxPageSize
		return (f.Limit + pages - 1) / pages
	}
	return 0
}

// Take yields the items of seq, stopping after --limit of them; an error
// ends the walk.
func Take[T any](seq iter.Seq2[T, error], limit int) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		n := 0
		for item, err := range seq {
			if !yield(item, err) || err != nil {
				return
			}
			if n++; limit > 0 && n >= limit {
				return
			}
		}
	}
}
