package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

func init() {
	nonSecretStringFlags["key"] = "audit --key takes the path of a file holding the key ('-': stdin), and refuses a ZENKEY_ value"
}

// keySecret is the secret part of a ZENKEY_ value, the part that must
// never travel.
func keySecret(t *testing.T, key string) string {
	t.Helper()
	data, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(key, "ZENKEY_"))
	if err != nil {
		t.Fatal(err)
	}
	var v struct{ ID, Key string }
	if err := json.Unmarshal(data, &v); err != nil || v.Key == "" {
		t.Fatalf("key %q: %v", data, err)
	}
	return v.Key
}

// noKeyTravelled checks every request the fake received since its last
// ResetCounts: no login, and neither the key nor its secret anywhere.
func noKeyTravelled(t *testing.T, fake *zenmltest.Server, key string) {
	t.Helper()
	secret := keySecret(t, key)
	reqs := fake.Requests()
	if len(reqs) == 0 {
		t.Fatal("no request recorded")
	}
	for _, r := range reqs {
		if strings.Contains(r.Endpoint, "/login") {
			t.Errorf("a login was made: %s", r.Endpoint)
		}
		seen := r.Path + "?" + r.RawQuery + "\n" + string(r.Body)
		for name, vs := range r.Header {
			seen += "\n" + name + ": " + strings.Join(vs, ",")
		}
		if strings.Contains(seen, secret) || strings.Contains(seen, key[:20]) || strings.Contains(seen, strings.TrimPrefix(key, "ZENKEY_")[:20]) {
			t.Errorf("the key travelled in %s:\n%s", r.Endpoint, seen)
		}
	}
}

// TestAuditKeyFindsTheOwnerOfALeakedKey is issue 22 item 10.
func TestAuditKeyFindsTheOwnerOfALeakedKey(t *testing.T) {
	t.Parallel()
	forEachProfile(t, zenmltest.Options{}, func(t *testing.T, fake *zenmltest.Server) {
		fake.CreateAPIKey(fake.CreateServiceAccount("other-bot"), "default")
		saID := fake.CreateServiceAccount("ci-bot")
		fake.CreateAPIKey(saID, "spare")
		key := fake.CreateAPIKey(saID, "deploy")
		admin := adminCLI(t, fake)
		dir := t.TempDir()
		leak := filepath.Join(dir, "build.log")
		must(t, os.WriteFile(leak, []byte("step 3/7\n+ export ZENML_STORE_API_KEY="+key+"\nerror: exit 1\n"), 0o600))

		fake.ResetCounts()
		r := admin.mustRun("", "audit", "--key", leak)
		noKeyTravelled(t, fake, key)
		for _, want := range []string{"ci-bot", "deploy", "active", keyField("Last used", "never"), keyField("Last rotated", "never"),
			"zenctl service-account api-key ci-bot deactivate deploy", "zenctl service-account api-key ci-bot rotate deploy --retain 0",
			"zenctl service-account deactivate ci-bot"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("audit --key lacks %q:\n%s", want, r.stdout)
			}
		}
		if strings.Contains(r.stdout, "\t") {
			t.Errorf("piped, audit --key is not aligned plain text:\n%s", r.stdout)
		}
		if !strings.Contains(r.stderr, "This key is active and was never rotated") || strings.Contains(r.stdout+r.stderr, keySecret(t, key)) {
			t.Errorf("stderr: %s", r.stderr)
		}
		expectCode(t, admin.run("", "audit", "--key", leak, "--exit-status"), 3)

		var v struct {
			KeyID          string                             `json:"key_id"`
			KeyName        string                             `json:"key_name"`
			CanLogIn       bool                               `json:"can_log_in"`
			ServiceAccount struct{ ID, Name string }          `json:"service_account"`
			StopCommands   []struct{ Effect, Command string } `json:"stop_commands"`
		}
		mustJSON(t, admin.mustRun(key+"\n", "audit", "--key", "-", "-o", "json").stdout, &v)
		if v.KeyName != "deploy" || v.ServiceAccount.ID != saID || !v.CanLogIn || len(v.StopCommands) != 3 {
			t.Fatalf("audit --key - -o json: %+v", v)
		}

		// The printed commands work as printed, and each one shows.
		run := func(command string) { admin.mustRun("", strings.Fields(strings.TrimPrefix(command, "zenctl "))...) }
		run(v.StopCommands[0].Command)
		expectCode(t, admin.run("", "audit", "--key", leak, "--exit-status"), 0)
		admin.mustRun("", "service-account", "api-key", "ci-bot", "activate", "deploy")
		expectCode(t, admin.run("", "audit", "--key", leak, "--exit-status"), 3)
		run(v.StopCommands[1].Command)
		if keyLogsIn(t, fake, key) {
			t.Error("the leaked secret still logs in after the printed rotate")
		}
		run(v.StopCommands[2].Command)
		r = admin.run("", "audit", "--key", leak, "--exit-status")
		expectCode(t, r, 0)
		if !strings.Contains(r.stderr, "service account is deactivated") {
			t.Errorf("after deactivating the account: %s", r.stderr)
		}
	})
}

