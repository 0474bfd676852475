package iostreams

import "testing"

func TestOneLine(t *testing.T) {
	for in, want := range map[string]string{
		"plain": "plain",
		"1 validation error for X\nname\n  field required (type=value_error.missing)": "1 validation error for X name field required (type=value_error.missing)",
		"a\r\n\tb\x1b[2J c\x07":           "a b[2J c",
		"https://evil\u202Eexample.com/x": "https://evilexample.com/x",
	} {
		if got := OneLine(in); got != want {
			t.Errorf("OneLine(%q) = %q, want %q", in, got, want)
		}
	}
}
