package output

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/lipgloss/table"
	"github.com/charmbracelet/x/ansi"

	"github.com/zenctl/zenctl/internal/iostreams"
)

const (
	columnGap = "  "
	// minTruncatedWidth keeps a shrunk column wide enough to recognise the
	// start of its value.
	minTruncatedWidth = 5
)

// Table prints rows of cells, in the manner of gh's tableprinter.
//
// On a terminal: a styled header row and aligned columns, drawn by
// lipgloss/table, after a pre-pass (layout) that decides what fits: empty
// columns dropped, ids cut to a unique prefix, the widest columns
// truncated with "…", never a header. Piped: no
// header, cells separated by tabs, nothing truncated, so `cut -f2` and
// `while read` loops see every row and every full value.
type Table struct {
	ios    *iostreams.IOStreams
	header []string
	rows   [][]string
	// policy says, by header, how a column gives way when the table is
	// too wide for the terminal.
	policy map[string]columnPolicy
	// streamed: rows are written as they are added when piped.
	streamed bool
	err      error
}

type columnPolicy struct {
	// yields, when set, is the column's place in TruncateFirst: it is
	// truncated before the other columns, and dropped in that order when
	// its header no longer fits.
	yields int
	// abbrev, when set, is the width the column is cut to, without an
	// ellipsis, when the table is still too wide: an id prefix that can be
	// copied.
	abbrev int
}

// policyOf is the policy of column i; columns beyond the header have none.
func (t *Table) policyOf(i int) columnPolicy {
	if i >= len(t.header) {
		return columnPolicy{}
	}
	return t.policy[t.header[i]]
}

func (t *Table) setPolicy(header string, change func(*columnPolicy)) {
	if t.policy == nil {
		t.policy = map[string]columnPolicy{}
	}
	p := t.policy[header]
	change(&p)
	t.policy[header] = p
}

// NewTable starts a table with the given column headers.
func NewTable(ios *iostreams.IOStreams, header ...string) *Table {
	return &Table{ios: ios, header: header}
}

// TruncateFirst names the columns that give way first when the table is
// too wide for the terminal: free text and ids (a unique id prefix still
// resolves), so that names, statuses and times stay whole.
func (t *Table) TruncateFirst(headers ...string) {
	for n, h := range headers {
		t.setPolicy(h, func(p *columnPolicy) { p.yields = n + 1 })
	}
}

// Abbreviate lets a column be cut to width, without an ellipsis, when the
// table does not fit otherwise: a UUID's first characters still name it
// (as a unique prefix) and can be copied as they are.
func (t *Table) Abbreviate(header string, width int) {
	t.setPolicy(header, func(p *columnPolicy) { p.abbrev = width })
}

// Stream makes a piped table write each row as it is added, so that
// `zenctl sa list --all | head` shows the first page while the next ones
// are fetched. On a terminal the rows are still kept until Render, which
// needs them all to size the columns.
func (t *Table) Stream() { t.streamed = true }

// AddRow appends a row. A row shorter than the header is padded with empty
// cells.
func (t *Table) AddRow(cells ...string) {
	if t.streamed && !t.ios.IsStdoutTTY() {
		if t.err == nil {
			t.err = write(t.ios.Out, tsvRow(cells, len(t.header)))
		}
		return
	}
	t.rows = append(t.rows, cells)
}

// tsvRow is a row as piped output writes it: tab-separated cells.
func tsvRow(r []string, ncol int) string {
	var b strings.Builder
	for i := range max(ncol, len(r)) {
		if i > 0 {
			b.WriteByte('\t')
		}
		b.WriteString(sanitize(cell(r, i)))
	}
	b.WriteByte('\n')
	return b.String()
}

// Render writes the table to ios.Out.
func (t *Table) Render() error {
	if t.err != nil {
		return t.err
	}
	ncol := t.columnCount()
	if ncol == 0 {
		return nil
	}
	if !t.ios.IsStdoutTTY() {
		var b strings.Builder
		for _, r := range t.rows {
			b.WriteString(tsvRow(r, ncol))
		}
		return write(t.ios.Out, b.String())
	}
	widths := t.naturalWidths(ncol)
	cols, cut := t.layout(widths, t.ios.TerminalWidth())
	return write(t.ios.Out, t.draw(cols, widths, cut))
}

// Fits reports whether the whole table, every column and every cell
// uncut, fits the terminal. A command with a richer and a plainer form of
// its table (absolute and relative times) shows the first that fits.
func (t *Table) Fits() bool {
	ncol := t.columnCount()
	widths := t.naturalWidths(ncol)
	all := make([]int, ncol)
	for i := range all {
		all[i] = i
	}
	return sum(widths, all)+len(columnGap)*(ncol-1) <= t.ios.TerminalWidth()
}

func (t *Table) columnCount() int {
	ncol := len(t.header)
	for _, r := range t.rows {
		ncol = max(ncol, len(r))
	}
	return ncol
}

