package login

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/zenctl/zenctl/internal/config"
	"github.com/zenctl/zenctl/internal/credentials"
	"github.com/zenctl/zenctl/internal/exitcode"
	"github.com/zenctl/zenctl/pkg/zenml"
	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

// envManager is a login layer whose environment is env, talking to fakes.
func envManager(t *testing.T, env map[string]string) *Manager {
	t.Helper()
	m := newManager(t, credentials.NewMemoryKeyring(), env)
	m.NewClient = func(serverURL string, tls TLS, tokens zenml.TokenSource) (*zenml.Client, error) {
		return zenml.NewClient(serverURL, zenml.Options{Tokens: tokens, MaxRetries: -1})
	}
	return m
}

func currentUser(t *testing.T, m *Manager) (*zenml.User, *Target, error) {
	t.Helper()
	client, target, err := m.Client(context.Background())
	if err != nil {
		return nil, target, err
	}
	u, err := client.CurrentUser(context.Background())
	return u, target, err
}

func TestEnvironmentCredentials(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{TokenLifetime: time.Hour})
	key := fake.CreateAPIKey(fake.CreateServiceAccount("ci"), "default")
	fake.CreateUser("alice", "pw")
	token := fake.IssueToken(fake.AdminID(), time.Hour)
	for name, env := range map[string]map[string]string{
		"api key":  {"ZENML_STORE_API_KEY": key},
		"password": {"ZENML_STORE_USERNAME": "alice", "ZENML_STORE_PASSWORD": "pw"},
		"token":    {"ZENML_STORE_API_TOKEN": token},
	} {
		env["ZENML_STORE_URL"] = fake.URL()
		m := envManager(t, env)
		u, target, err := currentUser(t, m)
		if err != nil || u == nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !target.FromEnv {
			t.Errorf("%s: target %+v", name, target)
		}
		if at, ok := target.TokenExpiry(m.Env()); !ok || at.IsZero() {
			t.Errorf("%s: expiry %v %v", name, at, ok)
		}
		if err := m.RefuseToStoreWhileEnvSet("log in", false); err == nil || !strings.Contains(err.Error(), "ZENML_STORE_URL") {
			t.Errorf("%s: %v", name, err)
		}
	}
	// Rejected: the error names the variable, not a stored login.
	for name, env := range map[string]map[string]string{
		"api key": {"ZENML_STORE_API_KEY": "ZENKEY_bad"},
		"token":   {"ZENML_STORE_API_TOKEN": "not-a-token"},
	} {
		env["ZENML_STORE_URL"] = fake.URL()
		_, _, err := currentUser(t, envManager(t, env))
		if err == nil || !strings.Contains(err.Error(), "ZENML_STORE_API_") || exitcode.For(err) != exitcode.AuthRequired {
			t.Errorf("%s: %v", name, err)
		}
	}
	// The URL alone: a server with authentication needs a login.
	_, _, err := currentUser(t, envManager(t, map[string]string{"ZENML_STORE_URL": fake.URL()}))
	if exitcode.For(err) != exitcode.AuthRequired || !strings.Contains(err.Error(), "ZENML_STORE_API_KEY") {
		t.Errorf("URL alone: %v", err)
	}
	m := envManager(t, map[string]string{"ZENML_STORE_URL": "https://other.example.com"})
	if set := m.StoreEnvSet(true); len(set) != 1 {
		t.Errorf("set: %v", set)
	}
}

