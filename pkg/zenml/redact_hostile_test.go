package zenml

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// onTerminal is what a person reads of s once the characters a terminal
// does not show (and that zenctl drops or escapes) are gone.
func onTerminal(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029' || r == unicode.ReplacementChar ||
			unicode.Is(unicode.Variation_Selector, r) || unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r) {
			return -1
		}
		return r
	}, s)
}

// interleave puts sep between the letters of s.
func interleave(s, sep string) string {
	return strings.Join(strings.Split(s, ""), sep)
}

// A server that echoes the password with invisible characters between its
// letters does not get it onto the terminal, in a JSON error or in text.
func TestEchoedSecretWithInvisibleCharactersIsRedacted(t *testing.T) {
	const password = "hunter2-secret-pw"
	for name, sep := range map[string]string{
		"zero-width space": "\u200b", "DEL": "\x7f", "NUL": "\x00", "BEL": "\a", "ESC": "\x1b",
		"bidi override": "\u202e", "soft hyphen": "\u00ad", "C1 CSI": "\u009b", "newline": "\n",
		"not UTF-8": "\xff", "mixed": "\u200b\x7f\x01", "variation selector": "\ufe0f", "Hangul filler": "\u3164",
	} {
		for _, shape := range []string{"json", "text"} {
			t.Run(name+" "+shape, func(t *testing.T) {
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					body, _ := io.ReadAll(r.Body)
					form, _ := url.ParseQuery(string(body))
					echoed := interleave(form.Get("password"), sep)
					w.WriteHeader(http.StatusBadRequest)
					if shape == "json" {
						detail, _ := json.Marshal("bad password " + echoed)
						_, _ = io.WriteString(w, `{"detail":`+string(detail)+`}`)
						return
					}
					_, _ = io.WriteString(w, "bad password "+echoed)
				}))
				defer srv.Close()
				c := newTestClient(t, srv.URL, Options{MaxRetries: -1})
				_, err := c.LoginPassword(context.Background(), "ann", password)
				if err == nil {
					t.Fatal("no error")
				}
				if shown := onTerminal(err.Error()); strings.Contains(shown, "hunter2") || strings.Contains(shown, "secret-pw") {
					t.Errorf("the password reaches the terminal: %q", shown)
				}
				if !strings.Contains(err.Error(), redacted) {
					t.Errorf("nothing redacted in %q", err)
				}
			})
		}
	}
}

// A plain-text error is cut for the message; a secret that straddles the
// cut must not leave its first part behind.
func TestSecretAcrossTheCutOfATextErrorIsRedacted(t *testing.T) {
	const password = "PWSTART-0123456789-abcdefghij-PWEND"
	for pad := 95; pad <= 125; pad++ {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			form, _ := url.ParseQuery(string(body))
			w.WriteHeader(http.StatusBadGateway)
			_, _ = io.WriteString(w, strings.Repeat("x", pad)+form.Get("password")+" and more text")
		}))
		c := newTestClient(t, srv.URL, Options{MaxRetries: -1})
		_, err := c.LoginPassword(context.Background(), "ann", password)
		srv.Close()
		if err == nil {
			t.Fatal("no error")
		}
		if strings.Contains(err.Error(), "PWSTART") || strings.Contains(err.Error(), "PWST") {
			t.Errorf("pad %d: a prefix of the password is in %q", pad, err)
		}
	}
	// The same for a key recognised by its shape, with no request behind it.
	for pad := 100; pad <= 125; pad++ {
		e := ParseError(http.StatusBadGateway, nil, []byte(strings.Repeat("y", pad)+"ZENKEY_c2VjcmV0LWtleS1sb25nLWVub3VnaA== rest"))
		if strings.Contains(e.Message, "ZENKEY_c2") {
			t.Errorf("pad %d: a prefix of the key is in %q", pad, e.Message)
		}
	}
}

// Patterns match through invisible characters too: a bare key echoed
// with zero-width spaces in it, and a password field with DEL in its name.
func TestSecretPatternsSeeThroughInvisibleCharacters(t *testing.T) {
	for _, body := range []string{
		"leaked ZEN\u200bKEY_c2VjcmV0\u200b-key-value here",
		`{"detail": "form was pass\x7fword=hunter2-secret-pw&x=1"}`,
		`{"detail": "echo {\"pass\u200bword\": \"hunter2-secret-pw\"}"}`,
	} {
		e := ParseError(http.StatusBadRequest, nil, []byte(body))
		if shown := onTerminal(e.Message); strings.Contains(shown, "c2VjcmV0") || strings.Contains(shown, "hunter2") {
			t.Errorf("%q: the secret reaches the terminal: %q", body, shown)
		}
	}
}

// Text without invisible characters is redacted exactly as before; with
// them, only the secret's span goes and the rest is left as it was.
func TestRemoveSentKeepsTheRest(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"a hunter2 b", "a [REDACTED] b"},
		{"a h\u200bunter\x7f2 b\u200b", "a [REDACTED] b\u200b"},
		{"\x1bhunter2\x00hunter2\x1b", "\x1b[REDACTED]\x00[REDACTED]\x1b"},
		{"hunt", "hunt"},
	} {
		if got := removeSent(tt.in, []string{"hunter2"}); got != tt.want {
			t.Errorf("removeSent(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzRemoveSentThroughInvisibleCharacters: whatever unseen characters a
// server slips into an echoed secret, and wherever, none of it shows.
func FuzzRemoveSentThroughInvisibleCharacters(f *testing.F) {
	f.Add("hunter2-pw", "\u200b", uint8(3), "before ", " after")
	f.Add("ZENKEY_abcd", "\x7f\x01", uint8(1), "", "")
	f.Add("s3cr3t!!", "\xff", uint8(7), "é", "\u202e")
	f.Fuzz(func(t *testing.T, secret, sep string, every uint8, before, after string) {
		secret = onTerminal(secret)
		if utf8.RuneCountInString(secret) < minRedactedLen || strings.ContainsFunc(secret, unicode.IsSpace) || strings.Contains(redacted, secret) {
			return
		}
		sep = strings.Map(func(r rune) rune {
			if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
				return r
			}
			return -1
		}, sep)
		n := int(every)%len(secret) + 1
		var b strings.Builder
		for i := 0; i < len(secret); i += n {
			b.WriteString(secret[i:min(i+n, len(secret))])
			b.WriteString(sep)
		}
		got := removeSent(before+b.String()+after, []string{secret})
		if strings.Contains(onTerminal(got), secret) && !strings.Contains(onTerminal(before+after), secret) {
			t.Errorf("secret %q shows in %q", secret, got)
		}
	})
}
