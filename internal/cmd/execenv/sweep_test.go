package execenv

import (
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
			out, empty := withoutToken([]byte(tc.in), sweptToken)
			if strings.Contains(string(out), sweptToken) || empty != tc.empty {
				t.Fatalf("empty %v, out:\n%s", empty, out)
			}
			got := map[string]any{}
			if err := yaml.Unmarshal(out, &got); err != nil {
				t.Fatal(err)
			}
			if g, w := yamlText(t, got), yamlText(t, tc.want); g != w {
				t.Errorf("got:\n%s\nwant:\n%s", g, w)
			}
		})
	}
	// Not YAML: the token's bytes go, the rest stays.
	if out, _ := withoutToken([]byte("[token="+sweptToken+" }"), sweptToken); string(out) != "[token= }" {
		t.Errorf("not YAML: %q", out)
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
