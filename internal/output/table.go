package output

import (
	"fmt"
	"io"
	"strings"

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
// On a terminal: a styled header row, columns aligned by display width, and
// the widest columns truncated with "…" to fit the terminal. Piped: no
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
	// yields: truncated before the other columns.
	yields bool
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
	for _, h := range headers {
		t.setPolicy(h, func(p *columnPolicy) { p.yields = true })
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
	ncol := len(t.header)
	for _, r := range t.rows {
		ncol = max(ncol, len(r))
	}
	if ncol == 0 {
		return nil
	}
	var b strings.Builder
	if !t.ios.IsStdoutTTY() {
		for _, r := range t.rows {
			b.WriteString(tsvRow(r, ncol))
		}
		return write(t.ios.Out, b.String())
	}

	rows := make([][]string, 0, len(t.rows)+1)
	if len(t.header) > 0 {
		rows = append(rows, t.header)
	}
	rows = append(rows, t.rows...)
	widths := make([]int, ncol)
	for _, r := range rows {
		for i := range ncol {
			widths[i] = max(widths[i], ansi.StringWidth(sanitize(cell(r, i))))
		}
	}
	cols, cut := t.layout(widths, t.ios.TerminalWidth())

	cs := t.ios.ColorScheme()
	for ri, r := range rows {
		line := make([]string, 0, len(cols))
		for n, i := range cols {
			tail := "…"
			if cut[i] && (ri > 0 || len(t.header) == 0) {
				tail = ""
			}
			s := ansi.Truncate(sanitize(cell(r, i)), widths[i], tail)
			pad := ""
			if n < len(cols)-1 {
				pad = strings.Repeat(" ", widths[i]-ansi.StringWidth(s))
			}
			if ri == 0 && len(t.header) > 0 {
				s = cs.Bold(s)
			}
			line = append(line, s+pad)
		}
		b.WriteString(strings.TrimRight(strings.Join(line, columnGap), " "))
		b.WriteByte('\n')
	}
	return write(t.ios.Out, b.String())
}

// uniquePrefixes reports whether the first n characters of column i tell
// its distinct values apart.
func (t *Table) uniquePrefixes(i, n int) bool {
	seen := map[string]string{}
	for _, r := range t.rows {
		v := sanitize(cell(r, i))
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
// prefix, yielding columns are truncated, and last every other column.
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
	for _, i := range cols {
		abbrev := t.policyOf(i).abbrev
		if abbrev > 0 && widths[i] > abbrev {
			w := abbrev
			// A prefix shared by two rows would name neither.
			for w < widths[i] && !t.uniquePrefixes(i, w) {
				w++
			}
			widths[i], cut[i] = w, true
		}
	}
	fitWidths(widths, cols, avail, func(i int) bool { return t.policyOf(i).yields && !cut[i] })
	fitWidths(widths, cols, avail, func(i int) bool { return !cut[i] })
	return cols, cut
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
// widest first, until they fit in avail or are down to the minimum: a
// table that cannot fit is left to wrap rather than made unreadable.
func fitWidths(widths, cols []int, avail int, eligible func(int) bool) {
	total := sum(widths, cols)
	for total > avail {
		widest := -1
		for _, i := range cols {
			if eligible(i) && widths[i] > minTruncatedWidth && (widest < 0 || widths[i] > widths[widest]) {
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

// sanitize makes a cell, which holds text from servers, safe for the
// terminal and the table (see iostreams.EscapeCell).
func sanitize(s string) string { return iostreams.EscapeCell(s) }

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
	cs := d.ios.ColorScheme()
	indent := strings.Repeat(" ", keyWidth+1)
	for _, f := range d.fields {
		key := iostreams.Escape(f[0]) + ":"
		pad := strings.Repeat(" ", keyWidth-ansi.StringWidth(key)+1)
		// Newlines are kept (and indented) in a value; everything else
		// that could drive the terminal is escaped.
		value := iostreams.Escape(f[1])
		value = strings.ReplaceAll(strings.TrimRight(value, "\n"), "\n", "\n"+indent)
		b.WriteString(strings.TrimRight(cs.Bold(key)+pad+value, " "))
		b.WriteByte('\n')
	}
	return write(d.ios.Out, b.String())
}
