package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

// A key or password given to a server without authentication is neither
// read nor kept, and the login says it was not needed.
func TestNoAuthLoginIgnoresSecrets(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{AuthScheme: zenmltest.AuthSchemeNoAuth})
	c := newCLI(t)
	const key = "ZENKEY_not-needed-and-never-kept"
	r := c.mustRun(key+"\n", "login", fake.URL(), "--api-key")
	if !strings.Contains(r.stderr, "are not needed") || strings.Contains(r.stderr+r.stdout, key) {
		t.Errorf("login --api-key on NO_AUTH:\n%s", r.stderr)
	}
	c.mustRun("secret-pw\n", "login", fake.URL(), "--username", "default", "--password-stdin")
	for _, name := range []string{"credentials.json", "config.yaml"} {
		data, _ := os.ReadFile(filepath.Join(c.configDir(), name))
		if strings.Contains(string(data), key) || strings.Contains(string(data), "secret-pw") {
			t.Errorf("%s holds a secret given to a NO_AUTH server", name)
		}
	}
	if n := fake.Count("POST /api/v1/login"); n != 0 {
		t.Errorf("%d logins sent to a server that needs none", n)
	}
}

// A server that changes its auth scheme between runs is named, with the
// command to run, and no stored secret is sent for the wrong scheme.
func TestAuthSchemeChangeIsNamed(t *testing.T) {
	t.Parallel()
	t.Run("NO_AUTH then OAuth2", func(t *testing.T) {
		t.Parallel()
		fake := zenmltest.NewTest(t, zenmltest.Options{AuthScheme: zenmltest.AuthSchemeNoAuth})
		c := newCLI(t)
		c.mustRun("", "login", fake.URL())
		fake.SetAuthScheme(zenmltest.AuthSchemeOAuth2)
		r := c.run("", "service-account", "list")
		expectCode(t, r, 4)
		oneLineError(t, r, "now asks for authentication", "zenctl login "+fake.URL())
	})
	t.Run("OAuth2 then NO_AUTH", func(t *testing.T) {
		t.Parallel()
		fake := zenmltest.NewTest(t, zenmltest.Options{})
		key := fake.CreateAPIKey(fake.CreateServiceAccount("ci"), "default")
		c := newCLI(t)
		c.mustRun(key+"\n", "login", fake.URL(), "--api-key")
		fake.SetAuthScheme(zenmltest.AuthSchemeNoAuth)
		r := c.run("", "token")
		expectCode(t, r, 1)
		oneLineError(t, r, "no longer uses authentication", "zenctl login "+fake.URL())
		if r.stdout != "" {
			t.Errorf("token printed %q", r.stdout)
		}
		// Logging in again records the new scheme; the key is dropped.
		c.mustRun("", "login", fake.URL())
		r = c.run("", "token")
		expectCode(t, r, 1)
		oneLineError(t, r, "does not use authentication")
		c.mustRun("", "status")
	})
}

// status and exec on a login whose server turned authentication off: the
// server acts as its default user whatever the login is, and says so.
func TestStatusAndExecNameAServerThatDroppedAuthentication(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	key := fake.CreateAPIKey(fake.CreateServiceAccount("bot2"), "default")
	c := newCLI(t)
	c.mustRun(key+"\n", "login", fake.URL(), "--api-key")
	fake.SetAuthScheme(zenmltest.AuthSchemeNoAuth)
	r := c.run("", "status")
	expectCode(t, r, 1)
	if !strings.Contains(r.stdout, "no longer uses authentication") || strings.Contains(r.stdout, "Logged in as") {
		t.Errorf("status:\n%s", r.stdout)
	}
	r = c.run("", "exec", "--", "true")
	expectCode(t, r, 1)
	oneLineError(t, r, "no longer uses authentication", "zenctl login "+fake.URL())
}
