package iostreams

import (
	"strings"
	"unicode"
)

// OneLine makes text that came from elsewhere (a server's message, a URL it
// sent) safe to print as one line: runs of whitespace become one space,
// and control and format characters are dropped, so that the text can
// neither drive the terminal nor (with bidi overrides) read as something
// it is not.
func OneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r):
			return ' '
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r):
			return -1
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}
