package main

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zenctl/zenctl/internal/credentials"
	"github.com/zenctl/zenctl/pkg/zenml"
	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

func TestLoginWithAPIKeyThenTokenAndStatus(t *testing.T) {
	t.Parallel()
	forEachProfile(t, zenmltest.Options{}, func(t *testing.T, fake *zenmltest.Server) {
		sa := fake.CreateServiceAccount("ci-bot")
		key := fake.CreateAPIKey(sa, "default")
		c := newCLI(t)

		r := c.mustRun(key+"\n", "login", fake.URL(), "--api-key")
		if r.stdout != "" {
			t.Errorf("login wrote to stdout: %q", r.stdout)
		}
		if !strings.Contains(r.stderr, "Logged in to "+fake.URL()+" as service account ci-bot") {
			t.Errorf("stderr: %s", r.stderr)
		}
		if strings.Contains(r.stderr, key) {
			t.Fatal("the API key appeared on stderr")
		}
		if n := fake.Count("POST /api/v1/login"); n != 1 {
			t.Errorf("%d logins, want 1", n)
		}

		tok := c.mustRun("", "token")
		token := strings.TrimSuffix(tok.stdout, "\n")
		if token == "" || strings.Contains(token, "\n") || tok.stderr != "" {
			t.Fatalf("token output: stdout %q stderr %q", tok.stdout, tok.stderr)
		}
		// The stored token is still good: no second exchange.
		if n := fake.Count("POST /api/v1/login"); n != 1 {
			t.Errorf("%d logins after token, want 1", n)
		}
		// The minted token works as a bearer token, as `curl -H "Authorization: Bearer $(zenctl token)"` would use it.
		if !tokenWorks(t, fake, token) {
			t.Error("the minted token is rejected")
		}

		// A bad ZENCTL_OUTPUT fails the commands that print data, naming
		// it, but not `token`, which ignores it.
		c.env["ZENCTL_OUTPUT"] = "xml"
		c.mustRun("", "token")
		r = c.run("", "status")
		expectCode(t, r, 1)
		oneLineError(t, r, `invalid output format "xml"`, "ZENCTL_OUTPUT")
		delete(c.env, "ZENCTL_OUTPUT")

		js := c.mustRun("", "token", "--expires-in", "10m", "-o", "json")
		var out struct {
			Token     string  `json:"token"`
			ExpiresIn *int64  `json:"expires_in"`
			ExpiresAt *string `json:"expires_at"`
			Server    string  `json:"server"`
		}
		if err := json.Unmarshal([]byte(js.stdout), &out); err != nil {
			t.Fatalf("token -o json: %v\n%s", err, js.stdout)
		}
		if out.Token == "" || out.Server != fake.URL() || out.ExpiresIn == nil || *out.ExpiresIn != 600 {
			t.Errorf("token -o json = %+v", out)
		}

		st := c.mustRun("", "status", "-o", "json")
		var status map[string]any
		if err := json.Unmarshal([]byte(st.stdout), &status); err != nil {
			t.Fatalf("status -o json: %v\n%s", err, st.stdout)
		}
		want := map[string]any{"server": fake.URL(), "account": "ci-bot", "account_type": "service_account",
			"auth_method": "api_key", "ok": true, "token_expires_at": "never", "secret_store": "file", "server_id": fake.ServerID()}
		for k, v := range want {
			if status[k] != v {
				t.Errorf("status[%s] = %v, want %v", k, status[k], v)
			}
		}
		c.mustRun("", "whoami")
	})
}

func TestLoginWithPasswordFromStdin(t *testing.T) {
	t.Parallel()
	forEachProfile(t, zenmltest.Options{}, func(t *testing.T, fake *zenmltest.Server) {
		c := newCLI(t)
		// A fresh server's default user has an empty password.
		// The fake is plain http: certificate flags have nothing to act on,
		// and saying so beats a warning about TLS.
		r := c.mustRun("\n", "login", fake.URL(), "--username", "default", "--password-stdin", "--no-verify-ssl")
		if !strings.Contains(r.stderr, "as user default") || !strings.Contains(r.stderr, "uses plain http: --no-verify-ssl and --ssl-ca-cert have no effect on it") ||
			strings.Contains(r.stderr, "verification is off") {
			t.Errorf("stderr: %s", r.stderr)
		}
		fake.CreateUser("alice", "s3cret")
		r = c.run("wrong\n", "login", fake.URL(), "--username", "alice", "--password-stdin")
		expectCode(t, r, 4)
		oneLineError(t, r, "rejected the password", "invalid username or password")
		// The failed login left the previous one intact.
		st := c.mustRun("", "status", "-o", "json")
		if !strings.Contains(st.stdout, `"account": "default"`) {
			t.Errorf("previous login lost: %s", st.stdout)
		}
		c.mustRun("s3cret\n", "login", fake.URL(), "--username", "alice", "--password-stdin")
	})
}

