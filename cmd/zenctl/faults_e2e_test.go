package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zenctl/zenctl/internal/config"
	"github.com/zenctl/zenctl/internal/credentials"
	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

// The failure-mode tests: for every fault, zenctl prints one line that
// names the server and the cause, exits with the documented code, never
// panics, and leaves the stored login exactly as it was.

// loggedIn returns a machine logged in to fake with a service account's
// API key, and that key.
func loggedIn(t *testing.T, fake *zenmltest.Server) (*cli, string) {
	t.Helper()
	key := fake.CreateAPIKey(fake.CreateServiceAccount("ci"), "default")
	c := newCLI(t)
	c.mustRun(key+"\n", "login", fake.URL(), "--api-key")
	fake.ResetCounts()
	return c, key
}

func (c *cli) configDir() string { return c.env["ZENCTL_CONFIG_DIR"] }

// storedFiles is the content of the files that hold the login.
func (c *cli) storedFiles() map[string]string {
	c.t.Helper()
	out := map[string]string{}
	for _, name := range []string{credentials.CredentialsFile, config.FileName} {
		data, err := os.ReadFile(filepath.Join(c.configDir(), name))
		if err != nil && !os.IsNotExist(err) {
			c.t.Fatal(err)
		}
		out[name] = string(data)
	}
	return out
}

func expectUnchanged(t *testing.T, before, after map[string]string) {
	t.Helper()
	for name, b := range before {
		if after[name] != b {
			t.Errorf("%s changed:\nbefore: %s\nafter:  %s", name, b, after[name])
		}
	}
}

func TestServerErrorsOnToken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		fault    zenmltest.Fault
		code     int
		attempts int
		want     []string
	}{
		{"503 once is retried", zenmltest.Fault{Status: 503, Times: 1}, 0, 2, nil},
		{"429 twice is retried", zenmltest.Fault{Status: 429, Times: 2}, 0, 3, nil},
		{"502 once is retried", zenmltest.Fault{Status: 502, Times: 1}, 0, 2, nil},
		{"500 is not retried", zenmltest.Fault{Status: 500}, 1, 1, []string{"injected fault (HTTP 500)"}},
		{"503 for good gives up", zenmltest.Fault{Status: 503}, 1, 4, []string{"injected fault (HTTP 503)"}},
		{"html from a proxy", zenmltest.Fault{Status: 502, Body: zenmltest.HTMLBody}, 1, 4, []string{"HTML page", "HTTP 502"}},
		{"html with 200", zenmltest.Fault{Body: zenmltest.HTMLBody}, 1, 1, []string{"HTML page"}},
		{"malformed json", zenmltest.Fault{Body: zenmltest.MalformedJSON}, 1, 1, []string{"malformed JSON"}},
		{"truncated body", zenmltest.Fault{Body: zenmltest.TruncatedBody}, 1, 4, []string{"cut off"}},
		{"huge body", zenmltest.Fault{Body: zenmltest.HugeBody}, 1, 1, []string{"larger than 8 MiB"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fake := zenmltest.NewTest(t, zenmltest.Options{})
			c, _ := loggedIn(t, fake)
			before := c.storedFiles()
			fake.InjectFault("GET /api/v1/api_token", tt.fault)
			r := c.run("", "token")
			expectCode(t, r, tt.code)
			if tt.code == 0 {
				if strings.TrimSpace(r.stdout) == "" {
					t.Error("no token printed")
				}
			} else {
				oneLineError(t, r, append([]string{fake.URL()}, tt.want...)...)
				if r.stdout != "" {
					t.Errorf("stdout: %q", r.stdout)
				}
			}
			if n := fake.Count("GET /api/v1/api_token"); n != tt.attempts {
				t.Errorf("%d attempts, want %d", n, tt.attempts)
			}
			if n := fake.Count("POST /api/v1/login"); n != 0 {
				t.Errorf("a server fault caused %d logins", n)
			}
			expectUnchanged(t, before, c.storedFiles())
		})
	}
}

func TestLoginFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		endpoint string
		fault    zenmltest.Fault
		want     []string
	}{
		{"login answer malformed", "POST /api/v1/login", zenmltest.Fault{Body: zenmltest.MalformedJSON}, []string{"malformed JSON"}},
		{"login 500", "POST /api/v1/login", zenmltest.Fault{Status: 500}, []string{"injected fault (HTTP 500)"}},
		{"login 503 for good", "POST /api/v1/login", zenmltest.Fault{Status: 503}, []string{"HTTP 503"}},
		{"info huge", "GET /api/v1/info", zenmltest.Fault{Body: zenmltest.HugeBody}, []string{"larger than 8 MiB"}},
		{"info truncated", "GET /api/v1/info", zenmltest.Fault{Body: zenmltest.TruncatedBody}, []string{"cut off"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fake := zenmltest.NewTest(t, zenmltest.Options{})
			// A previous login to this server must survive the failed one.
			c, key := loggedIn(t, fake)
			before := c.storedFiles()
			fake.InjectFault(tt.endpoint, tt.fault)
			r := c.run(key+"\n", "login", fake.URL(), "--api-key", "--refresh")
			expectCode(t, r, 1)
			oneLineError(t, r, append([]string{fake.URL()}, tt.want...)...)
			expectUnchanged(t, before, c.storedFiles())
			fake.ClearFaults()
			c.mustRun("", "token")
		})
	}
}

func TestSlowServerTimesOut(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	c, _ := loggedIn(t, fake)
	before := c.storedFiles()
	c.env["ZENCTL_HTTP_TIMEOUT"] = "1"
	fake.InjectFault("GET /api/v1/api_token", zenmltest.Fault{Delay: 3 * time.Second})
	start := time.Now()
	r := c.run("", "token")
	expectCode(t, r, 1)
	oneLineError(t, r, fake.URL(), "timed out")
	// Four attempts of one second and the backoff between them.
	if d := time.Since(start); d > 9*time.Second {
		t.Errorf("gave up after %s", d)
	}
	expectUnchanged(t, before, c.storedFiles())
}

func TestServerGoneAway(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	c, _ := loggedIn(t, fake)
	before := c.storedFiles()
	fake.Close()
	r := c.run("", "token")
	expectCode(t, r, 1)
	oneLineError(t, r, fake.URL(), "connection refused")
	expectUnchanged(t, before, c.storedFiles())
	// Every command names the server it could not reach.
	for _, args := range [][]string{
		{"service-account", "list"}, {"service-account", "create", "y"},
		{"service-account", "api-key", "ci", "list"}, {"api", "current-user"},
	} {
		r := c.run("", args...)
		expectCode(t, r, 1)
		oneLineError(t, r, fake.URL(), "connection refused")
	}
	expectUnchanged(t, before, c.storedFiles())

	st := c.run("", "status")
	expectCode(t, st, 1)
	if !strings.Contains(st.stdout, "connection refused") || !strings.Contains(st.stdout, fake.URL()) {
		t.Errorf("status does not explain:\n%s", st.stdout)
	}
	expectUnchanged(t, before, c.storedFiles())
}

// recorder is a second host that records what reaches it.
type recorder struct {
	mu     sync.Mutex
	srv    *httptest.Server
	header []http.Header
	bodies []string
}

