package auth

import (
	"net/url"
	"strings"
	"testing"

	"github.com/zenctl/zenctl/internal/cmd/cmdtest"
	"github.com/zenctl/zenctl/internal/exitcode"
	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

// serverReplaced logs in with an API key to a fake, stops it and starts
// another server (another id) on the same address: what a local user who
// binds the port after the owner's server stopped would be.
func serverReplaced(t *testing.T) (impostor *zenmltest.Server, h *cmdtest.Harness, oldID string) {
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
	impostor = zenmltest.NewTest(t, zenmltest.Options{ListenAddr: u.Host})
	return impostor, h, oldID
}

func TestNoStoredSecretGoesToAnotherServerAtTheURL(t *testing.T) {
	impostor, h, oldID := serverReplaced(t)
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
