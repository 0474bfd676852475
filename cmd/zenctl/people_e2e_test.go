package main

import (
	"strings"
	"testing"
	"time"

	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

// status --all checks every stored account, not only each server's active
// one: a deactivated user and a rotated-away key of accounts that are not
// active are flagged, and the exit is 4. The server is the issue's, with
// 60 s tokens: the key's token has expired when it is checked.
func TestStatusAllChecksEveryAccount(t *testing.T) {
	t.Parallel()
	a := zenmltest.NewTest(t, zenmltest.Options{TokenLifetime: time.Minute})
	b := zenmltest.NewTest(t, zenmltest.Options{})
	a.CreateUser("ux-alice", "pw-alice-1")
	key := a.CreateAPIKey(a.CreateServiceAccount("ux-deployer"), "default")
	c := newCLI(t)
	c.mustRun("pw-alice-1\n", "login", a.URL(), "--username", "ux-alice", "--password-stdin")
	c.mustRun(key+"\n", "login", a.URL(), "--api-key")
	c.mustRun("\n", "login", a.URL(), "--username", "default", "--password-stdin")
	c.mustRun("\n", "login", b.URL(), "--username", "default", "--password-stdin")

	var all []map[string]any
	mustJSON(t, c.mustRun("", "status", "--all", "-o", "json").stdout, &all)
	if len(all) != 4 {
		t.Fatalf("status --all checked %d logins, want 4: %v", len(all), all)
	}

	admin := newCLI(t)
	admin.mustRun("\n", "login", a.URL(), "--username", "default", "--password-stdin")
	admin.mustRun("", "user", "deactivate", "ux-alice")
	admin.mustRun("", "service-account", "api-key", "ux-deployer", "rotate", "default")
	a.Advance(2 * time.Minute)

	r := c.run("", "status", "--all", "-o", "json")
	expectCode(t, r, 4)
	mustJSON(t, r.stdout, &all)
	failed := map[string]bool{}
	active := 0
	for _, s := range all {
		if s["ok"] != true {
			failed[s["account"].(string)+" on "+s["server"].(string)] = true
		}
		if s["active"] == true {
			active++
		}
	}
	want := map[string]bool{"ux-alice on " + a.URL(): true, "ux-deployer on " + a.URL(): true}
	if len(failed) != 2 || !failed["ux-alice on "+a.URL()] || !failed["ux-deployer on "+a.URL()] {
		t.Errorf("failed logins %v, want %v", failed, want)
	}
	if active != 1 {
		t.Errorf("%d logins marked active, want the one commands use", active)
	}
	if !strings.Contains(r.stderr, "2 of 4 logins failed: ux-alice on "+a.URL()+"; ux-deployer on "+a.URL()) {
		t.Errorf("stderr does not name the failures:\n%s", r.stderr)
	}

	r = c.run("", "status", "--all")
	expectCode(t, r, 4)
	for _, want := range []string{a.URL() + ", account ux-alice", a.URL() + ", account ux-deployer", a.URL() + ", account default", b.URL() + ", account default (active)"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("status --all lacks %q:\n%s", want, r.stdout)
		}
	}
	// Without --all, the active login alone, which works.
	c.mustRun("", "status")
}

// status -o json gives where the server and the account came from as
// stable words, not prose.
func TestStatusSourcesAreStableWords(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	c := loggedInAdmin(t, fake)
	source := func(args ...string) (server, account string) {
		var st struct {
			ServerSource  string `json:"server_source"`
			AccountSource string `json:"account_source"`
		}
		mustJSON(t, c.mustRun("", append([]string{"status", "-o", "json"}, args...)...).stdout, &st)
		return st.ServerSource, st.AccountSource
	}
	if s, a := source(); s != "config" || a != "config" {
		t.Errorf("stored login: server_source %q, account_source %q", s, a)
	}
	if s, a := source("--server", fake.URL(), "--account", "default"); s != "flag" || a != "flag" {
		t.Errorf("flags: server_source %q, account_source %q", s, a)
	}
	c.env["ZENCTL_ACCOUNT"] = "default"
	if _, a := source(); a != "env" {
		t.Errorf("ZENCTL_ACCOUNT: account_source %q", a)
	}
	delete(c.env, "ZENCTL_ACCOUNT")
	c.env["ZENML_STORE_URL"] = fake.URL()
	if s, _ := source(); s != "env" {
		t.Errorf("ZENML_STORE_URL: server_source %q", s)
	}
	// People still read words.
	delete(c.env, "ZENML_STORE_URL")
	if r := c.mustRun("", "status"); !strings.Contains(r.stdout, "Server from:      the config file") {
		t.Errorf("status:\n%s", r.stdout)
	}
}
