package zenml

import "testing"

// A key pasted as the zenml CLI prints it, in quotes, or read from a file
// with its newline, is the key.
func TestCleanAPIKey(t *testing.T) {
	for in, want := range map[string]string{
		"ZENKEY_abc":      "ZENKEY_abc",
		" 'ZENKEY_abc'\n": "ZENKEY_abc",
		`"ZENKEY_abc"`:    "ZENKEY_abc",
		`'ZENKEY_abc"`:    `'ZENKEY_abc"`, // not a pair
		"''":              "",
		"'":               "'",
		"'ZENKEY_a'b'":    "ZENKEY_a'b",
	} {
		if got := CleanAPIKey(in); got != want {
			t.Errorf("CleanAPIKey(%q) = %q, want %q", in, got, want)
		}
	}
}
