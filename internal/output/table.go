package output

import (
	"fmt"
	"io"
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
	// floor, when set, is the width the column is cut to before any
	// yielding column is dropped (ShrinkBeforeDropping).
	floor int
	// whole: the column is never cut with an ellipsis. A yielding one is
	// dropped instead; any other keeps its width while the rest give way.
	whole bool
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

// KeepWhole names columns whose values are never cut: a status cut to
// "active (account inac…" hides what matters in an incident, and
// "service a…" reads worse than no TYPE column at all. A KeepWhole column
// that also yields (TruncateFirst) is dropped rather than cut; any other
// keeps its width while the other columns give way.
func (t *Table) KeepWhole(headers ...string) {
	for _, h := range headers {
		t.setPolicy(h, func(p *columnPolicy) { p.whole = true })
	}
}

// ShrinkBeforeDropping names columns that are cut, down to width, before
// any TruncateFirst column is dropped: one long URL in `server list`
// should lose its end, not take TYPE, AUTH and STORAGE from every row.
func (t *Table) ShrinkBeforeDropping(width int, headers ...string) {
	for _, h := range headers {
		t.setPolicy(h, func(p *columnPolicy) { p.floor = width })
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
func (t *Table) Fits() bool { return t.Overflow() <= 0 }

// Overflow is by how many columns the whole table, nothing cut, is wider
// than the terminal (zero or less when it fits): what a command that can
// shorten a column's values itself has to take off.
func (t *Table) Overflow() int {
	ncol := t.columnCount()
	widths := t.naturalWidths(ncol)
	all := make([]int, ncol)
	for i := range all {
		all[i] = i
	}
	return sum(widths, all) + len(columnGap)*(ncol-1) - t.ios.TerminalWidth()
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