func newRecorder(t *testing.T, next http.Handler) *recorder {
	rec := &recorder{}
	rec.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec.mu.Lock()
		rec.header = append(rec.header, r.Header.Clone())
		rec.bodies = append(rec.bodies, string(body))
		rec.mu.Unlock()
		if next != nil {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"detail":"Not Found"}`))
	}))
	t.Cleanup(rec.srv.Close)
	return rec
}

func (rec *recorder) check(t *testing.T, secrets ...string) int {
	t.Helper()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for i, h := range rec.header {
		if a := h.Get("Authorization"); a != "" {
			t.Errorf("Authorization %q reached another host", a)
		}
		for _, s := range secrets {
			if strings.Contains(rec.bodies[i], s) || strings.Contains(fmt.Sprint(h), s) {
				t.Errorf("a secret reached another host")
			}
		}
	}
	return len(rec.header)
}

func TestRedirectToAnotherHost(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	target, _ := url.Parse(fake.URL())
	proxy := httputil.NewSingleHostReverseProxy(target)

	t.Run("token", func(t *testing.T) {
		other := newRecorder(t, nil)
		front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/api/v1/api_token" {
				http.Redirect(w, r, other.srv.URL+r.URL.RequestURI(), http.StatusTemporaryRedirect)
				return
			}
			proxy.ServeHTTP(w, r)
		}))
		defer front.Close()
		key := fake.CreateAPIKey(fake.CreateServiceAccount("redirected"), "default")
		c := newCLI(t)
		c.mustRun(key+"\n", "login", front.URL, "--api-key")
		before := c.storedFiles()
		r := c.run("", "token", "--debug")
		expectCode(t, r, 1)
		oneLineError(t, r, front.URL, "Not Found")
		if other.check(t, key) == 0 {
			t.Fatal("the redirect was not followed at all")
		}
		expectUnchanged(t, before, c.storedFiles())
	})

	t.Run("login", func(t *testing.T) {
		// The other host is a working proxy of the server: following the
		// redirect would "work", and hand it the API key.
		other := newRecorder(t, proxy)
		front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, other.srv.URL+r.URL.RequestURI(), http.StatusPermanentRedirect)
		}))
		defer front.Close()
		key := fake.CreateAPIKey(fake.CreateServiceAccount("redirected-login"), "default")
		c := newCLI(t)
		r := c.run(key+"\n", "login", front.URL, "--api-key")
		expectCode(t, r, 1)
		oneLineError(t, r, front.URL, other.srv.Listener.Addr().String())
		other.check(t, key)
		if _, err := os.Stat(filepath.Join(c.configDir(), credentials.CredentialsFile)); err == nil {
			t.Error("credentials stored")
		}
	})
}

func TestSelfSignedTLS(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{TLS: true})
	caDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(caDir, "ca.pem"), fake.CertificatePEM(), 0o600); err != nil {
		t.Fatal(err)
	}

	t.Run("untrusted", func(t *testing.T) {
		t.Parallel()
		c := newCLI(t)
		key := fake.CreateAPIKey(fake.CreateServiceAccount("untrusted"), "default")
		r := c.run(key+"\n", "login", fake.URL(), "--api-key")
		expectCode(t, r, 1)
		oneLineError(t, r, fake.URL(), "certificate", "--ssl-ca-cert")
		if entries, _ := os.ReadDir(c.configDir()); len(entries) != 0 {
			t.Errorf("a failed login wrote %v", entries)
		}
	})

	t.Run("ca cert", func(t *testing.T) {
		t.Parallel()
		c := newCLI(t)
		key := fake.CreateAPIKey(fake.CreateServiceAccount("ca"), "default")
		// A relative path, from the directory that holds the file.
		cmd := c.command(context.Background(), key+"\n", "login", fake.URL(), "--api-key", "--ssl-ca-cert", "ca.pem")
		cmd.Dir = caDir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("login --ssl-ca-cert: %v\n%s", err, out)
		}
		// Later commands, run from anywhere, use the stored certificate.
		c.mustRun("", "token")
		st := c.mustRun("", "status", "-o", "json")
		if !strings.Contains(st.stdout, `"ok": true`) {
			t.Errorf("status: %s", st.stdout)
		}
	})

	// PEM text, as zenml's --ssl-ca-cert takes it, is kept for later commands.
	t.Run("ca cert as PEM text", func(t *testing.T) {
		t.Parallel()
		c := newCLI(t)
		key := fake.CreateAPIKey(fake.CreateServiceAccount("capem"), "default")
		c.mustRun(key+"\n", "login", fake.URL(), "--api-key", "--ssl-ca-cert", string(fake.CertificatePEM()))
		c.mustRun("", "token")
		kept, _ := filepath.Glob(filepath.Join(c.configDir(), "ca", "*.pem"))
		if len(kept) != 1 {
			t.Fatalf("kept CA files: %v", kept)
		}
		if data, _ := os.ReadFile(kept[0]); string(data) != string(fake.CertificatePEM()) {
			t.Error("the kept CA file differs from the PEM given")
		}
	})

	// ZENML_STORE_VERIFY_SSL=false serves the login it is set for, and is
	// not recorded: later commands verify again.
	t.Run("no verify from the environment", func(t *testing.T) {
		t.Parallel()
		c := newCLI(t)
		key := fake.CreateAPIKey(fake.CreateServiceAccount("envnoverify"), "default")
		c.env["ZENML_STORE_VERIFY_SSL"] = "false"
		r := c.mustRun(key+"\n", "login", fake.URL(), "--api-key")
		if !strings.Contains(r.stderr, "TLS certificate verification is off") {
			t.Errorf("no warning:\n%s", r.stderr)
		}
		c.mustRun("", "token")
		delete(c.env, "ZENML_STORE_VERIFY_SSL")
		r = c.run("", "token")
		expectCode(t, r, 1)
		oneLineError(t, r, "certificate")
		// Nor does it reach a server other than ZENML_STORE_URL's.
		c.env["ZENML_STORE_VERIFY_SSL"] = "false"
		c.env["ZENML_STORE_URL"] = "http://127.0.0.1:1"
		r = c.run("", "status", "--server", fake.URL())
		expectCode(t, r, 1)
	})

	t.Run("no verify", func(t *testing.T) {
		t.Parallel()
		c := newCLI(t)
		key := fake.CreateAPIKey(fake.CreateServiceAccount("noverify"), "default")
		r := c.mustRun(key+"\n", "login", fake.URL(), "--api-key", "--no-verify-ssl")
		if !strings.Contains(r.stderr, "TLS certificate verification is off") {
			t.Errorf("no warning:\n%s", r.stderr)
		}
		c.mustRun("", "token")
		c.mustRun("", "status")
	})
}

// silentBus is a D-Bus "session bus" that accepts connections and never
// answers, like a keyring stuck behind an unlock prompt.
func silentBus(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "zbus")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "bus")
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, conn)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		os.RemoveAll(dir)
	})
	return "unix:path=" + path
}

func TestKeyringWithoutSessionBus(t *testing.T) {
	t.Parallel()

	t.Run("default falls back to the file", func(t *testing.T) {
		t.Parallel()
		fake := zenmltest.NewTest(t, zenmltest.Options{})
		key := fake.CreateAPIKey(fake.CreateServiceAccount("fallback"), "default")
		c := newCLI(t)
		delete(c.env, "ZENCTL_STORAGE")
		c.env["DBUS_SESSION_BUS_ADDRESS"] = "unix:path=/nonexistent"
		r := c.mustRun(key+"\n", "login", fake.URL(), "--api-key")
		if !strings.Contains(r.stderr, "! The OS keyring is not available") || !strings.Contains(r.stderr, "keyring is not available") || !strings.Contains(r.stderr, credentials.CredentialsFile) {
			t.Errorf("no visible fallback warning:\n%s", r.stderr)
		}
		if _, err := c.fileSecret(fake.URL()); err != nil {
			t.Fatalf("secret not in the file: %v", err)
		}
		cfg, _ := os.ReadFile(filepath.Join(c.configDir(), config.FileName))
		if !strings.Contains(string(cfg), "storage: file") {
			t.Errorf("fallback not recorded:\n%s", cfg)
		}
		// Later commands use the file without probing or warning again.
		tok := c.mustRun("", "token")
		if tok.stderr != "" {
			t.Errorf("token stderr: %s", tok.stderr)
		}
	})

	t.Run("explicit keyring fails before logging in", func(t *testing.T) {
		t.Parallel()
		fake := zenmltest.NewTest(t, zenmltest.Options{})
		key := fake.CreateAPIKey(fake.CreateServiceAccount("explicit"), "default")
		c := newCLI(t)
		delete(c.env, "ZENCTL_STORAGE")
		c.env["DBUS_SESSION_BUS_ADDRESS"] = "unix:path=/nonexistent"
		start := time.Now()
		r := c.run(key+"\n", "login", fake.URL(), "--api-key", "--storage", "keyring")
		expectCode(t, r, 1)
		oneLineError(t, r, "keyring is not available", "--storage file")
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("took %s to fail", d)
		}
		if n := fake.Count("POST /api/v1/login"); n != 0 {
			t.Errorf("the API key was exchanged (%d logins) before the store was checked", n)
		}
		if _, err := os.Stat(filepath.Join(c.configDir(), credentials.CredentialsFile)); err == nil {
			t.Error("credentials written to a file despite --storage keyring")
		}
	})
}

// TestKeyringThatNeverAnswers: commands fail within the keyring timeout
// instead of hanging, and do not fall back to a file. The zenctl processes
// get a keyring timeout of half a second rather than the real 3 s.
func TestKeyringThatNeverAnswers(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	bus := silentBus(t)
	const timeout = 500 * time.Millisecond
	stuckKeyring := func(c *cli) {
		c.env["DBUS_SESSION_BUS_ADDRESS"] = bus
		c.env[e2eKeyringTimeoutEnv] = timeout.String()
	}

	t.Run("status and token", func(t *testing.T) {
		t.Parallel()
		c := newCLI(t)
		delete(c.env, "ZENCTL_STORAGE")
		stuckKeyring(c)
		dir, cfg := c.keyringLogin(fake.URL())
		// Both at once: each waits for the keyring timeout.
		cmds := [][]string{{"token"}, {"status", "-o", "json"}}
		results := make([]result, len(cmds))
		durations := make([]time.Duration, len(cmds))
		var wg sync.WaitGroup
		for i, args := range cmds {
			wg.Add(1)
			go func() {
				defer wg.Done()
				start := time.Now()
				results[i] = c.run("", args...)
				durations[i] = time.Since(start)
			}()
		}
		wg.Wait()
		for i, args := range cmds {
			r, d := results[i], durations[i]
			expectCode(t, r, 1)
			if d > timeout+3*time.Second {
				t.Errorf("%v took %s with a %s keyring timeout", args, d, timeout)
			}
			msg := r.stderr
			if args[0] == "status" {
				var st struct{ Error string }
				if err := json.Unmarshal([]byte(r.stdout), &st); err != nil {
					t.Fatalf("status: %v\n%s", err, r.stdout)
				}
				msg = st.Error
			} else {
				oneLineError(t, r, fake.URL())
			}
			if !strings.Contains(msg, "did not answer within "+timeout.String()) {
				t.Errorf("%v: %q does not say the keyring timed out", args, msg)
			}
		}
		if got, _ := os.ReadFile(filepath.Join(dir, config.FileName)); string(got) != cfg {
			t.Errorf("config changed:\n%s", got)
		}
		if _, err := os.Stat(filepath.Join(dir, credentials.CredentialsFile)); err == nil {
			t.Error("a credentials file appeared")
		}
	})

	// Moving away from the stuck keyring: logging in again to a server
	// whose key sits in it says how to get in (give the key again) after
	// one wait, not two, and following that advice works.
	t.Run("login again names the way in", func(t *testing.T) {
		t.Parallel()
		key := fake.CreateAPIKey(fake.CreateServiceAccount("moving"), "default")
		c := newCLI(t)
		c.env["ZENCTL_STORAGE"] = "file"
		stuckKeyring(c)
		c.keyringLogin(fake.URL())
		start := time.Now()
		r := c.run("", "login", fake.URL())
		expectCode(t, r, 4)
		oneLineError(t, r, "cannot be read", "did not answer within "+timeout.String(), "`zenctl login "+fake.URL()+" --api-key`")
		if d := time.Since(start); d >= 2*timeout {
			t.Errorf("took %s with a %s keyring timeout: more than one wait", d, timeout)
		}
		c.mustRun(key+"\n", "login", fake.URL(), "--api-key")
		c.mustRun("", "token")
	})

	t.Run("login does not fall back", func(t *testing.T) {
		t.Parallel()
		key := fake.CreateAPIKey(fake.CreateServiceAccount("stuck"), "default")
		c := newCLI(t)
		delete(c.env, "ZENCTL_STORAGE")
		stuckKeyring(c)
		r := c.run(key+"\n", "login", fake.URL(), "--api-key")
		expectCode(t, r, 1)
		oneLineError(t, r, "did not answer within "+timeout.String(), "--storage file")
		if _, err := os.Stat(filepath.Join(c.configDir(), credentials.CredentialsFile)); err == nil {
			t.Error("a locked keyring fell back to the file")
		}
	})
}

// TestParallelLoginsToManyServers: 20 processes log in to 20 servers at
// once; every login survives in the config and the credentials file.
func TestParallelLoginsToManyServers(t *testing.T) {
	t.Parallel()
	const n = 20
	fakes := make([]*zenmltest.Server, n)
	keys := make([]string, n)
	for i := range fakes {
		fakes[i] = zenmltest.NewTest(t, zenmltest.Options{})
		keys[i] = fakes[i].CreateAPIKey(fakes[i].CreateServiceAccount("ci"), "default")
	}
	c := newCLI(t)
	var wg sync.WaitGroup
	results := make([]result, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = c.run(keys[i]+"\n", "login", fakes[i].URL(), "--api-key")
		}()
	}
	wg.Wait()
	for i, r := range results {
		if r.code != 0 {
			t.Fatalf("login %d: exit %d\n%s", i, r.code, r.stderr)
		}
	}
	cfg, err := config.Load(c.configDir())
	if err != nil {
		t.Fatal(err)
	}
	store := credentials.NewFileStore(c.configDir())
	for i, f := range fakes {
		if cfg.Server(f.URL()) == nil {
			t.Errorf("server %d missing from the config", i)
		}
		s, err := store.Get(c.secretKey(f.URL()))
		if err != nil || s.APIKey != keys[i] || s.AccessToken == "" {
			t.Errorf("server %d: secret %v", i, err)
		}
	}
	if len(cfg.Servers) != n {
		t.Errorf("%d servers in the config, want %d", len(cfg.Servers), n)
	}
	all := c.mustRun("", "status", "--all", "-o", "json")
	var list []map[string]any
	if err := json.Unmarshal([]byte(all.stdout), &list); err != nil || len(list) != n {
		t.Fatalf("status --all: %v (%d entries)", err, len(list))
	}
}

func TestCorruptStateFiles(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	tests := []struct {
		file    string
		content string
	}{
		{config.FileName, "active_server: [unterminated\nservers: {"},
		{config.FileName, "servers:\n  - account: nobody\n"},
		{credentials.CredentialsFile, `{"version": 1, "servers": {"http://x": {"api_key": "ZENKEY_cut`},
		{credentials.CredentialsFile, "\x00\x00\x00"},
	}
	for i, tt := range tests {
		t.Run(fmt.Sprintf("%s-%d", tt.file, i), func(t *testing.T) {
			t.Parallel()
			key := fake.CreateAPIKey(fake.CreateServiceAccount(fmt.Sprintf("corrupt-%d", i)), "default")
			c := newCLI(t)
			c.mustRun(key+"\n", "login", fake.URL(), "--api-key")
			path := filepath.Join(c.configDir(), tt.file)
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			for _, args := range [][]string{{"token"}, {"login", fake.URL(), "--api-key", "--refresh"}, {"logout", "--clear"}} {
				r := c.run(key+"\n", args...)
				expectCode(t, r, 1)
				oneLineError(t, r, path, "corrupt")
				if got, _ := os.ReadFile(path); string(got) != tt.content {
					t.Fatalf("%v changed the corrupt file to:\n%s", args, got)
				}
			}
			st := c.run("", "status")
			expectCode(t, st, 1)
			if !strings.Contains(st.stdout+st.stderr, path) {
				t.Errorf("status does not name %s:\n%s%s", path, st.stdout, st.stderr)
			}
		})
	}
}

// keyringLogin records an API-key login to serverURL whose secret is in the
// keyring, as a login would have, and returns the config dir and file.
func (c *cli) keyringLogin(serverURL string) (dir, cfg string) {
	c.t.Helper()
	dir = c.configDir()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		c.t.Fatal(err)
	}
	cfg = "active_server: " + serverURL + "\nservers:\n  - url: " + serverURL + "\n    auth_method: api_key\n    secret_store: keyring\n"
	if err := os.WriteFile(filepath.Join(dir, config.FileName), []byte(cfg), 0o600); err != nil {
		c.t.Fatal(err)
	}
	return dir, cfg
}
