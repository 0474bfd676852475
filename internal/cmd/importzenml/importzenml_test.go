package importzenml

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/zenctl/zenctl/internal/cmd/cmdtest"
	"github.com/zenctl/zenctl/internal/config"
	"github.com/zenctl/zenctl/internal/credentials"
	"github.com/zenctl/zenctl/internal/exitcode"
	"github.com/zenctl/zenctl/internal/login"
	"github.com/zenctl/zenctl/pkg/zenml"
	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

// fixtures is the checked-in zenml config dirs (testdata/zenml).
var fixtures = filepath.Join("..", "..", "..", "testdata", "zenml")

// testNow sits between the fixtures' expired (2025) and valid (2099/2100)
// tokens.
var testNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// copyFixture copies a fixture dir to a temp dir, so that no test can
// disturb the checked-in files and each can check its copy is untouched.
func copyFixture(t *testing.T, name string) string {
	t.Helper()
	src := filepath.Join(fixtures, name)
	dst := filepath.Join(t.TempDir(), "zenml")
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	return dst
}

func run(t *testing.T, h *cmdtest.Harness, opts ZenMLOptions) error {
	t.Helper()
	opts.IO, opts.Format, opts.Logins, opts.NewClient, opts.Getenv = h.IO, h.F.OutputFormat, h.F.Logins, loopbackOnly(h.F.NewClient), h.F.Env
	if opts.Now == nil {
		opts.Now = func() time.Time { return testNow }
	}
	return runZenML(context.Background(), &opts)
}

// loopbackOnly keeps the fixtures' example servers off the network (and
// DNS): the import asks servers whose keys they are, and only the fake
// servers on loopback answer.
func loopbackOnly(next login.ClientFunc) login.ClientFunc {
	return func(serverURL string, tls login.TLS, tokens zenml.TokenSource) (*zenml.Client, error) {
		u, err := url.Parse(serverURL)
		if err != nil {
			return nil, err
		}
		// 8237 is a real local ZenML server's port, which the fixtures
		// name: whatever listens there on this machine stays out of it.
		if ip := net.ParseIP(u.Hostname()); ip == nil || !ip.IsLoopback() || u.Port() == "8237" {
			return nil, fmt.Errorf("%s is unreachable (tests stay on loopback)", u.Hostname())
		}
		return next(serverURL, tls, tokens)
	}
}

func runJSON(t *testing.T, h *cmdtest.Harness, opts ZenMLOptions) Report {
	t.Helper()
	opts.Output = "json"
	if err := run(t, h, opts); err != nil {
		t.Fatalf("import: %v\nstderr: %s", err, h.ErrOut)
	}
	var r Report
	if err := json.Unmarshal(h.Out.Bytes(), &r); err != nil {
		t.Fatalf("stdout is not the JSON report: %v\n%s", err, h.Out)
	}
	return r
}

var want093 = Report{
	Imported: []Imported{
		{Server: "https://zenml.example.com", AuthMethod: "api_key"},
		{Server: "https://staging.zenml.internal:8443", AuthMethod: "password", Account: "ci-admin", AccountType: config.AccountUser},
		{Server: "http://127.0.0.1:8237", AuthMethod: "token"},
	},
	Skipped: []Skipped{
		{Server: "https://ml.acme.example", Reason: "token expired at 2025-01-01T00:00:00Z"},
		{Server: "https://cloudapi.zenml.io", Reason: ReasonPro},
		{Server: "https://1bfe8d94-zenml.cloudinfra.zenml.io", Reason: ReasonPro},
		{Server: "https://legacy.example.com", Reason: ReasonNoCredential},
		{Server: "zenml.intranet:8080", Reason: "invalid server URL: include the scheme, e.g. https://zenml.intranet:8080"},
	},
}

