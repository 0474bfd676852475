package zenml

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// readable is what a reader makes of text on a terminal: escape sequences
// and invisible characters gone, accents over letters ignored, fullwidth
// letters read as letters.
func readable(s string) string {
	s = regexp.MustCompile(`(\x1b|\\x1b|\x{9b})\[[0-?]*[ -/]*[@-~]?`).ReplaceAllString(s, "")
	s = strings.Map(func(r rune) rune {
		if unicode.In(r, unicode.Mn, unicode.Me) {
			return -1
		}
		return r
	}, norm.NFKD.String(onTerminal(s)))
	return s
}

func fullwidth(s string) string {
	return strings.Map(func(r rune) rune {
		if r > ' ' && r < 0x7f {
			return r - '!' + '！'
		}
		return r
	}, s)
}

// A server's 401 may echo the password it was sent in a disguise a
// terminal still shows readably: none of it may get through.
func TestEchoedPasswordInDisguiseIsRedacted(t *testing.T) {
	const password = "Hunter2Secret"
	sent := request{body: []byte("username=u&password=" + password)}.sentSecrets("")
	for name, echoed := range map[string]string{
		"combining marks": interleave(password, "\u0301"),
		"fullwidth":       fullwidth(password),
		"ANSI reset":      interleave(password, "\x1b[0m"),
		"ANSI colours":    interleave(password, "\x1b[1;31m"),
		"C1 CSI":          interleave(password, "\u009b0m"),
		"all at once":     interleave(fullwidth(password), "\u0301\x1b[0m\u200b"),
	} {
		for _, body := range []string{
			`{"detail": "user u with password ` + strings.ReplaceAll(strings.ReplaceAll(echoed, `\`, `\\`), "\x1b", `\u001b`) + ` is not valid"}`,
			"not valid: " + echoed + "\n",
		} {
			e := parseError(http.StatusUnauthorized, nil, []byte(body), sent)
			if got := readable(e.Message); strings.Contains(got, password) || !strings.Contains(got, redacted) {
				t.Errorf("%s: %q reads as %q", name, e.Message, got)
			}
		}
	}
}

// An API key's inner secret, the hex key inside its base64 JSON, may be
// echoed on its own by a server that decoded it.
func TestEchoedAPIKeyInnerSecretIsRedacted(t *testing.T) {
	const inner = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawURLEncoding} {
		key := "ZENKEY_" + enc.EncodeToString([]byte(`{"id":"6b3a0f5e-2f4e-4f0b-9a43-2b8c6b1e7a10","key":"`+inner+`"}`))
		sent := request{body: []byte("password=" + key)}.sentSecrets("")
		e := parseError(http.StatusUnauthorized, nil, []byte(`{"detail":"key `+inner+` does not match"}`), sent)
		if strings.Contains(e.Message, inner) || e.Message != "key [REDACTED] does not match" {
			t.Errorf("message = %q", e.Message)
		}
	}
	if got := apiKeySecret("ZENKEY_not base64"); got != "" {
		t.Errorf("apiKeySecret of a broken key = %q", got)
	}
}

// A password shorter than minRedactedLen goes where it stands as a word
// or a field value, and nowhere inside other words.
func TestShortSentSecretsGoAsWholeWords(t *testing.T) {
	for _, tt := range []struct{ password, in, want string }{
		{"pw", "password pw is wrong", "password [REDACTED] is wrong"},
		{"pw", `got "pw", see pwd`, `got "[REDACTED]", see pwd`},
		{"pw", "password=pw", "password=[REDACTED]"},
		{"abc", "abcdef abc_x abc.", "abcdef abc_x [REDACTED]."},
		{"abc", "a\u200bb\u0301c!", "[REDACTED]!"},
		{"a", "a password is a secret", "[REDACTED] password is [REDACTED] secret"},
	} {
		sent := request{body: []byte("password=" + tt.password)}.sentSecrets("")
		if got := removeSent(tt.in, sent); got != tt.want {
			t.Errorf("password %q: removeSent(%q) = %q, want %q", tt.password, tt.in, got, tt.want)
		}
	}
}

// The message of a non-JSON answer is cut at 120 characters, not bytes,
// and never inside a character or between a letter and its accent.
func TestNonJSONMessageCutAtCharacters(t *testing.T) {
	for _, body := range []string{
		strings.Repeat("é", 200),
		strings.Repeat("日本", 100),
		strings.Repeat("x", 119) + "e\u0301\u0301" + strings.Repeat("y", 10),
		strings.Repeat("x", 119) + "\xff\xfe" + strings.Repeat("y", 10),
	} {
		msg := ParseError(http.StatusBadGateway, nil, []byte(body)).Message
		line := strings.TrimPrefix(msg, "unexpected response: ")
		if !strings.Contains(body, "\xff") && (!utf8.ValidString(msg) || strings.ContainsRune(line, utf8.RuneError)) {
			t.Errorf("cut to invalid text: %q", msg)
		}
		if n := utf8.RuneCountInString(strings.TrimSuffix(line, "…")); n < 110 || n > 122 {
			t.Errorf("cut to %d characters: %q", n, msg)
		}
		if r, _ := utf8.DecodeLastRuneInString(strings.TrimSuffix(line, "…")); r == 'e' {
			t.Errorf("cut between a letter and its accent: %q", msg)
		}
	}
}

// removeSentFromJSON changes only the strings that hold a sent secret, and
// the result is JSON with the same shape.
func TestRemoveSentFromJSONStaysJSON(t *testing.T) {
	sent := request{header: http.Header{"Authorization": {"Bearer tok-abcdef"}}, body: []byte(`{"password":"pw"}`)}.sentSecrets("")
	for in, want := range map[string]string{
		`{"detail": "bad tok-abcdef", "n": 1.50}`:                  `{"detail": "bad [REDACTED]", "n": 1.50}`,
		"[\"a \\\"tok-abcdef\\\"\", \"pw\", \"pwd\", \"\\u001b\"]": `["a \"[REDACTED]\"", "[REDACTED]", "pwd", "\u001b"]`,
		`{"tok-abcdef": {"x": "t\u200bok-ab\u0301cdef\n"}}`:        `{"[REDACTED]": {"x": "[REDACTED]\n"}}`,
		"{\n  \"ok\": true,\n  \"s\": \"\\\\ \\\" nothing\"\n}":    "{\n  \"ok\": true,\n  \"s\": \"\\\\ \\\" nothing\"\n}",
	} {
		got := string(removeSentFromJSON([]byte(in), sent))
		if got != want || !json.Valid([]byte(got)) {
			t.Errorf("removeSentFromJSON(%s) = %s, want %s", in, got, want)
		}
	}
}

// FuzzEchoedDisguises: a sent secret of 4 or more characters, echoed with
// accents, escape sequences or in fullwidth forms, never reads in the
// message.
func FuzzEchoedDisguises(f *testing.F) {
	f.Add("Hunter2Secret", uint8(0), "0", "before ", " after")
	f.Add("s3cr3t-pw", uint8(1), "1;31", "", "")
	f.Add("ZENKEY_abcd", uint8(2), "", "x", "y")
	f.Fuzz(func(t *testing.T, secret string, mode uint8, params, before, after string) {
		if !utf8.ValidString(secret) || utf8.RuneCountInString(secret) < minRedactedLen || strings.ContainsFunc(secret, func(r rune) bool {
			return r >= utf8.RuneSelf || !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' && r != '_'
		}) {
			return
		}
		params = strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' || r == ';' {
				return r
			}
			return -1
		}, params)
		var echoed string
		switch mode % 3 {
		case 0:
			echoed = interleave(secret, "\u0301")
		case 1:
			echoed = interleave(secret, "\x1b["+params+"m")
		case 2:
			echoed = fullwidth(secret)
		}
		sent := request{body: []byte("password=" + secret)}.sentSecrets("")
		msg := removeSent(before+echoed+after, sent)
		if strings.Contains(readable(msg), secret) && !strings.Contains(readable(before+after), secret) {
			t.Errorf("%q echoed as %q reads in %q", secret, echoed, msg)
		}
	})
}
