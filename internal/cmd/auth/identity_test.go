package auth

import (
	"net/url"
	"strings"
	"testing"

	"github.com/zenctl/zenctl/internal/cmd/cmdtest"
	"github.com/zenctl/zenctl/internal/config"
	"github.com/zenctl/zenctl/internal/exitcode"
	"github.com/zenctl/zenctl/internal/prompt"
	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

// serverReplaced logs in with an API key to a fake, stops it and starts
// another server (another id) on the same address: what a local user who
// binds the port after the owner's server stopped would be.
func serverReplaced(t *testing.T, impostorOpts zenmltest.Options) (impostor *zenmltest.Server, h *cmdtest.Harness, oldID string) {
	t.Helper()
	first := zenmltest.New(zenmltest.Options{})
	key := first.CreateAPIKey(first.CreateServiceAccount("ci"), "default")
	h = cmdtest.New(t)
	h.Setenv("ZENCTL_STORAGE", "file")
	h.Setenv("ZENML_STORE_API_KEY", key)
	if err := execute(t, NewCmdLogin(h.F, nil), first.URL(), "--api-key"); err != nil {
		t.Fatal(err)
	}
	h.Setenv("ZENML_STORE_API_KEY", "")
	h.Reset() // a new process, which reads the environment anew
	u, _ := url.Parse(first.URL())
	oldID = first.ServerID()
	first.Close()
	impostorOpts.ListenAddr = u.Host
	impostor = zenmltest.NewTest(t, impostorOpts)
	return impostor, h, oldID
}

func TestNoStoredSecretGoesToAnotherServerAtTheURL(t *testing.T) {
	impostor, h, oldID := serverReplaced(t, zenmltest.Options{})
	for _, cmd := range [][]string{{"token"}, {"status"}, {"login"}} {
		h.Reset()
		var err error
		switch cmd[0] {
		case "token":
			err = execute(t, NewCmdToken(h.F, nil))
		case "status":
			err = execute(t, NewCmdStatus(h.F, nil))
		case "login":
			// No terminal and no flag: the stored key is not reused.
			err = execute(t, NewCmdLogin(h.F, nil), impostor.URL())
		}
		if err == nil {
			t.Fatalf("%s: succeeded against another server", cmd)
		}
		if n := impostor.Count("POST /api/v1/login"); n != 0 {
			t.Fatalf("%s: %d logins reached the other server", cmd, n)
		}
		if cmd[0] == "login" {
			if !strings.Contains(h.ErrOut.String(), "replaces the recorded identity") {
				t.Errorf("login says nothing of the identity: %s", h.ErrOut)
			}
			continue
		}
		text := err.Error() + h.Out.String() + h.ErrOut.String()
		if exitcode.For(err) != exitcode.AuthRequired || !strings.Contains(text, oldID) || !strings.Contains(text, impostor.ServerID()) ||
			!strings.Contains(text, "zenctl login "+impostor.URL()) {
			t.Errorf("%s: exit %d, %s", cmd, exitcode.For(err), text)
		}
	}

	// Logging in anew trusts the server that answers now.
	h.Setenv("ZENML_STORE_API_KEY", impostor.CreateAPIKey(impostor.CreateServiceAccount("ci"), "default"))
	h.Reset()
	if err := execute(t, NewCmdLogin(h.F, nil), impostor.URL(), "--api-key"); err != nil {
		t.Fatal(err)
	}
	h.Setenv("ZENML_STORE_API_KEY", "")
	h.Reset()
	if got := h.Config().Server(impostor.URL()).ServerID; got != impostor.ServerID() {
		t.Errorf("recorded id %s, want the new server's", got)
	}
	if err := execute(t, NewCmdToken(h.F, nil)); err != nil {
		t.Errorf("token after the new login: %v", err)
	}
}

// A server without authentication at the URL of another: login says the
// identity changes before it records the new server.
func TestNoAuthServerAtTheURLOfAnotherIsNamedAsANewIdentity(t *testing.T) {
	impostor, h, oldID := serverReplaced(t, zenmltest.Options{AuthScheme: zenmltest.AuthSchemeNoAuth})
	if err := execute(t, NewCmdLogin(h.F, nil), impostor.URL()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(h.ErrOut.String(), "replaces the recorded identity") || !strings.Contains(h.ErrOut.String(), oldID) {
		t.Errorf("stderr: %s", h.ErrOut)
	}
	if n := impostor.Count("POST /api/v1/login"); n != 0 {
		t.Errorf("%d logins reached the other server", n)
	}
}

// After the server's identity changed, a login without a method flag keeps
// the way the user logged in: the stored username's password is asked for
// (getting-started.md: "keeps the way you logged in"), not the device
// flow, and the stored password is not sent.
func TestChangedIdentityKeepsThePasswordLogin(t *testing.T) {
	first := zenmltest.New(zenmltest.Options{})
	first.CreateUser("ann", "old-pw")
	h := cmdtest.New(t, prompt.Answer{Kind: prompt.KindPassword, Value: "old-pw"})
	h.IO.SetStdinTTY(true)
	h.IO.SetStderrTTY(true)
	h.Setenv("ZENCTL_STORAGE", "file")
	if err := execute(t, NewCmdLogin(h.F, nil), first.URL(), "--username", "ann"); err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(first.URL())
	first.Close()
	reinstalled := zenmltest.NewTest(t, zenmltest.Options{ListenAddr: u.Host})
	reinstalled.CreateUser("ann", "new-pw")

	h.Reset(prompt.Answer{Kind: prompt.KindPassword, Value: "new-pw"})
	h.IO.SetStdinTTY(true)
	h.IO.SetStderrTTY(true)
	if err := execute(t, NewCmdLogin(h.F, nil), reinstalled.URL()); err != nil {
		t.Fatalf("login: %v\n%s", err, h.ErrOut)
	}
	if n := reinstalled.Count("POST /api/v1/login"); n != 1 {
		t.Errorf("%d password logins reached the server; want only the one typed", n)
	}
	if n := reinstalled.Count("POST /api/v1/device_authorization"); n != 0 {
		t.Errorf("the device flow started (%d) instead of the password prompt", n)
	}
	s := h.Config().Server(reinstalled.URL())
	if a := s.Active(); a.Name != "ann" || a.AuthMethod != config.AuthPassword || s.ServerID != reinstalled.ServerID() {
		t.Errorf("stored login = %+v on server %s", a, s.ServerID)
	}
}

// Trust is per account: a user who logs in again to the server that now
// answers at the URL trusts it for that account only; the API key stored
// for another account, given to the old server, is not sent to it.
func TestReloginOfOneAccountTrustsTheNewServerForItOnly(t *testing.T) {
	first := zenmltest.New(zenmltest.Options{AdminPassword: "pw"})
	key := first.CreateAPIKey(first.CreateServiceAccount("old-bot"), "default")
	h := cmdtest.New(t, prompt.Answer{Kind: prompt.KindPassword, Value: "pw"})
	h.IO.SetStdinTTY(true)
	h.IO.SetStderrTTY(true)
	h.Setenv("ZENCTL_STORAGE", "file")
	if err := execute(t, NewCmdLogin(h.F, nil), first.URL(), "--username", "default"); err != nil {
		t.Fatal(err)
	}
	h.Setenv("ZENML_STORE_API_KEY", key)
	h.Reset()
	if err := execute(t, NewCmdLogin(h.F, nil), first.URL(), "--api-key"); err != nil {
		t.Fatal(err)
	}
	h.Setenv("ZENML_STORE_API_KEY", "")
	// A config written before accounts recorded the id: only the server has it.
	err := config.Update(h.Dir, func(c *config.Config) error {
		for i := range c.Servers[0].Accounts {
			c.Servers[0].Accounts[i].ServerID = ""
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(first.URL())
	first.Close()
	second := zenmltest.NewTest(t, zenmltest.Options{AdminPassword: "pw", ListenAddr: u.Host})

	h.Reset(prompt.Answer{Kind: prompt.KindPassword, Value: "pw"})
	h.IO.SetStdinTTY(true)
	h.IO.SetStderrTTY(true)
	if err := execute(t, NewCmdLogin(h.F, nil), second.URL(), "--username", "default"); err != nil {
		t.Fatal(err)
	}
	stderr := h.ErrOut.String()
	if !strings.Contains(stderr, "replaces the recorded identity") || !strings.Contains(stderr, "old-bot stays blocked") ||
		!strings.Contains(stderr, "zenctl login "+second.URL()+" --account old-bot --api-key") {
		t.Errorf("login does not say which accounts stay blocked:\n%s", stderr)
	}
	logins := second.Count("POST /api/v1/login") // default's own

	for _, cmd := range []string{"status", "token"} {
		h.Setenv("ZENCTL_ACCOUNT", "old-bot") // --account old-bot
		h.Reset()
		var err error
		if cmd == "status" {
			err = execute(t, NewCmdStatus(h.F, nil))
		} else {
			err = execute(t, NewCmdToken(h.F, nil))
		}
		if err == nil {
			t.Fatalf("%s --account old-bot succeeded against the new server", cmd)
		}
		if n := second.Count("POST /api/v1/login"); n != logins {
			t.Fatalf("%s: %d logins of old-bot reached the new server", cmd, n-logins)
		}
		if text := err.Error() + h.Out.String() + h.ErrOut.String(); exitcode.For(err) != exitcode.AuthRequired || !strings.Contains(text, "--account old-bot --api-key") {
			t.Errorf("%s: exit %d, %s", cmd, exitcode.For(err), text)
		}
	}
	// default, which logged in again, works.
	h.Setenv("ZENCTL_ACCOUNT", "default")
	h.Reset()
	if err := execute(t, NewCmdToken(h.F, nil)); err != nil {
		t.Errorf("token of default after its new login: %v", err)
	}
}
