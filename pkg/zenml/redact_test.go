package zenml

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

// echoServer answers every request with status and a body that repeats
// what it was sent: the form, the JSON body and the Authorization header.
func echoServer(t *testing.T, status int, render func(sent string) string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		sent := string(body) + " " + r.Header.Get("Authorization") + " " + r.Header.Get("X-Api-Key")
		if strings.HasPrefix(render(""), "{") || strings.HasPrefix(render(""), "[") {
			w.Header().Set("Content-Type", "application/json")
		} else {
			w.Header().Set("Content-Type", "text/plain")
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, render(sent))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func jsonString(s string) string {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%q", s)
	return b.String()
}

// A server that echoes the request in its error must not make the client
// print the password, API key, device code or token it just sent.
func TestErrorsNeverShowWhatTheRequestSent(t *testing.T) {
	const password = "hunter2-pw"
	const apiKey = "ZENKEY_c2VjcmV0LWtleQ=="
	const bearer = "opaque-session-token-42"
	const deviceCode = "devcode-9f8e7d"
	renders := map[string]func(string) string{
		"401 detail pair": func(sent string) string {
			return `{"detail":["CredentialsNotValid",` + jsonString("bad form: "+sent) + `]}`
		},
		"401 oauth": func(sent string) string {
			return `{"error":"invalid_grant","error_description":` + jsonString("got "+sent) + `}`
		},
		"500 plain text": func(sent string) string { return "Internal error while handling " + sent },
		"422 list":       func(sent string) string { return `["ValueError",` + jsonString(sent) + `]` },
	}
	for name, render := range renders {
		for _, status := range []int{401, 500} {
			t.Run(fmt.Sprintf("%s %d", name, status), func(t *testing.T) {
				url := echoServer(t, status, render)
				c := newTestClient(t, url, Options{MaxRetries: -1})
				ctx := context.Background()
				check := func(what string, err error, secrets ...string) {
					t.Helper()
					if err == nil {
						t.Fatalf("%s: no error", what)
					}
					for _, s := range secrets {
						if strings.Contains(err.Error(), s) {
							t.Errorf("%s: error shows %q: %v", what, s, err)
						}
					}
				}
				_, err := c.LoginPassword(ctx, "bob", password)
				check("password login", err, password, "hunter2")
				_, err = c.LoginAPIKey(ctx, apiKey)
				check("API key login", err, apiKey, "c2VjcmV0LWtleQ")
				_, err = c.LoginDevice(ctx, "client-1", deviceCode)
				check("device login", err, deviceCode)
				_, err = c.WithTokens(StaticToken(bearer)).CurrentUser(ctx)
				check("bearer", err, bearer)
				_, err = c.WithTokens(StaticToken(bearer)).CreateServiceAccount(ctx, ServiceAccountRequest{Name: "x"})
				check("create", err, bearer)
				raw, err := c.WithTokens(StaticToken(bearer)).Do(ctx, "POST", "/api/v1/x", nil,
					[]byte(`{"values":{"aws":"sekrit-value"},"password":"`+password+`"}`), http.Header{"X-Api-Key": {"header-secret"}})
				if err == nil {
					err = raw.Err
				}
				check("raw", err, bearer, password, "sekrit-value", "header-secret")
			})
		}
	}
}

// The renewal of a stored password reports the server's refusal: without
// the password, even when the server echoes the form.
func TestSessionRenewalErrorNeverShowsThePassword(t *testing.T) {
	url := echoServer(t, 401, func(sent string) string {
		return `{"detail":["CredentialsNotValid",` + jsonString("bad form: "+sent) + `]}`
	})
	login := newTestClient(t, url, Options{})
	s := &Session{Login: login, Initial: Credentials{Username: "bob", Password: "hunter2"}}
	_, err := login.WithTokens(s).CurrentUser(context.Background())
	var reauth *ReauthRequiredError
	if !errors.As(err, &reauth) || !errors.Is(err, ErrUnauthorized) || reauth.Credential != CredentialPassword {
		t.Fatalf("err = %#v", err)
	}
	if strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "username=bob") {
		t.Errorf("error %q", err)
	}
}

