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
	t.Run("no-auth", func(t *testing.T) {
		forEachProfile(t, zenmltest.Options{AuthScheme: zenmltest.AuthSchemeNoAuth}, func(t *testing.T, fake *zenmltest.Server) {
			acceptanceScript(t, acceptanceServer{url: fake.URL(), username: "default"})
		})
	})
}

func acceptanceScript(t *testing.T, srv acceptanceServer) {
	if serverAuthScheme(t, srv.url) == "NO_AUTH" {
		noAuthAcceptance(t, srv)
		return
	}
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

	// Whose key is this? audit --key finds it from the id it carries.
	leak := filepath.Join(t.TempDir(), "leak.txt")
	if err := os.WriteFile(leak, []byte("KEY="+fresh+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var owner struct {
		ServiceAccount struct{ Name string } `json:"service_account"`
		CanLogIn       bool                  `json:"can_log_in"`
	}
	mustJSON(t, admin.mustRun("", "audit", "--key", leak, "-o", "json").stdout, &owner)
	if owner.ServiceAccount.Name != name || !owner.CanLogIn {
		t.Errorf("audit --key: %+v", owner)
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

	// Accounts: an on-call engineer's own user and the service account
	// side by side on one server, and two config directories as profiles.
	accountsAcceptance(t, srv, name, fresh)

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
	user := deviceLoggedIn(ctx, t, serverURL, approver)
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

	// A laptop logs in with the device flow, approved from the admin's
	// terminal (zenctl device approve); its own list marks it.
	laptop := approvedLogin(ctx, t, srv.url, admin)
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

// serverAuthScheme is what the server's /info reports.
func serverAuthScheme(t *testing.T, serverURL string) string {
	t.Helper()
	c, err := zenml.NewClient(serverURL, zenml.Options{})
	if err != nil {
		t.Fatal(err)
	}
	info, err := c.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info.AuthScheme
}

type statusJSON struct {
	OK          bool   `json:"ok"`
	Account     string `json:"account"`
	AccountType string `json:"account_type"`
	AuthMethod  string `json:"auth_method"`
}

// accountsAcceptance: a user by password and a service account by key on
// one server, switched between and used one command at a time; and two
// config directories used side by side, each keeping its own identity.
func accountsAcceptance(t *testing.T, srv acceptanceServer, serviceAccount, key string) {
	t.Helper()
	oncall := newCLI(t)
	oncall.mustRun(srv.password+"\n", "login", srv.url, "--username", srv.username, "--password-stdin")
	r := oncall.mustRun(key+"\n", "login", srv.url, "--api-key")
	if want := "Added account " + serviceAccount + " on " + srv.url + "; active account: " + serviceAccount + " (was " + srv.username + ")"; !strings.Contains(r.stderr, want) {
		t.Errorf("adding an account does not say so (want %q):\n%s", want, r.stderr)
	}
	var servers []struct {
		URL      string `json:"url"`
		Active   bool   `json:"active"`
		Accounts []struct {
			Name   string `json:"name"`
			Active bool   `json:"active"`
		} `json:"accounts"`
	}
	mustJSON(t, oncall.mustRun("", "server", "list", "-o", "json").stdout, &servers)
	if len(servers) != 1 || !servers[0].Active || len(servers[0].Accounts) != 2 || !servers[0].Accounts[1].Active {
		t.Errorf("server list: %+v", servers)
	}

	// switch changes the active account; --account picks one per command.
	oncall.mustRun("", "switch", "--account", srv.username)
	var st statusJSON
	mustJSON(t, oncall.mustRun("", "status", "-o", "json").stdout, &st)
	if !st.OK || st.Account != srv.username || st.AuthMethod != "password" {
		t.Errorf("status after switch: %+v", st)
	}
	token := strings.TrimSpace(oncall.mustRun("", "token", "--account", serviceAccount).stdout)
	if who := currentUserName(t, srv.url, token); who != serviceAccount {
		t.Errorf("token --account %s minted a token of %q", serviceAccount, who)
	}
	r = oncall.run("", "token", "--account", "nobody-"+serviceAccount)
	expectCode(t, r, 1)
	oneLineError(t, r, "nobody-"+serviceAccount, serviceAccount, srv.username)

	// Logging out of one account leaves the other.
	oncall.mustRun("", "logout", "--account", serviceAccount, "--clear")
	mustJSON(t, oncall.mustRun("", "status", "-o", "json").stdout, &st)
	if !st.OK || st.Account != srv.username {
		t.Errorf("status after logout --account: %+v", st)
	}
	expectCode(t, oncall.run("", "token", "--account", serviceAccount), 1)

	// Two config directories (profiles) against the same server.
	profileA, profileB := newCLI(t), newCLI(t)
	profileA.mustRun(srv.password+"\n", "login", srv.url, "--username", srv.username, "--password-stdin")
	profileB.mustRun(key+"\n", "login", srv.url, "--api-key")
	mustJSON(t, profileA.mustRun("", "status", "-o", "json").stdout, &st)
	if st.Account != srv.username {
		t.Errorf("profile A acts as %q", st.Account)
	}
	mustJSON(t, profileB.mustRun("", "status", "-o", "json").stdout, &st)
	if st.Account != serviceAccount {
		t.Errorf("profile B acts as %q", st.Account)
	}
	profileB.mustRun("", "logout", "--clear")
	mustJSON(t, profileA.mustRun("", "status", "-o", "json").stdout, &st)
	if !st.OK || st.Account != srv.username {
		t.Errorf("profile B's logout changed profile A: %+v", st)
	}
	profileA.mustRun("", "logout", "--clear")
	oncall.mustRun("", "logout", "--clear")
}

// currentUserName asks the server whose token this is.
func currentUserName(t *testing.T, serverURL, token string) string {
	t.Helper()
	c, err := zenml.NewClient(serverURL, zenml.Options{Tokens: zenml.StaticToken(token)})
	if err != nil {
		t.Fatal(err)
	}
	u, err := c.CurrentUser(context.Background())
	if err != nil {
		t.Fatalf("the token does not work: %v", err)
	}
	return u.Name
}

// noAuthAcceptance is the script for a server without authentication
// (NO_AUTH, as `zenml login --local` runs): login records it with no
// secret, every command works without one, and token says it has none.
func noAuthAcceptance(t *testing.T, srv acceptanceServer) {
	t.Helper()
	c := newCLI(t)
	r := c.mustRun("", "login", srv.url)
	if !strings.Contains(r.stderr, "NO_AUTH") || !strings.Contains(r.stderr, "Anyone who can reach") {
		t.Errorf("login does not say what NO_AUTH means:\n%s", r.stderr)
	}
	if _, err := os.Stat(filepath.Join(c.configDir(), "credentials.json")); err == nil {
		t.Error("a secret was stored for a server without authentication")
	}
	var st statusJSON
	mustJSON(t, c.mustRun("", "status", "-o", "json").stdout, &st)
	if !st.OK || st.AuthMethod != "none" || st.Account != srv.username {
		t.Errorf("status: %+v", st)
	}
	if r := c.mustRun("", "status"); !strings.Contains(r.stdout, "no authentication (NO_AUTH)") {
		t.Errorf("status does not say NO_AUTH:\n%s", r.stdout)
	}

	name := fmt.Sprintf("zenctl-acceptance-noauth-%d", time.Now().UnixNano())
	key := strings.TrimSpace(c.mustRun("", "service-account", "create", name).stdout)
	t.Cleanup(func() { c.run("", "service-account", "delete", name, "--yes") })
	if !strings.HasPrefix(key, "ZENKEY_") {
		t.Fatalf("create printed %q", key)
	}
	rotated := strings.TrimSpace(c.mustRun("", "service-account", "api-key", name, "rotate", "default").stdout)
	if !strings.HasPrefix(rotated, "ZENKEY_") || rotated == key {
		t.Errorf("rotate printed %q", rotated)
	}
	var me map[string]any
	mustJSON(t, c.mustRun("", "api", "current-user").stdout, &me)
	if me["name"] != srv.username {
		t.Errorf("api current-user: %v", me)
	}

	r = c.run("", "token")
	expectCode(t, r, 1)
	if r.stdout != "" {
		t.Errorf("token printed %q: a script would send it after Bearer", r.stdout)
	}
	oneLineError(t, r, "does not use authentication", "issues no tokens")

	// ZENML_STORE_URL alone: no login needed, nothing written.
	env := newCLI(t)
	env.env["ZENML_STORE_URL"] = srv.url
	mustJSON(t, env.mustRun("", "status", "-o", "json").stdout, &st)
	if !st.OK || st.AuthMethod != "none" {
		t.Errorf("ZENML_STORE_URL alone: %+v", st)
	}
	if entries, _ := os.ReadDir(env.configDir()); len(entries) != 0 {
		t.Errorf("the environment mode wrote %v", entries)
	}

	c.mustRun("", "service-account", "delete", name, "--yes")
	c.mustRun("", "logout", "--clear")
	expectCode(t, c.run("", "status"), 4)
}
