package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zenctl/zenctl/pkg/zenml"
	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

// acceptanceServer is the server the acceptance script runs against: a
// real ZenML server named by ZENCTL_ACCEPTANCE_URL, or the fake.
type acceptanceServer struct {
	url, username, password string
}

// TestAcceptance runs one script of the flows users depend on, only
// through zenctl's commands and the server's public API, so that it runs
// unchanged against a real ZenML server: set ZENCTL_ACCEPTANCE_URL and the
// admin's ZENCTL_ACCEPTANCE_USERNAME / ZENCTL_ACCEPTANCE_PASSWORD. Without
// them it runs against the fake in both version profiles. It creates a
// throwaway service account and deletes it at the end.
func TestAcceptance(t *testing.T) {
	if u := os.Getenv("ZENCTL_ACCEPTANCE_URL"); u != "" {
		username := os.Getenv("ZENCTL_ACCEPTANCE_USERNAME")
		if username == "" {
			username = "default"
		}
		acceptanceScript(t, acceptanceServer{url: u, username: username, password: os.Getenv("ZENCTL_ACCEPTANCE_PASSWORD")})
		return
	}
	forEachProfile(t, zenmltest.Options{AdminPassword: "adm1n-pw", DevicePollingInterval: time.Second}, func(t *testing.T, fake *zenmltest.Server) {
		acceptanceScript(t, acceptanceServer{url: fake.URL(), username: "default", password: "adm1n-pw"})
	})
}

