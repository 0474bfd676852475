package api

import (
	"strings"
	"testing"

	"github.com/zenctl/zenctl/internal/iostreams"
)

// TestTerminalGetsEscapedBodies: on a terminal a response cannot drive it;
// piped, a script gets the server's bytes exactly.
func TestTerminalGetsEscapedBodies(t *testing.T) {
	hostile := "<p>\x1b]52;c;cm0gLXJm\x07\u202e</p>\n"
	for _, tty := range []bool{false, true} {
		ios, _, out, _ := iostreams.Test()
		ios.SetStdoutTTY(tty)
		p := &printer{io: ios}
		if err := p.body([]byte(hostile)); err != nil {
			t.Fatal(err)
		}
		if err := p.body([]byte("{\"d\":\"\u202eexe\"}")); err != nil {
			t.Fatal(err)
		}
		got := out.String()
		switch {
		case !tty && got != hostile+"{\"d\":\"\u202eexe\"}":
			t.Errorf("piped: %q", got)
		case tty && strings.ContainsAny(got, "\x1b\x07\u202e"):
			t.Errorf("terminal: raw controls in %q", got)
		}
	}
}