func TestImport093(t *testing.T) {
	t.Parallel()
	h := cmdtest.New(t)
	dir := copyFixture(t, "v0.93")
	if err := run(t, h, ZenMLOptions{ConfigPath: dir}); err != nil {
		t.Fatalf("import: %v", err)
	}
	if h.Out.Len() != 0 {
		t.Errorf("stdout = %q, want empty: the human report goes to stderr", h.Out)
	}
	for _, want := range []string{
		"Imported from " + dir,
		"password of ci-admin",
		"token expired at 2025-01-01T00:00:00Z",
		// The fixture's servers do not answer: whose key or token it is
		// stays unknown, and nothing is stored under a made-up name.
		"https://zenml.example.com", "cannot learn whose API key it is",
		"http://127.0.0.1:8237", "cannot learn whose token it is",
	} {
		if !strings.Contains(h.ErrOut.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, h.ErrOut)
		}
	}

	pw, err := h.Secret("https://staging.zenml.internal:8443")
	if err != nil {
		t.Fatal(err)
	}
	if pw.Username != "ci-admin" || pw.Password != "S3cr3t-staging-pw" || pw.AccessToken != "" {
		t.Errorf("password secret = %+v; want the password and no expired token", redact(pw))
	}
	for _, skipped := range []string{"https://zenml.example.com", "http://127.0.0.1:8237", "https://ml.acme.example", "https://cloudapi.zenml.io", "https://legacy.example.com"} {
		if _, err := h.Secret(skipped); !errors.Is(err, credentials.ErrNotFound) {
			t.Errorf("%s: secret stored (err %v), want none", skipped, err)
		}
	}
	cfg := h.Config()
	if got := cfg.ServerURLs(); len(got) != 1 {
		t.Errorf("servers = %v, want the one whose account is known", got)
	}
	if s := cfg.Server("https://staging.zenml.internal:8443"); s.Active().AuthMethod != config.AuthPassword || s.Active().Name != "ci-admin" ||
		s.Active().Type != config.AccountUser || s.CACertPath != "" || s.Active().TokenExpiresAt != nil {
		t.Errorf("staging metadata = %+v; the store's CA applies only to the store's server", *s)
	}
	// zenml's current server was not imported: nothing is made active.
	if cfg.ActiveServer != "" {
		t.Errorf("active server = %q", cfg.ActiveServer)
	}
}

// TestPlan093 checks what the import would store for the fixture's
// logins, before any server is asked whose they are.
func TestPlan093(t *testing.T) {
	t.Parallel()
	plan := planOf(t, copyFixture(t, "v0.93"))
	prod := plan["https://zenml.example.com"]
	if prod == nil || !strings.HasPrefix(prod.Secret.APIKey, "ZENKEY_eyJpZCI6IjNmMWU2") || !strings.HasPrefix(prod.Secret.AccessToken, "eyJ") {
		t.Fatalf("API-key login = %+v", prod)
	}
	// expires_at is earlier than the JWT's exp (2100-01-01): the earlier wins.
	if want := time.Date(2099, 12, 31, 23, 0, 0, 123456000, time.UTC); !prod.Secret.ExpiresAt.Equal(want) {
		t.Errorf("API-key token expires %v, want %v", prod.Secret.ExpiresAt, want)
	}
	if prod.Method != config.AuthAPIKey || prod.Server.ServerID != "0e1d2c3b-4a59-4687-9a8b-7c6d5e4f3a2b" || prod.Server.ServerName != "prod" ||
		prod.Server.ServerVersion != "0.93.0" || prod.Server.VerifySSL != nil || !prod.Active ||
		prod.Server.CACertPath != "/home/alice/.config/zenml/local_stores/certificates/ca_bundle.pem" {
		t.Errorf("prod metadata = %+v", prod.Server)
	}
	tok := plan["http://127.0.0.1:8237"]
	if tok == nil || tok.Method != config.AuthToken || tok.Secret.AccessToken == "" || tok.Secret.Renewable() ||
		!tok.Secret.ExpiresAt.Equal(time.Date(2099, 12, 31, 23, 59, 59, 500000000, time.UTC)) {
		t.Errorf("token login = %+v", tok)
	}
}

// planOf is what the import plans for a zenml config dir, by server.
func planOf(t *testing.T, dir string) map[string]*importable {
	t.Helper()
	logins, err := readZenMLDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	sel := selectLogins(&ZenMLOptions{}, &config.Config{}, logins, func() time.Time { return testNow })
	plan := map[string]*importable{}
	for _, imp := range sel.plan {
		plan[imp.URL] = imp
	}
	return plan
}

