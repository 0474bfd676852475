package apiclient

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zenctl/zenctl/internal/iostreams"
	"github.com/zenctl/zenctl/internal/login"
	"github.com/zenctl/zenctl/pkg/zenml"
	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

// Retries are shown on a terminal, one line for a request however many
// times it is retried, and not at all when stderr is a pipe.
func TestRetriesShowOnATerminalOnly(t *testing.T) {
	t.Parallel()
	for _, tty := range []bool{true, false} {
		fake := zenmltest.NewTest(t, zenmltest.Options{})
		fake.InjectFault("GET /api/v1/info", zenmltest.Fault{Status: 503, Times: 2})
		ios, _, _, errOut := iostreams.Test()
		ios.SetStderrTTY(tty)
		c, err := (&Builder{IO: ios, Timeout: 5 * time.Second, retryBaseDelay: time.Millisecond}).New(fake.URL(), login.TLS{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Info(context.Background()); err != nil {
			t.Fatal(err)
		}
		shown := strings.Count(errOut.String(), "HTTP 503; retrying")
		if shown != map[bool]int{true: 1, false: 0}[tty] {
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

// A CA bundle another user could have written is refused like a
// config.yaml with those permissions; a safe one, or PEM text, is used.
func TestCABundleMustBeSafe(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{TLS: true})
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, fake.CertificatePEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	ios, _, _, _ := iostreams.Test()
	b := &Builder{IO: ios, Timeout: 5 * time.Second}
	info := func(tls login.TLS) error {
		c, err := b.New(fake.URL(), tls, nil)
		if err != nil {
			return err
		}
		_, err = c.Info(context.Background())
		return err
	}
	if err := info(login.TLS{CACert: ca}); err != nil {
		t.Fatalf("a 0600 bundle of this user: %v", err)
	}
	if err := info(login.TLS{CACert: string(fake.CertificatePEM())}); err != nil {
		t.Fatalf("PEM text: %v", err)
	}
	for _, mode := range []os.FileMode{0o666, 0o620, 0o602} {
		if err := os.Chmod(ca, mode); err != nil {
			t.Fatal(err)
		}
		err := info(login.TLS{CACert: ca})
		if err == nil || !strings.Contains(err.Error(), "refusing to use the CA bundle "+ca+": writable by") || !strings.Contains(err.Error(), "chmod 644 "+ca) {
			t.Errorf("mode %04o: %v", mode, err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "empty.pem"), []byte("no certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := info(login.TLS{CACert: filepath.Join(dir, "empty.pem")}); err == nil || !strings.Contains(err.Error(), "no PEM certificate found in "+filepath.Join(dir, "empty.pem")) {
		t.Errorf("a file without PEM: %v", err)
	}
}