func acceptanceScript(t *testing.T, srv acceptanceServer) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	keyLogsIn := func(key string) bool { return keyLogsInAt(t, srv.url, key) }

	// An admin logs in with a password; status, token and api work.
	admin := newCLI(t)
	r := admin.mustRun(srv.password+"\n", "login", srv.url, "--username", srv.username, "--password-stdin")
	if r.stdout != "" || srv.password != "" && strings.Contains(r.stderr, srv.password) {
		t.Fatalf("login leaks on its output: stdout %q", r.stdout)
	}
	var st map[string]any
	mustJSON(t, admin.mustRun("", "status", "-o", "json").stdout, &st)
	if st["ok"] != true || st["account"] != srv.username || st["auth_method"] != "password" {
		t.Errorf("admin status: %v", st)
	}
	token := strings.TrimSpace(admin.mustRun("", "token", "--expires-in", "300").stdout)
	if !tokenAccepted(t, srv.url, token) {
		t.Error("the minted token is rejected")
	}
	var me map[string]any
	mustJSON(t, admin.mustRun("", "api", "current-user").stdout, &me)
	if me["name"] != srv.username {
		t.Errorf("api current-user: %v", me)
	}

	// A platform team creates a service account for CI.
	name := fmt.Sprintf("zenctl-acceptance-%d", time.Now().UnixNano())
	key := strings.TrimSpace(admin.mustRun("", "service-account", "create", name, "-d", "acceptance test").stdout)
	t.Cleanup(func() { admin.run("", "service-account", "delete", name, "--yes") })
	if !strings.HasPrefix(key, "ZENKEY_") {
		t.Fatalf("create printed %q, want the key alone", key)
	}
	var page struct{ Items []map[string]any }
	mustJSON(t, admin.mustRun("", "service-account", "list", "--name", name, "-o", "json").stdout, &page)
	if len(page.Items) != 1 || page.Items[0]["active"] != true {
		t.Errorf("list --name: %v", page.Items)
	}
	admin.mustRun("", "service-account", "describe", name)

	// CI logs in with the key.
	bot := newCLI(t)
	bot.mustRun(key+"\n", "login", srv.url, "--api-key")
	mustJSON(t, bot.mustRun("", "status", "-o", "json").stdout, &st)
	if st["account"] != name || st["account_type"] != "service_account" {
		t.Errorf("bot status: %v", st)
	}
	bot.mustRun("", "token")
	// The zenml Python client through exec, when zenml is installed.
	zenmlThroughExec(t, bot)

	// The same key from the environment: no login, nothing written.
	ci := newCLI(t)
	ci.env["ZENML_STORE_URL"] = srv.url
	ci.env["ZENML_STORE_API_KEY"] = key
	ci.mustRun("", "token")
	if entries, _ := os.ReadDir(ci.configDir()); len(entries) != 0 {
		t.Errorf("the environment mode wrote %v", entries)
	}

	// Planned rotation: the old key keeps working for the retain period.
	r = admin.mustRun("", "service-account", "api-key", name, "rotate", "default", "--retain", "5")
	planned := strings.TrimSpace(r.stdout)
	if !keyLogsIn(key) || !keyLogsIn(planned) {
		t.Error("with --retain both the old and the new key must log in")
	}
	// Incident rotation: the old key stops now, the new one works.
	r = admin.mustRun("", "service-account", "api-key", name, "rotate", "default")
	fresh := strings.TrimSpace(r.stdout)
	if keyLogsIn(planned) {
		t.Error("the rotated key still logs in")
	}
	if !keyLogsIn(fresh) || strings.Contains(r.stderr, fresh) {
		t.Error("the new key does not log in, or reached stderr")
	}

	// Deactivating the account cuts off everything issued to it.
	bot.mustRun(fresh+"\n", "login", srv.url, "--api-key")
	minted := strings.TrimSpace(bot.mustRun("", "token").stdout)
	admin.mustRun("", "service-account", "deactivate", name)
	if tokenAccepted(t, srv.url, minted) || keyLogsIn(fresh) {
		t.Error("a deactivated account's token or key still works")
	}
	expectCode(t, bot.run("", "status"), 4)
	admin.mustRun("", "service-account", "activate", name)
	bot.mustRun("", "status")

	// A second key, then one deactivated on its own.
	second := strings.TrimSpace(admin.mustRun("", "service-account", "api-key", name, "create", "second").stdout)
	admin.mustRun("", "service-account", "api-key", name, "deactivate", "second")
	if keyLogsIn(second) {
		t.Error("a deactivated key logs in")
	}
	admin.mustRun("", "service-account", "api-key", name, "delete", "second", "--yes")

	// A person logs in through the browser: the script plays the
	// dashboard with the admin's session.
	deviceLogin(ctx, t, srv.url, admin)

	// The levers of an incident: devices, users, audit (issue 14).
	leversAcceptance(ctx, t, srv, admin, name)

	bot.mustRun("", "logout", "--clear")
	expectCode(t, bot.run("", "token", "--server", srv.url), 4)
	admin.mustRun("", "service-account", "delete", name, "--yes")
	admin.mustRun("", "logout", "--clear")
}

// deviceLogin runs `zenctl login --device` and approves the device it
// prints as the dashboard would, with the session approver has stored.
func deviceLogin(ctx context.Context, t *testing.T, serverURL string, approver *cli) {
	t.Helper()
	session, err := approver.fileSecret(serverURL)
	if err != nil {
		t.Fatal(err)
	}
	dashboard, err := zenml.NewClient(serverURL, zenml.Options{Tokens: zenml.StaticToken(session.AccessToken)})
	if err != nil {
		t.Fatal(err)
	}
	user := newCLI(t)
	seen, code := user.deviceFlow(ctx, func(deviceID, userCode string) {
		if _, err := dashboard.VerifyDevice(ctx, deviceID, userCode, false); err != nil {
			t.Errorf("verifying the device: %v", err)
		}
	}, "login", serverURL, "--device", "--no-browser")
	if code != 0 {
		t.Fatalf("device login: exit %d\n%s", code, strings.Join(seen, "\n"))
	}
	var st map[string]any
	mustJSON(t, user.mustRun("", "status", "-o", "json").stdout, &st)
	if st["auth_method"] != "device" || st["ok"] != true {
		t.Errorf("device status: %v", st)
	}
	user.mustRun("", "token")
	if _, err := os.Stat(filepath.Join(user.configDir(), "config.yaml")); err != nil {
		t.Errorf("the device login stored no config: %v", err)
	}
}

