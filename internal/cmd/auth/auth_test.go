package auth

import (
	"context"
	"errors"
	"fmt"
	"github.com/zenctl/zenctl/internal/credentials"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/zenctl/zenctl/internal/cmd/cmdtest"
	"github.com/zenctl/zenctl/internal/config"
	"github.com/zenctl/zenctl/internal/exitcode"
	"github.com/zenctl/zenctl/internal/prompt"
	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

func execute(t *testing.T, cmd *cobra.Command, args ...string) error {
	t.Helper()
	cmd.SetArgs(args)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &exitcode.UsageError{Err: err} })
	return cmd.ExecuteContext(context.Background())
}

func TestLoginFlags(t *testing.T) {
	tests := []struct {
		args    []string
		wantErr string
		check   func(*LoginOptions) bool
	}{
		{[]string{"https://z.example.com", "--api-key"}, "", func(o *LoginOptions) bool { return o.APIKey && o.ServerURL == "https://z.example.com" }},
		{[]string{"--username", "alice", "--password-stdin"}, "", func(o *LoginOptions) bool { return o.Username == "alice" && o.PasswordStdin }},
		{[]string{"--api-key", "--username", "a"}, "cannot be used together", nil},
		{[]string{"--password-stdin"}, "needs --username", nil},
		{[]string{"--no-verify-ssl", "--ssl-ca-cert", "x.pem"}, "cannot be used together", nil},
		{[]string{"a", "b"}, "too many arguments (2): usage: login [SERVER_URL]", nil},
		// --api-key is a switch, never a value: a key on the command line
		// would land in shell history.
		{[]string{"--api-key=ZENKEY_abc"}, "invalid argument", nil},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			h := cmdtest.New(t)
			var got *LoginOptions
			err := execute(t, NewCmdLogin(h.F, func(o *LoginOptions) error { got = o; return nil }), tt.args...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got == nil || !tt.check(got) {
				t.Fatalf("err = %v, options %+v", err, got)
			}
		})
	}
}

func TestLoginPromptsForTheKeyOnATerminal(t *testing.T) {
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	key := fake.CreateAPIKey(fake.CreateServiceAccount("ci"), "default")
	h := cmdtest.New(t, prompt.Answer{Kind: prompt.KindPassword, Prompt: "API key", Value: key})
	h.IO.SetStdinTTY(true)
	h.IO.SetStderrTTY(true)
	h.Setenv("ZENCTL_STORAGE", "keyring")
	if err := execute(t, NewCmdLogin(h.F, nil), fake.URL(), "--api-key"); err != nil {
		t.Fatal(err)
	}
	if h.Out.Len() != 0 {
		t.Errorf("stdout: %q", h.Out)
	}
	secret, err := h.Secret(fake.URL())
	if err != nil || secret.APIKey != key {
		t.Fatalf("stored %+v, %v", secret, err)
	}
	if s := h.Config().Server(fake.URL()); s == nil || s.Active().AuthMethod != config.AuthAPIKey || s.Active().Type != config.AccountServiceAccount {
		t.Errorf("metadata %+v", s)
	}
}

func TestDeviceLoginOpensTheBrowserOnlyOnATerminal(t *testing.T) {
	for _, tty := range []bool{true, false} {
		fake := zenmltest.NewTest(t, zenmltest.Options{DevicePollingInterval: 1})
		h := cmdtest.New(t)
		h.IO.SetStderrTTY(tty)
		h.Setenv("ZENCTL_STORAGE", "keyring")
		opts := loginOptions(h)
		opts.ServerURL, opts.PollScale, opts.Device = fake.URL(), 0.01, !tty
		if err := approvedDeviceLogin(t, fake, opts, func() bool { return true }); err != nil {
			t.Fatal(err)
		}
		opened := len(h.Browser.URLs()) == 1
		if opened != tty {
			t.Errorf("stderr tty=%v: browser opened=%v", tty, opened)
		}
		if !strings.Contains(h.ErrOut.String(), "/devices/verify?") {
			t.Errorf("no verification URL on stderr: %s", h.ErrOut)
		}
	}
}