func TestLoginRejectsWhatIsNotAZenMLServer(t *testing.T) {
	t.Parallel()
	html := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<html><body>Welcome to nginx</body></html>"))
	}))
	defer html.Close()
	notFound := httptest.NewServer(http.NotFoundHandler())
	defer notFound.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()

	c := newCLI(t)
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"html page", []string{"login", html.URL, "--api-key"}, []string{html.URL, "not a ZenML server"}},
		{"404", []string{"login", notFound.URL}, []string{"not a ZenML server", "404"}},
		{"refused", []string{"login", closedURL}, []string{closedURL, "connection refused"}},
		{"scheme", []string{"login", "ftp://127.0.0.1/"}, []string{"only http and https"}},
		{"embedded credentials", []string{"login", "http://user:pw@127.0.0.1:1/"}, []string{"remove the credentials"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.run("ZENKEY_x\n", tt.args...)
			expectCode(t, r, 1)
			oneLineError(t, r, tt.want...)
			if strings.Contains(r.stderr, "pw") && tt.name == "embedded credentials" {
				t.Errorf("password echoed: %s", r.stderr)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(c.dir, "config", "credentials.json")); err == nil {
		t.Error("a failed login stored credentials")
	}
}

// TestDeviceLogin plays the dashboard user: it reads the URL zenctl prints,
// and authorizes the device through the verify endpoint as the admin.
func TestDeviceLogin(t *testing.T) {
	t.Parallel()
	forEachProfile(t, zenmltest.Options{DevicePollingInterval: time.Second}, func(t *testing.T, fake *zenmltest.Server) {
		c := newCLI(t)
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		admin, _ := zenml.NewClient(fake.URL(), zenml.Options{Tokens: zenml.StaticToken(fake.AdminToken())})
		seen, code := c.deviceFlow(ctx, func(deviceID, userCode string) {
			if _, err := admin.VerifyDevice(ctx, deviceID, userCode, false); err != nil {
				t.Errorf("verify: %v", err)
			}
		}, "login", fake.URL(), "--device", "--no-browser")
		if code != 0 {
			t.Fatalf("login: exit %d\n%s", code, strings.Join(seen, "\n"))
		}
		if !strings.Contains(strings.Join(seen, "\n"), "Logged in to "+fake.URL()+" as user default") {
			t.Errorf("stderr:\n%s", strings.Join(seen, "\n"))
		}
		st := c.mustRun("", "status", "-o", "json")
		if !strings.Contains(st.stdout, `"auth_method": "device"`) {
			t.Errorf("status: %s", st.stdout)
		}
		c.mustRun("", "token")
	})
}

func TestDeviceLoginTimesOutAtTheDeadline(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{DeviceAuthTimeout: 2 * time.Second, DevicePollingInterval: time.Second})
	c := newCLI(t)
	start := time.Now()
	r := c.run("", "login", fake.URL(), "--device", "--no-browser")
	expectCode(t, r, 4)
	oneLineError(t, r, "not authorized within 2 seconds")
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("gave up after %s", d)
	}
}

func TestExpiredDeviceSessionNeedsLogin(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{TokenLifetime: time.Hour})
	c := newCLI(t)
	expired := fake.IssueToken(fake.AdminID(), -time.Minute)
	loginWithToken(t, c, fake, expired, "device")
	r := c.run("", "token")
	expectCode(t, r, 4)
	oneLineError(t, r, "zenctl login "+fake.URL())
	r = c.run("", "status", "-o", "json")
	expectCode(t, r, 4)
	// When it expired is known, and said.
	at, _ := zenml.TokenExpiry(expired, nil, time.Now())
	if !strings.Contains(r.stdout, `"token_expires_at": "`+at.UTC().Format(time.RFC3339)+`"`) {
		t.Errorf("status: %s", r.stdout)
	}

	empty := newCLI(t)
	r = empty.run("", "status", "--all", "-o", "json")
	expectCode(t, r, 4)
	if strings.TrimSpace(r.stdout) != "[]" {
		t.Errorf("status --all -o json with no login: %q", r.stdout)
	}
}

