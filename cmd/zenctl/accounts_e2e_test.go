package main

import (
	"strings"
	"testing"

	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

// An admin fixing the CI account's keys, with that account stored beside
// their own: the key that account logs in with is recognised, whichever
// account is active.
func TestKeysOfAnAccountStoredBesideTheActiveOne(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	key := fake.CreateAPIKey(fake.CreateServiceAccount("ci-bot"), "default")
	c := adminCLI(t, fake)
	c.mustRun(key+"\n", "login", fake.URL(), "--api-key")
	c.mustRun("", "switch", "--account", "default")

	r := c.mustRun("", "service-account", "api-key", "ci-bot", "list", "-o", "json")
	if !strings.Contains(r.stdout, `"used_by_this_client": true`) {
		t.Errorf("the stored ci-bot login's key is not marked:\n%s", r.stdout)
	}
	r = c.mustRun("", "service-account", "api-key", "ci-bot", "rotate", "default", "--set-key")
	newKey := strings.TrimSpace(r.stdout)
	if !strings.Contains(r.stderr, "Stored the new key for account ci-bot") {
		t.Errorf("rotate --set-key:\n%s", r.stderr)
	}
	// ci-bot's stored login works with the new key; default stays active.
	r = c.mustRun("", "status", "--account", "ci-bot", "-o", "json")
	if !strings.Contains(r.stdout, `"account": "ci-bot"`) || !strings.Contains(r.stdout, `"ok": true`) {
		t.Errorf("ci-bot after the rotation: %s", r.stdout)
	}
	if !keyLogsIn(t, fake, newKey) || keyLogsIn(t, fake, key) {
		t.Error("the key was not rotated")
	}
	r = c.mustRun("", "service-account", "api-key", "ci-bot", "deactivate", "default")
	if !strings.Contains(r.stderr, "stored login of ci-bot on "+fake.URL()+" logs in with this key") {
		t.Errorf("deactivating the key of a stored login gives no warning:\n%s", r.stderr)
	}
}

// A key in ZENML_STORE_API_KEY quoted as the zenml CLI prints it (docker
// --env-file keeps the quotes) works as the key.
func TestQuotedKeyInTheEnvironment(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	key := fake.CreateAPIKey(fake.CreateServiceAccount("ci"), "default")
	c := newCLI(t)
	c.env["ZENML_STORE_URL"] = fake.URL()
	c.env["ZENML_STORE_API_KEY"] = "'" + key + "'"
	c.mustRun("", "token")
}

// The messages of this session's account handling say what changed.
func TestAccountMessagesSayWhatChanged(t *testing.T) {
	t.Parallel()
	a := zenmltest.NewTest(t, zenmltest.Options{})
	b := zenmltest.NewTest(t, zenmltest.Options{})
	key := a.CreateAPIKey(a.CreateServiceAccount("ci-bot"), "default")
	c := newCLI(t)
	c.mustRun("\n", "login", a.URL(), "--username", "default", "--password-stdin")
	c.mustRun("\n", "login", b.URL(), "--username", "default", "--password-stdin")

	// A working login made active again says so.
	if r := c.mustRun("", "login", a.URL()); !strings.Contains(r.stderr, a.URL()+" is now the active server") {
		t.Errorf("login of a stored server:\n%s", r.stderr)
	}
	// --account naming another account than the key's is said.
	if r := c.mustRun(key+"\n", "login", a.URL(), "--api-key", "--account", "default"); !strings.Contains(r.stderr, "--account default, but these credentials are ci-bot's") {
		t.Errorf("login --account with another account's key:\n%s", r.stderr)
	}
	// Logging out of an account that is not active changes nothing, and says so.
	c.mustRun("", "switch", "--account", "default")
	r := c.mustRun("", "logout", "--account", "ci-bot")
	if !strings.Contains(r.stderr, "ci-bot on "+a.URL()+" was not the active login: nothing changed") {
		t.Errorf("logout --account of an inactive account:\n%s", r.stderr)
	}
	c.mustRun("", "token", "--account", "ci-bot")
}
