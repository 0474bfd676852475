package serviceaccount

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zenctl/zenctl/internal/cmd/cmdtest"
	"github.com/zenctl/zenctl/internal/exitcode"
	"github.com/zenctl/zenctl/internal/login"
	"github.com/zenctl/zenctl/pkg/zenml"
	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

func TestRotateStopsOldKeyNow(t *testing.T) {
	eachProfile(t, func(t *testing.T, profile string) {
		e := newEnv(t, zenmltest.Options{Profile: profile})
		saID := e.fake.CreateServiceAccount("ci")
		oldKey := e.fake.CreateAPIKey(saID, "default")
		oldToken := e.tokenFor(oldKey)

		r := e.mustRun("api-key", "ci", "rotate", "default")

		newKey := strings.TrimSuffix(r.stdout, "\n")
		if !strings.HasPrefix(newKey, zenml.APIKeyPrefix) || strings.Contains(newKey, "\n") || newKey == oldKey {
			t.Fatalf("stdout = %q, want the new key alone on one line", r.stdout)
		}
		if e.keyLogsIn(oldKey) {
			t.Error("the old key still logs in after rotate with --retain 0")
		}
		if !e.keyLogsIn(newKey) {
			t.Error("the new key does not log in")
		}
		mustContain(t, "stderr", r.stderr, "Rotated API key default of service account ci", "stopped working now",
			"Tokens already obtained with a previous secret still work", "the server will not show it again", "zenctl login "+e.fake.URL()+" --api-key")
		// Documented server behaviour the output warns about: rotation does
		// not revoke tokens obtained before it.
		if !e.tokenWorks(oldToken) {
			t.Error("a token obtained before rotation stopped working; the rotate notice says otherwise")
		}
	})
}

func TestRotateRetainKeepsOldKeyUntilStated(t *testing.T) {
	eachProfile(t, func(t *testing.T, profile string) {
		e := newEnv(t, zenmltest.Options{Profile: profile})
		saID := e.fake.CreateServiceAccount("ci")
		oldKey := e.fake.CreateAPIKey(saID, "default")
		before := e.fake.Now()

		r := e.mustRun("api-key", "ci", "rotate", "default", "--retain", "30", "-o", "json")

		var res map[string]any
		if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
			t.Fatalf("stdout is not a JSON object: %v\n%s", err, r.stdout)
		}
		for _, field := range []string{"name", "id", "key", "previous_key_valid_until"} {
			if _, ok := res[field]; !ok {
				t.Errorf("JSON lacks %q: %s", field, r.stdout)
			}
		}
		newKey, _ := res["key"].(string)
		untilText, _ := res["previous_key_valid_until"].(string)
		until, err := time.Parse(time.RFC3339, untilText)
		if err != nil || !strings.HasSuffix(untilText, "Z") {
			t.Fatalf("previous_key_valid_until = %q, want RFC 3339 UTC", untilText)
		}
		if d := until.Sub(before); d < 29*time.Minute || d > 31*time.Minute {
			t.Errorf("previous_key_valid_until is %s after the rotation, want 30m", d)
		}
		mustContain(t, "stderr", r.stderr, "remains valid for 30 minutes, until "+until.UTC().Format("2006-01-02 15:04 UTC"))

		if !e.keyLogsIn(oldKey) || !e.keyLogsIn(newKey) {
			t.Fatal("during the retain period both the old and the new key must log in")
		}
		e.fake.Advance(31 * time.Minute)
		if e.keyLogsIn(oldKey) {
			t.Error("the old key still logs in after the retain period")
		}
		if !e.keyLogsIn(newKey) {
			t.Error("the new key stopped logging in")
		}
	})
}

func TestRotateJSONRetainZeroHasNullValidUntil(t *testing.T) {
	e := newEnv(t, zenmltest.Options{})
	saID := e.fake.CreateServiceAccount("ci")
	e.fake.CreateAPIKey(saID, "default")
	r := e.mustRun("api-key", "ci", "rotate", "default", "-o", "json")
	var res map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatal(err)
	}
	if v, ok := res["previous_key_valid_until"]; !ok || v != nil {
		t.Errorf("previous_key_valid_until = %v (present %v), want null", v, ok)
	}
}

