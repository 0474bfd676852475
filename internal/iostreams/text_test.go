package iostreams

import (
	"strings"
	"testing"
	"unicode"
)

func TestOneLine(t *testing.T) {
	for in, want := range map[string]string{
		"plain":                       "plain",
		"  spaced \t out\u00a0 text ": "spaced out text",
		// Hostile characters are shown, not dropped: dropping them hides
		// that something was there and glues the rest together.
		"user \x1b]0;OWNED\x07 is not active": `user \x1b]0;OWNED\x07 is not active`,
		"a\r\n\tb\x1b[2J c\x07":               `a\n b\x1b[2J c\x07`,
		"https://evil\u202Eexample.com/x":     `https://evil\u202eexample.com/x`,
		"10.0.0.1\u202e1.0.0.01":              `10.0.0.1\u202e1.0.0.01`,
		"nl\nzenctl user delete default":      `nl\nzenctl user delete default`,
		"cr\rvt\vff\fnel\u0085ls\u2028":       `cr\x0dvt\x0bff\x0cnel\u0085ls\u2028`,
	} {
		if got := OneLine(in); got != want {
			t.Errorf("OneLine(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEscapeCell(t *testing.T) {
	for in, want := range map[string]string{
		"ci bot":                         "ci bot",
		"nl\nzenctl user delete default": `nl\nzenctl user delete default`,
		"crlf\r\nand\ttab":               `crlf\nand tab`,
		"rtl\u202eexe":                   `rtl\u202eexe`,
	} {
		if got := EscapeCell(in); got != want {
			t.Errorf("EscapeCell(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzOneLine: whatever the input, the result is one line with nothing a
// terminal acts on, and no character of the input vanishes without a trace
// but whitespace.
func FuzzOneLine(f *testing.F) {
	for _, s := range []string{"a\nb", "\x1b]0;x\x07", "10.0.0.1\u202e1", "\xff\xfe", "\r\n\u2028"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := OneLine(s)
		if strings.ContainsAny(got, "\n\r\t\x1b\u202e\u2028\u0085") || needsEscape(got) {
			t.Fatalf("OneLine(%q) = %q: not one safe line", s, got)
		}
		for _, r := range s {
			if !unicode.IsSpace(r) && unsafeRune(r) && !strings.Contains(got, `\`) {
				t.Fatalf("OneLine(%q) = %q dropped %U without a trace", s, got, r)
			}
		}
	})
}

func TestEscape(t *testing.T) {
	for in, want := range map[string]string{
		"plain, ünïcode 日本 👨‍👩‍👧":      "plain, ünïcode 日本 👨‍👩‍👧",
		"two\nlines\tand a tab":        "two\nlines\tand a tab",
		"crlf\r\nline\rback":           "crlf\nline\\x0dback",
		"\x1b]8;;https://evil\x07link": `\x1b]8;;https://evil\x07link`,
		"\x1b]52;c;Zm9v\x07":           `\x1b]52;c;Zm9v\x07`,
		"\x1b[8mconcealed\x7f":         `\x1b[8mconcealed\x7f`,
		"c1 \u009b31m and \u0085":      `c1 \u009b31m and \u0085`,
		"raw byte \x9b31m":             `raw byte \x9b31m`,
		"evil\u202Egnp.exe":            `evil\u202egnp.exe`,
		"\u2066iso\u2069 \u200e\u200f": `\u2066iso\u2069 \u200e\u200f`,
		"zero\u200bwidth\ufeff":        `zero\u200bwidth\ufeff`,
		"line\u2028sep":                `line\u2028sep`,
		"tag \U000E0041":               `tag \U000e0041`,
	} {
		if got := Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
		if again := Escape(Escape(in)); again != Escape(in) {
			t.Errorf("Escape is not idempotent on %q: %q", in, again)
		}
	}
	if got := EscapeLine("a\nb\tc\x1b"); got != `a\nb\tc\x1b` {
		t.Errorf("EscapeLine = %q", got)
	}
}

func TestEscapeWriter(t *testing.T) {
	var b strings.Builder
	w := EscapeWriter(&b)
	n, err := w.Write([]byte("< \x1b]0;pwned\x07body\n"))
	if err != nil || n != len("< \x1b]0;pwned\x07body\n") {
		t.Fatalf("Write = %d, %v", n, err)
	}
	if got := b.String(); got != "< \\x1b]0;pwned\\x07body\n" {
		t.Errorf("wrote %q", got)
	}
}

func TestColorSchemeEscapesWhatItStyles(t *testing.T) {
	ios, _, _, _ := Test()
	for _, on := range []bool{false, true} {
		ios.SetColorEnabled(on)
		got := ios.ColorScheme().Bold("name\x1b[8m\u202e")
		if strings.Contains(got, "\x1b[8m") || strings.Contains(got, "\u202e") || !strings.Contains(got, `name\x1b[8m\u202e`) {
			t.Errorf("colour %v: Bold = %q", on, got)
		}
	}
}

func TestSafeURL(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"https://z.example.com":                 "https://z.example.com",
		"https://bob:hunter2@z.example.com/p":   "https://z.example.com/p…",
		"https://z.example.com/?token=hunter2":  "https://z.example.com/…",
		"mysql://root:hunter2@db:3306/zenml":    "mysql://db:3306/zenml…",
		"zenml.intranet:8080":                   "zenml.intranet:8080",
		"http://[::1:bad/?k=hunter2":            "http://[::1:bad/…",
		"  https://z.example.com/#frag-hunter2": "https://z.example.com/…",
		"https://z.example.com/\x1b]0;x\a":      `https://z.example.com/\x1b]0;x\x07`,
	} {
		if got := SafeURL(in); got != want {
			t.Errorf("SafeURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestShortIDNeverSlicesPastTheEnd(t *testing.T) {
	for id, want := range map[string]string{
		"":                                     "",
		"x":                                    "x",
		"0b8e8d0a-1b2c-4d5e-8f90-123456789abc": "0b8e8d0a",
		"ünïcødé-id":                           "ünïcødé-",
		"ab\x1b]0;x":                           `ab\x1b]0;x`,
	} {
		if got := ShortID(id); got != want {
			t.Errorf("ShortID(%q) = %q, want %q", id, got, want)
		}
	}
}