func TestAuditKeyRefusals(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	saID := fake.CreateServiceAccount("ci-bot")
	key := fake.CreateAPIKey(saID, "deploy")
	other := fake.CreateAPIKey(saID, "other")
	admin := adminCLI(t, fake)
	dir := t.TempDir()
	file := func(name, content string) string {
		p := filepath.Join(dir, name)
		must(t, os.WriteFile(p, []byte(content), 0o600))
		return p
	}
	unknownID := uuid.NewString()
	unknown := "ZENKEY_" + base64.StdEncoding.EncodeToString([]byte(`{"id":"`+unknownID+`","key":"`+strings.Repeat("ab", 32)+`"}`))
	// A hostile key may carry an id of any length: shorter than the
	// eight characters zenctl shows of an id, it is still an unknown key,
	// never a crash.
	short := "ZENKEY_" + base64.StdEncoding.EncodeToString([]byte(`{"id":"x","key":"`+strings.Repeat("ab", 32)+`"}`))

	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"--key", key}, []string{"never the key itself"}},
		{[]string{"--key", file("none", "nothing here\n")}, []string{"holds no API key"}},
		{[]string{"--key", file("two", key+"\n"+other+"\n")}, []string{"2 different API keys"}},
		{[]string{"--key", file("unknown", unknown)}, []string{unknownID, "belongs to no service account this account may see"}},
		{[]string{"--key", file("short", short)}, []string{"belongs to no service account this account may see"}},
		{[]string{"--key", file("k", key), "--inactive"}, []string{"takes no"}},
		{[]string{"--key", filepath.Join(dir, "missing")}, []string{"reading the key"}},
	} {
		r := admin.run("", append([]string{"audit"}, tc.args...)...)
		expectCode(t, r, 1)
		oneLineError(t, r, tc.want...)
		if strings.Contains(r.stdout+r.stderr, keySecret(t, key)) || strings.Contains(r.stdout+r.stderr, key) {
			t.Errorf("audit %v echoed the key:\n%s", tc.args, r.stderr)
		}
	}

	// A name from the server that could bend a pasted command is replaced
	// by the id in the printed commands.
	oddID := fake.CreateServiceAccount("ci bot;touch x")
	oddKey := fake.CreateAPIKey(oddID, "$(id)")
	r := admin.mustRun("", "audit", "--key", file("odd", oddKey))
	if !strings.Contains(r.stdout, "zenctl service-account deactivate "+oddID+"\n") || strings.Contains(r.stdout, "  zenctl service-account api-key ci bot") ||
		strings.Contains(r.stdout, "deactivate $(id)") {
		t.Errorf("odd names in the commands:\n%s", r.stdout)
	}

	// A log that cut the key short still names it: its id comes first.
	r = admin.mustRun("", "audit", "--key", file("cut", "API_KEY="+key[:72]+"…\n"), "-o", "json")
	if !strings.Contains(r.stdout, `"key_name": "deploy"`) || !strings.Contains(r.stdout, `"key_cut_short": true`) {
		t.Errorf("cut-short key: %s", r.stdout)
	}
}