func TestImportJSONReport(t *testing.T) {
	t.Parallel()
	h := cmdtest.New(t)
	err := run(t, h, ZenMLOptions{ConfigPath: copyFixture(t, "v0.93"), Output: "json", DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	// Field names are an interface: decode generically, not into Report.
	var top map[string]json.RawMessage
	if err := json.Unmarshal(h.Out.Bytes(), &top); err != nil {
		t.Fatalf("stdout: %v\n%s", err, h.Out)
	}
	if keys := sortedKeys(top); !reflect.DeepEqual(keys, []string{"dry_run", "imported", "skipped"}) {
		t.Errorf("top-level keys = %v", keys)
	}
	if string(top["dry_run"]) != "true" {
		t.Errorf("dry_run = %s", top["dry_run"])
	}
	raw := map[string][]map[string]string{}
	for _, k := range []string{"imported", "skipped"} {
		var entries []map[string]string
		if err := json.Unmarshal(top[k], &entries); err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		raw[k] = entries
	}
	for _, e := range raw["imported"] {
		// The account fields are there when the account is known (a
		// password login's, or one the server was asked about).
		if keys := sortedKeys(e); !reflect.DeepEqual(keys, []string{"auth_method", "server"}) &&
			!reflect.DeepEqual(keys, []string{"account", "account_type", "auth_method", "server"}) {
			t.Errorf("imported entry keys = %v", keys)
		}
	}
	for _, e := range raw["skipped"] {
		if keys := sortedKeys(e); !reflect.DeepEqual(keys, []string{"reason", "server"}) {
			t.Errorf("skipped entry keys = %v", keys)
		}
	}
	var r Report
	_ = json.Unmarshal(h.Out.Bytes(), &r)
	r.DryRun = false
	if !reflect.DeepEqual(r, want093) {
		t.Errorf("report:\n got %+v\nwant %+v", r, want093)
	}
}

func TestImportEmptyReportHasArrays(t *testing.T) {
	t.Parallel()
	h := cmdtest.New(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, credentialsFile), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := run(t, h, ZenMLOptions{ConfigPath: dir, Output: "json"}); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(strings.Fields(h.Out.String()), ""); got != `{"dry_run":false,"imported":[],"skipped":[]}` {
		t.Errorf("stdout = %s", got)
	}
}

func TestDryRunWritesNothing(t *testing.T) {
	t.Parallel()
	h := cmdtest.New(t)
	kr := &countingKeyring{KeyringAPI: h.Keyring}
	h.F.Keyring = kr
	dir := copyFixture(t, "v0.93")
	r := runJSON(t, h, ZenMLOptions{ConfigPath: dir, DryRun: true})
	if !r.DryRun {
		t.Error("the dry-run report does not say it is one")
	}
	r.DryRun = false
	if !reflect.DeepEqual(r, want093) {
		t.Errorf("dry-run report differs from the real one:\n got %+v\nwant %+v", r, want093)
	}
	if n := kr.writes.Load(); n != 0 {
		t.Errorf("dry run made %d keyring writes", n)
	}
	if entries, _ := os.ReadDir(h.Dir); len(entries) != 0 {
		t.Errorf("dry run wrote to zenctl's config dir: %v", entries)
	}

	h.Reset()
	h.F.Keyring = kr
	if err := run(t, h, ZenMLOptions{ConfigPath: dir, DryRun: true}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Would import from", "Would make https://zenml.example.com the active server", "Dry run: nothing was written"} {
		if !strings.Contains(h.ErrOut.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, h.ErrOut)
		}
	}
}

func TestZenMLFilesUnchanged(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"v0.93", "v0.58", "v0.58-device", "local-sql"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := copyFixture(t, name)
			// Old mtimes, so that a rewrite within the same clock tick
			// would still show.
			old := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
			_ = filepath.WalkDir(dir, func(p string, _ fs.DirEntry, _ error) error { return os.Chtimes(p, old, old) })
			before := snapshot(t, dir)
			for _, opts := range []ZenMLOptions{{DryRun: true}, {}, {Overwrite: true, Output: "json"}} {
				h := cmdtest.New(t)
				opts.ConfigPath = dir
				if err := run(t, h, opts); err != nil {
					t.Fatal(err)
				}
			}
			if after := snapshot(t, dir); !reflect.DeepEqual(before, after) {
				t.Errorf("zenml's config dir changed:\nbefore %v\nafter  %v", before, after)
			}
		})
	}
}

func TestImport058(t *testing.T) {
	t.Parallel()
	h := cmdtest.New(t)
	dir := copyFixture(t, "v0.58")
	r := runJSON(t, h, ZenMLOptions{ConfigPath: dir, DryRun: true})
	want := Report{DryRun: true, Imported: []Imported{{Server: "https://zenml-058.example.org", AuthMethod: "api_key"}}, Skipped: []Skipped{}}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("report = %+v", r)
	}
	imp := planOf(t, dir)["https://zenml-058.example.org"]
	if imp == nil || !strings.HasPrefix(imp.Secret.APIKey, "ZENKEY_") || imp.Secret.AccessToken != "" || !imp.Active {
		t.Fatalf("plan = %+v", imp)
	}
	if v := imp.Server.VerifySSL; v == nil || *v || imp.Method != config.AuthAPIKey {
		t.Errorf("metadata = %+v; want verify_ssl false", imp.Server)
	}
	for _, want := range []string{"TLS certificate verification is off for https://zenml-058.example.org"} {
		if !strings.Contains(h.ErrOut.String(), want) {
			t.Errorf("stderr lacks %q: %s", want, h.ErrOut)
		}
	}
}

