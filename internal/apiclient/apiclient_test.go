package apiclient

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/zenctl/zenctl/internal/iostreams"
	"github.com/zenctl/zenctl/internal/login"
	"github.com/zenctl/zenctl/pkg/zenml"
	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

// Retries are shown on a terminal, one line each, and not at all when
// stderr is a pipe.
func TestRetriesShowOnATerminalOnly(t *testing.T) {
	t.Parallel()
	for _, tty := range []bool{true, false} {
		fake := zenmltest.NewTest(t, zenmltest.Options{})
		fake.InjectFault("GET /api/v1/info", zenmltest.Fault{Status: 503, Times: 1})
		ios, _, _, errOut := iostreams.Test()
		ios.SetStderrTTY(tty)
		c, err := (&Builder{IO: ios, Timeout: 5 * time.Second}).New(fake.URL(), login.TLS{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Info(context.Background()); err != nil {
			t.Fatal(err)
		}
		shown := strings.Contains(errOut.String(), "HTTP 503; retrying")
		if shown != tty {
			t.Errorf("tty=%v: stderr %q", tty, errOut.String())
		}
	}
}

// A password or API key about to go to another machine over plain http is
// warned about, once per server, on a terminal or not; nothing is said for
// loopback, https, or a request that carries no long-lived secret. The
// hosts here are never looked up: the decision is made on the URL alone.
func TestPlainHTTPWarning(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		server, secret string
		warn           bool
	}{
		{"http://zen.example.com", "API key", true},
		{"http://zen.example.com:8080/zenml", "password", true},
		{"http://10.0.0.7:8080", "password", true},
		{"http://[fe80::1]:8080", "API key", true},
		{"http://127.0.0.1:8080", "API key", false},
		{"http://127.9.9.9", "API key", false},
		{"http://localhost:8237", "password", false},
		{"http://[::1]:8237", "password", false},
		{"https://zen.example.com", "API key", false},
		{"http://zen.example.com", "", false}, // a device code or a token
	} {
		ios, _, _, errOut := iostreams.Test()
		b := &Builder{IO: ios}
		for range 2 {
			done := b.onRequest(context.Background(), zenmlRequest(tc.server, tc.secret))
			done()
		}
		got := errOut.String()
		if !tc.warn {
			if got != "" {
				t.Errorf("%s (%s): %q", tc.server, tc.secret, got)
			}
			continue
		}
		want := tc.server + " uses plain http: your " + tc.secret + " will cross the network unencrypted\n"
		if strings.Count(got, "\n") != 1 || !strings.HasSuffix(got, want) {
			t.Errorf("%s (%s): %q, want one line ending %q", tc.server, tc.secret, got, want)
		}
	}
}

// On loopback the whole exchange, over real HTTP, stays quiet.
func TestPlainHTTPLoopbackIsQuiet(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	key := fake.CreateAPIKey(fake.CreateServiceAccount("ci"), "default")
	ios, _, _, errOut := iostreams.Test()
	ios.SetStderrTTY(true)
	c, err := (&Builder{IO: ios, Timeout: 5 * time.Second}).New(fake.URL(), login.TLS{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.LoginAPIKey(context.Background(), key); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(errOut.String(), "plain http") {
		t.Errorf("loopback warned: %q", errOut)
	}
}

func zenmlRequest(server, secret string) zenml.RequestInfo {
	return zenml.RequestInfo{Server: server, Method: "POST", Path: "/api/v1/login", Secret: secret}
}
