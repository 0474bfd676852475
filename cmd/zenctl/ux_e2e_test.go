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

// Tests of issue 13's items that need no terminal: messages, lists,
// states, input and the machine's name.

// Item 2: a retry line names the server it retries, in status --all too.
func TestRetryLinesNameTheServer(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	c := adminCLI(t, fake)
	fake.InjectFault("GET /api/v1/current-user", zenmltest.Fault{Status: 503, Header: map[string][]string{"Retry-After": {"1"}}, Times: 1})
	r := c.mustRun("", "status", "--all")
	if !strings.Contains(r.stderr, fake.URL()+" GET /api/v1/current-user: HTTP 503") {
		t.Errorf("the retry line does not name the server:\n%s", r.stderr)
	}
}

// Item 3: one wording for a bad boolean, and an API key given as an
// argument or a flag's value is refused without being repeated.
func TestFlagAndArgumentMessages(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	for _, args := range [][]string{{"login", "--refresh=maybe"}, {"service-account", "list", "--all=x"}, {"service-account", "list", "--active=x"}} {
		r := c.run("", args...)
		expectCode(t, r, 1)
		if !strings.Contains(r.stderr, "want true or false") || strings.Contains(r.stderr, "whole number") {
			t.Errorf("%v: %s", args, r.stderr)
		}
	}
	const key = "ZENKEY_eyJpZCI6ICIxMjMifQ=="
	for _, args := range [][]string{{"login", "http://127.0.0.1:1", "--api-key", key}, {"login", "http://127.0.0.1:1", "--api-key=" + key}, {"login", "http://127.0.0.1:1", "--api-key", "'" + key + "'"}} {
		r := c.run("", args...)
		expectCode(t, r, 1)
		if strings.Contains(r.stderr, "eyJpZCI6") {
			t.Errorf("%v: the key was repeated: %s", args, r.stderr)
		}
		for _, want := range []string{"never taken as an argument", "shell history", "--api-key < key-file", "ZENML_STORE_API_KEY"} {
			if !strings.Contains(r.stderr, want) {
				t.Errorf("%v: %q missing from %s", args, want, r.stderr)
			}
		}
	}
}

// Items 3, 4: a deactivated service account's key list shows what the
// server applies, and its login says that only reactivating helps.
func TestDeactivatedAccountIsShownAndExplained(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	admin := adminCLI(t, fake)
	key := strings.TrimSpace(admin.mustRun("", "service-account", "create", "ci-bot").stdout)
	bot := newCLI(t)
	bot.mustRun(key, "login", fake.URL(), "--api-key")
	admin.mustRun("", "service-account", "deactivate", "ci-bot")

	r := admin.mustRun("", "service-account", "api-key", "ci-bot", "list")
	if !strings.Contains(r.stdout, "active (account inactive)") {
		t.Errorf("key list: %q", r.stdout)
	}
	var page struct {
		Items []map[string]any `json:"items"`
	}
	if err := json.Unmarshal([]byte(admin.mustRun("", "service-account", "api-key", "ci-bot", "list", "-o", "json").stdout), &page); err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 1 || page.Items[0]["active"] != true || page.Items[0]["effective_active"] != false {
		t.Errorf("json: %v", page.Items)
	}

	for _, args := range [][]string{{"login", "--refresh"}, {"login", fake.URL(), "--api-key"}} {
		r := bot.run(key, args...)
		expectCode(t, r, 4)
		if !strings.Contains(r.stderr, "logging in again cannot help") || !strings.Contains(r.stderr, "zenctl service-account activate ci-bot") {
			t.Errorf("%v: %s", args, r.stderr)
		}
	}
}