// TestImport085SelfHosted reads the exact shape zenml 0.85.0 writes for a
// self-hosted server (zenml-api.md §10): pro_api_url equal to the server
// URL and deployment_type "other" are not ZenML Pro.
func TestImport085SelfHosted(t *testing.T) {
	t.Parallel()
	h := cmdtest.New(t)
	dir := copyFixture(t, "v0.85")
	want := Report{
		Imported: []Imported{
			{Server: "http://127.0.0.1:8238", AuthMethod: "api_key"},
			{Server: "https://zenml.internal:8080", AuthMethod: "token"},
		},
		Skipped: []Skipped{},
	}
	dry := runJSON(t, h, ZenMLOptions{ConfigPath: dir, DryRun: true})
	dry.DryRun = false
	if !reflect.DeepEqual(dry, want) {
		t.Errorf("dry run = %+v, want %+v", dry, want)
	}
	imp := planOf(t, dir)["http://127.0.0.1:8238"]
	if imp == nil || !strings.HasPrefix(imp.Secret.APIKey, "ZENKEY_") || imp.Secret.AccessToken == "" {
		t.Fatalf("plan = %+v; want the key and its token", imp)
	}
	if imp.Server.ServerID != "78bdf2cd-4b1e-4c2f-9a6d-3e5f7a9b1c0d" || imp.Server.ServerVersion != "0.85.0" || !imp.Active {
		t.Errorf("metadata = %+v", imp.Server)
	}
}

func TestImport058DeviceToken(t *testing.T) {
	t.Parallel()
	h := cmdtest.New(t)
	dir := copyFixture(t, "v0.58-device")
	r := runJSON(t, h, ZenMLOptions{ConfigPath: dir, DryRun: true})
	if want := []Imported{{Server: "https://zenml.corp.example:9443", AuthMethod: "token"}}; !reflect.DeepEqual(r.Imported, want) {
		t.Errorf("imported = %+v", r.Imported)
	}
	imp := planOf(t, dir)["https://zenml.corp.example:9443"]
	if imp == nil || imp.Secret.AccessToken == "" || !imp.Secret.ExpiresAt.IsZero() {
		t.Fatalf("plan = %+v; want a non-expiring token", imp)
	}
	if imp.Server.CACertPath != "/etc/ssl/certs/corp-root-ca.pem" || imp.Server.VerifySSL != nil {
		t.Errorf("metadata = %+v", imp.Server)
	}
}

func TestImportLocalSQLStore(t *testing.T) {
	t.Parallel()
	h := cmdtest.New(t)
	r := runJSON(t, h, ZenMLOptions{ConfigPath: copyFixture(t, "local-sql")})
	want := Report{Imported: []Imported{}, Skipped: []Skipped{{
		Server: "sqlite:////home/alice/.config/zenml/local_stores/default_zen_store/zenml.db", Reason: ReasonSQLStore}}}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("report = %+v", r)
	}
	if h.Config().ActiveServer != "" {
		t.Error("a SQL store became the active server")
	}
}

func TestCorruptYAML(t *testing.T) {
	t.Parallel()
	h := cmdtest.New(t)
	dir := copyFixture(t, "corrupt")
	err := run(t, h, ZenMLOptions{ConfigPath: dir})
	if err == nil {
		t.Fatal("import of a corrupt credentials.yaml succeeded")
	}
	msg := err.Error()
	if !strings.Contains(msg, filepath.Join(dir, "credentials.yaml")) || !strings.Contains(msg, "not valid YAML") || strings.Contains(msg, "\n") {
		t.Errorf("error = %q; want one line naming the file", msg)
	}
	if strings.Contains(msg, "ZENKEY_") || strings.Contains(msg, "eyJ") {
		t.Errorf("error quotes the file's secrets: %q", msg)
	}
	if code := exitcode.For(err); code != exitcode.Error {
		t.Errorf("exit code %d, want 1", code)
	}
	if entries, _ := os.ReadDir(h.Dir); len(entries) != 0 {
		t.Errorf("wrote to zenctl's config dir: %v", entries)
	}
}

func TestReadErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"missing dir", nil, "does not exist"},
		{"empty dir", map[string]string{}, "neither credentials.yaml nor config.yaml exists"},
		{"list at top", map[string]string{credentialsFile: "- ZENKEY_eyJpZCI6IjNm\n"}, "credentials.yaml is not a zenml file"},
		{"scalar at top", map[string]string{configFile: "ZENKEY_secretvalue\n"}, "config.yaml is not a zenml file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "zenml")
			if tt.files != nil {
				writeFiles(t, dir, tt.files)
			}
			h := cmdtest.New(t)
			err := run(t, h, ZenMLOptions{ConfigPath: dir})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "ZENKEY_") {
				t.Errorf("error quotes a secret: %v", err)
			}
		})
	}
}