// loginWithToken stores a bare token as a device login would have.
func loginWithToken(t *testing.T, c *cli, fake *zenmltest.Server, token, method string) {
	t.Helper()
	dir := c.env["ZENCTL_CONFIG_DIR"]
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	expiresAt, lifetime := zenml.TokenExpiry(token, nil, time.Now())
	if err := credentials.NewFileStore(dir).Set(fake.URL(), credentials.Secret{AccessToken: token, ExpiresAt: expiresAt, Lifetime: lifetime}); err != nil {
		t.Fatal(err)
	}
	cfg := "active_server: " + fake.URL() + "\nservers:\n  - url: " + fake.URL() + "\n    auth_method: " + method + "\n    secret_store: file\n"
	if err := os.WriteFile(filepath.Join(dir, "config.yaml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestRefreshStampede: parallel processes with an expired access token
// exchange the API key exactly once between them.
func TestRefreshStampede(t *testing.T) {
	t.Parallel()
	forEachProfile(t, zenmltest.Options{TokenLifetime: 10 * time.Minute}, func(t *testing.T, fake *zenmltest.Server) {
		key := fake.CreateAPIKey(fake.CreateServiceAccount("ci"), "default")
		c := newCLI(t)
		c.mustRun(key+"\n", "login", fake.URL(), "--api-key")
		fake.ResetCounts()
		// The server's clock moves past the token's expiry; the client
		// finds out from the 401.
		fake.Advance(time.Hour)

		const n = 20
		var wg sync.WaitGroup
		results := make([]result, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i] = c.run("", "token")
			}()
		}
		wg.Wait()
		for i, r := range results {
			if r.code != 0 || r.stdout == "" {
				t.Fatalf("process %d: exit %d stdout %q stderr %s", i, r.code, r.stdout, r.stderr)
			}
		}
		if got := fake.Count("POST /api/v1/login"); got != 1 {
			t.Errorf("%d login exchanges for %d processes, want exactly 1", got, n)
		}
	})
}

// TestProactiveRefresh: a token close to its expiry is renewed before the
// request, so the server never sees the stale one.
func TestProactiveRefresh(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{TokenLifetime: time.Hour})
	key := fake.CreateAPIKey(fake.CreateServiceAccount("ci"), "default")
	c := newCLI(t)
	c.mustRun(key+"\n", "login", fake.URL(), "--api-key")
	store, key0 := credentials.NewFileStore(c.env["ZENCTL_CONFIG_DIR"]), c.secretKey(fake.URL())
	secret, err := store.Get(key0)
	if err != nil {
		t.Fatal(err)
	}
	old := secret.AccessToken
	secret.ExpiresAt = time.Now().Add(10 * time.Second) // inside the 30 s leeway
	if err := store.Set(key0, secret); err != nil {
		t.Fatal(err)
	}
	fake.ResetCounts()
	c.mustRun("", "token")
	if got := fake.Count("POST /api/v1/login"); got != 1 {
		t.Errorf("%d logins, want 1", got)
	}
	if renewedSecret, _ := store.Get(key0); renewedSecret.AccessToken != old {
		for _, req := range fake.Requests() {
			if req.Header.Get("Authorization") == "Bearer "+old {
				t.Errorf("stale token sent to %s", req.Endpoint)
			}
		}
	}
	// The fake signs with one-second resolution, so the new token may equal
	// the old one; the stored expiry tells whether it was renewed.
	renewed, _ := store.Get(key0)
	if !renewed.ExpiresAt.After(secret.ExpiresAt.Add(time.Minute)) || renewed.APIKey != key {
		t.Error("the renewed token was not saved for the next process")
	}
}

