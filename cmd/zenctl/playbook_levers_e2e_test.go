package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

// The cases 2–4 of docs/guides/incident-playbook.md, run as written in both
// server profiles, each checking what its commands stop and what they do
// not. Case 1 is TestIncidentPlaybook.

// TestPlaybookMintedTokenLeaked: only deactivating the account stops a
// minted token, and reactivating revives it (case 2).
func TestPlaybookMintedTokenLeaked(t *testing.T) {
	t.Parallel()
	forEachProfile(t, zenmltest.Options{}, func(t *testing.T, fake *zenmltest.Server) {
		key := fake.CreateAPIKey(fake.CreateServiceAccount("ci-bot"), "default")
		consumer := newCLI(t)
		consumer.mustRun(key+"\n", "login", fake.URL(), "--api-key")
		leaked := strings.TrimSpace(consumer.mustRun("", "token").stdout)

		oncall := adminCLI(t, fake)
		oncall.mustRun("", "service-account", "api-key", "ci-bot", "deactivate", "default")
		// 0.85+ mints generic tokens that forget their key; 0.58 kept it.
		if survives := tokenWorks(t, fake, leaked); survives != (fake.Profile() != zenmltest.Profile058) {
			t.Errorf("after deactivating the key the minted token works: %v", survives)
		}
		oncall.mustRun("", "service-account", "deactivate", "ci-bot")
		if tokenWorks(t, fake, leaked) {
			t.Error("the minted token survives deactivating its account")
		}
		oncall.mustRun("", "service-account", "api-key", "ci-bot", "activate", "default")
		oncall.mustRun("", "service-account", "activate", "ci-bot")
		if !tokenWorks(t, fake, leaked) {
			t.Error("the playbook says reactivation revives an unexpired token; it did not")
		}
	})
}

// TestPlaybookLostLaptop: lock stops the laptop's session at once, unlock
// revives it, delete ends it; a token minted on the laptop survives both
// on 0.85+ (case 3).
func TestPlaybookLostLaptop(t *testing.T) {
	t.Parallel()
	forEachProfile(t, zenmltest.Options{DevicePollingInterval: time.Second}, func(t *testing.T, fake *zenmltest.Server) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		fake.CreateUser("ann", "ann-pw-1")
		desk := newCLI(t)
		desk.mustRun("ann-pw-1\n", "login", fake.URL(), "--username", "ann", "--password-stdin")
		laptop := deviceLoggedIn(ctx, t, fake.URL(), desk)
		minted := strings.TrimSpace(laptop.mustRun("", "token").stdout)

		var list struct {
			Items []struct {
				ID          string `json:"id"`
				ThisMachine bool   `json:"this_machine"`
			}
		}
		mustJSON(t, desk.mustRun("", "device", "list", "-o", "json").stdout, &list)
		if len(list.Items) != 1 || list.Items[0].ThisMachine {
			t.Fatalf("ann's devices seen from her desk: %+v", list.Items)
		}
		id := list.Items[0].ID

		r := desk.mustRun("", "device", "lock", id[:6])
		if !strings.Contains(r.stderr, "Nothing is revoked") {
			t.Errorf("lock does not say what it leaves:\n%s", r.stderr)
		}
		expectCode(t, laptop.run("", "status"), 4)
		if survives := tokenWorks(t, fake, minted); survives != (fake.Profile() != zenmltest.Profile058) {
			t.Errorf("a token minted on the laptop works after the lock: %v", survives)
		}
		desk.mustRun("", "device", "unlock", id)
		laptop.mustRun("", "status")

		expectCode(t, desk.run("", "device", "delete", id), 1) // no terminal, no --yes
		desk.mustRun("", "device", "delete", id, "--yes")
		expectCode(t, laptop.run("", "status"), 4)
		r = desk.run("", "device", "describe", id)
		expectCode(t, r, 1)
		oneLineError(t, r, "no device", "no authorized devices")
	})
}

// TestPlaybookPersonLeft: deactivating a user stops its password, device
// and minted tokens; activation revives them; delete ends them; a password
// change stops only the old password (case 4).
func TestPlaybookPersonLeft(t *testing.T) {
	t.Parallel()
	forEachProfile(t, zenmltest.Options{DevicePollingInterval: time.Second}, func(t *testing.T, fake *zenmltest.Server) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		admin := adminCLI(t, fake)
		admin.mustRun("ann-pw-1\n", "user", "create", "ann", "--password-stdin")
		desk := newCLI(t)
		desk.mustRun("ann-pw-1\n", "login", fake.URL(), "--username", "ann", "--password-stdin")
		laptop := deviceLoggedIn(ctx, t, fake.URL(), desk)
		minted := strings.TrimSpace(desk.mustRun("", "token").stdout)

		// A leaked password: the change stops it, not the sessions.
		r := desk.mustRun("ann-pw-1\nann-pw-2\n", "user", "change-password", "--password-stdin")
		if !strings.Contains(r.stderr, "keep working") {
			t.Errorf("change-password does not warn:\n%s", r.stderr)
		}
		desk.mustRun("", "status")
		expectCode(t, newCLI(t).run("ann-pw-1\n", "login", fake.URL(), "--username", "ann", "--password-stdin"), 4)

		// The person left.
		r = admin.mustRun("", "user", "deactivate", "ann")
		activation := strings.TrimSpace(r.stdout)
		if len(activation) != 64 || !strings.Contains(r.stderr, "Nothing is revoked") {
			t.Fatalf("deactivate: stdout %q\n%s", r.stdout, r.stderr)
		}
		expectCode(t, desk.run("", "status"), 4)
		expectCode(t, laptop.run("", "status"), 4)
		if tokenWorks(t, fake, minted) {
			t.Error("a token minted by a deactivated user works")
		}
		// Deactivation blocks, it does not revoke.
		newCLI(t).mustRun(activation+"\nann-pw-3\n", "user", "activate", "ann", "--server", fake.URL(), "--activation-token-stdin")
		laptop.mustRun("", "status")

		expectCode(t, admin.run("", "user", "delete", "ann"), 1) // no terminal, no --yes
		admin.mustRun("", "user", "delete", "ann", "--yes")
		expectCode(t, desk.run("", "status"), 4)
		expectCode(t, laptop.run("", "status"), 4)
		if tokenWorks(t, fake, minted) {
			t.Error("a token of a deleted user works")
		}
	})
}
