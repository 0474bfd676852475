package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/zenctl/zenctl/pkg/zenml"
	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

// deviceLoggedIn runs `zenctl login --device` on a new machine and verifies
// it as the dashboard would with approver's stored session, which makes
// approver's account the device's owner. It returns the logged-in machine.
func deviceLoggedIn(ctx context.Context, t *testing.T, serverURL string, approver *cli) *cli {
	t.Helper()
	session, err := approver.fileSecret(serverURL)
	if err != nil {
		t.Fatal(err)
	}
	dashboard, err := zenml.NewClient(serverURL, zenml.Options{Tokens: zenml.StaticToken(session.AccessToken)})
	if err != nil {
		t.Fatal(err)
	}
	machine := newCLI(t)
	seen, code := machine.deviceFlow(ctx, func(deviceID, userCode string) {
		if _, err := dashboard.VerifyDevice(ctx, deviceID, userCode, false); err != nil {
			t.Errorf("verifying the device: %v", err)
		}
	}, "login", serverURL, "--device", "--no-browser")
	if code != 0 {
		t.Fatalf("device login: exit %d\n%s", code, strings.Join(seen, "\n"))
	}
	return machine
}

func TestUserInvitationPrintsTheTokenOnce(t *testing.T) {
	t.Parallel()
	forEachProfile(t, zenmltest.Options{}, func(t *testing.T, fake *zenmltest.Server) {
		admin := adminCLI(t, fake)
		r := admin.mustRun("", "user", "create", "ann", "--full-name", "Ann Lee")
		token := strings.TrimSpace(r.stdout)
		if len(token) != 64 || strings.Contains(r.stderr, token) || !strings.Contains(r.stderr, "zenctl user activate ann") {
			t.Fatalf("create: stdout %q\nstderr %s", r.stdout, r.stderr)
		}
		// Not yet active: the token is the way in, once.
		expectCode(t, newCLI(t).run("pw\n", "login", fake.URL(), "--username", "ann", "--password-stdin"), 4)
		anon := newCLI(t)
		r = anon.run("0000\nann-pw-1\n", "user", "activate", "ann", "--server", fake.URL(), "--activation-token-stdin")
		expectCode(t, r, 1)
		oneLineError(t, r, "activation token is wrong")
		anon.mustRun(token+"\nann-pw-1\n", "user", "activate", "ann", "--server", fake.URL(), "--activation-token-stdin")
		r = anon.run(token+"\nann-pw-2\n", "user", "activate", "ann", "--server", fake.URL(), "--activation-token-stdin")
		expectCode(t, r, 1)
		oneLineError(t, r, "already used")
		newCLI(t).mustRun("ann-pw-1\n", "login", fake.URL(), "--username", "ann", "--password-stdin")

		var v map[string]any
		mustJSON(t, admin.mustRun("", "user", "create", "bob", "-o", "json").stdout, &v)
		if v["name"] != "bob" || v["active"] != false || len(v["activation_token"].(string)) != 64 {
			t.Errorf("create -o json: %v", v)
		}
		mustJSON(t, admin.mustRun("", "user", "describe", "ann", "-o", "json").stdout, &v)
		if v["full_name"] != "Ann Lee" || v["active"] != true || v["admin"] != false {
			t.Errorf("describe: %v", v)
		}
	})
}

func TestUserBadInputAndPermissions(t *testing.T) {
	t.Parallel()
	forEachProfile(t, zenmltest.Options{}, func(t *testing.T, fake *zenmltest.Server) {
		admin := adminCLI(t, fake)
		fake.CreateUser("annabel", "pw-1")
		r := admin.run("", "user", "describe", "anabel")
		expectCode(t, r, 1)
		oneLineError(t, r, `no user "anabel"`, "closest: annabel")

		person := newCLI(t)
		person.mustRun("pw-1\n", "login", fake.URL(), "--username", "annabel", "--password-stdin")
		r = person.run("", "user", "create", "mallory")
		expectCode(t, r, 1)
		oneLineError(t, r, "Only admin users can perform `create user`")
		r = person.run("", "user", "deactivate", "default")
		expectCode(t, r, 1)
		oneLineError(t, r, "Only admin users")
		r = person.run("", "user", "update", "annabel", "--admin")
		expectCode(t, r, 1)
		oneLineError(t, r, "Cannot change the admin status of your own user account.")
		r = admin.run("", "user", "update", "annabel", "--email", "a@example.com")
		expectCode(t, r, 1)
		oneLineError(t, r, "Cannot change the private user account information")

		// One's own email goes through /current-user, where it applies.
		person.mustRun("", "user", "update", "annabel", "--email", "a@example.com", "--full-name", "Annabel")
		var v map[string]any
		mustJSON(t, person.mustRun("", "user", "describe", "annabel", "-o", "json").stdout, &v)
		if v["email"] != "a@example.com" || v["full_name"] != "Annabel" {
			t.Errorf("own update: %v", v)
		}
		admin.mustRun("", "user", "update", "annabel", "--admin")
		mustJSON(t, admin.mustRun("", "user", "list", "-o", "json").stdout, &struct{ Items []map[string]any }{})

		r = admin.run("", "user", "deactivate", "default")
		expectCode(t, r, 1)
		oneLineError(t, r, "Cannot deactivate yourself.")
		r = admin.run("", "user", "delete", "default", "--yes")
		expectCode(t, r, 1)
		oneLineError(t, r, "You cannot delete the user account currently used")

		// Passwords never come from argv, and a pipe cannot answer a prompt.
		expectCode(t, admin.run("", "user", "create", "x", "--password", "pw"), 1)
		r = person.run("", "user", "change-password")
		expectCode(t, r, 1)
		oneLineError(t, r, "--password-stdin")
		r = person.run("pw-1\n", "user", "change-password", "--password-stdin")
		expectCode(t, r, 1)
		oneLineError(t, r, "no New password on standard input")
		r = person.run("wrong\npw-2\n", "user", "change-password", "--password-stdin")
		expectCode(t, r, 1)
		oneLineError(t, r, "The current password is incorrect.")
	})
}