func TestNoAuthServer(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{AuthScheme: zenmltest.AuthSchemeNoAuth})
	// From the environment, with no login at all.
	u, target, err := currentUser(t, envManager(t, map[string]string{"ZENML_STORE_URL": fake.URL()}))
	if err != nil || u.Name != "default" || target.AuthMethod != config.AuthNone {
		t.Fatalf("env NO_AUTH: %v %+v", err, target)
	}
	m := envManager(t, nil)
	ctx := context.Background()
	info, _ := mustClient(t, m, fake.URL()).Info(ctx)
	if _, err := m.Save(ctx, Login{URL: fake.URL(), Info: info, Account: "default", Type: config.AccountUser, Method: config.AuthNone}); err != nil {
		t.Fatal(err)
	}
	client, target, err := m.Client(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, mintErr := client.APIToken(ctx, time.Hour)
	if err := MintError(ctx, client, target, mintErr); !strings.Contains(err.Error(), "no longer uses authentication") {
		t.Errorf("mint: %v", err)
	}
	fake.SetAuthScheme(zenmltest.AuthSchemeOAuth2)
	if _, _, err := m.Client(ctx); exitcode.For(err) != exitcode.AuthRequired || !strings.Contains(err.Error(), "now asks for authentication") {
		t.Errorf("scheme changed: %v", err)
	}
	if err := MintError(ctx, client, target, errors.New("boom")); !strings.Contains(err.Error(), "minting a token") {
		t.Errorf("other mint error: %v", err)
	}
}