func TestSeveralServersAndLogout(t *testing.T) {
	t.Parallel()
	a := zenmltest.NewTest(t, zenmltest.Options{})
	b := zenmltest.NewTest(t, zenmltest.Options{Profile: zenmltest.Profile058})
	c := newCLI(t)
	c.mustRun("\n", "login", a.URL(), "--username", "default", "--password-stdin")
	c.mustRun("\n", "login", b.URL(), "--username", "default", "--password-stdin")

	st := c.mustRun("", "status", "-o", "json")
	if !strings.Contains(st.stdout, b.URL()) {
		t.Errorf("the last login is not active: %s", st.stdout)
	}
	// --server picks another server for one command.
	st = c.mustRun("", "status", "--server", a.URL(), "-o", "json")
	if !strings.Contains(st.stdout, a.URL()) {
		t.Errorf("--server ignored: %s", st.stdout)
	}
	all := c.mustRun("", "status", "--all", "-o", "json")
	var list []map[string]any
	if err := json.Unmarshal([]byte(all.stdout), &list); err != nil || len(list) != 2 {
		t.Fatalf("status --all: %v %s", err, all.stdout)
	}

	// The shell completes the stored servers for login, logout and --server.
	for _, args := range [][]string{{"logout", ""}, {"login", ""}, {"token", "--server", ""}} {
		comp := c.mustRun("", append([]string{"__complete"}, args...)...)
		if !strings.Contains(comp.stdout, a.URL()+"\n") || !strings.Contains(comp.stdout, b.URL()+"\n") {
			t.Errorf("completion of %v:\n%s", args, comp.stdout)
		}
	}
	if comp := c.mustRun("", "__complete", "logout", a.URL(), ""); strings.Contains(comp.stdout, b.URL()) {
		t.Errorf("completed a second SERVER_URL:\n%s", comp.stdout)
	}

	r := c.mustRun("", "logout")
	if !strings.Contains(r.stderr, "Its stored credentials were kept") {
		t.Errorf("logout does not say the credentials were kept: %s", r.stderr)
	}
	// The hint works although the server is no longer active.
	if !strings.Contains(r.stderr, "To forget them: zenctl logout "+b.URL()+" --clear") {
		t.Errorf("logout's --clear hint does not name the server: %s", r.stderr)
	}
	expectCode(t, c.run("", "token"), 4)
	// Credentials stay: logging in again needs no password.
	r = c.mustRun("", "login", b.URL())
	if !strings.Contains(r.stderr, "Already logged in") {
		t.Errorf("stored credentials not reused: %s", r.stderr)
	}

	c.mustRun("", "logout", b.URL(), "--clear")
	if _, err := c.fileSecret(b.URL()); err == nil {
		t.Error("--clear kept the credentials")
	}
	// The other server's login is untouched.
	c.mustRun("", "token", "--server", a.URL())
	// No server is active now; --clear still reaches the one left.
	// Nothing to do: a notice, not a failure.
	if r := c.mustRun("", "logout"); !strings.Contains(r.stderr, "No server is active: nothing changed") {
		t.Errorf("logout with no active server: %s", r.stderr)
	}
	r = c.mustRun("", "logout", "--clear")
	if !strings.Contains(r.stderr, "Deleted the stored credentials of "+a.URL()) || !strings.Contains(r.stderr, "stay valid on the server") {
		t.Errorf("logout --clear with no active server: %s", r.stderr)
	}
	expectCode(t, c.run("", "token", "--server", a.URL()), 4)
	c.mustRun("", "logout", "--all", "--clear")
}

