package zenml

import (
	"bytes"
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

const (
	disguisedPassword = "Hunter2-Secret"
	disguisedAPIKey   = "ZENKEY_eyJpZCI6ImFiYyIsImtleSI6ImRlYWRiZWVmY2FmZSJ9"
)

// jsonEscapedESC puts `\u001b[0m`, as JSON text writes it, between the
// letters of s: how the trace shows an ANSI reset a server put there.
func jsonEscapedESC(s string) string { return interleave(s, `\u001b[0m`) }

// traceReadable is what a reader makes of a trace line holding JSON text:
// JSON-escaped escape sequences read past like real ones.
func traceReadable(s string) string {
	return readable(regexp.MustCompile(`\\u001[bB]\[[0-?]*[ -/]*[@-~]?|\\u[0-9a-fA-F]{4}`).ReplaceAllString(s, ""))
}

// The --debug trace shows an answer as JSON text, where an escape
// sequence between a secret's letters reads "\u001b[0m": the secret is
// still read, so it must go.
func TestDebugTraceRemovesSecretBetweenJSONEscapedEscapes(t *testing.T) {
	for name, tc := range map[string]struct {
		secret, echoed string
		login          func(*Client) error
	}{
		"password, ANSI reset": {disguisedPassword, jsonEscapedESC(disguisedPassword), func(c *Client) error {
			_, err := c.LoginPassword(context.Background(), "default", disguisedPassword)
			return err
		}},
		"API key, ANSI reset": {disguisedAPIKey, jsonEscapedESC(disguisedAPIKey), func(c *Client) error {
			_, err := c.LoginAPIKey(context.Background(), disguisedAPIKey)
			return err
		}},
		"password, fullwidth, combining, ANSI": {disguisedPassword, interleave(fullwidth(disguisedPassword), "\u0301"+`\u001b[1;31m`+`\u200b`), func(c *Client) error {
			_, err := c.LoginPassword(context.Background(), "default", disguisedPassword)
			return err
		}},
	} {
		srv := echoServer(t, http.StatusUnauthorized, func(string) string {
			return `{"detail":"wrong password ` + tc.echoed + `"}`
		})
		var trace bytes.Buffer
		c, err := NewClient(srv, Options{MaxRetries: -1, Debug: &trace})
		if err != nil {
			t.Fatal(err)
		}
		if tc.login(c) == nil {
			t.Fatalf("%s: no error", name)
		}
		if got := traceReadable(trace.String()); strings.Contains(got, tc.secret) || !strings.Contains(trace.String(), redacted) {
			t.Errorf("%s: the trace reads as the secret:\n%s", name, trace.String())
		}
	}
}

// A secret echoed with spaces between its letters, or backwards between
// bidi controls, is still read on the error line.
func TestEchoedSecretSpacedOrReversedIsRedacted(t *testing.T) {
	reverse := func(s string) string {
		r := []rune(s)
		for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
			r[i], r[j] = r[j], r[i]
		}
		return string(r)
	}
	for _, secret := range []string{disguisedPassword, disguisedAPIKey} {
		sent := request{body: []byte("username=default&password=" + secret)}.sentSecrets("")
		for name, echoed := range map[string]string{
			"spaced":         interleave(secret, " "),
			"double spaced":  interleave(secret, "  "),
			"reversed":       "\u202e" + reverse(secret) + "\u202c",
			"spaced in JSON": interleave(secret, `\u00a0`),
		} {
			for _, body := range []string{
				`{"detail":"wrong password ` + echoed + `"}`,
				"wrong password " + echoed + "\n",
			} {
				e := parseError(http.StatusUnauthorized, nil, []byte(body), sent)
				got := strings.Join(strings.Fields(readable(e.Message)), "")
				if strings.Contains(got, secret) || strings.Contains(got, reverse(secret)) || !strings.Contains(e.Message, redacted) {
					t.Errorf("%s: %q from %q reads as %q", name, e.Message, body, got)
				}
				if !strings.Contains(e.Message, "wrong password ") {
					t.Errorf("%s: %q lost the words around the secret", name, e.Message)
				}
			}
		}
	}
	// Whitespace is unseen only for long secrets without any: a short
	// one spaced out would meet ordinary words.
	sent := request{body: []byte("password=pw")}.sentSecrets("")
	if e := parseError(http.StatusUnauthorized, nil, []byte(`{"detail":"p w is not p w d"}`), sent); e.Message != "p w is not p w d" {
		t.Errorf("message = %q", e.Message)
	}
}