// keyField is one line of audit --key's aligned form.
func keyField(name, value string) string { return fmt.Sprintf("\n%-23s %s\n", name+":", value) }

// TestAuditKeyAfterARotation: the leaked secret is dead once the key is
// rotated, although the key id stays active; --exit-status says so, so
// the playbook's "check the levers held" step passes after a rotation,
// and only when zenctl can tell.
func TestAuditKeyAfterARotation(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	saID := fake.CreateServiceAccount("ux-bot")
	key := fake.CreateAPIKey(saID, "default")
	admin := adminCLI(t, fake)
	leak := filepath.Join(t.TempDir(), "leaked.txt")
	must(t, os.WriteFile(leak, []byte(key+"\n"), 0o600))
	// The file was written well before the rotation below: more than the
	// margin for clock skew.
	hourAgo := time.Now().Add(-time.Hour)
	must(t, os.Chtimes(leak, hourAgo, hourAgo))

	admin.mustRun("", "service-account", "api-key", "ux-bot", "rotate", "default", "--retain", "0")
	if keyLogsIn(t, fake, key) {
		t.Fatal("the fake still takes the rotated secret")
	}
	r := admin.run("", "audit", "--key", leak, "--exit-status")
	expectCode(t, r, 0)
	if !strings.Contains(r.stderr, "The leaked secret no longer logs in") || strings.Contains(r.stderr, "whoever holds it can log in") {
		t.Errorf("after a rotation: %s", r.stderr)
	}
	for _, want := range []string{keyField("Can log in", "yes, with its current secret"), keyField("Leaked secret logs in", "no"), "\nLast rotated:           just now (", "when " + leak + " was written\n"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("lacks %q:\n%s", want, r.stdout)
		}
	}

	// From standard input the secret's age is unknown: not a pass, unless
	// the user says when the key was seen.
	r = admin.run(key+"\n", "audit", "--key", "-", "--exit-status")
	expectCode(t, r, 3)
	if !strings.Contains(r.stderr, "A secret older than that no longer logs in") || !strings.Contains(r.stderr, "--leaked-before") {
		t.Errorf("stdin after a rotation: %s", r.stderr)
	}
	var v struct {
		CanLogIn     bool    `json:"can_log_in"`
		Leaked       *bool   `json:"leaked_secret_can_log_in"`
		LeakedBefore *string `json:"leaked_before"`
	}
	mustJSON(t, admin.mustRun(key+"\n", "audit", "--key", "-", "-o", "json").stdout, &v)
	if !v.CanLogIn || v.Leaked != nil || v.LeakedBefore != nil {
		t.Errorf("stdin -o json: %+v", v)
	}
	expectCode(t, admin.run(key+"\n", "audit", "--key", "-", "--leaked-before", "1h", "--exit-status"), 0)
	expectCode(t, admin.run(key+"\n", "audit", "--key", "-", "--leaked-before", time.Now().Add(time.Hour).UTC().Format(time.RFC3339), "--exit-status"), 3)
	oneLineError(t, admin.run("", "audit", "--key", leak, "--leaked-before", "yesterday"), "--leaked-before")
	oneLineError(t, admin.run("", "audit", "--leaked-before", "1h"), "goes with --key")

	// A file written after the rotation may hold the new secret.
	must(t, os.Chtimes(leak, time.Now(), time.Now()))
	expectCode(t, admin.run("", "audit", "--key", leak, "--exit-status"), 3)

	// Rotated with a retain period, the old secret still logs in until it ends.
	must(t, os.Chtimes(leak, hourAgo, hourAgo))
	current := admin.mustRun("", "service-account", "api-key", "ux-bot", "rotate", "default", "--retain", "30m").stdout
	must(t, os.WriteFile(leak, []byte(strings.TrimSpace(current)), 0o600))
	must(t, os.Chtimes(leak, hourAgo, hourAgo))
	if !keyLogsIn(t, fake, strings.TrimSpace(current)) {
		t.Fatal("the retained secret does not log in")
	}
	r = admin.run("", "audit", "--key", leak, "--exit-status")
	expectCode(t, r, 3)
	// The rotation happened a moment before now: its retain period may
	// end in the minute before the one now+30m falls in.
	until := time.Now().Add(30 * time.Minute).UTC()
	saysUntil := func(at time.Time) bool {
		return strings.Contains(r.stderr, "stays valid until "+at.Format("2006-01-02 15:04")+" UTC (in ")
	}
	if !saysUntil(until) && !saysUntil(until.Add(-time.Minute)) ||
		!strings.Contains(r.stderr, "may still log in") || !strings.Contains(r.stdout, "Old secret valid until: in 30 min") {
		t.Errorf("within the retain period:\n%s\n%s", r.stderr, r.stdout)
	}
}