func TestRotateSetKeyKeepsClientWorking(t *testing.T) {
	eachProfile(t, func(t *testing.T, profile string) {
		e := newEnv(t, zenmltest.Options{Profile: profile, TokenLifetime: time.Hour})
		saID := e.fake.CreateServiceAccount("ci")
		oldKey := e.fake.CreateAPIKey(saID, "default")
		e.loginWithKey(oldKey)
		e.mustRun("list") // the client now holds a token from the old key
		e.fake.ResetCounts()

		r := e.mustRun("api-key", "ci", "rotate", "default", "--set-key")
		newKey := strings.TrimSpace(r.stdout)
		if got := e.fake.Count("POST /api/v1/login"); got != 1 {
			t.Errorf("rotate --set-key logged in %d times, want exactly 1 (checking the new key)", got)
		}
		mustContain(t, "stderr", r.stderr, "This client now logs in to "+e.fake.URL()+" as service account ci")
		if strings.Contains(r.stderr, "cannot log in again") || strings.Contains(r.stderr, "zenctl login") {
			t.Errorf("advised a login although --set-key stored the key:\n%s", r.stderr)
		}
		secret, err := e.h.Secret(e.fake.URL())
		if err != nil || secret.APIKey != newKey {
			t.Fatalf("stored key is not the new key (err %v)", err)
		}

		e.mustRun("list")
		if got := e.fake.Count("POST /api/v1/login"); got != 1 {
			t.Errorf("the next command logged in again (%d logins), want the stored token reused", got)
		}
		// Once the token expires the client must log in with the new key.
		e.fake.Advance(2 * time.Hour)
		e.mustRun("list")
		if got := e.fake.Count("POST /api/v1/login"); got != 2 {
			t.Errorf("after expiry: %d logins, want 2", got)
		}
		if e.keyLogsIn(oldKey) {
			t.Error("the old key still logs in")
		}
	})
}

func TestRotateOwnKeyWarns(t *testing.T) {
	eachProfile(t, func(t *testing.T, profile string) {
		e := newEnv(t, zenmltest.Options{Profile: profile})
		saID := e.fake.CreateServiceAccount("ci")
		e.loginWithKey(e.fake.CreateAPIKey(saID, "default"))

		r := e.mustRun("api-key", "ci", "rotate", "default")
		mustContain(t, "stderr", r.stderr, "This client logs in to "+e.fake.URL()+" with this key",
			"cannot log in again", "zenctl login "+e.fake.URL()+" --api-key")

		r = e.mustRun("api-key", "ci", "rotate", "default", "--retain", "10")
		mustContain(t, "stderr", r.stderr, "This client logs in to "+e.fake.URL()+" with this key, which stops working in 10 min (")

		// The new key in a file: the hint reads it from there, as create's does.
		file := filepath.Join(t.TempDir(), "ci.key")
		r = e.mustRun("api-key", "ci", "rotate", "default", "--retain", "10m", "--output-file", file)
		mustContain(t, "stderr", r.stderr, "store the new key: zenctl login "+e.fake.URL()+" --api-key < "+login.ShellWord(file))
	})
}

func TestRotateOtherKeyDoesNotWarn(t *testing.T) {
	e := newEnv(t, zenmltest.Options{})
	saID := e.fake.CreateServiceAccount("ci")
	e.fake.CreateAPIKey(saID, "default")
	r := e.mustRun("api-key", "ci", "rotate", "default")
	if strings.Contains(r.stderr, "This client") {
		t.Errorf("warned about this client, which logs in with a password:\n%s", r.stderr)
	}
}