func TestTokenFlags(t *testing.T) {
	for _, tt := range []struct {
		args    []string
		wantErr string
	}{
		{[]string{"--expires-in", "0s"}, "must be positive, e.g. 10m or 1h"},
		{[]string{"--expires-in", "0"}, "must be positive, e.g. 10m or 1h"},
		{[]string{"--expires-in", "60"}, "60 has no unit: write 60s, 60m, 60h or 60d"},
		{[]string{"-o", "xml"}, "invalid output format"},
		{[]string{"extra"}, "takes no arguments, got \"extra\""},
		{[]string{"-e", "60s", "-o", "json"}, ""},
	} {
		h := cmdtest.New(t)
		var got *TokenOptions
		err := execute(t, NewCmdToken(h.F, func(o *TokenOptions) error { got = o; return nil }), tt.args...)
		if tt.wantErr == "" {
			if err != nil || got.ExpiresIn != 60 || got.Output != "json" {
				t.Errorf("%v: err %v, %+v", tt.args, err, got)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%v: err = %v, want %q", tt.args, err, tt.wantErr)
		}
	}
	h := cmdtest.New(t)
	var got *TokenOptions
	if err := execute(t, NewCmdToken(h.F, func(o *TokenOptions) error { got = o; return nil }), "--expires-in", "7d"); err != nil || got.ExpiresIn != 7*24*3600 {
		t.Errorf("--expires-in 7d: %v", err)
	}
}

func TestLogoutFlags(t *testing.T) {
	h := cmdtest.New(t)
	err := execute(t, NewCmdLogout(h.F, func(*LogoutOptions) error { return nil }), "https://a", "--all")
	if err == nil || !strings.Contains(err.Error(), "not both") {
		t.Errorf("err = %v", err)
	}
}

func TestStatusWithoutLoginNeedsAuthentication(t *testing.T) {
	h := cmdtest.New(t)
	err := execute(t, NewCmdStatus(h.F, nil))
	if exitcode.For(err) != exitcode.AuthRequired {
		t.Errorf("err = %v (exit %d), want exit 4", err, exitcode.For(err))
	}
}

func TestHumanDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		time.Second:                            "1 second",
		2 * time.Second:                        "2 seconds",
		1500 * time.Millisecond:                "2 seconds",
		5 * time.Minute:                        "5 minutes",
		299*time.Second + 600*time.Millisecond: "5 minutes",
		90 * time.Second:                       "1 minute 30 seconds",
		time.Hour:                              "1 hour",
	} {
		if got := humanDuration(d); got != want {
			t.Errorf("humanDuration(%s) = %q, want %q", d, got, want)
		}
	}
}