// TestAuditKeyRightAfterARotation: a key file written just after a
// rotation holds the new, live secret, though its time may sort before
// the server's rotation time (coarse clocks, skew). That is no proof the
// secret is dead: unknown, exit 3, with the way to tell.
func TestAuditKeyRightAfterARotation(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	fake.CreateAPIKey(fake.CreateServiceAccount("ci-bot"), "default")
	admin := adminCLI(t, fake)
	cur := filepath.Join(t.TempDir(), "cur.key")
	key := strings.TrimSpace(admin.mustRun("", "service-account", "api-key", "ci-bot", "rotate", "default").stdout)
	must(t, os.WriteFile(cur, []byte(key+"\n"), 0o600))
	if !keyLogsIn(t, fake, key) {
		t.Fatal("the new key does not log in")
	}
	for _, at := range []time.Time{time.Now(), time.Now().Add(-time.Minute)} {
		must(t, os.Chtimes(cur, at, at))
		r := admin.run("", "audit", "--key", cur, "--exit-status")
		expectCode(t, r, 3)
		if strings.Contains(r.stderr, "no longer logs in:") || !strings.Contains(r.stderr, "of the rotation") || !strings.Contains(r.stderr, "--leaked-before") ||
			!strings.Contains(r.stdout, keyField("Leaked secret logs in", "unknown: it depends on when it leaked")) {
			t.Errorf("file written %s:\n%s\n%s", at, r.stderr, r.stdout)
		}
	}
	// Also for a time a person gives: it is read off another clock too.
	expectCode(t, admin.run("", "audit", "--key", cur, "--leaked-before", "1m", "--exit-status"), 3)
}

// TestAuditKeyRetainIsAGuess: within a retain period the leaked secret
// may be the current one, the replaced one, or an older, dead one: "may",
// never "yes".
func TestAuditKeyRetainIsAGuess(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	fake.CreateAPIKey(fake.CreateServiceAccount("ci-bot"), "default")
	admin := adminCLI(t, fake)
	r60 := filepath.Join(t.TempDir(), "r60.key")
	rotate := func() string {
		return strings.TrimSpace(admin.mustRun("", "service-account", "api-key", "ci-bot", "rotate", "default", "--retain", "60").stdout)
	}
	key := rotate()
	must(t, os.WriteFile(r60, []byte(key+"\n"), 0o600))
	hourAgo := time.Now().Add(-time.Hour)
	must(t, os.Chtimes(r60, hourAgo, hourAgo))
	rotate()
	rotate()
	if keyLogsIn(t, fake, key) {
		t.Fatal("a secret two rotations old still logs in")
	}
	r := admin.run("", "audit", "--key", r60, "--exit-status")
	expectCode(t, r, 3)
	if strings.Contains(r.stdout, keyField("Leaked secret logs in", "yes")) || !strings.Contains(r.stdout, "\nLeaked secret logs in:  may, until ") ||
		!strings.Contains(r.stderr, "may still log in") {
		t.Errorf("within the retain period:\n%s\n%s", r.stderr, r.stdout)
	}
	var v struct {
		Leaked *bool `json:"leaked_secret_can_log_in"`
	}
	mustJSON(t, admin.mustRun("", "audit", "--key", r60, "-o", "json").stdout, &v)
	if v.Leaked != nil {
		t.Errorf("-o json states a guess as a fact: %v", *v.Leaked)
	}
}
