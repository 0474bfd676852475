package iostreams

import (
	"strings"
	"testing"
	"time"
)

func envOf(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

func TestColorMatrix(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		env  map[string]string
		tty  bool
		want bool
	}{
		{"tty", nil, true, true},
		{"pipe", nil, false, false},
		{"NO_COLOR tty", map[string]string{"NO_COLOR": "1"}, true, false},
		{"NO_COLOR any value", map[string]string{"NO_COLOR": "false"}, true, false},
		{"NO_COLOR empty is unset", map[string]string{"NO_COLOR": ""}, true, true},
		{"NO_COLOR beats CLICOLOR_FORCE", map[string]string{"NO_COLOR": "1", "CLICOLOR_FORCE": "1"}, true, false},
		{"CLICOLOR=0 tty", map[string]string{"CLICOLOR": "0"}, true, false},
		{"CLICOLOR=1 pipe", map[string]string{"CLICOLOR": "1"}, false, false},
		{"CLICOLOR=1 tty", map[string]string{"CLICOLOR": "1"}, true, true},
		{"CLICOLOR_FORCE pipe", map[string]string{"CLICOLOR_FORCE": "1"}, false, true},
		{"CLICOLOR_FORCE beats CLICOLOR=0", map[string]string{"CLICOLOR_FORCE": "yes", "CLICOLOR": "0"}, false, true},
		{"CLICOLOR_FORCE=0 pipe", map[string]string{"CLICOLOR_FORCE": "0"}, false, false},
		{"CLICOLOR_FORCE=0 tty", map[string]string{"CLICOLOR_FORCE": "0"}, true, true},
		{"TERM=dumb tty", map[string]string{"TERM": "dumb"}, true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ios, _, _, _ := Test()
			ios.getenv = envOf(tc.env)
			ios.SetStdoutTTY(tc.tty)
			ios.SetStderrTTY(tc.tty)
			if got := ios.ColorEnabled(); got != tc.want {
				t.Errorf("ColorEnabled() = %v, want %v", got, tc.want)
			}
			if got := ios.ErrColorEnabled(); got != tc.want {
				t.Errorf("ErrColorEnabled() = %v, want %v", got, tc.want)
			}
			cs := ios.ErrColorScheme()
			hasEsc := strings.Contains(cs.Green("ok"), "\x1b[")
			if hasEsc != tc.want {
				t.Errorf("Green(\"ok\") = %q, escape codes %v, want %v", cs.Green("ok"), hasEsc, tc.want)
			}
		})
	}
}

func TestColorPerStream(t *testing.T) {
	t.Parallel()
	ios, _, _, _ := Test()
	ios.SetStdoutTTY(true)
	if !ios.ColorEnabled() || ios.ErrColorEnabled() {
		t.Fatalf("stdout tty only: ColorEnabled=%v ErrColorEnabled=%v", ios.ColorEnabled(), ios.ErrColorEnabled())
	}
	if got := ios.ErrColorScheme().FailureIcon(); got != "X" {
		t.Errorf("stderr not a tty: FailureIcon = %q, want plain X", got)
	}
}

func TestTestStreamsIgnoreEnvironment(t *testing.T) {
	t.Setenv("CLICOLOR_FORCE", "1")
	ios, _, _, _ := Test()
	if ios.ColorEnabled() || ios.IsStdinTTY() || ios.IsStdoutTTY() || ios.IsStderrTTY() || ios.CanPrompt() {
		t.Fatal("Test() streams must have colour and every TTY flag off")
	}
}

func TestColorSchemeOutput(t *testing.T) {
	t.Parallel()
	ios, _, _, _ := Test()
	plain := ios.ColorScheme()
	for _, got := range []string{plain.Bold("b"), plain.Gray("b"), plain.Red("b"), plain.Yellow("b"), plain.Green("b")} {
		if got != "b" {
			t.Errorf("plain scheme changed text: %q", got)
		}
	}
	if a, b, c := plain.SuccessIcon(), plain.WarningIcon(), plain.FailureIcon(); a != "✓" || b != "!" || c != "X" {
		t.Errorf("plain icons = %q %q %q", a, b, c)
	}

	// Forced colour into a buffer: the profile must be fixed, not detected
	// from the (non-terminal) writer, or this would come out plain.
	ios.SetColorEnabled(true)
	cs := ios.ColorScheme()
	checks := map[string]string{
		cs.SuccessIcon():  "\x1b[32m✓\x1b[0m",
		cs.WarningIcon():  "\x1b[33m!\x1b[0m",
		cs.FailureIcon():  "\x1b[31mX\x1b[0m",
		cs.Bold("x"):      "\x1b[1mx\x1b[0m",
		cs.Gray("a\tb"):   "\x1b[90ma\tb\x1b[0m",
		cs.Bold("a\nbcd"): "\x1b[1ma\x1b[0m\n\x1b[1mbcd\x1b[0m",
		cs.Red(""):        "",
	}
	for got, want := range checks {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}

func TestCanPrompt(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, out, err, want bool }{
		{true, true, true, true},
		{true, false, true, true}, // stdout redirected: prompts go to stderr
		{false, true, true, false},
		{true, true, false, false},
	} {
		ios, _, _, _ := Test()
		ios.SetStdinTTY(tc.in)
		ios.SetStdoutTTY(tc.out)
		ios.SetStderrTTY(tc.err)
		if got := ios.CanPrompt(); got != tc.want {
			t.Errorf("stdin=%v stdout=%v stderr=%v: CanPrompt=%v want %v", tc.in, tc.out, tc.err, got, tc.want)
		}
	}
}

func TestTerminalWidth(t *testing.T) {
	t.Parallel()
	ios, _, _, _ := Test()
	if w := ios.TerminalWidth(); w != 80 {
		t.Errorf("default width = %d, want 80", w)
	}
	ios.getenv = envOf(map[string]string{"COLUMNS": "132"})
	if w := ios.TerminalWidth(); w != 132 {
		t.Errorf("COLUMNS width = %d, want 132", w)
	}
	ios.SetTerminalWidth(40)
	if w := ios.TerminalWidth(); w != 40 {
		t.Errorf("explicit width = %d, want 40", w)
	}
}

func TestProgressNotATerminal(t *testing.T) {
	t.Parallel()
	ios, _, out, errOut := Test()
	ios.StopProgress() // stop without start must be harmless
	ios.StartProgress("Logging in")
	time.Sleep(2 * spinnerInterval)
	ios.StopProgress()
	ios.StopProgress()
	if out.Len() != 0 || errOut.Len() != 0 {
		t.Fatalf("spinner wrote without a terminal: out=%q err=%q", out, errOut)
	}
}

func TestProgressTerminal(t *testing.T) {
	t.Parallel()
	ios, _, out, errOut := Test()
	ios.SetStderrTTY(true)
	ios.StartProgress("first")
	ios.StartProgress("Logging in") // replaces, does not leak a goroutine
	time.Sleep(3 * spinnerInterval)
	ios.StopProgress()
	ios.StopProgress()
	got := errOut.String()
	if out.Len() != 0 {
		t.Errorf("spinner wrote to stdout: %q", out)
	}
	if !strings.Contains(got, "\r⠋ Logging in") || !strings.Contains(got, "\r⠙ Logging in") {
		t.Errorf("spinner frames missing: %q", got)
	}
	if !strings.HasSuffix(got, "\r\x1b[K") {
		t.Errorf("spinner line not cleared on stop: %q", got)
	}
	if strings.Count(got, "\r\x1b[K") != 1 {
		t.Errorf("the spinner line should be cleared once, at the end: %q", got)
	}
}
