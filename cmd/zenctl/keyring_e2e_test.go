package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zalando/go-keyring"

	"github.com/zenctl/zenctl/internal/config"
	"github.com/zenctl/zenctl/internal/credentials"
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

// realKeyringCLI is a user's machine whose commands use the real Secret
// Service of the test's D-Bus session; it skips outside one.
func realKeyringCLI(t *testing.T) *cli {
	t.Helper()
	if os.Getenv("ZENCTL_TEST_REAL_KEYRING") != "1" {
		t.Skip("set ZENCTL_TEST_REAL_KEYRING=1 inside a D-Bus session with an unlocked keyring (scripts/test.sh does)")
	}
	c := newCLI(t)
	delete(c.env, "ZENCTL_STORAGE")
	for _, v := range []string{"DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR", "GNOME_KEYRING_CONTROL"} {
		if val := os.Getenv(v); val != "" {
			c.env[v] = val
		}
	}
	return c
}

// TestRealKeyringConfigDirsKeepTheirOwnIdentity: two config directories
// (profiles) logged in to one server as two accounts share the keyring
// without reading, overwriting or deleting each other's secrets.
func TestRealKeyringConfigDirsKeepTheirOwnIdentity(t *testing.T) {
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	key := fake.CreateAPIKey(fake.CreateServiceAccount("ci-bot"), "default")
	a, b := realKeyringCLI(t), realKeyringCLI(t)
	a.mustRun("\n", "login", fake.URL(), "--username", "default", "--password-stdin")
	b.mustRun(key+"\n", "login", fake.URL(), "--api-key")
	if st := a.mustRun("", "status", "-o", "json").stdout; !strings.Contains(st, `"account": "default"`) || !strings.Contains(st, `"secret_store": "keyring"`) {
		t.Errorf("profile A after B's login: %s", st)
	}
	b.mustRun("", "logout", "--clear")
	if st := a.mustRun("", "status", "-o", "json").stdout; !strings.Contains(st, `"account": "default"`) {
		t.Errorf("profile A after B's logout --clear: %s", st)
	}
	a.mustRun("", "logout", "--clear")
}

// TestRealKeyringMovesTheOldLayout: a login written by an earlier zenctl
// (config record without accounts, secret under the bare server URL) is
// moved to the layout with accounts on first use, nothing lost; the old
// entry stays for another config directory of the old layout until the
// account is logged out with --clear.
func TestRealKeyringMovesTheOldLayout(t *testing.T) {
	a, b := realKeyringCLI(t), realKeyringCLI(t)
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	key := fake.CreateAPIKey(fake.CreateServiceAccount("ci-bot"), "default")
	// As an earlier zenctl wrote it.
	secret, err := json.Marshal(map[string]string{"api_key": key})
	if err != nil {
		t.Fatal(err)
	}
	if err := keyring.Set(credentials.KeyringService, fake.URL(), string(secret)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = keyring.Delete(credentials.KeyringService, fake.URL()) })
	oldLayout := "active_server: " + fake.URL() + "\nservers:\n  - url: " + fake.URL() +
		"\n    auth_method: api_key\n    account: ci-bot\n    account_type: service_account\n    secret_store: keyring\n"
	for _, c := range []*cli{a, b} {
		if err := os.MkdirAll(c.configDir(), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(c.configDir(), config.FileName), []byte(oldLayout), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	r := a.mustRun("", "status", "-o", "json")
	if !strings.Contains(r.stdout, `"account": "ci-bot"`) || !strings.Contains(r.stderr, "Moved the stored login of "+fake.URL()) {
		t.Fatalf("status after the move:\n%s\n%s", r.stdout, r.stderr)
	}
	cfg, err := config.Load(a.configDir())
	if err != nil {
		t.Fatal(err)
	}
	s := cfg.Server(fake.URL())
	if cfg.ID == "" || s == nil || s.HasLegacyLogin() || s.ActiveAccount != "ci-bot" || s.Account("ci-bot").SecretStore != "keyring" {
		t.Fatalf("config after the move: %+v", cfg)
	}
	moved, err := keyring.Get(credentials.KeyringService, credentials.Key(cfg.ID, fake.URL(), "ci-bot"))
	if err != nil || !strings.Contains(moved, key) {
		t.Fatalf("the moved secret: %v", err)
	}
	// The other directory still finds the old entry and moves it too.
	b.mustRun("", "token")
	a.mustRun("", "logout", "--clear")
	if _, err := keyring.Get(credentials.KeyringService, fake.URL()); err == nil {
		t.Error("logout --clear left the old-layout entry")
	}
	b.mustRun("", "token")
	b.mustRun("", "logout", "--clear")
}