// Secrets recognisable by their shape or field name are redacted by
// ParseError itself, whoever calls it.
func TestParseErrorRedactsLikeTheTrace(t *testing.T) {
	for _, body := range []string{
		"password=hunter2&username=bob",
		`{"detail": "bad form: password=hunter2&username=bob"}`,
		`{"detail": "token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"}`,
		`{"detail": {"password": "hunter2", "username": "bob"}}`,
		"key ZENKEY_aHVudGVyMg== rejected",
	} {
		e := ParseError(500, nil, []byte(body))
		if strings.Contains(e.Error(), "hunter2") || strings.Contains(e.Error(), "aHVudGVyMg") || strings.Contains(e.Error(), "eyJ") {
			t.Errorf("%s -> %v", body, e)
		}
	}
}

// Every header that may carry a credential is hidden from the trace, the
// response's Set-Cookie included.
func TestDebugRedactsEveryCredentialHeader(t *testing.T) {
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	var trace bytes.Buffer
	c := newTestClient(t, fake.URL(), Options{Debug: &trace})
	ctx := context.Background()
	header := http.Header{
		"Proxy-Authorization": {"Basic cHJveHk6c2VjcmV0MQ=="},
		"X-Api-Key":           {"secret2"},
		"X-Auth-Token":        {"secret3"},
		"X-Custom-Secret":     {"secret4"},
		"X-Session-Id":        {"secret5"},
		"X-Db-Password":       {"secret6"},
		"X-Request-Note":      {"visible"},
	}
	if _, err := c.Do(ctx, "GET", "/api/v1/info", nil, nil, header); err != nil {
		t.Fatal(err)
	}
	if _, err := c.LoginPassword(ctx, "default", ""); err != nil { // sets a cookie
		t.Fatal(err)
	}
	out := trace.String()
	for _, s := range []string{"cHJveHk6c2VjcmV0MQ", "secret2", "secret3", "secret4", "secret5", "secret6"} {
		if strings.Contains(out, s) {
			t.Errorf("trace shows %q:\n%s", s, out)
		}
	}
	for _, s := range []string{"Proxy-Authorization: Basic [REDACTED]", "X-Request-Note: visible", "Set-Cookie: [REDACTED]"} {
		if !strings.Contains(out, s) {
			t.Errorf("trace lacks %q:\n%s", s, out)
		}
	}
}

// A password with characters that JSON, HTML or a quoted string escape is
// removed in the escaped form a server echoes it in, too.
func TestEscapedEchoesOfThePasswordAreRedacted(t *testing.T) {
	const password = `p a"s<s\w0rd&x=1`
	for name, render := range map[string]func(string) string{
		"FastAPI 422": func(string) string {
			b, _ := json.Marshal(map[string]any{"detail": []any{map[string]any{"type": "value_error", "input": password, "msg": "bad " + password}}})
			return string(b)
		},
		"quoted": func(string) string {
			return `{"detail":["ValueError",` + jsonString("got "+strconv.Quote(password)) + `]}`
		},
		"html": func(string) string { return "<p>bad " + html.EscapeString(password) + "</p>" },
	} {
		srv := echoServer(t, 422, render)
		c, err := NewClient(srv, Options{MaxRetries: -1})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.LoginPassword(context.Background(), "bob", password)
		if err == nil {
			t.Fatalf("%s: no error", name)
		}
		msg := err.Error()
		for _, form := range echoedForms(password) {
			if strings.Contains(msg, form) {
				t.Errorf("%s: %q shows the password as %q", name, msg, form)
			}
		}
		if !strings.Contains(msg, redacted) {
			t.Errorf("%s: nothing redacted in %q", name, msg)
		}
	}
}

// --debug removes what the request sent from the answer it traces, as
// error messages do: a server may echo a password under any field name.
func TestDebugTraceRemovesEchoedSecrets(t *testing.T) {
	const password = "CorrectHorse-Battery9"
	srv := echoServer(t, 422, func(string) string {
		return `{"detail":[{"loc":["body","password"],"input":"` + password + `","b64":"` +
			base64.StdEncoding.EncodeToString([]byte(password)) + `"}]}`
	})
	var trace bytes.Buffer
	c, err := NewClient(srv, Options{MaxRetries: -1, Debug: &trace})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.LoginPassword(context.Background(), "alice", password); err == nil {
		t.Fatal("no error")
	}
	if strings.Contains(trace.String(), password) || strings.Contains(trace.String(), base64.StdEncoding.EncodeToString([]byte(password))) {
		t.Errorf("the trace shows the password:\n%s", trace.String())
	}
}