func mustClient(t *testing.T, m *Manager, serverURL string) *zenml.Client {
	t.Helper()
	c, err := m.NewClient(serverURL, TLS{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestStoredLoginFlow(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	m := fakeManager(t, nil)
	m.Warn = &bytes.Buffer{}
	target, saID := loggedInAs(t, m, fake, "ci")
	ctx := context.Background()
	client := mustClient(t, m, fake.URL())
	var said bytes.Buffer

	secret, rejected, err := m.ExchangeStored(ctx, client, target, &said)
	if err != nil || rejected != "" || secret.AccessToken == "" || !strings.Contains(said.String(), "stored API key") {
		t.Fatalf("exchange: %v %q %q", err, rejected, said.String())
	}
	user, saved, err := m.Complete(ctx, client, Completion{URL: fake.URL(), Store: target.Store}, Obtained{Secret: secret, Method: config.AuthAPIKey})
	if err != nil || user.Name != "ci" || saved.Added {
		t.Fatalf("complete: %v %+v", err, saved)
	}
	if u, err := m.StillLoggedIn(ctx, target, TLS{}); err != nil || u.Name != "ci" {
		t.Errorf("still logged in: %v", err)
	}
	if id := m.CurrentAPIKeyID(target); id == "" || m.APIKeyIDOf(target, "ci") != id {
		t.Errorf("key id %q", id)
	}
	if _, _, err := m.Complete(ctx, client, Completion{URL: fake.URL()}, Obtained{Secret: credentials.Secret{AccessToken: "bad"}}); err == nil {
		t.Error("a rejected token was stored")
	}

	// Another account beside it, then the server rejects the key.
	save2 := Login{URL: fake.URL(), Account: "alice", Type: config.AccountUser, Method: config.AuthPassword,
		Secret: credentials.Secret{Username: "alice", Password: "pw"}, Store: target.Store, KeepActiveAccount: true}
	if _, err := m.Save(ctx, save2); err != nil {
		t.Fatal(err)
	}
	if m.APIKeyIDOf(target, "alice") != m.CurrentAPIKeyID(target) {
		t.Error("a password account has no key of its own")
	}
	admin, _ := zenml.NewClient(fake.URL(), zenml.Options{Tokens: zenml.StaticToken(fake.AdminToken())})
	if _, err := admin.RotateAPIKey(ctx, saID, "default", 0); err != nil {
		t.Fatal(err)
	}
	if _, rejected, err := m.ExchangeStored(ctx, client, target, &said); err != nil || !strings.Contains(rejected, "rejected the stored API key") {
		t.Errorf("rejected: %v %q", err, rejected)
	}
	if err := m.Switch(fake.URL(), "alice"); err != nil {
		t.Fatal(err)
	}
	alice, err := m.Resolve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, rejected, _ := m.ExchangeStored(ctx, client, alice, &said); !strings.Contains(rejected, "rejected the stored password") {
		t.Errorf("password: %q", rejected)
	}
	if ok, err := m.UpdatePassword(ctx, alice, "new"); !ok || err != nil {
		t.Errorf("update password: %v %v", ok, err)
	}
	if s, _ := alice.Secret(); s.Password != "new" {
		t.Error("the new password was not stored")
	}
	if ok, _ := m.UpdatePassword(ctx, target, "x"); ok {
		t.Error("a password stored for an API-key login")
	}
	if err := m.Switch(fake.URL(), "nobody"); err == nil {
		t.Error("switched to an unknown account")
	}
	if err := m.Switch("https://nowhere.example.com", ""); err == nil || !strings.Contains(err.Error(), fake.URL()) {
		t.Errorf("unknown server: %v", err)
	}
}

func TestMoveAndUpdateServer(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	m := fakeManager(t, nil)
	target, _ := loggedInAs(t, m, fake, "ci")
	ctx := context.Background()
	keyring := credentials.NewKeyringStore(m.Keyring, time.Second)
	if err := m.Move(ctx, target, keyring); err != nil {
		t.Fatal(err)
	}
	if _, err := keyring.Get(target.SecretKey); err != nil {
		t.Errorf("not in the keyring: %v", err)
	}
	if _, err := target.Store.Get(target.SecretKey); err == nil {
		t.Error("the file copy stayed")
	}
	info, _ := mustClient(t, m, fake.URL()).Info(ctx)
	if err := m.UpdateServer(ctx, target, info, TLS{InsecureSkipVerify: true}); err != nil {
		t.Fatal(err)
	}
	cfg, _ := m.Config()
	if s := cfg.Server(fake.URL()); s.VerifySSL == nil || *s.VerifySSL || StoredTLS(s).InsecureSkipVerify != true {
		t.Errorf("TLS not recorded: %+v", s)
	}
	// The moved secret is read where the record says.
	moved, err := m.Resolve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := moved.Secret(); !ok || moved.Store.Kind() != "keyring" {
		t.Errorf("after the move: %v", moved.Store.Kind())
	}
	m.Settings.Storage, m.Settings.StorageSource = "file", config.SourceFlag
	var warn bytes.Buffer
	m.Warn = &warn
	m.WarnIfStoredElsewhere(moved)
	if !strings.Contains(warn.String(), "--storage file") {
		t.Errorf("no word of the other store: %q", warn.String())
	}
	if err := m.UpdateServer(ctx, &Target{URL: "https://gone.example.com"}, nil, TLS{}); err == nil {
		t.Error("updated a server that is not stored")
	}
}

func TestIdentityChecks(t *testing.T) {
	t.Parallel()
	s := &config.Server{URL: serverURL, ServerID: "a"}
	if CheckIdentity(s, nil, &zenml.ServerInfo{ID: "a"}) != nil || CheckIdentity(nil, nil, nil) != nil || CheckIdentity(&config.Server{URL: serverURL}, nil, &zenml.ServerInfo{ID: "b"}) != nil {
		t.Error("a matching or unrecorded id refused")
	}
	err := CheckIdentity(s, nil, &zenml.ServerInfo{ID: "b\x1b[31m"})
	if exitcode.For(err) != exitcode.AuthRequired || strings.Contains(err.Error(), "\x1b") || !strings.Contains(err.Error(), "zenctl login "+serverURL) {
		t.Errorf("mismatch: %v", err)
	}
	if err := CheckIdentity(s, nil, nil); err == nil || !strings.Contains(err.Error(), "no server id") {
		t.Errorf("no id: %v", err)
	}
	m := newManager(t, credentials.NewMemoryKeyring(), nil)
	save(t, m, "default", config.AuthPassword, credentials.Secret{Username: "default"})
	if err := config.Update(m.Dir, func(c *config.Config) error { c.Server(serverURL).ServerID = "a"; return nil }); err != nil {
		t.Fatal(err)
	}
	m.SetConfig(nil)
	if m.IdentityChanged(serverURL, &zenml.ServerInfo{ID: "a"}) != nil || m.IdentityChanged("https://other.example.com", nil) != nil {
		t.Error("no change reported as one")
	}
	if c := m.IdentityChanged(serverURL, &zenml.ServerInfo{ID: "b"}); c == nil || c.Recorded != "a" || c.Reported != "b" {
		t.Errorf("change: %+v", c)
	}
}

func TestExchangeErrors(t *testing.T) {
	t.Parallel()
	if ExchangeError(serverURL, "password", nil) != nil {
		t.Error("nil became an error")
	}
	rejected := &zenml.Error{Kind: zenml.KindCredentials, StatusCode: 401, Message: "wrong"}
	if err := ExchangeError(serverURL, "password", rejected); exitcode.For(err) != exitcode.AuthRequired || !strings.Contains(err.Error(), "rejected the password: wrong") {
		t.Errorf("rejected: %v", err)
	}
	if err := ExchangeError(serverURL, "password", errors.New("reset")); !strings.Contains(err.Error(), "logging in to") {
		t.Errorf("other: %v", err)
	}
	for msg, want := range map[string]string{
		"Authentication error: service account ci associated with API key k is not active": "service-account activate ci",
		"Authentication error: user bob is not active":                                     "user activate bob",
		"Authentication error: account x is not active":                                    "(or zenctl user activate",
	} {
		err := ExchangeError(serverURL, "API key", &zenml.Error{Kind: zenml.KindCredentials, StatusCode: 401, Message: msg})
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v", msg, err)
		}
	}
	if !StoreUnreadable(credentials.ErrKeyringLocked) || StoreUnreadable(errors.New("x")) {
		t.Error("StoreUnreadable")
	}
}

func TestClearAllRemovesSecretsNoRecordNames(t *testing.T) {
	t.Parallel()
	m := newManager(t, credentials.NewMemoryKeyring(), map[string]string{"ZENCTL_STORAGE": "file"})
	store := credentials.NewFileStore(m.Dir)
	ctx := context.Background()
	if _, err := m.Save(ctx, Login{URL: serverURL, Account: "kept", Type: config.AccountUser, Method: config.AuthPassword,
		Secret: credentials.Secret{Username: "kept"}, Store: store}); err != nil {
		t.Fatal(err)
	}
	orphan, _ := m.secretKey(serverURL, "orphan")
	if err := store.Set(orphan, credentials.Secret{Password: "x"}); err != nil {
		t.Fatal(err)
	}
	n, err := m.ClearAll(ctx)
	if err != nil || n != 1 {
		t.Fatalf("cleared %d, %v", n, err)
	}
	if _, err := store.Get(orphan); err == nil {
		t.Error("the orphan stayed")
	}
	kept, _ := m.secretKey(serverURL, "kept")
	if _, err := store.Get(kept); err != nil {
		t.Error("a recorded secret went")
	}
}

func TestRejectedStoredKeyAndAnotherServer(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	m := fakeManager(t, nil)
	target, saID := loggedInAs(t, m, fake, "ci")
	loggedInAs(t, m, fake, "other-bot") // active now
	ctx := context.Background()
	if id := m.APIKeyIDOf(target, "ci"); id == "" {
		t.Error("no key id for the account beside the active one")
	}
	admin, _ := zenml.NewClient(fake.URL(), zenml.Options{Tokens: zenml.StaticToken(fake.AdminToken())})
	if _, err := admin.RotateAPIKey(ctx, saID, "default", 0); err != nil {
		t.Fatal(err)
	}
	// The token still works until the server rejects it; then the stored
	// key is tried, rejected, and the hint names the account.
	secret, _ := target.Secret()
	secret.AccessToken = "rejected"
	if err := target.Store.Set(target.SecretKey, secret); err != nil {
		t.Fatal(err)
	}
	ci := managerAt(t, m.Dir, m.Keyring, map[string]string{"--account": "ci"})
	ci.NewClient = m.NewClient
	_, _, err := currentUser(t, ci)
	var reauth *zenml.ReauthRequiredError
	if !errors.As(err, &reauth) || !strings.Contains(err.Error(), "the stored API key") || !strings.Contains(err.Error(), "--account ci --api-key") {
		t.Errorf("err = %v", err)
	}
	// Another server at the URL: refused before the key is sent.
	// (trust is the account's: its record names the id its key was given to)
	if err := config.Update(m.Dir, func(c *config.Config) error { c.Server(fake.URL()).Account("ci").ServerID = "recorded-id"; return nil }); err != nil {
		t.Fatal(err)
	}
	before := fake.Count("POST /api/v1/login")
	ci = managerAt(t, m.Dir, m.Keyring, map[string]string{"--account": "ci"})
	ci.NewClient = m.NewClient
	_, _, err = currentUser(t, ci)
	var other *zenml.ServerIdentityError
	if !errors.As(err, &other) || exitcode.For(err) != exitcode.AuthRequired || fake.Count("POST /api/v1/login") != before {
		t.Errorf("another server: %v", err)
	}
}

func TestWhichAccountAndServer(t *testing.T) {
	t.Parallel()
	kr := credentials.NewMemoryKeyring()
	m := newManager(t, kr, nil)
	ctx := context.Background()
	if _, err := m.Resolve(ctx); !errors.Is(err, ErrNotLoggedIn) {
		t.Errorf("nothing stored: %v", err)
	}
	save(t, m, "default", config.AuthPassword, credentials.Secret{Username: "default"})
	save(t, m, "ci-bot", config.AuthAPIKey, credentials.Secret{APIKey: "ZENKEY_x"})
	// A logout without --clear of the active account leaves no account
	// and no server active.
	out, err := m.Logout(ctx, Logout{URL: serverURL, Account: "default"})
	if err != nil || !out.Unchanged {
		t.Errorf("not the active one: %+v %v", out, err)
	}
	if _, err := m.Logout(ctx, Logout{URL: serverURL, Account: "ci-bot"}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Resolve(ctx); err == nil || !strings.Contains(err.Error(), "no server is active") {
		t.Errorf("no active server: %v", err)
	}
	if err := m.Switch(serverURL, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Resolve(ctx); err == nil || !strings.Contains(err.Error(), "no account is active") {
		t.Errorf("no active account: %v", err)
	}
	out, err = m.Logout(ctx, Logout{URL: serverURL, Account: "ci-bot", Clear: true})
	if err != nil || out.ServerRemoved {
		t.Fatalf("%+v %v", out, err)
	}
	if target, err := m.Resolve(ctx); err != nil || target.AccountName() != "default" {
		t.Errorf("the only account left: %v", err)
	}
	if _, err := m.Logout(ctx, Logout{URL: "https://other.example.com"}); err == nil {
		t.Error("logged out of a server never logged in to")
	}
	keyOnly := newManager(t, kr, map[string]string{"ZENML_STORE_API_KEY": "ZENKEY_x"})
	if _, err := keyOnly.Resolve(ctx); err == nil || !strings.Contains(err.Error(), "ZENML_STORE_URL is not") {
		t.Errorf("a key without a URL: %v", err)
	}
	elsewhere := newManager(t, kr, map[string]string{"ZENML_STORE_URL": "https://a.example.com"})
	if _, err := elsewhere.ResolveServer("https://b.example.com", config.Setting{Value: "https://b.example.com", Source: config.SourceFlag}); err == nil || !strings.Contains(err.Error(), "unset ZENML_STORE_URL") {
		t.Errorf("another server than the environment's: %v", err)
	}
}

func TestStoredLoginToReuse(t *testing.T) {
	t.Parallel()
	kr := credentials.NewMemoryKeyring()
	m := newManager(t, kr, nil)
	if got, err := m.StoredLogin(serverURL); got != nil || err != nil {
		t.Errorf("nothing stored: %v %v", got, err)
	}
	save(t, m, "default", config.AuthPassword, credentials.Secret{Username: "default"})
	if got, err := m.StoredLogin(serverURL); err != nil || got.AccountName() != "default" {
		t.Errorf("the active account: %v", err)
	}
	if _, err := managerAt(t, m.Dir, kr, map[string]string{"--account": "nobody"}).StoredLogin(serverURL); err == nil {
		t.Error("an unknown --account passed")
	}
	if _, err := m.Save(context.Background(), Login{URL: serverURL, Account: "default", Type: config.AccountUser, Method: config.AuthNone}); err != nil {
		t.Fatal(err)
	}
	if got, err := m.StoredLogin(serverURL); got != nil || err != nil {
		t.Errorf("a NO_AUTH login is nothing to reuse: %v %v", got, err)
	}
}

func TestCheckStored(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	m := fakeManager(t, nil)
	target, saID := loggedInAs(t, m, fake, "ci")
	ctx := context.Background()
	if u, rejected, err := m.CheckStored(ctx, target, TLS{}); err != nil || rejected != "" || u.Name != "ci" {
		t.Fatalf("working login: %v %q %v", u, rejected, err)
	}
	unreadable := *target
	unreadable.Unreadable = credentials.ErrKeyringLocked
	if _, rejected, _ := m.CheckStored(ctx, &unreadable, TLS{}); !strings.Contains(rejected, "cannot be read") {
		t.Errorf("unreadable: %q", rejected)
	}
	admin, _ := zenml.NewClient(fake.URL(), zenml.Options{Tokens: zenml.StaticToken(fake.AdminToken())})
	off := false
	if _, err := admin.UpdateServiceAccount(ctx, saID, zenml.ServiceAccountUpdate{Active: &off}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := m.CheckStored(ctx, target, TLS{}); err == nil || !strings.Contains(err.Error(), "service-account activate ci") {
		t.Errorf("deactivated: %v", err)
	}
}

// An account of a config written before accounts recorded the id falls
// back to the server's; a new id for the server keeps the old one for it.
func TestTrustIsPerAccount(t *testing.T) {
	t.Parallel()
	s := &config.Server{URL: serverURL, ServerID: "old", ActiveAccount: "a", Accounts: []config.Account{{Name: "a"}, {Name: "b", AuthMethod: config.AuthAPIKey}}}
	if s.TrustedServerID(s.Account("b")) != "old" {
		t.Error("no fallback to the server's id")
	}
	s.SetServerID("new")
	s.Account("a").ServerID = "new" // a logged in again
	if CheckIdentity(s, s.Account("a"), &zenml.ServerInfo{ID: "new"}) != nil {
		t.Error("the account that logged in again is refused")
	}
	err := CheckIdentity(s, s.Account("b"), &zenml.ServerInfo{ID: "new"})
	if err == nil || !strings.Contains(err.Error(), "--account b --api-key") {
		t.Errorf("b: %v", err)
	}
}

// A server with the recorded id that reports it no longer uses
// authentication (NO_AUTH) needs no secret: the renewal of an expired
// token sends it none, and says what to run.
func TestNoAuthServerWithTheSameIDGetsNoStoredSecret(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	m := fakeManager(t, nil)
	m.Warn = &bytes.Buffer{}
	target, _ := loggedInAs(t, m, fake, "ci")
	// The stored token has expired: the next request renews it with the
	// stored key.
	secret, err := target.Store.Get(target.SecretKey)
	if err != nil {
		t.Fatal(err)
	}
	secret.ExpiresAt = time.Now().Add(-time.Minute)
	if err := target.Store.Set(target.SecretKey, secret); err != nil {
		t.Fatal(err)
	}
	logins := fake.Count("POST /api/v1/login")
	fake.SetAuthScheme(zenmltest.AuthSchemeNoAuth)

	_, _, err = currentUser(t, m)
	if n := fake.Count("POST /api/v1/login"); n != logins {
		t.Fatalf("%d logins with the stored key reached the NO_AUTH server", n-logins)
	}
	if err == nil || exitcode.For(err) != exitcode.AuthRequired || !strings.Contains(err.Error(), "no longer uses authentication") {
		t.Errorf("error: %v", err)
	}
}