func TestRotateAll(t *testing.T) {
	eachProfile(t, func(t *testing.T, profile string) {
		e := newEnv(t, zenmltest.Options{Profile: profile})
		saID := e.fake.CreateServiceAccount("ci")
		old := map[string]string{}
		for _, name := range []string{"a", "b", "c"} {
			old[name] = e.fake.CreateAPIKey(saID, name)
		}
		other := e.fake.CreateAPIKey(e.fake.CreateServiceAccount("other"), "default")

		r := e.mustRun("api-key", "ci", "rotate", "--all")

		lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
		if len(lines) != 3 {
			t.Fatalf("stdout has %d lines, want 3 NAME<TAB>KEY lines:\n%s", len(lines), r.stdout)
		}
		for _, line := range lines {
			name, key, ok := strings.Cut(line, "\t")
			if !ok || old[name] == "" {
				t.Fatalf("bad line %q", line)
			}
			if e.keyLogsIn(old[name]) {
				t.Errorf("old key %s still logs in", name)
			}
			if !e.keyLogsIn(key) {
				t.Errorf("new key %s does not log in", name)
			}
		}
		if !e.keyLogsIn(other) {
			t.Error("a key of another service account was rotated")
		}
		mustContain(t, "stderr", r.stderr, "Rotated 3 API keys of service account ci: ")
		mustContain(t, "stderr", r.stderr, "Store them safely now: the server will not show them again.")
		// `login --api-key` reads one key: no advice to feed it three.
		if strings.Contains(r.stderr, "zenctl login") {
			t.Errorf("a login hint for several keys:\n%s", r.stderr)
		}
		path := filepath.Join(t.TempDir(), "keys")
		r = e.mustRun("api-key", "ci", "rotate", "--all", "--output-file", path)
		if strings.Contains(r.stderr, "< "+path) {
			t.Errorf("advised logging in from a file of several keys:\n%s", r.stderr)
		}

		r = e.mustRun("api-key", "ci", "rotate", "--all", "-o", "json", "--retain", "5")
		var res []RotateResult
		if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || len(res) != 3 {
			t.Fatalf("want a JSON array of 3 results, got %v:\n%s", err, r.stdout)
		}
		for _, x := range res {
			if x.Key == nil || !e.keyLogsIn(*x.Key) || x.PreviousKeyValidUntil == nil {
				t.Errorf("result %+v: want a working key and a validity end", x)
			}
		}
	})
}

func TestRotateAllSetKeyNeedsOwnKey(t *testing.T) {
	e := newEnv(t, zenmltest.Options{})
	saID := e.fake.CreateServiceAccount("ci")
	key := e.fake.CreateAPIKey(saID, "default")
	r := e.run("api-key", "ci", "rotate", "--all", "--set-key")
	if r.err == nil || !strings.Contains(r.err.Error(), "uses none of ci's keys") {
		t.Fatalf("err = %v, want a refusal", r.err)
	}
	if !e.keyLogsIn(key) {
		t.Error("the key was rotated although the command was refused")
	}
}

func TestRotateOutputFile(t *testing.T) {
	eachProfile(t, func(t *testing.T, profile string) {
		e := newEnv(t, zenmltest.Options{Profile: profile})
		saID := e.fake.CreateServiceAccount("ci")
		oldKey := e.fake.CreateAPIKey(saID, "default")
		path := filepath.Join(t.TempDir(), "ci.key")

		r := e.mustRun("api-key", "ci", "rotate", "default", "--output-file", path)
		if r.stdout != "" {
			t.Errorf("stdout = %q, want nothing: the key goes to the file", r.stdout)
		}
		assertKeyFile(t, path)
		data, _ := os.ReadFile(path)
		if !e.keyLogsIn(strings.TrimSpace(string(data))) {
			t.Error("the key in the file does not log in")
		}
		mustContain(t, "stderr", r.stderr, "--api-key < "+path)

		// An existing file is never overwritten, and nothing is rotated.
		newKey := strings.TrimSpace(string(data))
		r = e.run("api-key", "ci", "rotate", "default", "--output-file", path)
		if r.err == nil || !strings.Contains(r.err.Error(), "refusing to overwrite") {
			t.Fatalf("err = %v, want a refusal to overwrite", r.err)
		}
		if after, _ := os.ReadFile(path); string(after) != string(data) {
			t.Error("the existing file was changed")
		}
		if !e.keyLogsIn(newKey) {
			t.Error("the key was rotated although its file could not be written")
		}
		_ = oldKey
	})
}

func assertKeyFile(t *testing.T, path string) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode = %v, want 0600", st.Mode().Perm())
	}
}

