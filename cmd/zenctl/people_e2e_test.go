package main

import (
	"context"
	"slices"
	"strconv"
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
	c := adminCLI(t, fake)
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

// completions runs the shell's completion request and returns the
// candidates (without descriptions) and the directive.
func completions(t *testing.T, c *cli, args ...string) (candidates []string, directive string) {
	t.Helper()
	r := c.mustRun("", append([]string{"__complete"}, args...)...)
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		switch {
		case strings.HasPrefix(line, ":"):
			directive = line
		case line != "":
			candidates = append(candidates, strings.SplitN(line, "\t", 2)[0])
		}
	}
	return candidates, directive
}

// Every argument that names a server object completes its names or ids,
// duration flags offer examples, and no file name is offered where no
// file makes sense (directive 4: no file completion).
func TestCompletionOffersNamesNotFiles(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	fake.CreateUser("ux-alice", "pw-alice-1")
	c := adminCLI(t, fake)
	// A device of this account, to name.
	laptop := newCLI(t)
	var deviceID string
	laptop.deviceFlow(context.Background(), func(id, code string) {
		deviceID = id
		c.mustRun("", "api", "-X", "PUT", "devices/"+id+"/verify", "-f", "user_code="+code, "-F", "trusted_device=false")
	}, "login", fake.URL(), "--device")

	noFiles := func(directive string) bool {
		n, err := strconv.Atoi(strings.TrimPrefix(directive, ":"))
		return err == nil && n&4 != 0
	}
	for _, cmd := range []string{"deactivate", "delete", "describe", "activate", "update"} {
		got, directive := completions(t, c, "user", cmd, "ux-")
		if !slices.Equal(got, []string{"ux-alice"}) || !noFiles(directive) {
			t.Errorf("user %s ux-<Tab>: %v %s", cmd, got, directive)
		}
	}
	for _, cmd := range []string{"lock", "delete", "describe"} {
		got, directive := completions(t, c, "device", cmd, "")
		if !slices.Contains(got, deviceID) || !noFiles(directive) {
			t.Errorf("device %s <Tab>: %v %s, want %s", cmd, got, directive, deviceID)
		}
	}
	// unlock offers only locked devices.
	if got, _ := completions(t, c, "device", "unlock", ""); len(got) != 0 {
		t.Errorf("device unlock offers unlocked devices: %v", got)
	}
	c.mustRun("", "device", "lock", deviceID)
	if got, _ := completions(t, c, "device", "unlock", ""); !slices.Equal(got, []string{deviceID}) {
		t.Errorf("device unlock <Tab>: %v", got)
	}

	for _, args := range [][]string{{"audit", "--unused-for", ""}, {"token", "--expires-in", ""}, {"service-account", "api-key", "x", "rotate", "k", "--retain", ""}} {
		got, directive := completions(t, c, args...)
		if len(got) == 0 || !noFiles(directive) {
			t.Errorf("%v<Tab>: %v %s", args, got, directive)
		}
		for _, g := range got {
			if g != "0" {
				if _, err := strconv.Atoi(g); err == nil {
					t.Errorf("%v offers a bare number %q", args, g)
				}
			}
		}
	}
	// Nothing of a file where no file belongs; a FILE flag keeps files.
	for _, args := range [][]string{{"user", "create", ""}, {"api", ""}, {"status", ""}, {"user", "update", "x", "--email", ""}, {"service-account", "create", "x", "--description", ""}} {
		if _, directive := completions(t, c, args...); !noFiles(directive) {
			t.Errorf("%v<Tab> offers files: %s", args, directive)
		}
	}
	if _, directive := completions(t, c, "login", "x", "--ssl-ca-cert", ""); noFiles(directive) {
		t.Errorf("--ssl-ca-cert offers no files: %s", directive)
	}
}

// `exec ls -la` is a missing --, not an unknown flag -l of zenctl's.
func TestExecWithoutDashDashSaysSo(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	r := c.run("", "exec", "ls", "-la")
	expectCode(t, r, 1)
	oneLineError(t, r, "put -- before the command: zenctl exec -- ls -la")
}

// Without a keyring, the notice that secrets go to a plain file shows
// once: not on every failed login (which stores nothing), and not again
// after the login that records the file store.
func TestNoKeyringNoticeShowsOnce(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	c := newCLI(t)
	delete(c.env, "ZENCTL_STORAGE")
	c.env["DBUS_SESSION_BUS_ADDRESS"] = "unix:path=" + c.dir + "/no-bus"
	for range 2 {
		r := c.run("wrong-password\n", "login", fake.URL(), "--username", "default", "--password-stdin")
		expectCode(t, r, 4)
		if strings.Contains(r.stderr, "keyring") {
			t.Errorf("a failed login repeats the keyring notice:\n%s", r.stderr)
		}
	}
	r := c.mustRun("\n", "login", fake.URL(), "--username", "default", "--password-stdin")
	if n := strings.Count(r.stderr, "keyring is not available"); n != 1 {
		t.Errorf("the login that stores the secret shows the notice %d times:\n%s", n, r.stderr)
	}
	r = c.mustRun("\n", "login", fake.URL(), "--username", "default", "--password-stdin", "--refresh")
	if strings.Contains(r.stderr, "keyring") {
		t.Errorf("the notice showed again:\n%s", r.stderr)
	}
}

// A login says when its token expires, on a server with short tokens as
// on one whose tokens never do, and how zenctl gets the next one.
func TestLoginMentionsTheTokenExpiry(t *testing.T) {
	t.Parallel()
	short := zenmltest.NewTest(t, zenmltest.Options{TokenLifetime: time.Minute})
	c := newCLI(t)
	r := c.mustRun("\n", "login", short.URL(), "--username", "default", "--password-stdin")
	if !strings.Contains(r.stderr, "The access token expires in ") || !strings.Contains(r.stderr, "zenctl gets a new one with the stored password") {
		t.Errorf("login on a 60 s server:\n%s", r.stderr)
	}
	never := zenmltest.NewTest(t, zenmltest.Options{})
	if r := c.mustRun("\n", "login", never.URL(), "--username", "default", "--password-stdin"); !strings.Contains(r.stderr, "The access token does not expire") {
		t.Errorf("login on a server without expiry:\n%s", r.stderr)
	}
}

// A non-admin is told what the server's refusals and answers mean: a 403
// for admins only suggests --account ADMIN, and `user list` says it shows
// only yourself.
func TestNonAdminIsToldWhy(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	fake.CreateUser("ux-bob", "pw-bob-1")
	bob := newCLI(t)
	bob.mustRun("pw-bob-1\n", "login", fake.URL(), "--username", "ux-bob", "--password-stdin")

	r := bob.run("", "user", "deactivate", "default")
	expectCode(t, r, 1)
	oneLineError(t, r, "Only admin users", "--account ADMIN")

	r = bob.mustRun("", "user", "list", "-o", "json")
	if !strings.Contains(r.stderr, "Only your own user is listed") {
		t.Errorf("user list as a non-admin:\n%s", r.stderr)
	}
	admin := adminCLI(t, fake)
	if r := admin.mustRun("", "user", "list"); strings.Contains(r.stderr, "Only your own") {
		t.Errorf("user list as an admin:\n%s", r.stderr)
	}
	// Filtered to one user, an admin's list says nothing either.
	if r := admin.mustRun("", "user", "list", "--name", "ux-bob"); strings.Contains(r.stderr, "Only your own") {
		t.Errorf("filtered user list as an admin:\n%s", r.stderr)
	}
}
