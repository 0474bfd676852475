package output

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/zenctl/zenctl/internal/iostreams"
)

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

// Field is one labelled value of a FieldBlock.
type Field struct{ Key, Value string }

// FieldBlock renders fields as "Key: value" lines, each
// indented by indent spaces and the values aligned in one column, with
// lipgloss: the keys are bold where cs has colour, and plain text where it
// has not (a pipe, NO_COLOR). Keys and values are escaped onto one line
// each, so text from a server cannot break the block or drive the
// terminal. Fields with an empty value are left out.
func FieldBlock(cs *iostreams.ColorScheme, indent int, fields []Field) string {
	keyWidth := 0
	for _, f := range fields {
		if f.Value != "" {
			keyWidth = max(keyWidth, ansi.StringWidth(iostreams.EscapeLine(f.Key))+1)
		}
	}
	key := cs.Style().Bold(true).Width(keyWidth + 1).MarginLeft(indent)
	var b strings.Builder
	for _, f := range fields {
		if f.Value == "" {
			continue
		}
		line := lipgloss.JoinHorizontal(lipgloss.Top, key.Render(iostreams.EscapeLine(f.Key)+":"), iostreams.EscapeLine(f.Value))
		b.WriteString(trimLines(line))
		b.WriteByte('\n')
	}
	return b.String()
}