func mustJSON(t *testing.T, data string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(data), v); err != nil {
		t.Fatalf("not JSON (%v):\n%s", err, data)
	}
}

// leversAcceptance covers the incident levers beyond API keys: a lost
// laptop's device session locked, a second user deactivated and
// reactivated, a password change, and the audit's exit status. It uses
// only zenctl and the public API, and removes what it creates.
func leversAcceptance(ctx context.Context, t *testing.T, srv acceptanceServer, admin *cli, serviceAccount string) {
	t.Helper()

	// A laptop logs in with the device flow; its own list marks it.
	laptop := deviceLoggedIn(ctx, t, srv.url, admin)
	var devices struct {
		Items []struct {
			ID          string `json:"id"`
			Status      string `json:"status"`
			ThisMachine bool   `json:"this_machine"`
		}
	}
	mustJSON(t, laptop.mustRun("", "device", "list", "--current", "-o", "json").stdout, &devices)
	if len(devices.Items) != 1 || !devices.Items[0].ThisMachine || devices.Items[0].Status != "active" {
		t.Fatalf("device list --current: %+v", devices.Items)
	}
	deviceID := devices.Items[0].ID
	t.Cleanup(func() { admin.run("", "device", "delete", deviceID, "--yes") })
	// The laptop is lost: its owner locks it, and its next command needs a login.
	r := admin.mustRun("", "device", "lock", deviceID[:8])
	if !strings.Contains(r.stderr, "unlock") {
		t.Errorf("device lock does not say what it does not end:\n%s", r.stderr)
	}
	expectCode(t, laptop.run("", "status"), 4)
	admin.mustRun("", "device", "unlock", deviceID)
	laptop.mustRun("", "status")
	admin.mustRun("", "device", "delete", deviceID, "--yes")
	expectCode(t, laptop.run("", "status"), 4)

	// A second user: created, logged in, deactivated, reactivated.
	userName := fmt.Sprintf("zenctl-acceptance-user-%d", time.Now().UnixNano())
	admin.mustRun("Pw-first-1\n", "user", "create", userName, "--password-stdin")
	t.Cleanup(func() { admin.run("", "user", "delete", userName, "--yes") })
	person := newCLI(t)
	person.mustRun("Pw-first-1\n", "login", srv.url, "--username", userName, "--password-stdin")
	person.mustRun("", "status")
	token := strings.TrimSpace(admin.mustRun("", "user", "deactivate", userName).stdout)
	if len(token) < 32 {
		t.Fatalf("deactivate printed %q, want the activation token", token)
	}
	expectCode(t, person.run("", "status"), 4)
	anonymous := newCLI(t)
	anonymous.mustRun(token+"\nPw-second-2\n", "user", "activate", userName, "--server", srv.url, "--activation-token-stdin")
	person.mustRun("", "status")

	// The person changes the password; the new one logs in.
	r = person.mustRun("Pw-second-2\nPw-third-3\n", "user", "change-password", "--password-stdin")
	if !strings.Contains(r.stderr, "keep working") {
		t.Errorf("change-password does not say that sessions survive:\n%s", r.stderr)
	}
	newCLI(t).mustRun("Pw-third-3\n", "login", srv.url, "--username", userName, "--password-stdin")
	admin.mustRun("", "user", "delete", userName, "--yes")

	// A scheduled audit finds the unused service account.
	r = admin.run("", "audit", "--unused-for", "0s", "--exit-status")
	expectCode(t, r, 3)
	if !strings.Contains(r.stdout, serviceAccount) {
		t.Errorf("audit does not list %s:\n%s", serviceAccount, r.stdout)
	}
}
