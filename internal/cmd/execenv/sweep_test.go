package execenv

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

const sweptToken = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.sig-of-the-minted-token"

func TestWithoutTokenKeepsEverythingElse(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     map[string]any
		empty    bool
	}{
		{
			name: "0.58.2 config.yaml",
			in: "active_stack_id: 1cfb740b\nactive_workspace_name: default\nanalytics_opt_in: true\nstore:\n  api_token: " + sweptToken +
				"\n  http_timeout: 30\n  type: rest\n  url: http://127.0.0.1:8237\n  verify_ssl: true\nuser_id: 4db420e3\nversion: 0.58.2\n",
			want: map[string]any{"active_stack_id": "1cfb740b", "active_workspace_name": "default", "analytics_opt_in": true,
				"store":   map[string]any{"http_timeout": 30, "type": "rest", "url": "http://127.0.0.1:8237", "verify_ssl": true},
				"user_id": "4db420e3", "version": "0.58.2"},
		},
		{
			name:  "0.85.0 credentials.yaml made for the token alone",
			in:    "http://127.0.0.1:8238:\n  api_token:\n    access_token: " + sweptToken + "\n  url: http://127.0.0.1:8238\n",
			want:  map[string]any{},
			empty: true,
		},
		{
			name: "0.85.0 credentials.yaml beside the person's own logins",
			in: "http://127.0.0.1:8238:\n  api_key: ZENKEY_theirs\n  api_token:\n    access_token: " + sweptToken +
				"\n  deployment_type: other\n  server_id: 78bdf2cd\n  url: http://127.0.0.1:8238\n" +
				"https://other.example.com:\n  api_token:\n    access_token: eyJ.their.token\n    expires_in: 3600\n  url: https://other.example.com\n",
			want: map[string]any{
				"http://127.0.0.1:8238": map[string]any{"api_key": "ZENKEY_theirs", "deployment_type": "other", "server_id": "78bdf2cd", "url": "http://127.0.0.1:8238"},
				"https://other.example.com": map[string]any{"api_token": map[string]any{"access_token": "eyJ.their.token", "expires_in": 3600},
					"url": "https://other.example.com"},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// By the token itself (exec's own sweep) and by its hash
			// alone (a later exec's sweep of a pending record).
			for _, m := range []tokenMatch{matchToken(sweptToken), matchSum(matchToken(sweptToken).sum)} {
				out, empty, err := withoutToken([]byte(tc.in), m)
				if err != nil || strings.Contains(string(out), sweptToken) || empty != tc.empty {
					t.Fatalf("empty %v, %v, out:\n%s", empty, err, out)
				}
				got := map[string]any{}
				if err := yaml.Unmarshal(out, &got); err != nil {
					t.Fatal(err)
				}
				if g, w := yamlText(t, got), yamlText(t, tc.want); g != w {
					t.Errorf("got:\n%s\nwant:\n%s", g, w)
				}
			}
		})
	}
	// Not YAML: an error, never a byte splice.
	if out, _, err := withoutToken([]byte("[token="+sweptToken+" }"), matchToken(sweptToken)); err == nil || out != nil {
		t.Errorf("not YAML: %q, %v", out, err)
	}
}