func TestEnvironmentCredentialsNeedNoStoredState(t *testing.T) {
	t.Parallel()
	forEachProfile(t, zenmltest.Options{}, func(t *testing.T, fake *zenmltest.Server) {
		key := fake.CreateAPIKey(fake.CreateServiceAccount("ci"), "default")
		c := newCLI(t)
		delete(c.env, "ZENCTL_STORAGE")
		c.env["ZENML_STORE_URL"] = fake.URL()
		c.env["ZENML_STORE_API_KEY"] = key
		r := c.mustRun("", "token")
		if r.stdout == "" {
			t.Fatal("no token")
		}
		st := c.mustRun("", "status", "-o", "json")
		if !strings.Contains(st.stdout, `"auth_method": "environment"`) || !strings.Contains(st.stdout, `"token_expires_at": "never"`) {
			t.Errorf("status: %s", st.stdout)
		}
		if entries, _ := os.ReadDir(c.env["ZENCTL_CONFIG_DIR"]); len(entries) != 0 {
			t.Errorf("the environment mode wrote files: %v", entries)
		}
		r = c.run("", "login", fake.URL())
		expectCode(t, r, 1)
		oneLineError(t, r, "ZENML_STORE_URL")

		// A rejected key names the variable, not a stored login.
		c.env["ZENML_STORE_API_KEY"] = fake.CreateAPIKey(fake.CreateServiceAccount("gone"), "default")
		fake.InjectFault("POST /api/v1/login", zenmltest.Fault{Status: 401, Times: 1})
		r = c.run("", "token")
		expectCode(t, r, 4)
		oneLineError(t, r, "ZENML_STORE_API_KEY")
		if strings.Contains(r.stderr, "stored") || strings.Contains(r.stderr, "zenctl login") {
			t.Errorf("the environment mode was told about stored logins: %s", r.stderr)
		}

		delete(c.env, "ZENML_STORE_API_KEY")
		c.env["ZENML_STORE_API_TOKEN"] = fake.AdminToken()
		c.mustRun("", "token")
		c.env["ZENML_STORE_API_TOKEN"] = fake.IssueToken(fake.AdminID(), -time.Minute)
		r = c.run("", "token")
		expectCode(t, r, 4)
		oneLineError(t, r, "ZENML_STORE_API_TOKEN")
		if strings.Contains(r.stderr, "stored") || strings.Contains(r.stderr, "zenctl login") {
			t.Errorf("the environment mode was told about stored logins: %s", r.stderr)
		}
	})
}

// With only ZENML_STORE_URL set, the advice must be one that works:
// login refuses to store credentials while the variable is set.
func TestStoreURLWithoutCredentialsSaysWhatWorks(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	c := newCLI(t)
	c.env["ZENML_STORE_URL"] = fake.URL()
	r := c.run("", "token")
	expectCode(t, r, 4)
	oneLineError(t, r, "ZENML_STORE_API_KEY", "unset ZENML_STORE_URL")
	r = c.run("", "login", fake.URL())
	expectCode(t, r, 1)
	oneLineError(t, r, "ZENML_STORE_URL set", "unset it to log in")
	// status (which names the server itself) gives the same advice.
	r = c.run("", "status", "-o", "json")
	expectCode(t, r, 4)
	if !strings.Contains(r.stdout, "unset ZENML_STORE_URL") {
		t.Errorf("status: %s", r.stdout)
	}

	// Logged in beforehand, the variable just picks the server.
	delete(c.env, "ZENML_STORE_URL")
	c.mustRun("\n", "login", fake.URL(), "--username", "default", "--password-stdin")
	c.mustRun("", "logout")
	c.env["ZENML_STORE_URL"] = fake.URL()
	c.mustRun("", "token")
}

func TestTokenRejectsBadLifetimeBeforeAnyRequest(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	c := adminCLI(t, fake)
	fake.ResetCounts()
	// "8d" goes to the server, which sets the maximum (see
	// TestDurationLifetimeZeroAndServerMaximum).
	for _, v := range []string{"0", "0s", "-5m", "600", "soon"} {
		r := c.run("", "token", "--expires-in", v)
		expectCode(t, r, 1)
		oneLineError(t, r)
	}
	if n := len(fake.Requests()); n != 0 {
		t.Errorf("%d requests sent for invalid --expires-in", n)
	}
}

func TestNotLoggedInExitsFour(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	for _, args := range [][]string{{"token"}, {"status"}} {
		r := c.run("", args...)
		expectCode(t, r, 4)
		oneLineError(t, r, "zenctl login")
	}
}

func TestDebugNeverShowsSecrets(t *testing.T) {
	t.Parallel()
	forEachProfile(t, zenmltest.Options{TokenLifetime: time.Hour}, func(t *testing.T, fake *zenmltest.Server) {
		key := fake.CreateAPIKey(fake.CreateServiceAccount("ci"), "default")
		c := newCLI(t)
		r := c.mustRun(key+"\n", "login", fake.URL(), "--api-key", "--debug")
		secret, err := c.fileSecret(fake.URL())
		if err != nil {
			t.Fatal(err)
		}
		tok := c.mustRun("", "token", "--debug")
		st := c.mustRun("", "status", "--debug")
		for _, out := range []string{r.stderr, tok.stderr, st.stderr, st.stdout} {
			for _, s := range []string{key, secret.AccessToken, strings.TrimSpace(tok.stdout)} {
				if strings.Contains(out, s) {
					t.Fatalf("secret in debug output:\n%s", out)
				}
			}
		}
		if !strings.Contains(tok.stderr, "GET ") || !strings.Contains(tok.stderr, "[REDACTED]") {
			t.Errorf("debug trace missing:\n%s", tok.stderr)
		}
	})
}