// A server (or a man in the middle on plain http) controls the
// verification URL: nothing but a web address may reach the OS's opener,
// and no escape sequence may reach the terminal.
func TestDeviceLoginRefusesAVerificationURLThatIsNotAWebPage(t *testing.T) {
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	target, _ := url.Parse(fake.URL())
	proxy := httputil.NewSingleHostReverseProxy(target)
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v1/device_authorization" {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"device_code":"d","user_code":"u\u001b[2J","verification_uri":"file:///etc/passwd","verification_uri_complete":"file:///etc/passwd\u001b]0;x\u0007","expires_in":300,"interval":1}`)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(evil.Close)

	h := cmdtest.New(t)
	h.IO.SetStderrTTY(true)
	opts := loginOptions(h)
	opts.ServerURL, opts.PollScale = evil.URL, 0.01
	err := runLogin(context.Background(), opts)
	if err == nil || !strings.Contains(err.Error(), "not a web address") {
		t.Fatalf("err = %v, want a refusal", err)
	}
	if n := len(h.Browser.URLs()); n != 0 {
		t.Errorf("the browser was asked to open %v", h.Browser.URLs())
	}
	if strings.ContainsAny(h.ErrOut.String()+err.Error(), "\x1b\x07") {
		t.Errorf("control characters reached the terminal: %q / %q", h.ErrOut, err)
	}
}

// `login --storage` (or ZENCTL_STORAGE) on a working login moves its
// secret to the store asked for, with no new login and no copy left.
func TestLoginMovesAWorkingLoginToTheRequestedStore(t *testing.T) {
	fake, h, key := loggedInWithFileStore(t)
	fileStore := credentials.NewFileStore(h.Dir)
	if s, err := fileStore.Get(h.SecretKey(fake.URL())); err != nil || s.APIKey != key {
		t.Fatalf("the file store holds %v, %v\n%s", s.APIKey != "", err, h.ErrOut)
	}

	h.Setenv("ZENCTL_STORAGE", "keyring")
	h.Reset()
	// Other commands use the secret where it is, and say how to move it.
	if err := execute(t, NewCmdStatus(h.F, nil)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(h.ErrOut.String(), "are in the file store, not keyring; `zenctl login "+fake.URL()+" --storage keyring` moves them") {
		t.Errorf("status with another storage asked: %s", h.ErrOut)
	}
	h.Reset()
	fake.ResetCounts()
	if err := execute(t, NewCmdLogin(h.F, nil), fake.URL()); err != nil {
		t.Fatal(err)
	}
	if n := fake.Count("POST /api/v1/login"); n != 0 {
		t.Errorf("%d logins to move the secret, want 0", n)
	}
	if s, err := h.Secret(fake.URL()); err != nil || s.APIKey != key {
		t.Errorf("the keyring holds %v, %v", s.APIKey != "", err)
	}
	if _, err := fileStore.Get(h.SecretKey(fake.URL())); !errors.Is(err, credentials.ErrNotFound) {
		t.Errorf("a copy stayed in the file: %v", err)
	}
	if s := h.Config().Server(fake.URL()); s == nil || s.Active().SecretStore != "keyring" {
		t.Errorf("config: %+v", s)
	}
	if !strings.Contains(h.ErrOut.String(), "Moved the credentials of ci on "+fake.URL()) {
		t.Errorf("stderr: %s", h.ErrOut)
	}
}

// A config entry without a secret_store means the current mode: asking for
// that mode is no move, and must not delete the only copy.
func TestLoginStorageOnTheSameStoreKeepsTheSecret(t *testing.T) {
	fake, h, key := loggedInWithFileStore(t)
	if err := config.Update(h.Dir, func(c *config.Config) error {
		s := *c.Server(fake.URL())
		s.Active().SecretStore = ""
		c.UpsertServer(s)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	h.Reset()
	if err := execute(t, NewCmdLogin(h.F, nil), fake.URL()); err != nil {
		t.Fatal(err)
	}
	if s, err := credentials.NewFileStore(h.Dir).Get(h.SecretKey(fake.URL())); err != nil || s.APIKey != key {
		t.Fatalf("the secret is gone: %v", err)
	}
	if strings.Contains(h.ErrOut.String(), "Moved") {
		t.Errorf("claimed a move onto the same store: %s", h.ErrOut)
	}
}

// loggedInWithFileStore logs in to a new fake with a service account's API
// key through `zenctl login --api-key`, storing it in the file store.
func loggedInWithFileStore(t *testing.T) (*zenmltest.Server, *cmdtest.Harness, string) {
	t.Helper()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	key := fake.CreateAPIKey(fake.CreateServiceAccount("ci"), "default")
	h := cmdtest.New(t)
	h.Setenv("ZENCTL_STORAGE", "file")
	h.Setenv("ZENML_STORE_API_KEY", key)
	if err := execute(t, NewCmdLogin(h.F, nil), fake.URL(), "--api-key"); err != nil {
		t.Fatal(err)
	}
	h.Setenv("ZENML_STORE_API_KEY", "")
	return fake, h, key
}

// A server hiccup while the user approves the device does not end the
// flow: the failed polls are repeated, and each poll is sent once (a
// device code yields one token; a repeat after a lost answer would read
// "already used").
func TestDeviceLoginSurvivesServerErrorsWhilePolling(t *testing.T) {
	fake := zenmltest.NewTest(t, zenmltest.Options{DevicePollingInterval: 1})
	fake.InjectFault("POST /api/v1/login", zenmltest.Fault{Status: 502, Times: maxPollFailures})
	h := cmdtest.New(t)
	opts := loginOptions(h)
	opts.ServerURL, opts.PollScale, opts.NoBrowser, opts.Device = fake.URL(), 0.01, true, true
	// Approve only once every failing poll has been answered.
	ready := func() bool { return fake.Count("POST /api/v1/login") >= maxPollFailures }
	if err := approvedDeviceLogin(t, fake, opts, ready); err != nil {
		t.Fatalf("login: %v\n%s", err, h.ErrOut)
	}
	if s := h.Config().Server(fake.URL()); s == nil || s.Active().AuthMethod != config.AuthDevice {
		t.Errorf("config: %+v", s)
	}
}

// approvedDeviceLogin runs a device-flow login and plays the dashboard user,
// approving the device as soon as it appears and ready says so.
func approvedDeviceLogin(t *testing.T, fake *zenmltest.Server, opts *LoginOptions, ready func() bool) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- runLogin(context.Background(), opts) }()
	deadline := time.Now().Add(10 * time.Second)
	for verified := false; !verified; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no device to verify")
		}
		if devs := fake.Devices(); len(devs) == 1 && ready() {
			verified = fake.VerifyDevice(devs[0].UserCode, false) == nil
		}
	}
	return <-done
}

// loginOptions wires login's dependencies from a test harness, as
// NewCmdLogin does from the factory.
func loginOptions(h *cmdtest.Harness) *LoginOptions {
	return &LoginOptions{IO: h.IO, Prompter: h.F.Prompter, Browser: h.F.Browser,
		Logins: h.F.Logins, NewClient: h.F.NewClient, Getenv: h.F.Env}
}
