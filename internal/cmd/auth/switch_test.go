package auth

import (
	"strings"
	"testing"

	"github.com/zenctl/zenctl/internal/cmd/cmdtest"
	"github.com/zenctl/zenctl/internal/config"
	"github.com/zenctl/zenctl/internal/credentials"
	"github.com/zenctl/zenctl/internal/prompt"
)

// With several other logins, a terminal picks one from a menu (a wrong
// answer is asked again) and a script gets an error listing them; the
// network is never called.
func TestSwitchMenuAndScriptError(t *testing.T) {
	const a, b, c = "http://127.0.0.1:1", "http://127.0.0.1:2", "http://127.0.0.1:3"
	setUp := func(h *cmdtest.Harness) {
		for _, u := range []string{a, b, c} { // nothing listens there: switch must not call them
			h.Login(u, credentials.Secret{Username: "ann", Password: "pw"}, config.AuthPassword)
		}
	}

	h := cmdtest.New(t)
	setUp(h)
	h.Reset()
	err := execute(t, NewCmdSwitch(h.F, nil))
	if err == nil || !strings.Contains(err.Error(), "ann on "+a) || !strings.Contains(err.Error(), "ann on "+b) {
		t.Fatalf("script: err = %v", err)
	}

	h.Reset(prompt.Answer{Kind: prompt.KindInput, Value: "7"}, prompt.Answer{Kind: prompt.KindInput, Value: "2"})
	h.IO.SetStdinTTY(true)
	h.IO.SetStderrTTY(true)
	if err := execute(t, NewCmdSwitch(h.F, nil)); err != nil {
		t.Fatal(err)
	}
	if got := h.Config().ActiveServer; got != b {
		t.Errorf("active server %q, want the second choice %q", got, b)
	}
	if !strings.Contains(h.ErrOut.String(), "Give a number from 1 to 2") {
		t.Errorf("a wrong answer was not asked again:\n%s", h.ErrOut)
	}
}