// TestDeviceLoginCtrlC: an interrupted device flow exits 2 and stores
// nothing.
func TestDeviceLoginCtrlC(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{DevicePollingInterval: time.Second})
	c := newCLI(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := c.command(ctx, "", "login", fake.URL(), "--device", "--no-browser")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	var seen []string
	for sc.Scan() {
		seen = append(seen, sc.Text())
		if strings.Contains(sc.Text(), "/devices/verify") {
			if err := cmd.Process.Signal(os.Interrupt); err != nil {
				t.Fatal(err)
			}
		}
	}
	err = cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 2 {
		t.Fatalf("exit code %d (%v), want 2\n%s", code, err, strings.Join(seen, "\n"))
	}
	if !strings.Contains(strings.Join(seen, "\n"), "Cancelled.") {
		t.Errorf("stderr:\n%s", strings.Join(seen, "\n"))
	}
	if _, err := os.Stat(filepath.Join(c.env["ZENCTL_CONFIG_DIR"], "credentials.json")); err == nil {
		t.Error("a cancelled login stored credentials")
	}
}

// TestLogoutDuringRenewalStaysLoggedOut: a `logout --clear` that runs
// while another process renews the token waits for it, and the renewal
// does not write the deleted credentials back.
func TestLogoutDuringRenewalStaysLoggedOut(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{TokenLifetime: time.Hour})
	key := fake.CreateAPIKey(fake.CreateServiceAccount("ci"), "default")
	c := newCLI(t)
	c.mustRun(key+"\n", "login", fake.URL(), "--api-key")
	store, key0 := credentials.NewFileStore(c.env["ZENCTL_CONFIG_DIR"]), c.secretKey(fake.URL())
	secret, _ := store.Get(key0)
	secret.ExpiresAt = time.Now().Add(-time.Minute)
	if err := store.Set(key0, secret); err != nil {
		t.Fatal(err)
	}
	// The renewal's exchange is held at the server until the logout has
	// had time to reach the lock.
	releaseRenewal := make(chan struct{})
	defer func() {
		select {
		case <-releaseRenewal:
		default:
			close(releaseRenewal)
		}
	}()
	fake.InjectFault("POST /api/v1/login", zenmltest.Fault{Hold: releaseRenewal, Times: 1})

	renewal := make(chan result, 1)
	fake.ResetCounts() // the login above was one
	go func() { renewal <- c.run("", "token") }()
	deadline := time.Now().Add(10 * time.Second)
	for fake.Count("POST /api/v1/login") == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the renewal never started")
		}
		time.Sleep(2 * time.Millisecond)
	}
	logout := make(chan result, 1)
	go func() { logout <- c.run("", "logout", "--clear") }()
	select {
	case r := <-logout:
		t.Fatalf("logout --clear did not wait for the renewal in flight: exit %d\n%s", r.code, r.stderr)
	case <-time.After(200 * time.Millisecond):
	}
	close(releaseRenewal)
	if r := <-logout; r.code != 0 {
		t.Fatalf("logout --clear: exit %d\n%s", r.code, r.stderr)
	}
	<-renewal
	if _, err := store.Get(key0); err == nil {
		t.Fatal("the renewal wrote back the credentials that logout --clear deleted")
	}
}

// A 0.58 server hands a password session its own token back from
// /api_token, whatever lifetime was asked for: zenctl prints it, as the
// server answered, and warns on stderr that it is not a fresh one.
func TestTokenWarnsWhenAnOldServerReturnsTheSessionToken(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{Profile: zenmltest.Profile058})
	c := adminCLI(t, fake)
	r := c.mustRun("", "token", "--expires-in", "10m")
	if !strings.Contains(r.stderr, "the session's own token") || !strings.Contains(r.stderr, "never expires") {
		t.Errorf("no warning on stderr: %q", r.stderr)
	}
	if strings.Contains(r.stderr, strings.TrimSpace(r.stdout)) {
		t.Error("the token appeared on stderr")
	}
	// An API-key session gets a real, expiring token and no warning.
	key := fake.CreateAPIKey(fake.CreateServiceAccount("ci"), "default")
	c.mustRun(key+"\n", "login", fake.URL(), "--api-key")
	if r := c.mustRun("", "token", "--expires-in", "10m"); r.stderr != "" {
		t.Errorf("unexpected warning: %q", r.stderr)
	}
}