func TestRotateDebugTraceRedactsKeys(t *testing.T) {
	e := newEnv(t, zenmltest.Options{})
	saID := e.fake.CreateServiceAccount("ci")
	e.fake.CreateAPIKey(saID, "default")
	// runWith fails the test if any ZENKEY_ value reaches stderr.
	r := e.runWith(func(h *cmdtest.Harness) { h.F.Debug = true }, []string{"api-key", "ci", "rotate", "default"})
	if r.err != nil {
		t.Fatal(r.err)
	}
	mustContain(t, "stderr", r.stderr, "/rotate")
}

func TestRotateUnknownKey(t *testing.T) {
	e := newEnv(t, zenmltest.Options{})
	e.fake.CreateServiceAccount("ci")
	r := e.run("api-key", "ci", "rotate", "nope")
	if r.err == nil || exitcode.For(r.err) != exitcode.Error || r.stdout != "" {
		t.Fatalf("err = %v, stdout %q: want exit 1 and no output", r.err, r.stdout)
	}
}

// --set-key by an admin stores the service account's new key as that
// account's login on the server, beside the admin's, which stays active.
func TestRotateSetKeyAddsTheServiceAccountBesideTheAdmin(t *testing.T) {
	e := newEnv(t, zenmltest.Options{})
	sa := e.fake.CreateServiceAccount("ci")
	key := e.fake.CreateAPIKey(sa, "default")
	r := e.mustRun("api-key", "ci", "rotate", "default", "--set-key")
	newKey := strings.TrimSpace(r.stdout)
	if e.keyLogsIn(key) || !e.keyLogsIn(newKey) {
		t.Fatal("the key was not rotated")
	}
	if !strings.Contains(r.stderr, "Added account ci on "+e.fake.URL()) || !strings.Contains(r.stderr, "active account: default (unchanged") {
		t.Errorf("stderr: %s", r.stderr)
	}
	if secret, err := e.h.Secret(e.fake.URL()); err != nil || secret.Username != "default" {
		t.Errorf("the admin's login was changed: %v", err)
	}
	if secret, err := e.h.AccountSecret(e.fake.URL(), "ci"); err != nil || secret.APIKey != newKey {
		t.Errorf("the new key was not stored for ci: %v", err)
	}
}

// Rotating a deactivated key (step 3a of the playbook) says that the new
// secret needs the key activated, not how to log in with it.
func TestRotateDeactivatedKeySaysToActivate(t *testing.T) {
	e := newEnv(t, zenmltest.Options{})
	saID := e.fake.CreateServiceAccount("ci")
	e.fake.CreateAPIKey(saID, "default")
	e.mustRun("api-key", "ci", "deactivate", "default")
	r := e.mustRun("api-key", "ci", "rotate", "default")
	mustContain(t, "stderr", r.stderr, "The key is deactivated: the new secret logs in only after `zenctl service-account api-key ci activate default`")
	if strings.Contains(r.stderr, "zenctl login") || strings.Contains(r.stderr, "`deactivate` the key") {
		t.Errorf("advice that does not apply to a deactivated key:\n%s", r.stderr)
	}

	e.mustRun("api-key", "ci", "activate", "default")
	e.mustRun("deactivate", "ci")
	r = e.mustRun("api-key", "ci", "rotate", "default")
	mustContain(t, "stderr", r.stderr, "Service account ci is deactivated: no new secret logs in until `zenctl service-account activate ci`")
}

// Hints built from names still run when pasted: "ci bot" is quoted.
func TestHintsQuoteNames(t *testing.T) {
	e := newEnv(t, zenmltest.Options{})
	saID := e.fake.CreateServiceAccount("ci bot")
	e.fake.CreateAPIKey(saID, "default")
	r := e.mustRun("api-key", "ci bot", "deactivate", "default")
	mustContain(t, "stderr", r.stderr, "`zenctl service-account api-key 'ci bot' activate default`")
	r = e.mustRun("deactivate", "ci bot")
	mustContain(t, "stderr", r.stderr, "`zenctl service-account activate 'ci bot'`")
}
