package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/zenctl/zenctl/internal/iostreams"
	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

// TestTerminalGetsEscapedBodies: on a terminal a response cannot drive it;
// piped, a script gets the server's bytes exactly.
func TestTerminalGetsEscapedBodies(t *testing.T) {
	hostile := "<p>\x1b]52;c;cm0gLXJm\x07\u202e</p>\n"
	for _, tty := range []bool{false, true} {
		ios, _, out, _ := iostreams.Test()
		ios.SetStdoutTTY(tty)
		p := &printer{io: ios}
		if err := p.body([]byte(hostile)); err != nil {
			t.Fatal(err)
		}
		if err := p.body([]byte("{\"d\":\"\u202eexe\"}")); err != nil {
			t.Fatal(err)
		}
		got := out.String()
		switch {
		case !tty && got != hostile+"{\"d\":\"\u202eexe\"}":
			t.Errorf("piped: %q", got)
		case tty && strings.ContainsAny(got, "\x1b\x07\u202e"):
			t.Errorf("terminal: raw controls in %q", got)
		}
	}
}

// A server whose error echoes the request must not get the bearer token or
// a password the request sent printed as the result, on a terminal or
// piped; piped JSON stays valid JSON.
func TestEchoedSentSecretsAreNotPrinted(t *testing.T) {
	const password = "Hunter2Secret"
	for _, tty := range []bool{false, true} {
		fake, h := setup(t, zenmltest.Options{})
		secret, err := h.Secret(fake.URL())
		if err != nil || secret.AccessToken == "" {
			t.Fatalf("no token: %v", err)
		}
		h.IO.SetStdoutTTY(tty)
		fake.InjectFault("POST /api/v1/service_accounts", zenmltest.Fault{Status: http.StatusBadRequest, Body: zenmltest.EchoRequest})
		h.In.WriteString(`{"name": "x", "password": "` + password + `"}`)
		err = run(t, h, "service_accounts", "--input", "-")
		if err == nil {
			t.Fatal("a 400 did not fail")
		}
		out := h.Out.String()
		for _, leak := range []string{secret.AccessToken, password} {
			if strings.Contains(out, leak) || strings.Contains(err.Error(), leak) {
				t.Errorf("tty=%v: %q is shown:\nstdout: %s\nerror: %v", tty, leak, out, err)
			}
		}
		if !strings.Contains(out, "[REDACTED]") {
			t.Errorf("tty=%v: stdout = %q, want the echo with the secrets redacted", tty, out)
		}
		var body struct{ Detail string }
		if json.Unmarshal([]byte(out), &body) != nil || !strings.Contains(body.Detail, "cannot handle Bearer") {
			t.Errorf("tty=%v: stdout is not the JSON error: %q", tty, out)
		}
	}
}
