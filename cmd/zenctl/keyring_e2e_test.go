package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

// TestRealKeyringLoginAndToken logs in with the default storage against
// a real Secret Service (run inside .ci/keyring-session.sh): the secret
// goes to the keyring, no credentials file appears, and later commands
// read it back.
func TestRealKeyringLoginAndToken(t *testing.T) {
	if os.Getenv("ZENCTL_TEST_REAL_KEYRING") != "1" {
		t.Skip("set ZENCTL_TEST_REAL_KEYRING=1 inside a D-Bus session with an unlocked keyring (scripts/test.sh does)")
	}
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	key := fake.CreateAPIKey(fake.CreateServiceAccount("ci"), "default")
	c := newCLI(t)
	delete(c.env, "ZENCTL_STORAGE")
	for _, v := range []string{"DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR", "GNOME_KEYRING_CONTROL"} {
		if val := os.Getenv(v); val != "" {
			c.env[v] = val
		}
	}
	r := c.mustRun(key+"\n", "login", fake.URL(), "--api-key")
	if !strings.Contains(r.stderr, "OS keyring") {
		t.Errorf("login did not store in the keyring:\n%s", r.stderr)
	}
	if _, err := os.Stat(filepath.Join(c.env["ZENCTL_CONFIG_DIR"], "credentials.json")); err == nil {
		t.Error("a credentials file was written although the keyring works")
	}
	c.mustRun("", "token")
	st := c.mustRun("", "status", "-o", "json")
	if !strings.Contains(st.stdout, `"secret_store": "keyring"`) {
		t.Errorf("status: %s", st.stdout)
	}
	c.mustRun("", "logout", "--clear")
	expectCode(t, c.run("", "token", "--server", fake.URL()), 4)
}
