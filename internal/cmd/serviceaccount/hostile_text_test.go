package serviceaccount

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/zenctl/zenctl/internal/cmd/cmdtest"
	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

// hostileText holds what a server could use to drive a terminal: an OSC 8
// hidden link, an OSC 52 clipboard write, an OSC 0 title, a cursor move,
// SGR 8 (concealed text), a C1 CSI and a right-to-left override.
const hostileText = "\x1b]8;;https://evil.example\x07click\x1b]8;;\x07 \x1b]52;c;cm0gLXJmIH4=\x07 \x1b]0;title\x07 \x1b[2A \x1b[8mhidden\x1b[0m \u009b31m \u202egnp.exe"

// rawControls are the characters that must never reach the terminal.
var rawControls = []string{"\x1b", "\x07", "\u009b", "\u202e"}

// ownStyles are the styles zenctl itself writes with colour on.
var ownStyles = regexp.MustCompile(`\x1b\[(0|1|3[0-7]|9[0-7])m`)

func expectNoRawControls(t *testing.T, what, s string) {
	t.Helper()
	s = ownStyles.ReplaceAllString(s, "")
	for _, c := range rawControls {
		if strings.Contains(s, c) {
			t.Errorf("%s holds a raw %q:\n%q", what, c, s)
		}
	}
}

func TestServerTextIsEscapedInHumanOutput(t *testing.T) {
	e := newEnv(t, zenmltest.Options{})
	name := "bot\x1b[8m\u202e"
	e.mustRun("create", name, "-d", hostileText, "--create-api-key=false")
	e.mustRun("api-key", name, "create", "key\x1b]0;x\x07", "-d", hostileText)

	for _, tty := range []bool{false, true} {
		setup := func(h *cmdtest.Harness) {
			h.IO.SetStdoutTTY(tty)
			h.IO.SetStderrTTY(tty)
			h.IO.SetColorEnabled(tty)
		}
		for _, args := range [][]string{
			{"list"},
			{"describe", name},
			{"update", name, "-d", hostileText},
			{"api-key", name, "list"},
			{"api-key", name, "describe", "key\x1b]0;x\x07"},
			{"api-key", name, "deactivate", "key\x1b]0;x\x07"},
		} {
			r := e.runWith(setup, args)
			if r.err != nil {
				t.Fatalf("%q: %v", args, r.err)
			}
			expectNoRawControls(t, strings.Join(args, " ")+" stdout", r.stdout)
			expectNoRawControls(t, strings.Join(args, " ")+" stderr", r.stderr)
		}
	}
	// Escaped, not dropped: the user sees that something is there.
	r := e.mustRun("describe", name)
	if !strings.Contains(r.stdout, `\x1b]52;c;`) || !strings.Contains(r.stdout, `\u202egnp.exe`) {
		t.Errorf("describe does not show the escapes:\n%s", r.stdout)
	}
	// JSON stays exact: a script gets the server's string.
	var v ServiceAccountView
	if err := json.Unmarshal([]byte(e.mustRun("describe", name, "-o", "json").stdout), &v); err != nil || v.Description != hostileText {
		t.Errorf("JSON description %q (%v)", v.Description, err)
	}

	names, _ := completeServiceAccountArg(e.h.F.AuthenticatedClient)(&cobra.Command{}, nil, "bot")
	expectNoRawControls(t, "completion", strings.Join(names, "\n"))
}
