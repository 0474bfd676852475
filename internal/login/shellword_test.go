package login

import (
	"strings"
	"testing"
)

func TestShellWord(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"ann", "ann"},
		{"ci-bot_2@x.y", "ci-bot_2@x.y"},
		{"ci bot", "'ci bot'"},
		{"o'brien", `'o'\''brien'`},
		{"$(rm -rf ~)", "'$(rm -rf ~)'"},
		{"", "''"},
		{"zoë", "'zoë'"},
		// What a terminal must not see is neither shown nor escaped into
		// a different name that would paste as this one.
		{"esc\x1b]0;OWNED\x07", NamePlaceholder},
		{"gnp\u202eexe", NamePlaceholder},
		{"two\nlines", NamePlaceholder},
		{"tab\there", NamePlaceholder},
		{"zero\u200bwidth", NamePlaceholder},
		{"c1\u009b31m", NamePlaceholder},
		{"bad\xffutf8", NamePlaceholder},
		{"del\x7f", NamePlaceholder},
	} {
		if got := ShellWord(tt.in); got != tt.want {
			t.Errorf("ShellWord(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestShellWordOrUsesTheStandIn(t *testing.T) {
	id := "0b7c1f7e-8d6a-4a59-9c39-1a2b3c4d5e6f"
	if got := ShellWordOr("esc\x1b]0;OWNED\x07", id); got != id {
		t.Errorf("ShellWordOr = %q, want the id", got)
	}
	if got := ShellWordOr("ann", id); got != "ann" {
		t.Errorf("ShellWordOr = %q, want the name", got)
	}
	if got := ShellWordOr("my file", "FILE"); got != "'my file'" {
		t.Errorf("ShellWordOr = %q", got)
	}
	// A stand-in that is itself unsafe falls back to the placeholder.
	if got := ShellWordOr("\x1b", "\u202e"); got != NamePlaceholder {
		t.Errorf("ShellWordOr = %q, want %q", got, NamePlaceholder)
	}
	for _, w := range []string{"a\x1bb", "\u202e", "x\u2028y"} {
		if strings.ContainsAny(ShellWordOr(w, w), "\x1b\u202e\u2028") {
			t.Errorf("ShellWordOr(%q) lets it through", w)
		}
	}
}

func TestPlaceholderNote(t *testing.T) {
	if n := PlaceholderNote("ann"); n != "" {
		t.Errorf("note for a showable name: %q", n)
	}
	if n := PlaceholderNote("esc\x1b]0;OWNED\x07"); !strings.Contains(n, NamePlaceholder) || strings.Contains(n, "\x1b") {
		t.Errorf("note = %q", n)
	}
}

// A name that starts with '-' would be read as a flag where it stands as
// a positional: the id stands in for it, or "--" ends the flags before it.
func TestDashNamesDoNotReadAsFlags(t *testing.T) {
	id := "0b7c1f7e-8d6a-4a59-9c39-1a2b3c4d5e6f"
	for _, tt := range []struct{ in, instead, want string }{
		{"-rf", id, id},
		{"--yes", id, id},
		{"-", id, id},
		{"ann-", id, "ann-"},
		{"-rf", "FILE", "-rf"},
		{"-rf", NamePlaceholder, "-rf"},
	} {
		if got := ShellWordOr(tt.in, tt.instead); got != tt.want {
			t.Errorf("ShellWordOr(%q, %q) = %q, want %q", tt.in, tt.instead, got, tt.want)
		}
	}
	for in, want := range map[string]string{
		"-rf":      "-- -rf",
		"--yes":    "-- --yes",
		"-a b":     "-- '-a b'",
		"ann":      "ann",
		"esc\x1b[": NamePlaceholder,
	} {
		if got := ShellArg(in); got != want {
			t.Errorf("ShellArg(%q) = %q, want %q", in, got, want)
		}
	}
}