// TestLoginAgainKeepsTheStoredMethod: `zenctl login` without a method flag
// reuses the stored API key or password instead of starting a device flow,
// and when the server rejects it, says which flag logs in again.
func TestLoginAgainKeepsTheStoredMethod(t *testing.T) {
	t.Parallel()
	forEachProfile(t, zenmltest.Options{}, func(t *testing.T, fake *zenmltest.Server) {
		ctx := context.Background()
		sa := fake.CreateServiceAccount("ci-bot")
		key := fake.CreateAPIKey(sa, "default")
		c := newCLI(t)
		c.mustRun(key+"\n", "login", fake.URL(), "--api-key")
		fake.ResetCounts()

		r := c.mustRun("", "login", "--refresh")
		if !strings.Contains(r.stderr, "with the stored API key") || !strings.Contains(r.stderr, "as service account ci-bot") {
			t.Errorf("login --refresh:\n%s", r.stderr)
		}
		if n, d := fake.Count("POST /api/v1/login"), fake.Count("POST /api/v1/device_authorization"); n != 1 || d != 0 {
			t.Errorf("login --refresh made %d logins and %d device authorizations, want 1 and 0", n, d)
		}

		// Deactivating the key kills the stored token with it.
		admin, _ := zenml.NewClient(fake.URL(), zenml.Options{Tokens: zenml.StaticToken(fake.AdminToken())})
		if _, err := admin.UpdateAPIKey(ctx, sa, "default", zenml.APIKeyUpdate{Active: false}); err != nil {
			t.Fatal(err)
		}
		before := c.storedFiles()
		fake.ResetCounts()
		r = c.run("", "login", fake.URL())
		expectCode(t, r, 4)
		oneLineError(t, r, "rejected the stored API key", "zenctl login "+fake.URL()+" --api-key")
		if d := fake.Count("POST /api/v1/device_authorization"); d != 0 {
			t.Errorf("a rejected API key started %d device flows", d)
		}
		expectUnchanged(t, before, c.storedFiles())
		// Every other command gives the same advice.
		r = c.run("", "token")
		expectCode(t, r, 4)
		oneLineError(t, r, "rejected the stored API key", "zenctl login "+fake.URL()+" --api-key")

		// A password login is repeated with the stored password.
		fake.CreateUser("alice", "s3cret")
		c.mustRun("s3cret\n", "login", fake.URL(), "--username", "alice", "--password-stdin")
		fake.ResetCounts()
		r = c.mustRun("", "login", fake.URL(), "--refresh")
		if !strings.Contains(r.stderr, "as alice with the stored password") || !strings.Contains(r.stderr, "as user alice") {
			t.Errorf("login --refresh with a password:\n%s", r.stderr)
		}
		if n := fake.Count("POST /api/v1/login"); n != 1 {
			t.Errorf("%d logins, want 1", n)
		}

		// --device switches a password login to the browser flow.
		dctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		defer cancel()
		admin, _ = zenml.NewClient(fake.URL(), zenml.Options{Tokens: zenml.StaticToken(fake.AdminToken())})
		seen, code := c.deviceFlow(dctx, func(deviceID, userCode string) {
			if _, err := admin.VerifyDevice(dctx, deviceID, userCode, false); err != nil {
				t.Errorf("verify: %v", err)
			}
		}, "login", fake.URL(), "--device", "--no-browser")
		if code != 0 {
			t.Fatalf("login --device: exit %d\n%s", code, strings.Join(seen, "\n"))
		}
		if st := c.mustRun("", "status", "-o", "json"); !strings.Contains(st.stdout, `"auth_method": "device"`) {
			t.Errorf("status after --device: %s", st.stdout)
		}
	})
}

