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