// Item 7: --all lists every page, --limit N the first N, -o json one
// document; piped rows come one per line.
func TestListAllAndLimit(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	c := adminCLI(t, fake)
	for i := range 25 {
		fake.CreateServiceAccount(fmt.Sprintf("bot-%02d", i))
	}
	if n := lines(c.mustRun("", "service-account", "list").stdout); n != 20 {
		t.Errorf("one page: %d rows", n)
	}
	if n := lines(c.mustRun("", "service-account", "list", "--all", "--size", "7").stdout); n != 25 {
		t.Errorf("--all: %d rows", n)
	}
	if n := lines(c.mustRun("", "service-account", "list", "--limit", "3").stdout); n != 3 {
		t.Errorf("--limit 3: %d rows", n)
	}
	var doc struct {
		Items []any `json:"items"`
		Total int   `json:"total"`
	}
	out := c.mustRun("", "service-account", "list", "--all", "--size", "10", "-o", "json").stdout
	if err := json.Unmarshal([]byte(out), &doc); err != nil || len(doc.Items) != 25 || doc.Total != 25 {
		t.Errorf("-o json --all: %v %d items, total %d", err, len(doc.Items), doc.Total)
	}
	for _, list := range [][]string{{"user", "list"}, {"device", "list"}, {"service-account", "api-key", "bot-00", "list"}} {
		c.mustRun("", append(list, "--all")...)
		c.mustRun("", append(list, "--limit", "1")...)
	}
	expectCode(t, c.run("", "service-account", "list", "--all", "--page", "2"), 1)
	expectCode(t, c.run("", "service-account", "list", "--all", "--limit", "5"), 1)
	expectCode(t, c.run("", "service-account", "list", "--limit", "0"), 1)
}

func lines(s string) int { return strings.Count(s, "\n") }

// Item 8: durations where minutes or seconds are asked, and the quoted
// key the zenml CLI prints.
func TestDurationsAndQuotedKeys(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	admin := adminCLI(t, fake)
	key := strings.TrimSpace(admin.mustRun("", "service-account", "create", "ci-bot").stdout)
	bot := newCLI(t)
	bot.mustRun("'"+key+"'\n", "login", fake.URL(), "--api-key")

	var res struct {
		ExpiresIn int64 `json:"expires_in"`
	}
	if err := json.Unmarshal([]byte(admin.mustRun("", "token", "--expires-in", "30m", "-o", "json").stdout), &res); err != nil || res.ExpiresIn != 1800 {
		t.Errorf("--expires-in 30m: %v %d", err, res.ExpiresIn)
	}
	r := admin.mustRun("", "service-account", "api-key", "ci-bot", "rotate", "default", "--retain", "1h", "-o", "json")
	if !strings.Contains(r.stderr, "remains valid for 1 hour") {
		t.Errorf("--retain 1h: %s", r.stderr)
	}
	expectCode(t, admin.run("", "service-account", "api-key", "ci-bot", "rotate", "default", "--retain", "90s"), 1)

	// One grammar for every duration flag: days work where --unused-for
	// took them, a bare number only for --retain (minutes, as in zenml).
	if err := json.Unmarshal([]byte(admin.mustRun("", "token", "--expires-in", "7d", "-o", "json").stdout), &res); err != nil || res.ExpiresIn != 7*24*3600 {
		t.Errorf("--expires-in 7d: %v %d", err, res.ExpiresIn)
	}
	r = admin.mustRun("", "service-account", "api-key", "ci-bot", "rotate", "default", "--retain", "60", "-o", "json")
	if !strings.Contains(r.stderr, "remains valid for 1 hour") {
		t.Errorf("--retain 60 is not 60 minutes: %s", r.stderr)
	}
	for _, args := range [][]string{{"token", "--expires-in", "60"}, {"audit", "--unused-for", "90"}, {"exec", "--expires-in", "600", "--", "true"}} {
		r := admin.run("", args...)
		expectCode(t, r, 1)
		oneLineError(t, r, args[2]+" has no unit: write "+args[2]+"s, "+args[2]+"m, "+args[2]+"h or "+args[2]+"d")
	}
}

