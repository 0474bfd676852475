package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

// Issue 21.8: a CA bundle that another user could have written is refused
// as a config.yaml with those permissions would be, whether --ssl-ca-cert
// names it (at login, and on every later command that re-reads the
// recorded path) or ZENML_STORE_VERIFY_SSL does.
func TestUnsafeCABundleIsRefused(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{TLS: true})
	writeCA := func(t *testing.T, mode os.FileMode) string {
		ca := filepath.Join(t.TempDir(), "ca.pem")
		if err := os.WriteFile(ca, fake.CertificatePEM(), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(ca, mode); err != nil {
			t.Fatal(err)
		}
		return ca
	}
	refused := func(t *testing.T, r result, ca string) {
		t.Helper()
		expectCode(t, r, 1)
		oneLineError(t, r, "refusing to use the CA bundle "+ca+": writable by group and others (mode 0666)", "chmod 644 "+ca)
	}

	t.Run("flag", func(t *testing.T) {
		t.Parallel()
		c := newCLI(t)
		key := fake.CreateAPIKey(fake.CreateServiceAccount("ca-flag"), "default")
		ca := writeCA(t, 0o666)
		refused(t, c.run(key+"\n", "login", fake.URL(), "--api-key", "--ssl-ca-cert", ca), ca)
		if _, err := os.Stat(filepath.Join(c.configDir(), "config.yaml")); err == nil {
			t.Error("a refused bundle was recorded")
		}
		// Recorded while safe, loosened later: the next command refuses it.
		if err := os.Chmod(ca, 0o644); err != nil {
			t.Fatal(err)
		}
		c.mustRun(key+"\n", "login", fake.URL(), "--api-key", "--ssl-ca-cert", ca)
		c.mustRun("", "token")
		if err := os.Chmod(ca, 0o666); err != nil {
			t.Fatal(err)
		}
		refused(t, c.run("", "token"), ca)
	})

	t.Run("environment", func(t *testing.T) {
		t.Parallel()
		c := newCLI(t)
		c.env["ZENML_STORE_URL"] = fake.URL()
		c.env["ZENML_STORE_API_KEY"] = fake.CreateAPIKey(fake.CreateServiceAccount("ca-env"), "default")
		ca := writeCA(t, 0o644)
		c.env["ZENML_STORE_VERIFY_SSL"] = ca
		c.mustRun("", "token")
		if err := os.Chmod(ca, 0o666); err != nil {
			t.Fatal(err)
		}
		refused(t, c.run("", "token"), ca)
	})
}

// Issue 21.9: the plain-http warning (tested on URLs in internal/apiclient)
// stays quiet on loopback, where nothing crosses the network: environment
// mode and a stored API key login alike.
func TestPlainHTTPOnLoopbackIsQuiet(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	key := fake.CreateAPIKey(fake.CreateServiceAccount("ci"), "default")
	env := newCLI(t)
	env.env["ZENML_STORE_URL"] = fake.URL()
	env.env["ZENML_STORE_API_KEY"] = key
	stored := newCLI(t)
	for _, r := range []result{
		env.mustRun("", "token"),
		stored.mustRun(key+"\n", "login", fake.URL(), "--api-key"),
		stored.mustRun("", "token"),
	} {
		if strings.Contains(r.stderr, "plain http") {
			t.Errorf("loopback warned:\n%s", r.stderr)
		}
	}
}
