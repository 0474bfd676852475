package output

import (
	"slices"
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// The column policy: what of a table fits a terminal, decided before
// lipgloss draws it (Table.draw).

// UniquePrefixWidth is the least width, from least up, at which the
// prefixes of values still tell them apart: the width to cut a column of
// ids to.
func UniquePrefixWidth(values []string, least int) int {
	longest := 0
	for _, v := range values {
		longest = max(longest, ansi.StringWidth(v))
	}
	w := least
	for w < longest && !uniquePrefixes(values, w) {
		w++
	}
	return w
}

// uniquePrefixes reports whether the first n characters of values tell
// the distinct ones apart.
func uniquePrefixes(values []string, n int) bool {
	seen := map[string]string{}
	for _, v := range values {
		p := ansi.Truncate(v, n, "")
		if other, ok := seen[p]; ok && other != v {
			return false
		}
		seen[p] = v
	}
	return true
}

// layout fits the columns, whose natural widths are given, into a terminal
// of width characters. It changes widths and returns the columns to show
// and which of them are cut to a prefix. The order of giving way: columns
// nobody filled in are dropped, abbreviated ones are cut to a unique
// prefix, yielding columns are truncated down to their header's width,
// ShrinkBeforeDropping columns down to their floor, the yielding columns
// are dropped if that is not enough, and last every other column is truncated, never below its
// header's width. A KeepWhole column is never truncated: dropped if it
// yields, else left whole.
//
// Each step is the same for every width that does not fit the whole
// table, and the truncations take one cell at a time from the widest
// column; so a wider terminal never shows less of any column than a
// narrower one.
func (t *Table) layout(widths []int, width int) (cols []int, cut []bool) {
	ncol := len(widths)
	for i := range ncol {
		cols = append(cols, i)
	}
	cut = make([]bool, ncol)
	if sum(widths, cols)+len(columnGap)*(ncol-1) <= width {
		return cols, cut
	}
	var filled []int
	for i := range ncol {
		if t.hasData(i) {
			filled = append(filled, i)
		}
	}
	if len(filled) > 0 { // with nothing filled in at all, show the header
		cols = filled
	}
	avail := width - len(columnGap)*(len(cols)-1)
	if sum(widths, cols) <= avail {
		return cols, cut
	}
	t.cutIDs(widths, cols, cut)
	least := func(i int) int {
		if t.policyOf(i).whole {
			return widths[i]
		}
		return max(minTruncatedWidth, ansi.StringWidth(sanitize(cell(t.header, i))))
	}
	yields := func(i int) bool { return t.policyOf(i).yields > 0 && !cut[i] }
	shrinks := func(i int) bool {
		p := t.policyOf(i)
		return p.floor > 0 && p.yields == 0 && !p.whole && !cut[i]
	}
	floor := func(i int) int { return max(least(i), t.policyOf(i).floor) }
	cols = t.dropYielding(widths, cols, width, least, floor)
	avail = width - len(columnGap)*(len(cols)-1)
	fitWidths(widths, cols, avail, least, yields)
	fitWidths(widths, cols, avail, floor, shrinks)
	fitWidths(widths, cols, avail, least, func(i int) bool { return !cut[i] && !t.policyOf(i).whole })
	return cols, cut
}

// cutIDs cuts the abbreviated columns to the shortest prefix, from their
// width up, that still tells their values apart.
func (t *Table) cutIDs(widths, cols []int, cut []bool) {
	for _, i := range cols {
		abbrev := t.policyOf(i).abbrev
		if abbrev > 0 && widths[i] > abbrev {
			values := make([]string, len(t.rows))
			for r := range t.rows {
				values[r] = sanitize(cell(t.rows[r], i))
			}
			// A prefix shared by two rows would name neither.
			widths[i], cut[i] = min(widths[i], UniquePrefixWidth(values, abbrev)), true
		}
	}
}

// dropYielding drops yielding columns, in the order TruncateFirst named
// them, while the table does not fit even with every yielding column cut
// to its header: a column is better missing than headed by "DESCR…".
//
// Once one is dropped, the other yielding columns are held at their least
// width rather than given the room it leaves, so that no column is wider
// at a narrower terminal.
func (t *Table) dropYielding(widths, cols []int, width int, least, floor func(int) int) []int {
	dropped := false
	for {
		need, first := len(columnGap)*(len(cols)-1), -1
		for n, i := range cols {
			if y := t.policyOf(i).yields; y > 0 {
				need += min(widths[i], least(i))
				if first < 0 || y < t.policyOf(cols[first]).yields {
					first = n
				}
				continue
			}
			if t.policyOf(i).floor > 0 && !t.policyOf(i).whole {
				need += min(widths[i], floor(i))
				continue
			}
			need += widths[i]
		}
		if need <= width || first < 0 {
			break
		}
		cols, dropped = slices.Delete(slices.Clone(cols), first, first+1), true
	}
	if dropped {
		for _, i := range cols {
			if t.policyOf(i).yields > 0 {
				widths[i] = min(widths[i], least(i))
			} else if t.policyOf(i).floor > 0 && !t.policyOf(i).whole {
				widths[i] = min(widths[i], floor(i))
			}
		}
	}
	return cols
}

// hasData reports whether any row has a value in column i.
func (t *Table) hasData(i int) bool {
	for _, r := range t.rows {
		if strings.TrimSpace(cell(r, i)) != "" {
			return true
		}
	}
	return false
}

func sum(widths []int, cols []int) int {
	n := 0
	for _, i := range cols {
		n += widths[i]
	}
	return n
}

// fitWidths shrinks the eligible columns of cols one cell at a time, the
// widest first, until they fit in avail or are down to their least width
// (never less than the header: a cut header names nothing): a table that
// cannot fit is left to wrap rather than made unreadable.
func fitWidths(widths, cols []int, avail int, least func(int) int, eligible func(int) bool) {
	total := sum(widths, cols)
	for total > avail {
		widest := -1
		for _, i := range cols {
			if eligible(i) && widths[i] > least(i) && (widest < 0 || widths[i] > widths[widest]) {
				widest = i
			}
		}
		if widest < 0 {
			return
		}
		widths[widest]--
		total--
	}
}