// Item 3: the hint after rotate --all --output-file works on that file,
// and a key sent to /dev/null is reported lost.
func TestNewKeyHints(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	c := adminCLI(t, fake)
	c.mustRun("", "service-account", "create", "ci-bot")
	file := filepath.Join(t.TempDir(), "keys.tsv")
	r := c.mustRun("", "service-account", "api-key", "ci-bot", "rotate", "--all", "--output-file", file)
	if !strings.Contains(r.stderr, "cut -f2 ") || strings.Contains(r.stderr, "--api-key < ") {
		t.Errorf("hint for a NAME<TAB>KEY file: %s", r.stderr)
	}

	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := c.command(ctx, "", "service-account", "create", "lost-bot")
	var stderr strings.Builder
	cmd.Stdout, cmd.Stderr = null, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr.String(), "written to /dev/null") || strings.Contains(stderr.String(), "printed on stdout") {
		t.Errorf("stderr: %s", stderr.String())
	}
}

// Item 10: after `sa api-key` completion offers service accounts, not the
// subcommands that may not come there.
func TestCompletionAfterAPIKeyOffersAccounts(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	c := adminCLI(t, fake)
	fake.CreateAPIKey(fake.CreateServiceAccount("ci-bot"), "nightly")
	out := c.mustRun("", "__complete", "service-account", "api-key", "").stdout
	if !strings.Contains(out, "ci-bot") || strings.Contains(out, "create") || strings.Contains(out, "rotate") {
		t.Errorf("completion: %q", out)
	}
	if out := c.mustRun("", "__complete", "service-account", "api-key", "ci-bot", "").stdout; !strings.Contains(out, "rotate") {
		t.Errorf("completion after the account: %q", out)
	}
	// The key after `SA rotate`, and the command's own flags after it.
	if out := c.mustRun("", "__complete", "sa", "api-key", "ci-bot", "rotate", "").stdout; !strings.Contains(out, "nightly") {
		t.Errorf("completion of the key: %q", out)
	}
	if out := c.mustRun("", "__complete", "sa", "api-key", "ci-bot", "rotate", "nightly", "--re").stdout; !strings.Contains(out, "--retain") {
		t.Errorf("completion of rotate's flags: %q", out)
	}
}

// Items 6 and 11: the device record names this machine, and starting the
// device flow over a working device session says that it ends it.
func TestDeviceFlowNamesTheMachineAndWarnsBeforeRestarting(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{DevicePollingInterval: time.Second})
	c := newCLI(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	admin, _ := zenml.NewClient(fake.URL(), zenml.Options{Tokens: zenml.StaticToken(fake.AdminToken())})
	approve := func(deviceID, userCode string) {
		if _, err := admin.VerifyDevice(ctx, deviceID, userCode, false); err != nil {
			t.Errorf("verify: %v", err)
		}
	}
	if seen, code := c.deviceFlow(ctx, approve, "login", fake.URL(), "--device", "--no-browser"); code != 0 {
		t.Fatalf("login: exit %d\n%s", code, strings.Join(seen, "\n"))
	}
	host, _ := os.Hostname()
	devices := fake.Devices()
	if len(devices) != 1 || host == "" || devices[0].Hostname != strings.ReplaceAll(host, " ", "_") {
		t.Errorf("device hostname %+v, want %q", devices, host)
	}
	if out := c.mustRun("", "device", "list", "-o", "json").stdout; !strings.Contains(out, `"os": "`) || strings.Contains(out, `"os": ""`) {
		t.Errorf("device os: %s", out)
	}
	seen, code := c.deviceFlow(ctx, approve, "login", fake.URL(), "--device", "--no-browser")
	if code != 0 || !strings.Contains(strings.Join(seen, "\n"), "device session on "+fake.URL()+" still works") {
		t.Errorf("exit %d:\n%s", code, strings.Join(seen, "\n"))
	}
}
