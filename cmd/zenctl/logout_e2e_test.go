package main

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/zenctl/zenctl/internal/config"
	"github.com/zenctl/zenctl/internal/credentials"
	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

// A logout --clear racing a login leaves either both the record and the
// secret, or neither: never a secret no record names, nor a record
// without its secret.
func TestLogoutRacingLoginStaysConsistent(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	key := fake.CreateAPIKey(fake.CreateServiceAccount("ci"), "default")
	for trial := range 6 {
		c := newCLI(t)
		c.mustRun(key+"\n", "login", fake.URL(), "--api-key")
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); c.run("", "logout", "--clear") }()
		go func() { defer wg.Done(); c.run(key+"\n", "login", fake.URL(), "--api-key", "--refresh") }()
		wg.Wait()
		cfg, err := config.Load(c.configDir())
		if err != nil {
			t.Fatal(err)
		}
		keys, _ := credentials.NewFileStore(c.configDir()).Keys()
		stored := len(keys)
		recorded := cfg.Server(fake.URL()) != nil
		if recorded != (stored == 1) || stored > 1 {
			t.Errorf("trial %d: record %v, %d secret(s) in the file", trial, recorded, stored)
		}
	}
}

// logout --all --clear deletes every secret zenctl stored in the file,
// also one that no record names any more.
func TestLogoutAllClearDeletesOrphanedSecrets(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	key := fake.CreateAPIKey(fake.CreateServiceAccount("ci"), "default")
	c := newCLI(t)
	c.mustRun(key+"\n", "login", fake.URL(), "--api-key")
	// The record goes, the secret stays: a login stopped between writes.
	if err := os.WriteFile(filepath.Join(c.configDir(), config.FileName), []byte("{}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := c.mustRun("", "logout", "--all", "--clear")
	if !strings.Contains(r.stderr, "Deleted 1 more stored secret") {
		t.Errorf("stderr: %s", r.stderr)
	}
	data, _ := os.ReadFile(filepath.Join(c.configDir(), credentials.CredentialsFile))
	if strings.Contains(string(data), "ZENKEY_") {
		t.Errorf("the key stayed in the file:\n%s", data)
	}
}

// logout --all --clear racing logins: every login that said it succeeded
// keeps its secret.
func TestLogoutAllClearRacingLoginsKeepsTheirSecrets(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	key := fake.CreateAPIKey(fake.CreateServiceAccount("ci"), "default")
	for trial := range 4 {
		c := newCLI(t)
		var wg sync.WaitGroup
		logins := make([]result, 3)
		for i := range logins {
			wg.Add(1)
			go func() { defer wg.Done(); logins[i] = c.run(key+"\n", "login", fake.URL(), "--api-key") }()
		}
		wg.Add(1)
		go func() { defer wg.Done(); c.run("", "logout", "--all", "--clear") }()
		wg.Wait()
		cfg, err := config.Load(c.configDir())
		if err != nil {
			t.Fatal(err)
		}
		keys, _ := credentials.NewFileStore(c.configDir()).Keys()
		if s := cfg.Server(fake.URL()); s != nil && len(s.Accounts) > 0 && len(keys) != 1 {
			t.Errorf("trial %d: a record without its secret (%d in the file)", trial, len(keys))
		}
	}
}

// A logout keeps the credentials (the zenml CLI's meaning), so every
// message says what changed, what did not, and the command that forgets;
// what it says is what the next commands find.
func TestLogoutSaysWhatChangedAndWhatWasKept(t *testing.T) {
	t.Parallel()
	a := zenmltest.NewTest(t, zenmltest.Options{})
	b := zenmltest.NewTest(t, zenmltest.Options{})
	c := newCLI(t)
	c.mustRun("\n", "login", a.URL(), "--username", "default", "--password-stdin")
	c.mustRun("\n", "login", b.URL(), "--username", "default", "--password-stdin")

	// a is not the active server: nothing changes, and it says so.
	r := c.mustRun("", "logout", a.URL())
	for _, want := range []string{a.URL() + " was not the active server: nothing changed", "To forget them: zenctl logout " + a.URL() + " --clear"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("logout of a server that is not active lacks %q:\n%s", want, r.stderr)
		}
	}
	if strings.Contains(r.stderr, "✓") || strings.Contains(r.stderr, "Logged out") {
		t.Errorf("reports success for a logout that changed nothing:\n%s", r.stderr)
	}
	if st := c.mustRun("", "status", "-o", "json"); !strings.Contains(st.stdout, b.URL()) {
		t.Errorf("the active server changed: %s", st.stdout)
	}

	r = c.mustRun("", "logout", "--all")
	for _, want := range []string{
		b.URL() + " is no longer the active server; no server is active now",
		"The stored credentials of " + a.URL() + ", " + b.URL() + " were kept",
		"To forget them all: zenctl logout --all --clear",
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("logout --all lacks %q:\n%s", want, r.stderr)
		}
	}
	// What it said was kept is kept; what it said ended has ended.
	c.mustRun("", "token", "--server", a.URL())
	expectCode(t, c.run("", "token"), 4)

	r = c.mustRun("", "logout", "--all")
	if !strings.Contains(r.stderr, "No server was active: nothing changed") {
		t.Errorf("a second logout --all:\n%s", r.stderr)
	}

	r = c.mustRun("", "logout", "--all", "--clear")
	for _, u := range []string{a.URL(), b.URL()} {
		if !strings.Contains(r.stderr, "Deleted the stored credentials of "+u) {
			t.Errorf("logout --all --clear does not name %s:\n%s", u, r.stderr)
		}
	}
	expectCode(t, c.run("", "token", "--server", a.URL()), 4)
}

// `logout --help` says in its first lines that the credentials are kept,
// and how to forget them: people who know `gh auth logout` expect that.
func TestLogoutHelpSaysCredentialsAreKept(t *testing.T) {
	t.Parallel()
	r := newCLI(t).mustRun("", "logout", "--help")
	head := strings.Join(strings.SplitN(r.stdout, "\n", 5)[:4], "\n")
	for _, want := range []string{"KEPT", "--clear"} {
		if !strings.Contains(head, want) {
			t.Errorf("the first lines of logout --help lack %q:\n%s", want, head)
		}
	}
}