// naturalWidths are the display widths of the columns with nothing cut.
func (t *Table) naturalWidths(ncol int) []int {
	widths := make([]int, ncol)
	for _, r := range append([][]string{t.header}, t.rows...) {
		for i := range ncol {
			widths[i] = max(widths[i], ansi.StringWidth(sanitize(cell(r, i))))
		}
	}
	return widths
}

// draw lays out the columns the policy kept, each cell cut to its
// column's width, with lipgloss: no borders, a gap between columns, the
// header bold.
func (t *Table) draw(cols, widths []int, cut []bool) string {
	fit := func(r []string, i int, tail string) string {
		return ansi.Truncate(sanitize(cell(r, i)), widths[i], tail)
	}
	rows := make([][]string, 0, len(t.rows))
	for _, r := range t.rows {
		row := make([]string, 0, len(cols))
		for _, i := range cols {
			tail := "…"
			if cut[i] {
				tail = "" // a copyable id prefix
			}
			row = append(row, fit(r, i, tail))
		}
		rows = append(rows, row)
	}
	base := t.ios.ColorScheme().Style()
	lt := table.New().Wrap(false).Rows(rows...).
		BorderTop(false).BorderBottom(false).BorderLeft(false).BorderRight(false).
		BorderHeader(false).BorderColumn(false).BorderRow(false).
		StyleFunc(func(row, col int) lipgloss.Style {
			s := base
			if col < len(cols)-1 {
				s = s.PaddingRight(len(columnGap))
			}
			if row == table.HeaderRow {
				s = s.Bold(true)
			}
			return s
		})
	if len(t.header) > 0 {
		header := make([]string, 0, len(cols))
		for _, i := range cols {
			header = append(header, fit(t.header, i, "…"))
		}
		lt.Headers(header...)
	}
	return trimLines(lt.String()) + "\n"
}

// trimLines drops the spaces lipgloss pads the last cell of a line with.
func trimLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n")
}

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
// prefix, yielding columns are truncated down to their header's width or
// else dropped, and last every other column is truncated, never below its
// header's width.
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
	least := func(i int) int { return max(minTruncatedWidth, ansi.StringWidth(sanitize(cell(t.header, i)))) }
	yields := func(i int) bool { return t.policyOf(i).yields > 0 && !cut[i] }
	cols = t.dropYielding(widths, cols, width, least)
	avail = width - len(columnGap)*(len(cols)-1)
	fitWidths(widths, cols, avail, least, yields)
	fitWidths(widths, cols, avail, least, func(i int) bool { return !cut[i] })
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
func (t *Table) dropYielding(widths, cols []int, width int, least func(int) int) []int {
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

func cell(r []string, i int) string {
	if i < len(r) {
		return r[i]
	}
	return ""
}

// sanitize replaces the characters that would break the row and column
// structure (a tab splits a TSV cell, a newline splits a row), then
// escapes what could drive the terminal: cells hold text from servers.
var sanitizer = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ", "\t", " ")

func sanitize(s string) string { return iostreams.Escape(sanitizer.Replace(s)) }

func write(w io.Writer, s string) error {
	_, err := io.WriteString(w, s)
	if err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	return nil
}

// Describe prints the fields of a single object as "Key: value" lines.
//
// On a terminal the values are aligned and the keys styled; continuation
// lines of a multi-line value are indented under it. Piped, each field is
// "Key:\tvalue" on one line, the shape gh uses for non-terminal `view`
// output, so grep and cut keep working.
type Describe struct {
	ios    *iostreams.IOStreams
	fields [][2]string
}

// NewDescribe starts an empty describe printer.
func NewDescribe(ios *iostreams.IOStreams) *Describe {
	return &Describe{ios: ios}
}

// Add appends a field; fields print in the order added.
func (d *Describe) Add(key, value string) {
	d.fields = append(d.fields, [2]string{key, value})
}

// Render writes the fields to ios.Out.
func (d *Describe) Render() error {
	var b strings.Builder
	if !d.ios.IsStdoutTTY() {
		for _, f := range d.fields {
			fmt.Fprintf(&b, "%s:\t%s\n", sanitize(f[0]), sanitize(f[1]))
		}
		return write(d.ios.Out, b.String())
	}
	keyWidth := 0
	for _, f := range d.fields {
		keyWidth = max(keyWidth, ansi.StringWidth(iostreams.Escape(f[0]))+1)
	}
	base := d.ios.ColorScheme().Style()
	key := base.Bold(true).Width(keyWidth + 1)
	for _, f := range d.fields {
		// Newlines are kept in a value, and lipgloss indents its next
		// lines under the first; everything else that could drive the
		// terminal is escaped.
		value := strings.TrimRight(iostreams.Escape(f[1]), "\n")
		b.WriteString(trimLines(lipgloss.JoinHorizontal(lipgloss.Top, key.Render(iostreams.Escape(f[0])+":"), value)))
		b.WriteByte('\n')
	}
	return write(d.ios.Out, b.String())
}
