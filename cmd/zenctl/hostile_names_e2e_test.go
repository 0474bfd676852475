package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

// hostileName is what a user can rename themselves to: an OSC 0 title
// write (ESC ... BEL) and a right-to-left override.
const hostileName = "esc\x1b]0;OWNED\x07\u202egnp"

func expectNothingRaw(t *testing.T, what, s string) {
	t.Helper()
	for _, c := range []string{"\x1b", "\x07", "\u202e"} {
		if strings.Contains(s, c) {
			t.Errorf("%s holds a raw %q:\n%q", what, c, s)
		}
	}
}

// Issue 21 item 2: the commands zenctl suggests after user commands carry
// no server text raw; where the name cannot be shown, they use the id,
// which the command accepts in its place.
func TestSuggestedUserCommandsCarryNoRawServerText(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	c := adminCLI(t, fake)

	r := c.mustRun("", "user", "create", hostileName, "-o", "json")
	expectNothingRaw(t, "user create stderr", r.stderr)
	var created struct {
		ID              string `json:"id"`
		Name            string `json:"name"`
		ActivationToken string `json:"activation_token"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &created); err != nil || created.ID == "" || created.Name != hostileName {
		t.Fatalf("user create -o json: %v\n%s", err, r.stdout)
	}
	if !strings.Contains(r.stderr, "zenctl user activate "+created.ID) {
		t.Errorf("user create does not suggest the activation by id:\n%s", r.stderr)
	}

	r = c.mustRun("", "user", "deactivate", created.ID, "-o", "json")
	expectNothingRaw(t, "user deactivate stderr", r.stderr)
	if !strings.Contains(r.stderr, "zenctl user delete "+created.ID) {
		t.Errorf("user deactivate does not suggest the delete by id:\n%s", r.stderr)
	}
	var deactivated struct {
		ActivationToken string `json:"activation_token"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &deactivated); err != nil || deactivated.ActivationToken == "" {
		t.Fatalf("user deactivate -o json: %v\n%s", err, r.stdout)
	}

	// The suggested commands run as printed.
	r = c.mustRun(deactivated.ActivationToken+"\nNew-passw0rd-long\n", "user", "activate", created.ID, "--activation-token-stdin")
	expectNothingRaw(t, "user activate stderr", r.stderr)
	if !strings.Contains(r.stderr, "--username NAME (NAME: the name holds") {
		t.Errorf("user activate suggests a login with the name it cannot show:\n%s", r.stderr)
	}
	r = c.mustRun("", "user", "delete", created.ID, "--yes")
	expectNothingRaw(t, "user delete stderr", r.stderr)
}

// Issue 21 item 2: service-account create says nothing raw either, and
// shell completion offers no stored or served name raw.
func TestServiceAccountNamesAndCompletionCarryNoRawServerText(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	admin := adminCLI(t, fake)
	r := admin.mustRun("", "service-account", "create", hostileName, "-o", "json")
	expectNothingRaw(t, "service-account create stderr", r.stderr)
	var created struct {
		APIKey struct {
			Key string `json:"key"`
		} `json:"api_key"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &created); err != nil || created.APIKey.Key == "" {
		t.Fatalf("service-account create -o json: %v\n%s", err, r.stdout)
	}
	comp := admin.mustRun("", "__complete", "service-account", "describe", "")
	expectNothingRaw(t, "service-account completion", comp.stdout)

	// A login as that service account stores its name as the account's.
	bot := newCLI(t)
	bot.mustRun(created.APIKey.Key+"\n", "login", fake.URL(), "--api-key")
	for _, args := range [][]string{
		{"__complete", "switch", "--account", ""},
		{"__complete", "logout", "--account", ""},
		{"__complete", "status", "--server", ""},
	} {
		comp := bot.mustRun("", args...)
		expectNothingRaw(t, strings.Join(args, " "), comp.stdout)
		if args[2] == "--account" && !strings.Contains(comp.stdout, `esc\x1b]0;OWNED\x07\u202egnp`) {
			t.Errorf("%s does not offer the account, escaped:\n%q", strings.Join(args, " "), comp.stdout)
		}
	}
	expectNothingRaw(t, "status", bot.mustRun("", "status").stderr)
}