// TestLoginUpdatesTLSSettingsWithoutLoggingInAgain: a server whose
// certificate changed needs only the new CA, not a new login.
func TestLoginUpdatesTLSSettingsWithoutLoggingInAgain(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{TLS: true})
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, fake.CertificatePEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	c := newCLI(t)
	key := fake.CreateAPIKey(fake.CreateServiceAccount("tls"), "default")
	c.mustRun(key+"\n", "login", fake.URL(), "--api-key", "--no-verify-ssl")
	fake.ResetCounts()
	r := c.mustRun("", "login", fake.URL(), "--ssl-ca-cert", ca)
	if !strings.Contains(r.stderr, "Already logged in") {
		t.Errorf("stderr:\n%s", r.stderr)
	}
	if n := fake.Count("POST /api/v1/login"); n != 0 {
		t.Errorf("%d logins to change the CA, want 0", n)
	}
	st := c.mustRun("", "status")
	if strings.Contains(st.stderr, "verification is off") {
		t.Errorf("the old --no-verify-ssl is still in use:\n%s", st.stderr)
	}
	cfg, err := os.ReadFile(filepath.Join(c.configDir(), "config.yaml"))
	if err != nil || !strings.Contains(string(cfg), ca) || strings.Contains(string(cfg), "verify_ssl: false") {
		t.Errorf("config after the CA change:\n%s", cfg)
	}
}

// Three wrong codes lock the device: the waiting login ends with exit 4
// and says how to start again, naming the server.
func TestDeviceLoginLockedByWrongCodes(t *testing.T) {
	t.Parallel()
	forEachProfile(t, zenmltest.Options{DevicePollingInterval: time.Second}, func(t *testing.T, fake *zenmltest.Server) {
		c := newCLI(t)
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		admin, _ := zenml.NewClient(fake.URL(), zenml.Options{Tokens: zenml.StaticToken(fake.AdminToken())})
		seen, code := c.deviceFlow(ctx, func(deviceID, _ string) {
			for range 3 {
				if _, err := admin.VerifyDevice(ctx, deviceID, "WRONGCODE", false); err == nil {
					t.Error("a wrong code verified the device")
				}
			}
		}, "login", fake.URL(), "--device", "--no-browser")
		if code != 4 {
			t.Fatalf("exit %d\n%s", code, strings.Join(seen, "\n"))
		}
		last := seen[len(seen)-1]
		if !strings.Contains(last, "denied") || !strings.Contains(last, "zenctl login "+fake.URL()) {
			t.Errorf("last line: %s", last)
		}
	})
}

// Without a terminal and without a method, login fails at once naming the
// ways in, instead of waiting minutes for a browser approval nobody sees.
func TestLoginWithoutTerminalOrMethodNamesTheWaysIn(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	c := newCLI(t)
	start := time.Now()
	r := c.run("", "login", fake.URL())
	expectCode(t, r, 1)
	oneLineError(t, r, "without a terminal", "--api-key", "--password-stdin", "--device")
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %s", d)
	}
	if n := fake.Count("POST /api/v1/device_authorization"); n != 0 {
		t.Errorf("%d device authorizations started", n)
	}
}

// A stored API-key login whose keyring is not there: a script's login
// says how to give the key again, at once, and records nothing.
func TestLoginWithTheKeyringGoneNamesTheWayIn(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	c := newCLI(t)
	delete(c.env, "ZENCTL_STORAGE")
	c.env["DBUS_SESSION_BUS_ADDRESS"] = "unix:path=" + filepath.Join(c.dir, "no-bus")
	cfg := "id: 0123456789abcdef\nactive_server: " + fake.URL() + "\nservers:\n  - url: " + fake.URL() +
		"\n    active_account: ci\n    accounts:\n      - name: ci\n        type: service_account\n        auth_method: api_key\n        secret_store: keyring\n"
	if err := os.MkdirAll(c.configDir(), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(c.configDir(), "config.yaml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	r := c.run("", "login", fake.URL())
	expectCode(t, r, 4)
	oneLineError(t, r, "cannot be read", "zenctl login "+fake.URL()+" --api-key")
	if got, _ := os.ReadFile(filepath.Join(c.configDir(), "config.yaml")); !strings.HasPrefix(string(got), "id: 0123456789abcdef") || strings.Contains(string(got), "storage: file") {
		t.Errorf("config changed:\n%s", got)
	}
}