// TestSecretsNeverPrinted runs every fixture in every mode and looks for
// any credential from the fixtures in the output.
func TestSecretsNeverPrinted(t *testing.T) {
	t.Parallel()
	secrets := fixtureSecrets(t)
	if len(secrets) < 8 {
		t.Fatalf("found only %d secrets in the fixtures", len(secrets))
	}
	for _, name := range []string{"v0.93", "v0.58", "v0.58-device", "local-sql", "corrupt"} {
		for _, opts := range []ZenMLOptions{{}, {DryRun: true}, {Output: "json"}, {Output: "yaml", DryRun: true}} {
			h := cmdtest.New(t)
			opts.ConfigPath = copyFixture(t, name)
			err := run(t, h, opts)
			all := h.Out.String() + h.ErrOut.String()
			if err != nil {
				all += err.Error()
			}
			for _, s := range secrets {
				if strings.Contains(all, s) {
					t.Errorf("%s %+v: output contains a secret (%.12s…)", name, opts, s)
				}
			}
		}
	}
}

func TestExistingLoginAndOverwrite(t *testing.T) {
	t.Parallel()
	srv := zenmltest.NewTest(t, zenmltest.Options{})
	key := srv.CreateAPIKey(srv.CreateServiceAccount("ci-bot"), "default")
	h := cmdtest.New(t)
	srv.CreateUser("bob", "old-pw")
	old := credentials.Secret{Username: "bob", Password: "old-pw", AccessToken: "old-token"}
	h.Login(srv.URL(), old, config.AuthPassword)
	_ = config.Update(h.Dir, func(c *config.Config) error {
		c.Server(srv.URL()).DeviceClientID = "2b1c0d9e-8f7a-4b6c-9d5e-4f3a2b1c0d9e"
		c.ActiveServer = "https://other.example.com"
		return nil
	})
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{credentialsFile: fmt.Sprintf("%[1]s:\n  url: %[1]s\n  api_key: %[2]s\n", srv.URL(), key)})

	r := runJSON(t, h, ZenMLOptions{ConfigPath: dir, Now: time.Now})
	if !containsSkip(r, srv.URL(), ReasonAlreadyLoggedIn) {
		t.Errorf("existing login not skipped: %+v", r)
	}
	if s, _ := h.Secret(srv.URL()); !reflect.DeepEqual(s, old) {
		t.Errorf("existing secret changed without --overwrite: %+v", redact(s))
	}
	if got := h.Config().ActiveServer; got != "https://other.example.com" {
		t.Errorf("active server changed to %q; an active server must be kept", got)
	}

	h.Reset()
	r = runJSON(t, h, ZenMLOptions{ConfigPath: dir, Overwrite: true, Now: time.Now})
	if want := (Imported{Server: srv.URL(), AuthMethod: "api_key", Account: "ci-bot", AccountType: config.AccountServiceAccount}); len(r.Imported) != 1 || r.Imported[0] != want {
		t.Errorf("imported = %+v", r.Imported)
	}
	s, _ := h.AccountSecret(srv.URL(), "ci-bot")
	if s.APIKey != key || s.Username != "" || s.Password != "" {
		t.Errorf("secret after --overwrite = %+v", redact(s))
	}
	got := h.Config().Server(srv.URL())
	if got.Active().AuthMethod != config.AuthAPIKey || got.Active().Name != "ci-bot" || got.DeviceClientID != "2b1c0d9e-8f7a-4b6c-9d5e-4f3a2b1c0d9e" || got.ServerID != srv.ServerID() {
		t.Errorf("metadata after --overwrite = %+v", *got)
	}
}

func TestServerFilter(t *testing.T) {
	t.Parallel()
	h := cmdtest.New(t)
	dir := copyFixture(t, "v0.93")
	err := run(t, h, ZenMLOptions{ConfigPath: dir, Output: "json",
		Servers: []string{"https://STAGING.zenml.internal:8443/", "https://nowhere.example.com"}})
	if err == nil || exitcode.For(err) != exitcode.Error || !strings.Contains(err.Error(), "no login for https://nowhere.example.com in "+dir) {
		t.Errorf("err = %v; want exit 1 naming the server that is not there", err)
	}
	var r Report
	if jerr := json.Unmarshal(h.Out.Bytes(), &r); jerr != nil {
		t.Fatal(jerr)
	}
	want := Report{
		Imported: []Imported{{Server: "https://staging.zenml.internal:8443", AuthMethod: "password", Account: "ci-admin", AccountType: config.AccountUser}},
		Skipped:  []Skipped{{Server: "https://nowhere.example.com", Reason: ReasonNotFound}},
	}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("report = %+v", r)
	}
	if got := h.Config().ServerURLs(); !reflect.DeepEqual(got, []string{"https://staging.zenml.internal:8443"}) {
		t.Errorf("servers = %v", got)
	}
	// zenml's current server was filtered out, so it is not made active.
	if got := h.Config().ActiveServer; got != "" {
		t.Errorf("active server = %q", got)
	}
}

