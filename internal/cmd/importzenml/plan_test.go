package importzenml

import (
	"encoding/base64"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zenctl/zenctl/internal/config"
	"github.com/zenctl/zenctl/pkg/zenml"
)

const validKey = "ZENKEY_eyJpZCI6IjNmMWU2YzJhLThiN2QtNGU1OS05YTQxLTBjMmQ1YjdlOGYxMCIsImtleSI6IjlmMmM0ZTdhMWIzZDVmNmU4YTBjMmU0ZjZhOGIwZDFjIn0="

// jwt builds an unsigned-looking JWT with the given claims; only the
// payload matters to the importer.
func jwt(t *testing.T, claims map[string]any) string {
	t.Helper()
	b, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + enc(b) + ".c2lnbmF0dXJl"
}

func TestClassify(t *testing.T) {
	t.Parallel()
	now := testNow
	future, past := now.Add(time.Hour).Unix(), now.Add(-time.Hour).Unix()
	valid := jwt(t, map[string]any{"sub": "u", "iat": now.Add(-time.Hour).Unix(), "exp": future})
	expired := jwt(t, map[string]any{"sub": "u", "exp": past})
	noExp := jwt(t, map[string]any{"sub": "u"})

	tests := []struct {
		name       string
		login      zenmlLogin
		wantMethod string
		wantReason string
		check      func(t *testing.T, imp *importable)
	}{
		{name: "api key wins over password and token",
			login:      zenmlLogin{RawURL: "https://z.example.com/", APIKey: validKey, Username: "u", Token: valid},
			wantMethod: config.AuthAPIKey,
			check: func(t *testing.T, imp *importable) {
				if imp.URL != "https://z.example.com" || imp.Secret.Username != "" || imp.Secret.AccessToken != valid || imp.Secret.Lifetime != 2*time.Hour {
					t.Errorf("imp = %+v", imp)
				}
			}},
		{name: "malformed api key falls back to the token",
			login:      zenmlLogin{RawURL: "https://z.example.com", APIKey: "ZENKEY_notbase64!", Token: valid},
			wantMethod: config.AuthToken},
		{name: "malformed api key alone",
			login:      zenmlLogin{RawURL: "https://z.example.com", APIKey: "ZENKEY_notbase64!"},
			wantReason: "the API key is not a valid ZENKEY_ key"},
		{name: "username without password is the default user",
			login:      zenmlLogin{RawURL: "http://localhost:8080", Username: "default"},
			wantMethod: config.AuthPassword,
			check: func(t *testing.T, imp *importable) {
				if imp.Secret.Username == "" || imp.Secret.Password != "" || !imp.Secret.Renewable() {
					t.Errorf("secret = %+v", redact(imp.Secret))
				}
			}},
		{name: "expired by exp", login: zenmlLogin{RawURL: "https://z.example.com", Token: expired},
			wantReason: "token expired at " + time.Unix(past, 0).UTC().Format(time.RFC3339)},
		{name: "expired by expires_at though exp is later",
			login:      zenmlLogin{RawURL: "https://z.example.com", Token: valid, TokenExpiresAt: "2026-06-01T11:00:00"},
			wantReason: "token expired at 2026-06-01T11:00:00Z"},
		{name: "non-expiring token", login: zenmlLogin{RawURL: "https://z.example.com", Token: noExp},
			wantMethod: config.AuthToken,
			check: func(t *testing.T, imp *importable) {
				if !imp.Secret.ExpiresAt.IsZero() || imp.Secret.Renewable() {
					t.Errorf("secret = %+v", redact(imp.Secret))
				}
			}},
		{name: "unreadable expires_at without exp",
			login:      zenmlLogin{RawURL: "https://z.example.com", Token: noExp, TokenExpiresAt: "next tuesday"},
			wantReason: `cannot tell when the stored token expires (unrecognised datetime "next tuesday")`},
		{name: "unreadable expires_at with exp", login: zenmlLogin{RawURL: "https://z.example.com", Token: valid, TokenExpiresAt: "soon"},
			wantMethod: config.AuthToken},
		{name: "not a JWT", login: zenmlLogin{RawURL: "https://z.example.com", Token: "opaque"},
			wantReason: "the stored token is not a ZenML JWT"},
		{name: "nothing", login: zenmlLogin{RawURL: "https://z.example.com"}, wantReason: ReasonNoCredential},
		{name: "no url", login: zenmlLogin{Source: "config.yaml:3", APIKey: validKey}, wantReason: "no server URL in config.yaml:3"},
		{name: "pro key", login: zenmlLogin{RawURL: "https://z.example.com", APIKey: "ZENPROKEY_abc"}, wantReason: ReasonPro},
		{name: "pro host", login: zenmlLogin{RawURL: "https://ws-zenml.staging.cloudinfra.zenml.io", Token: valid}, wantReason: ReasonPro},
		{name: "pro fields", login: zenmlLogin{RawURL: "https://z.example.com", Token: valid, ProFields: []string{"workspace_id"}}, wantReason: ReasonPro},
		{name: "self-hosted 0.85 api-key login", login: zenmlLogin{RawURL: "http://127.0.0.1:8238", APIKey: validKey, DeploymentType: "other"},
			wantMethod: config.AuthAPIKey},
		{name: "cloud deployment", login: zenmlLogin{RawURL: "https://z.example.com", APIKey: validKey, DeploymentType: "cloud"}, wantReason: ReasonPro},
		{name: "sql store", login: zenmlLogin{RawURL: "sqlite:///x.db", SQLStore: true}, wantReason: ReasonSQLStore},
		{name: "malformed", login: zenmlLogin{Malformed: "malformed entry in credentials.yaml line 4"}, wantReason: "malformed entry in credentials.yaml line 4"},
		{name: "url with credentials", login: zenmlLogin{RawURL: "https://bob:hunter2@z.example.com", APIKey: validKey},
			wantReason: "invalid server URL: it embeds credentials"},
		{name: "url with query", login: zenmlLogin{RawURL: "https://z.example.com/?token=hunter2", APIKey: validKey},
			wantReason: "invalid server URL: remove the query or fragment"},
		{name: "ftp", login: zenmlLogin{RawURL: "ftp://z.example.com", APIKey: validKey},
			wantReason: "invalid server URL: only http and https are supported"},
		{name: "relative CA path dropped", login: zenmlLogin{RawURL: "https://z.example.com", APIKey: validKey, CACert: "ca.pem"},
			wantMethod: config.AuthAPIKey,
			check: func(t *testing.T, imp *importable) {
				if imp.Server.CACertPath != "" {
					t.Errorf("CA path %q kept", imp.Server.CACertPath)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			imp, reason := classify(&tt.login, now)
			if reason != tt.wantReason {
				t.Errorf("reason = %q, want %q", reason, tt.wantReason)
			}
			if (imp != nil) != (tt.wantMethod != "") || imp != nil && imp.Method != tt.wantMethod {
				t.Fatalf("imp = %+v, want method %q", imp, tt.wantMethod)
			}
			if strings.Contains(reason, "hunter2") {
				t.Errorf("reason leaks a secret: %q", reason)
			}
			if tt.check != nil {
				tt.check(t, imp)
			}
		})
	}
}

func TestParseZenMLTime(t *testing.T) {
	t.Parallel()
	want := time.Date(2025, 12, 16, 10, 37, 49, 123456000, time.UTC)
	for _, in := range []string{
		"2025-12-16T10:37:49.123456Z",
		"2025-12-16T10:37:49.123456+00:00",
		"2025-12-16T11:37:49.123456+01:00",
		"2025-12-16T10:37:49.123456", // naive: UTC, as zenml means it
		"2025-12-16 10:37:49.123456+00:00",
		"2025-12-16 10:37:49.123456",
		" 2025-12-16T10:37:49.123456Z ",
	} {
		got, err := zenml.ParseTime(in)
		if err != nil || !got.Equal(want) {
			t.Errorf("zenml.ParseTime(%q) = %v, %v", in, got, err)
		}
	}
	if got, err := zenml.ParseTime("2025-12-16T10:37:49Z"); err != nil || !got.Equal(want.Truncate(time.Second)) {
		t.Errorf("whole seconds: %v, %v", got, err)
	}
	for _, in := range []string{"", "yesterday", "16/12/2025"} {
		if _, err := zenml.ParseTime(in); err == nil {
			t.Errorf("zenml.ParseTime(%q) succeeded", in)
		}
	}
}

func TestZenMLConfigDir(t *testing.T) {
	t.Parallel()
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	tests := []struct {
		flag string
		env  func(string) string
		goos string
		want string
	}{
		{"/flag", env("ZENML_CONFIG_PATH", "/env"), "linux", "/flag"},
		{"", env("ZENML_CONFIG_PATH", "/env", "XDG_CONFIG_HOME", "/xdg"), "linux", "/env"},
		{"", env("XDG_CONFIG_HOME", "/xdg", "HOME", "/home/a"), "linux", filepath.Join("/xdg", "zenml")},
		{"", env("HOME", "/home/a"), "linux", filepath.Join("/home/a", ".config", "zenml")},
		{"", env("HOME", "/Users/a", "XDG_CONFIG_HOME", "/xdg"), "darwin", filepath.Join("/Users/a", "Library", "Application Support", "zenml")},
		{"", env("APPDATA", `C:\Users\a\AppData\Roaming`), "windows", filepath.Join(`C:\Users\a\AppData\Roaming`, "zenml")},
		{"", env("USERPROFILE", `C:\Users\a`), "windows", filepath.Join(`C:\Users\a`, "zenml")},
	}
	for _, tt := range tests {
		got, err := zenmlConfigDir(tt.flag, tt.env, tt.goos)
		if err != nil || got != tt.want {
			t.Errorf("zenmlConfigDir(%q, %s) = %q, %v; want %q", tt.flag, tt.goos, got, err, tt.want)
		}
	}
}

func TestParseCredentialsMalformedEntries(t *testing.T) {
	t.Parallel()
	data := []byte(`
https://a.example.com:
  url: https://a.example.com
  api_token: ZENKEY_shortsecret
https://b.example.com:
- ZENKEY_listsecret
https://c.example.com:
  api_token:
    access_token: x
    expires_in: [secretlist]
https://d.example.com: null
`)
	logins, err := parseCredentials("credentials.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	if len(logins) != 4 {
		t.Fatalf("got %d logins", len(logins))
	}
	for _, l := range logins {
		if l.Malformed == "" {
			t.Errorf("%s: not marked malformed", l.RawURL)
		}
		if strings.Contains(l.Malformed, "secret") {
			t.Errorf("%s: message quotes the value: %q", l.RawURL, l.Malformed)
		}
	}
	if want := "malformed entry in credentials.yaml line 2"; logins[0].Malformed != want {
		t.Errorf("message = %q, want %q", logins[0].Malformed, want)
	}
}

func TestMergeStore(t *testing.T) {
	t.Parallel()
	off := false
	creds := []*zenmlLogin{
		{RawURL: "https://a.example.com", Token: "t"},
		{RawURL: "https://b.example.com"}, // metadata only: the store has the secret
	}
	// Store secrets in config.yaml with credentials.yaml present: a
	// release between the two layouts, or a hand edit.
	store := &zenmlLogin{RawURL: "https://B.example.com/", APIKey: validKey, VerifySSL: &off, Active: true}
	got := mergeStore(creds, store)
	if len(got) != 2 {
		t.Fatalf("got %d logins, want the store merged into its entry", len(got))
	}
	b := got[1]
	if b.APIKey != validKey || !b.Active || b.VerifySSL == nil || *b.VerifySSL {
		t.Errorf("merged = %+v", b)
	}
	if got[0].Active || got[0].VerifySSL != nil {
		t.Errorf("other entry changed: %+v", got[0])
	}

	// credentials.yaml wins when both hold a credential.
	creds = []*zenmlLogin{{RawURL: "https://a.example.com", Username: "alice"}}
	got = mergeStore(creds, &zenmlLogin{RawURL: "https://a.example.com", APIKey: validKey, Active: true})
	if got[0].APIKey != "" || got[0].Username != "alice" || !got[0].Active {
		t.Errorf("merged = %+v", got[0])
	}
}

func TestParseConfigStore(t *testing.T) {
	t.Parallel()
	tests := []struct {
		yaml      string
		wantSQL   bool
		wantOff   bool
		wantCA    string
		wantToken bool
	}{
		{yaml: "store:\n  url: sqlite:////x/zenml.db\n", wantSQL: true},
		{yaml: "store:\n  type: sql\n  url: mysql://u:p@db/zenml\n", wantSQL: true},
		{yaml: "store:\n  url: https://z\n  verify_ssl: 'false'\n", wantOff: true},
		{yaml: "store:\n  url: https://z\n  verify_ssl: true\n"},
		{yaml: "store:\n  url: https://z\n  verify_ssl: /etc/ca.pem\n", wantCA: "/etc/ca.pem"},
		{yaml: "store:\n  url: https://z\n  api_token: eyJ.x.y\n", wantToken: true},
		{yaml: "store:\n  url: https://z\n  api_token:\n    access_token: eyJ.x.y\n    expires_in: 60\n", wantToken: true},
		{yaml: "store:\n  url: https://z\n  api_token: null\n"},
	}
	for _, tt := range tests {
		l, err := parseConfigStore("config.yaml", []byte(tt.yaml))
		if err != nil || l == nil {
			t.Fatalf("%q: %v, %v", tt.yaml, l, err)
		}
		if l.SQLStore != tt.wantSQL || (l.VerifySSL != nil) != tt.wantOff || l.CACert != tt.wantCA || (l.Token != "") != tt.wantToken {
			t.Errorf("%q: got %+v", tt.yaml, l)
		}
	}
	if l, err := parseConfigStore("config.yaml", []byte("version: 0.93.0\n")); l != nil || err != nil {
		t.Errorf("no store: %v, %v", l, err)
	}
}