func TestDeviceLockOfThisSessionNeedsYes(t *testing.T) {
	t.Parallel()
	forEachProfile(t, zenmltest.Options{DevicePollingInterval: time.Second}, func(t *testing.T, fake *zenmltest.Server) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		admin := adminCLI(t, fake)
		laptop := deviceLoggedIn(ctx, t, fake.URL(), admin)
		r := laptop.mustRun("", "device", "list")
		if !strings.HasPrefix(r.stdout, "*\t") || !strings.Contains(r.stdout, "\tactive\t") {
			t.Errorf("piped list does not mark this machine:\n%s", r.stdout)
		}
		dev, ok := fake.Device(laptopClientID(t, laptop, fake))
		if !ok {
			t.Fatal("no device record for the laptop's client id")
		}
		r = laptop.run("", "device", "lock", dev.ID)
		expectCode(t, r, 1)
		oneLineError(t, r, "--yes")
		r = laptop.mustRun("", "device", "lock", dev.ID, "--yes")
		if !strings.Contains(r.stderr, "logged out") {
			t.Errorf("locking this session does not warn:\n%s", r.stderr)
		}
		expectCode(t, laptop.run("", "device", "list"), 4)
		admin.mustRun("", "device", "unlock", dev.ID)
		laptop.mustRun("", "status")

		r = admin.run("", "device", "lock", "ffff")
		expectCode(t, r, 1)
		oneLineError(t, r, `no device "ffff" among yours`, dev.ID[:8])
	})
}

// laptopClientID is the client id the laptop's login used, read through
// zenctl's own output.
func laptopClientID(t *testing.T, laptop *cli, fake *zenmltest.Server) string {
	t.Helper()
	var list struct {
		Items []struct {
			ClientID string `json:"client_id"`
		}
	}
	mustJSON(t, laptop.mustRun("", "device", "list", "--current", "-o", "json").stdout, &list)
	if len(list.Items) != 1 {
		t.Fatalf("device list --current: %+v", list.Items)
	}
	return list.Items[0].ClientID
}

func TestAuditFiltersAndExitStatus(t *testing.T) {
	t.Parallel()
	forEachProfile(t, zenmltest.Options{}, func(t *testing.T, fake *zenmltest.Server) {
		used := fake.CreateAPIKey(fake.CreateServiceAccount("ci-used"), "default")
		fake.CreateAPIKey(fake.CreateServiceAccount("ci-idle"), "default")
		if !keyLogsIn(t, fake, used) {
			t.Fatal("the used key does not log in")
		}
		admin := adminCLI(t, fake)

		var report struct {
			Total, Matched int
			Items          []struct {
				Kind, Name, Status string
				ServiceAccount     string  `json:"service_account"`
				LastLogin          *string `json:"last_login"`
			}
		}
		r := admin.mustRun("", "audit", "-o", "json")
		mustJSON(t, r.stdout, &report)
		// Two accounts, their keys, and the admin user.
		if report.Total != 5 || report.Matched != 5 {
			t.Errorf("audit: total %d matched %d\n%s", report.Total, report.Matched, r.stdout)
		}
		if r.stderr != "" {
			t.Errorf("progress or notes without a terminal:\n%s", r.stderr)
		}

		// Nothing is switched off: --exit-status exits 0.
		r = admin.mustRun("", "audit", "--inactive", "--exit-status")
		if r.stdout != "" || !strings.Contains(r.stderr, "Nothing matches (5 read)") {
			t.Errorf("--inactive with nothing inactive: %q %q", r.stdout, r.stderr)
		}
		// The idle account and its key were never used; the used key and its
		// account were used a moment ago; a user's last login is unknown.
		r = admin.run("", "audit", "--unused-for", "1h", "--exit-status", "-o", "json")
		expectCode(t, r, 3)
		mustJSON(t, r.stdout, &report)
		if report.Matched != 2 || report.Items[0].Name != "ci-idle" || report.Items[1].ServiceAccount != "ci-idle" {
			t.Errorf("--unused-for 1h: %+v", report.Items)
		}

		admin.mustRun("", "service-account", "deactivate", "ci-idle")
		mustJSON(t, admin.mustRun("", "audit", "--inactive", "-o", "json").stdout, &report)
		if report.Matched != 1 || report.Items[0].Name != "ci-idle" {
			t.Errorf("--inactive: %+v", report.Items)
		}
		mustJSON(t, admin.mustRun("", "audit", "--not-rotated-for", "1d", "-o", "json").stdout, &report)
		if report.Matched != 0 {
			t.Errorf("--not-rotated-for 1d on keys hours old: %+v", report.Items)
		}
		r = admin.run("", "audit", "--unused-for", "soon")
		expectCode(t, r, 1)
		oneLineError(t, r, "--unused-for", "d, h, m or s")
	})
}

func TestHelpExitCodesListsFindings(t *testing.T) {
	t.Parallel()
	r := newCLI(t).mustRun("", "help", "exit-codes")
	if !strings.Contains(r.stdout, "3  findings") {
		t.Errorf("help exit-codes:\n%s", r.stdout)
	}
}
