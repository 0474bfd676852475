package iostreams

import (
	"fmt"
	"io"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file is zenctl's one home for making server or stored text safe for
// a terminal: Escape (control, escape and bidi characters), OneLine (one
// line, for error messages), EscapeLine (one field, for completions),
// EscapeCell (one table cell) and SafeURL (no credentials). pkg/zenml, a library that must not depend on
// zenctl's internals, keeps its own redaction of what it traces.

// OneLine makes text that came from elsewhere (a server's message, a URL it
// sent, a name) safe to print as one line. Nothing is dropped: what a
// terminal must not see is escaped as Escape does, so a reader still sees
// that something hostile was there (`\x1b]0;`, `\u202e`), and a line break
// shows as `\n` rather than folding into a space: a name "x\nzenctl user
// delete default" must not read as a command of its own. Runs of other
// whitespace become one space.
func OneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) && !isLineBreak(r) {
			return ' '
		}
		return r
	}, s)
	s = lineBreaks.Replace(Escape(strings.Trim(s, " \r\n")))
	return strings.Join(strings.Fields(s), " ")
}

// isLineBreak reports whether r ends a line somewhere: such characters are
// escaped (by Escape, or as `\n`), never folded into a space.
func isLineBreak(r rune) bool {
	switch r {
	case '\n', '\r', '\v', '\f', '\u0085', '\u2028', '\u2029':
		return true
	}
	return false
}

// Escape makes text that came from a server or a foreign file safe to show
// in human output: every character that could drive the terminal or make
// the text read as something it is not is shown as an escape instead —
// C0 and C1 controls (ESC starts OSC 8 links, OSC 52 clipboard writes,
// cursor moves, SGR 8 concealment), DEL, bidi controls and other invisible
// format characters (U+202E reverses what follows), line and paragraph
// separators, and bytes that are not UTF-8 (0x9b is CSI to some
// terminals). Newlines and tabs are kept: where they would break a layout
// (a table cell) the layout replaces them itself. "\r\n" becomes "\n".
//
// JSON and YAML output is never escaped this way: it must stay exact, and
// its encoders escape what they must.
func Escape(s string) string {
	if !needsEscape(s) {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n' || r == '\t' || !unsafeRune(r):
			b.WriteString(s[i : i+size])
		case r < 0x80:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r <= 0xFFFF:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
		i += size
	}
	return b.String()
}

func needsEscape(s string) bool {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r != '\n' && r != '\t' && unsafeRune(r) {
			return true
		}
		i += size
	}
	return false
}

// unsafeRune reports whether r must not reach a terminal as it is. The
// zero-width joiner and non-joiner are the format characters left alone:
// emoji sequences and several scripts need them, and they move nothing.
func unsafeRune(r rune) bool {
	switch {
	case unicode.IsControl(r): // C0, DEL, C1
		return true
	case r == '\u200c' || r == '\u200d':
		return false
	case unicode.Is(unicode.Cf, r), // bidi marks, embeddings, overrides, isolates; zero-width space; BOM; tags
		r == '\u2028' || r == '\u2029':
		return true
	}
	return false
}

// EscapeWriter passes everything written to it through Escape: for a
// stream of plain text from elsewhere, such as the --debug trace of
// requests and responses. Each Write is escaped on its own, so write whole
// lines.
func EscapeWriter(w io.Writer) io.Writer { return escapeWriter{w} }

type escapeWriter struct{ w io.Writer }

func (e escapeWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(e.w, Escape(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// EscapeLine is Escape for text that must stay on one line and in one
// field, such as a shell completion candidate: newlines and tabs are
// escaped too ("\r\n" as one `\n`).
func EscapeLine(s string) string {
	return lineBreaks.Replace(Escape(s))
}

var lineBreaks = strings.NewReplacer("\n", `\n`, "\t", `\t`)

// EscapeCell is Escape for a table cell: a line break, which would split
// a row, is escaped as `\n` like the rest, not folded into a space that
// would hide it (a name "x\nzenctl user delete default" must not read as
// a command); a tab, which would split a TSV cell, becomes a space, as
// OneLine makes it.
func EscapeCell(s string) string {
	return EscapeLine(strings.ReplaceAll(s, "\t", " "))
}

// SafeURL makes a URL from a server or a stored file fit to print: without
// user info, query and fragment, which may hold a password or a token, and
// on one line, escaped as OneLine does. A trailing "…"
// says that something was left out. An unparseable URL is cut before
// anything that could be a credential.
func SafeURL(raw string) string {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil {
		if i := strings.IndexAny(raw, "@?#"); i >= 0 {
			return OneLine(raw[:i]) + "…"
		}
		return OneLine(raw)
	}
	if u.User == nil && u.RawQuery == "" && u.Fragment == "" && !u.ForceQuery {
		return OneLine(raw)
	}
	u.User, u.RawQuery, u.Fragment, u.ForceQuery = nil, "", "", false
	return OneLine(u.String()) + "…"
}

// ShortID is the first eight characters of an id from a server, as the
// commands zenctl suggests name it, escaped for one line. A server may send
// an id of any length: a shorter one is shown whole, never sliced past its
// end.
func ShortID(id string) string {
	runes := []rune(id)
	if len(runes) > 8 {
		runes = runes[:8]
	}
	return EscapeLine(string(runes))
}