func yamlText(t *testing.T, v any) string {
	t.Helper()
	b, err := yaml.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestSweepLeavesModesAndOtherFiles(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(old, []byte("store:\n  url: x\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	s := newTokenSweep(dir, sweptToken)
	creds := filepath.Join(dir, "credentials.yaml")
	if err := os.WriteFile(creds, []byte("x:\n  api_token:\n    access_token: "+sweptToken+"\n  url: x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(old, []byte("store:\n  api_token: "+sweptToken+"\n  url: x\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	// Written before the child started: not looked at (nor could it hold
	// a token minted later).
	untouched := filepath.Join(dir, "old.yaml")
	os.WriteFile(untouched, []byte("a: 1\n"), 0o600)
	os.Chtimes(untouched, time.Now().Add(-time.Hour), time.Now().Add(-time.Hour))
	s.since = time.Now().Add(-time.Minute)

	if failures := s.run(); len(failures) != 0 {
		t.Fatal(failures)
	}
	if _, err := os.Stat(creds); !os.IsNotExist(err) {
		t.Errorf("credentials.yaml, created for the token alone, is still there: %v", err)
	}
	data, _ := os.ReadFile(old)
	if string(data) != "store:\n  url: x\n" {
		t.Errorf("config.yaml:\n%s", data)
	}
	if fi, _ := os.Stat(old); fi.Mode().Perm() != 0o640 {
		t.Errorf("config.yaml's mode changed to %v", fi.Mode())
	}
}

// A token outside zenml's token files — in a log over 1 MiB, in a local
// store's binary database — is reported by name and never cut out: the
// bytes of those files are not zenctl's to rewrite.
func TestSweepReportsButNeverCutsOtherFiles(t *testing.T) {
	dir := t.TempDir()
	s := newTokenSweep(dir, sweptToken)
	config := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(config, []byte("store:\n  api_token: "+sweptToken+"\n  url: x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bigLog := filepath.Join(dir, "big.log")
	big := append(bytes.Repeat([]byte("a log line that is not a token\n"), 70000), []byte("Authorization: Bearer "+sweptToken+"\n")...)
	if err := os.WriteFile(bigLog, big, 0o644); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "local_stores", "default", "zenml.db")
	if err := os.MkdirAll(filepath.Dir(db), 0o755); err != nil {
		t.Fatal(err)
	}
	sqlite := append([]byte("SQLite format 3\x00\x10\x00\x01\x01"), append([]byte(sweptToken), 0, 0xff, 0x17)...)
	if err := os.WriteFile(db, sqlite, 0o644); err != nil {
		t.Fatal(err)
	}

	// By the token and, as a later exec does, by its hash alone.
	for _, m := range []tokenMatch{s.match, matchSum(s.match.sum)} {
		s.match = m
		failures := s.run()
		reported := map[string]bool{}
		for _, f := range failures {
			if f.edited {
				t.Errorf("%s: %v", f.path, f.err)
			}
			reported[f.path] = true
		}
		if len(failures) != 2 || !reported[bigLog] || !reported[db] {
			t.Errorf("reported %v, want %s and %s", failures, bigLog, db)
		}
		if data, _ := os.ReadFile(bigLog); !bytes.Equal(data, big) {
			t.Error("big.log was changed")
		}
		if data, _ := os.ReadFile(db); !bytes.Equal(data, sqlite) {
			t.Error("the local store's database was changed")
		}
		if data, _ := os.ReadFile(config); string(data) != "store:\n  url: x\n" {
			t.Errorf("config.yaml:\n%s", data)
		}
	}
}

// The pending record holds the token's hash, never the token; while its
// exec lives (holds the lock) nobody sweeps it; once that exec is gone,
// the next one takes the token back and removes the record.
func TestPendingRecordIsSweptOnceItsExecIsGone(t *testing.T) {
	zenctlDir := filepath.Join(t.TempDir(), "zenctl")
	zenmlDir := t.TempDir()
	s := newTokenSweep(zenmlDir, sweptToken)
	rec, err := recordPending(zenctlDir, s, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	creds := filepath.Join(zenmlDir, "credentials.yaml")
	written := "http://x:\n  api_token:\n    access_token: " + sweptToken + "\n  url: http://x\n"
	if err := os.WriteFile(creds, []byte(written), 0o644); err != nil {
		t.Fatal(err)
	}
	pendingDir := filepath.Join(zenctlDir, pendingDirName)
	if fi, err := os.Stat(pendingDir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("pending dir: %v %v", fi, err)
	}
	entries, _ := os.ReadDir(pendingDir)
	for _, e := range entries {
		data, _ := os.ReadFile(filepath.Join(pendingDir, e.Name()))
		if strings.Contains(string(data), sweptToken) || strings.Contains(string(data), "sig-of-the-minted") {
			t.Errorf("%s holds the token", e.Name())
		}
		if fi, _ := e.Info(); fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v", e.Name(), fi.Mode())
		}
	}

	reports := 0
	report := func([]sweepFailure, time.Time) { reports++ }
	sweepPending(zenctlDir, time.Now(), report)
	if data, _ := os.ReadFile(creds); string(data) != written || reports != 0 {
		t.Fatalf("a live exec's token was swept (%d reports):\n%s", reports, data)
	}

	rec.lock.Close() // what a SIGKILL does
	sweepPending(zenctlDir, time.Now(), report)
	if _, err := os.Stat(creds); !os.IsNotExist(err) {
		t.Errorf("credentials.yaml, made for the token alone, is still there: %v", err)
	}
	if entries, _ := os.ReadDir(pendingDir); len(entries) != 0 {
		t.Errorf("records left: %v", entries)
	}
}
