package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

// TestIncidentPlaybook runs docs/guides/incident-playbook.md as written,
// steps 1, 2 and 3a, and checks what each step promises: nothing issued
// with the leaked key works after step 1, and after 3a the new key works
// and the leaked one does not.
func TestIncidentPlaybook(t *testing.T) {
	t.Parallel()
	forEachProfile(t, zenmltest.Options{}, func(t *testing.T, fake *zenmltest.Server) {
		sa := fake.CreateServiceAccount("ci-bot")
		leaked := fake.CreateAPIKey(sa, "default")

		// A consumer logged in with the key, and a token minted from it,
		// both possibly in the attacker's hands.
		consumer := newCLI(t)
		consumer.mustRun(leaked+"\n", "login", fake.URL(), "--api-key")
		minted := strings.TrimSpace(consumer.mustRun("", "token").stdout)

		oncall := adminCLI(t, fake)

		// 0. Whose key is it? The playbook opens with audit --key.
		leak := filepath.Join(t.TempDir(), "leaked.txt")
		must(t, os.WriteFile(leak, []byte(leaked+"\n"), 0o600))
		r := oncall.run("", "audit", "--key", leak, "--exit-status")
		expectCode(t, r, 3)
		if !strings.Contains(r.stdout, "zenctl service-account deactivate ci-bot") {
			t.Fatalf("step 0: %s", r.stdout)
		}

		// 1. Stop the bleeding.
		r = oncall.mustRun("", "service-account", "deactivate", "ci-bot")
		if strings.Contains(r.stderr, leaked) {
			t.Fatal("the key appeared on stderr")
		}
		if tokenWorks(t, fake, minted) {
			t.Error("step 1: a token minted with the leaked key still works")
		}
		if keyLogsIn(t, fake, leaked) {
			t.Error("step 1: the leaked key still logs in")
		}
		expectCode(t, consumer.run("", "status"), 4)
		expectCode(t, oncall.run("", "audit", "--key", leak, "--exit-status"), 0)

		// 2. Check whether the key was used.
		r = oncall.mustRun("", "service-account", "api-key", "ci-bot", "list", "-o", "json")
		var page struct{ Items []map[string]any }
		if err := json.Unmarshal([]byte(r.stdout), &page); err != nil || len(page.Items) != 1 {
			t.Fatalf("step 2: %v\n%s", err, r.stdout)
		}
		if page.Items[0]["last_login"] == nil {
			t.Errorf("step 2: the consumer's login is not shown: %v", page.Items[0])
		}

		// leaked.txt was written well before the rotation below: more
		// than audit --key's margin for clock skew.
		hourAgo := time.Now().Add(-time.Hour)
		must(t, os.Chtimes(leak, hourAgo, hourAgo))

		// 3a. Rotate, then switch back on.
		r = oncall.mustRun("", "service-account", "api-key", "ci-bot", "rotate", "default")
		newKey := strings.TrimSpace(r.stdout)
		if !strings.HasPrefix(newKey, "ZENKEY_") || strings.Contains(r.stderr, newKey) {
			t.Fatalf("step 3a: stdout %q", r.stdout)
		}
		oncall.mustRun("", "service-account", "activate", "ci-bot")
		oncall.mustRun("", "service-account", "api-key", "ci-bot", "activate", "default")
		if keyLogsIn(t, fake, leaked) {
			t.Error("step 3a: the leaked key logs in again after the account was switched back on")
		}
		if !keyLogsIn(t, fake, newKey) {
			t.Error("step 3a: the new key does not log in")
		}
		// The consumer moves to the new key and works again.
		consumer.mustRun(newKey+"\n", "login", fake.URL(), "--api-key")
		consumer.mustRun("", "status")

		// Check what still works: the levers held, although the key is
		// active again (leaked.txt was written before the rotation).
		r = oncall.run("", "audit", "--key", leak, "--exit-status")
		expectCode(t, r, 0)
		if !strings.Contains(r.stderr, "The leaked secret no longer logs in") {
			t.Errorf("check step: %s", r.stderr)
		}
	})
}
