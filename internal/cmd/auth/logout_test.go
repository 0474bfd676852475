package auth

import (
	"strings"
	"testing"

	"github.com/zenctl/zenctl/internal/cmd/cmdtest"
	"github.com/zenctl/zenctl/internal/credentials"
	"github.com/zenctl/zenctl/internal/exitcode"
	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

// A server without authentication has no secret and issues no tokens:
// logout --clear says so, as login did, instead of "deleted the stored
// credentials" and "tokens already issued stay valid".
func TestLogoutClearOfNoAuthServerDeletesNothingSecret(t *testing.T) {
	for _, storage := range []string{"keyring", "file"} {
		t.Run(storage, func(t *testing.T) {
			fake := zenmltest.NewTest(t, zenmltest.Options{AuthScheme: zenmltest.AuthSchemeNoAuth})
			h := cmdtest.New(t)
			h.Setenv("ZENCTL_STORAGE", storage)
			if err := execute(t, NewCmdLogin(h.F, nil), fake.URL()); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(h.ErrOut.String(), "Nothing secret was stored") {
				t.Fatalf("login: %s", h.ErrOut)
			}
			h.Reset()
			if err := execute(t, NewCmdLogout(h.F, nil), "--clear"); err != nil {
				t.Fatal(err)
			}
			got := h.ErrOut.String()
			if !strings.Contains(got, "nothing secret was stored") || strings.Contains(got, "Deleted the stored credentials") || strings.Contains(got, "Tokens already issued") {
				t.Errorf("logout --clear of a NO_AUTH server:\n%s", got)
			}
			if h.Config().Server(fake.URL()) != nil {
				t.Error("the server's record is still there")
			}
		})
	}
}

// Nothing to log out of is not a failure, whatever the reason: no server
// stored, none active, or the one named not active. Only a request that
// cannot be carried out fails.
func TestLogoutWithNothingToDoSucceedsWithANotice(t *testing.T) {
	t.Parallel()
	a := zenmltest.NewTest(t, zenmltest.Options{})
	b := zenmltest.NewTest(t, zenmltest.Options{})
	h := cmdtest.New(t)

	logout := func(args ...string) (string, error) {
		h.Reset()
		err := execute(t, NewCmdLogout(h.F, nil), args...)
		return h.ErrOut.String(), err
	}
	if msg, err := logout(); err != nil || !strings.Contains(msg, "Not logged in to any server: nothing changed") {
		t.Errorf("logout with nothing stored: %v, %q", err, msg)
	}

	h.Login(a.URL(), credentials.Secret{Username: "default", AccessToken: "t"}, "password")
	h.Login(b.URL(), credentials.Secret{Username: "default", AccessToken: "t"}, "password")
	if _, err := logout(); err != nil {
		t.Fatalf("first logout: %v", err)
	}
	// The second one, as a cleanup script would run it.
	msg, err := logout()
	if err != nil || !strings.Contains(msg, "No server is active: nothing changed") || !strings.Contains(msg, "zenctl logout SERVER_URL --clear") {
		t.Errorf("second logout: %v, %q", err, msg)
	}
	if msg, err := logout(a.URL()); err != nil || !strings.Contains(msg, "was not the active server: nothing changed") {
		t.Errorf("logout of a server that is not active: %v, %q", err, msg)
	}
	if got := h.Config().ServerURLs(); len(got) != 2 {
		t.Errorf("servers after logouts that changed nothing: %v", got)
	}

	// What cannot be done still fails.
	if _, err := logout("https://typo.example.com"); exitcode.For(err) != exitcode.Error {
		t.Errorf("logout of a server zenctl does not know: %v (exit %d)", err, exitcode.For(err))
	}
	if _, err := logout("--clear"); exitcode.For(err) != exitcode.Error || !strings.Contains(err.Error(), "name one") {
		t.Errorf("logout --clear with several servers and none active: %v", err)
	}
}