func TestConfigPathFromEnv(t *testing.T) {
	t.Parallel()
	h := cmdtest.New(t)
	h.Env["ZENML_CONFIG_PATH"] = copyFixture(t, "v0.58")
	r := runJSON(t, h, ZenMLOptions{DryRun: true})
	if len(r.Imported) != 1 {
		t.Errorf("report = %+v", r)
	}
}

// TestImportedLoginActsAsItsAccount imports the exact files zenml writes
// (zenml-api.md §10) for a service account's API key or token: the import
// asks the server whose it is and records that account and type, so that
// status, token --account and server list agree.
func TestImportedLoginActsAsItsAccount(t *testing.T) {
	t.Parallel()
	for _, shape := range []string{"0.93", "0.58-api-key", "0.58-api-token", "0.85-api-key"} {
		t.Run(shape, func(t *testing.T) {
			t.Parallel()
			srvProfile := zenmltest.Profile093
			if strings.HasPrefix(shape, "0.58") {
				srvProfile = zenmltest.Profile058
			}
			srv := zenmltest.NewTest(t, zenmltest.Options{Profile: srvProfile, TokenLifetime: time.Hour})
			sa := srv.CreateServiceAccount("ci-bot")
			key := srv.CreateAPIKey(sa, "default")
			token := srv.IssueToken(sa, time.Hour)
			dir := t.TempDir()
			wantMethod := config.AuthAPIKey
			switch shape {
			case "0.58-api-key":
				writeFiles(t, dir, map[string]string{configFile: fmt.Sprintf("store:\n  type: rest\n  url: %s\n  api_key: %s\n", srv.URL(), key)})
			case "0.58-api-token":
				// ZENML_STORE_API_TOKEN handed to zenml 0.58.2, field for field.
				wantMethod = config.AuthToken
				writeFiles(t, dir, map[string]string{configFile: fmt.Sprintf("active_stack_id: 1cfb740b-0a9f-4e8d-a7c6-b5a493827160\n"+
					"active_workspace_name: default\nanalytics_opt_in: true\nstore:\n  api_token: %s\n  http_timeout: 30\n"+
					"  type: rest\n  url: %s\n  verify_ssl: true\nuser_id: %s\nversion: 0.58.2\n", token, srv.URL(), sa)})
			case "0.85-api-key":
				// ZENML_STORE_API_KEY handed to zenml 0.85.0, field for field.
				writeFiles(t, dir, map[string]string{
					configFile: fmt.Sprintf("active_project_id: 5e1f0a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b\nanalytics_opt_in: true\n"+
						"store:\n  http_timeout: 30\n  type: rest\n  url: %s\n  verify_ssl: true\nuser_id: %s\nversion: 0.85.0\n", srv.URL(), sa),
					credentialsFile: fmt.Sprintf("%[1]s:\n  api_key: %[2]s\n  api_token:\n    access_token: %[4]s\n  deployment_type: other\n  pro_api_url: %[1]s\n"+
						"  server_id: %[3]s\n  server_name: default\n  status: available\n  url: %[1]s\n  version: 0.85.0\n",
						srv.URL(), key, srv.ServerID(), token),
				})
			default:
				writeFiles(t, dir, map[string]string{
					configFile:      fmt.Sprintf("store:\n  type: rest\n  url: %s\n", srv.URL()),
					credentialsFile: fmt.Sprintf("%[1]s:\n  url: %[1]s\n  api_key: %[2]s\n  server_id: %[3]s\n", srv.URL(), key, srv.ServerID()),
				})
			}
			h := cmdtest.New(t)
			r := runJSON(t, h, ZenMLOptions{ConfigPath: dir, Now: time.Now})
			want := []Imported{{Server: srv.URL(), AuthMethod: wantMethod, Account: "ci-bot", AccountType: config.AccountServiceAccount}}
			if !reflect.DeepEqual(r.Imported, want) {
				t.Fatalf("imported = %+v, skipped = %+v", r.Imported, r.Skipped)
			}
			a := h.Config().Server(srv.URL()).Active()
			if a.Name != "ci-bot" || a.Type != config.AccountServiceAccount || a.AuthMethod != wantMethod {
				t.Errorf("recorded account = %+v", a)
			}

			// What `zenctl token --account ci-bot` and `status` do next.
			h.Reset()
			m, err := h.F.Logins()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := m.ResolveAccount(srv.URL(), config.Setting{Value: srv.URL(), Source: config.SourceFlag}, "ci-bot"); err != nil {
				t.Errorf("--account ci-bot: %v", err)
			}
			client, _, err := h.F.AuthenticatedClient(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			user, err := client.CurrentUser(context.Background())
			if err != nil || user.Name != a.Name {
				t.Fatalf("current user with the imported login: %v, %v", user, err)
			}
			if wantMethod == config.AuthAPIKey {
				if tok, err := client.APIToken(context.Background(), time.Hour); err != nil || tok.Token == "" {
					t.Errorf("minting a token: %v", err)
				}
			}
		})
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	srv := zenmltest.NewTest(t, zenmltest.Options{})
	good := srv.CreateAPIKey(srv.CreateServiceAccount("ci-bot"), "default")
	other := zenmltest.NewTest(t, zenmltest.Options{})
	// A well-formed key the other server has never issued.
	bad := "ZENKEY_eyJpZCI6IjNmMWU2YzJhLThiN2QtNGU1OS05YTQxLTBjMmQ1YjdlOGYxMCIsImtleSI6IjlmMmM0ZTdhMWIzZDVmNmU4YTBjMmU0ZjZhOGIwZDFjIn0="
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{credentialsFile: fmt.Sprintf(
		"%[1]s:\n  url: %[1]s\n  api_key: %[2]s\n%[3]s:\n  url: %[3]s\n  api_key: %[4]s\n", srv.URL(), good, other.URL(), bad)})

	// --dry-run --verify talks to the servers but stores nothing.
	h := cmdtest.New(t)
	r := runJSON(t, h, ZenMLOptions{ConfigPath: dir, Verify: true, DryRun: true, Now: time.Now})
	if len(r.Imported) != 1 || r.Imported[0].Server != srv.URL() {
		t.Errorf("imported = %+v", r.Imported)
	}
	if len(r.Skipped) != 1 || r.Skipped[0].Server != other.URL() || !strings.HasPrefix(r.Skipped[0].Reason, "the server rejected the credentials: ") || strings.Count(r.Skipped[0].Reason, "rejected") != 1 {
		t.Errorf("skipped = %+v", r.Skipped)
	}
	if entries, _ := os.ReadDir(h.Dir); len(entries) != 0 {
		t.Errorf("dry run wrote %v", entries)
	}

	h = cmdtest.New(t)
	runJSON(t, h, ZenMLOptions{ConfigPath: dir, Verify: true, Now: time.Now})
	s := h.Config().Server(srv.URL())
	if s == nil || s.Active().Name != "ci-bot" || s.Active().Type != config.AccountServiceAccount || s.ServerID != srv.ServerID() {
		t.Errorf("metadata = %+v; want the verified account", s)
	}
	if sec, _ := h.Secret(srv.URL()); sec.AccessToken == "" {
		t.Error("the token obtained by --verify was not kept")
	}
	if h.Config().Server(other.URL()) != nil {
		t.Error("a rejected key was imported")
	}
}

func TestFlags(t *testing.T) {
	t.Parallel()
	h := cmdtest.New(t)
	var got *ZenMLOptions
	// Mount under a root with the global --server, as the real tree does:
	// the subcommand's own repeatable --server must win.
	root := &cobra.Command{Use: "zenctl", SilenceErrors: true, SilenceUsage: true}
	root.PersistentFlags().StringVar(&h.F.ServerFlag, "server", "", "")
	imp := &cobra.Command{Use: "import"}
	imp.AddCommand(NewCmdZenML(h.F, func(o *ZenMLOptions) error { got = o; return nil }))
	root.AddCommand(imp)
	root.SetOut(&bytes.Buffer{})
	root.SetErr(&bytes.Buffer{})

	root.SetArgs([]string{"import", "zenml", "--config-path", "/z", "--dry-run", "--overwrite", "--verify",
		"--server", "https://a.example.com", "--server", "https://b.example.com", "-o", "json"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	want := []string{"https://a.example.com", "https://b.example.com"}
	if got.ConfigPath != "/z" || !got.DryRun || !got.Overwrite || !got.Verify || got.Output != "json" || !reflect.DeepEqual(got.Servers, want) {
		t.Errorf("options = %+v", got)
	}
	if h.F.ServerFlag != "" {
		t.Errorf("global --server set to %q", h.F.ServerFlag)
	}

	for _, args := range [][]string{{"--server", "zenml.example.com"}, {"-o", "xml"}, {"extra-arg"}} {
		root.SetArgs(append([]string{"import", "zenml"}, args...))
		if err := root.Execute(); err == nil {
			t.Errorf("%v accepted", args)
		}
	}

	if c := NewCmdImport(h.F); len(c.Commands()) != 1 || c.Commands()[0].Name() != "zenml" {
		t.Errorf("import subcommands = %v", c.Commands())
	}
}

// --- helpers ---

type countingKeyring struct {
	credentials.KeyringAPI
	writes atomic.Int32
}

func (k *countingKeyring) Set(s, u, p string) error {
	k.writes.Add(1)
	return k.KeyringAPI.Set(s, u, p)
}

func (k *countingKeyring) Delete(s, u string) error {
	k.writes.Add(1)
	return k.KeyringAPI.Delete(s, u)
}

type fileState struct {
	Data    string
	ModTime time.Time
	Mode    fs.FileMode
}

func snapshot(t *testing.T, dir string) map[string]fileState {
	t.Helper()
	out := map[string]fileState{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		st := fileState{ModTime: info.ModTime(), Mode: info.Mode()}
		if !d.IsDir() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			st.Data = string(b)
		}
		out[p] = st
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

var secretPattern = regexp.MustCompile(`(?m)(?:api_key|password|access_token|api_token):\s*'?([^\s'{]+)`)

// fixtureSecrets collects every API key, password and token in the
// fixtures, plus the secret halves alone (a JWT signature, a key's
// base64 body), which must not leak either.
func fixtureSecrets(t *testing.T) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(fixtures, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(p) != ".yaml" {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, m := range secretPattern.FindAllStringSubmatch(string(b), -1) {
			s := m[1]
			out = append(out, s)
			if parts := strings.Split(s, "."); len(parts) == 3 {
				out = append(out, parts[2])
			}
			if i := strings.Index(s, "_"); i > 0 && strings.HasPrefix(s, "ZEN") {
				out = append(out, s[i+1:])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func containsSkip(r Report, server, reason string) bool {
	for _, s := range r.Skipped {
		if s.Server == server && s.Reason == reason {
			return true
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// redact keeps secrets out of test failure messages too.
func redact(s credentials.Secret) string {
	mask := func(v string) string {
		if v == "" {
			return ""
		}
		return fmt.Sprintf("<%d chars>", len(v))
	}
	return fmt.Sprintf("{APIKey:%s Username:%s Password:%s AccessToken:%s ExpiresAt:%s Lifetime:%s}",
		mask(s.APIKey), s.Username, mask(s.Password), mask(s.AccessToken), s.ExpiresAt.Format(time.RFC3339Nano), s.Lifetime)
}

// zenml's current server becomes zenctl's active one even when it is
// skipped because zenctl already has a login for it.
func TestActivatesExistingLogin(t *testing.T) {
	t.Parallel()
	h := cmdtest.New(t)
	h.Login("https://zenml-058.example.org", credentials.Secret{APIKey: validKey}, config.AuthAPIKey)
	_ = config.Update(h.Dir, func(c *config.Config) error { c.ActiveServer = ""; return nil })
	r := runJSON(t, h, ZenMLOptions{ConfigPath: copyFixture(t, "v0.58")})
	if len(r.Imported) != 0 || !containsSkip(r, "https://zenml-058.example.org", ReasonAlreadyLoggedIn) {
		t.Errorf("report = %+v", r)
	}
	if got := h.Config().ActiveServer; got != "https://zenml-058.example.org" {
		t.Errorf("active server = %q", got)
	}
}

// As login, import stores nothing while ZENML_STORE_* variables choose the
// server or the credentials; a dry run, which stores nothing, still runs.
func TestImportRefusesWhileTheEnvironmentChooses(t *testing.T) {
	h := cmdtest.New(t)
	dir := copyFixture(t, "v0.93")
	h.Setenv("ZENML_STORE_URL", "https://zenml.example.com")
	h.Setenv("ZENML_STORE_API_KEY", "ZENKEY_x")
	err := run(t, h, ZenMLOptions{ConfigPath: dir})
	if err == nil || !strings.Contains(err.Error(), "ZENML_STORE_URL, ZENML_STORE_API_KEY set") || !strings.Contains(err.Error(), "unset them to import") {
		t.Fatalf("err = %v", err)
	}
	if entries, _ := os.ReadDir(h.Dir); len(entries) != 0 {
		t.Errorf("wrote %v", entries)
	}
	if r := runJSON(t, h, ZenMLOptions{ConfigPath: dir, DryRun: true}); len(r.Imported) == 0 {
		t.Errorf("dry run: %+v", r)
	}
}
