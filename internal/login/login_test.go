package login

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zenctl/zenctl/internal/config"
	"github.com/zenctl/zenctl/internal/credentials"
	"github.com/zenctl/zenctl/pkg/zenml"
)

const serverURL = "https://zenml.example.com"

// newManager is a login layer over a fresh config dir and the given
// in-memory keyring (shared between managers to stand for one OS keyring).
func newManager(t *testing.T, kr credentials.KeyringAPI, env map[string]string) *Manager {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "zenctl")
	return managerAt(t, dir, kr, env)
}

func managerAt(t *testing.T, dir string, kr credentials.KeyringAPI, env map[string]string) *Manager {
	t.Helper()
	getenv := func(k string) string { return env[k] }
	cfg, err := config.Load(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	settings, err := config.Resolve(cfg, config.Flags{Account: env["--account"]}.FlagSet())
	if err != nil {
		t.Fatal(err)
	}
	// The environment of the test, not the process's (tests run in
	// parallel, so t.Setenv is not for them).
	if mode := env["ZENCTL_STORAGE"]; mode != "" {
		settings.Storage, settings.StorageSource = mode, config.SourceEnv
	}
	settings.Store = config.Env{StoreURL: env["ZENML_STORE_URL"], StoreAPIKey: env["ZENML_STORE_API_KEY"], StoreAPIToken: env["ZENML_STORE_API_TOKEN"],
		StoreUsername: env["ZENML_STORE_USERNAME"], StorePassword: env["ZENML_STORE_PASSWORD"]}
	if u := env["ZENML_STORE_URL"]; u != "" {
		settings.Server = config.Setting{Value: u, Source: config.SourceEnv, Env: "ZENML_STORE_URL"}
	}
	return &Manager{Dir: dir, Getenv: getenv, Settings: settings, Keyring: kr, KeyringTimeout: time.Second, Warn: &bytes.Buffer{}}
}

func save(t *testing.T, m *Manager, account, method string, secret credentials.Secret) Saved {
	t.Helper()
	store := credentials.NewKeyringStore(m.Keyring, time.Second)
	saved, err := m.Save(context.Background(), Login{URL: serverURL, Account: account, Type: config.AccountUser, Method: method, Secret: secret, Store: store})
	if err != nil {
		t.Fatal(err)
	}
	return saved
}

func TestSaveAddsAccountsAndKeepsEachSecret(t *testing.T) {
	t.Parallel()
	kr := credentials.NewMemoryKeyring()
	m := newManager(t, kr, nil)
	if s := save(t, m, "default", config.AuthPassword, credentials.Secret{Username: "default"}); !s.Added || s.PreviousAccount != "" {
		t.Errorf("first save: %+v", s)
	}
	s := save(t, m, "ci-bot", config.AuthAPIKey, credentials.Secret{APIKey: "ZENKEY_x"})
	if !s.Added || s.PreviousAccount != "default" {
		t.Errorf("second account: %+v", s)
	}
	if s := save(t, m, "ci-bot", config.AuthAPIKey, credentials.Secret{APIKey: "ZENKEY_y"}); s.Added {
		t.Errorf("the same account again is a replacement: %+v", s)
	}
	target, err := m.Resolve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if secret, ok := target.Secret(); target.AccountName() != "ci-bot" || !ok || secret.APIKey != "ZENKEY_y" {
		t.Errorf("active target %s, secret %v", target.AccountName(), ok)
	}
	if err := m.Switch(serverURL, "default"); err != nil {
		t.Fatal(err)
	}
	target, err = m.Resolve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if secret, ok := target.Secret(); target.AccountName() != "default" || !ok || secret.Username != "default" {
		t.Errorf("after switch: %s", target.AccountName())
	}
}

func TestUnknownAccountNamesTheChoices(t *testing.T) {
	t.Parallel()
	kr := credentials.NewMemoryKeyring()
	m := newManager(t, kr, nil)
	save(t, m, "default", config.AuthPassword, credentials.Secret{Username: "default"})
	save(t, m, "ci-bot", config.AuthAPIKey, credentials.Secret{APIKey: "ZENKEY_x"})
	for _, err := range []error{
		m.Switch(serverURL, "nobody"),
		func() error {
			_, err := managerAt(t, m.Dir, kr, map[string]string{"--account": "nobody"}).Resolve(context.Background())
			return err
		}(),
		func() error {
			_, err := m.Logout(context.Background(), Logout{URL: serverURL, Account: "nobody"})
			return err
		}(),
	} {
		if err == nil || !strings.Contains(err.Error(), `"nobody"`) || !strings.Contains(err.Error(), "default, ci-bot") {
			t.Errorf("err = %v", err)
		}
	}
	cfg, _ := m.Config()
	if cfg.Server(serverURL).ActiveAccount != "ci-bot" {
		t.Error("a refused switch changed the active account")
	}
}

func TestLogoutOfOneAccountKeepsTheOther(t *testing.T) {
	t.Parallel()
	kr := credentials.NewMemoryKeyring()
	m := newManager(t, kr, nil)
	save(t, m, "default", config.AuthPassword, credentials.Secret{Username: "default"})
	save(t, m, "ci-bot", config.AuthAPIKey, credentials.Secret{APIKey: "ZENKEY_x"})
	out, err := m.Logout(context.Background(), Logout{URL: serverURL, Account: "ci-bot", Clear: true})
	if err != nil {
		t.Fatal(err)
	}
	if out.ServerRemoved || out.NowActive != "default" {
		t.Errorf("logout: %+v", out)
	}
	cfg, _ := config.Load(m.Dir)
	if _, err := kr.Get(credentials.KeyringService, credentials.Key(cfg.ID, serverURL, "ci-bot")); err == nil {
		t.Error("the logged-out account's secret stayed")
	}
	if _, err := kr.Get(credentials.KeyringService, credentials.Key(cfg.ID, serverURL, "default")); err != nil {
		t.Errorf("the other account's secret went: %v", err)
	}
}

// Two config directories are two profiles: the same server and account in
// both never share an entry in the one keyring they have.
func TestConfigDirectoriesDoNotShareSecrets(t *testing.T) {
	t.Parallel()
	kr := credentials.NewMemoryKeyring()
	a, b := newManager(t, kr, nil), newManager(t, kr, nil)
	save(t, a, "default", config.AuthPassword, credentials.Secret{Username: "default", Password: "a"})
	save(t, b, "default", config.AuthPassword, credentials.Secret{Username: "default", Password: "b"})
	if _, err := b.Logout(context.Background(), Logout{URL: serverURL, Clear: true}); err != nil {
		t.Fatal(err)
	}
	target, err := a.Resolve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if secret, ok := target.Secret(); !ok || secret.Password != "a" {
		t.Errorf("profile A's secret after B's logout --clear: %v", ok)
	}
}

// oldLayout writes a config of the layout before accounts.
func oldLayout(t *testing.T, dir, store string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	cfg := "active_server: " + serverURL + "\nservers:\n  - url: " + serverURL +
		"\n    auth_method: password\n    account: alice\n    account_type: user\n    secret_store: " + store + "\n"
	if err := os.WriteFile(filepath.Join(dir, config.FileName), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestOldLayoutInTheFileIsMoved(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "zenctl")
	oldLayout(t, dir, "file")
	old := credentials.Secret{Username: "alice", Password: "pw", AccessToken: "tok"}
	if err := credentials.NewFileStore(dir).Set(serverURL, old); err != nil {
		t.Fatal(err)
	}
	m := managerAt(t, dir, credentials.NewMemoryKeyring(), nil)
	target, err := m.Resolve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if secret, ok := target.Secret(); target.AccountName() != "alice" || !ok || secret != old {
		t.Fatalf("moved login: %s %v", target.AccountName(), ok)
	}
	if _, err := credentials.NewFileStore(dir).Get(serverURL); !errors.Is(err, credentials.ErrNotFound) {
		t.Errorf("the old file entry stayed: %v", err)
	}
	cfg, _ := config.Load(dir)
	if s := cfg.Server(serverURL); s.HasLegacyLogin() || s.Account("alice").AuthMethod != config.AuthPassword {
		t.Errorf("config: %+v", s)
	}
}

// A keyring that cannot be read leaves an old-layout config byte for byte
// as it was, and says which entry it could not move.
func TestOldLayoutThatCannotBeReadIsLeftAlone(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "zenctl")
	oldLayout(t, dir, "keyring")
	before, _ := os.ReadFile(filepath.Join(dir, config.FileName))
	m := managerAt(t, dir, brokenKeyring{}, nil)
	_, err := m.Resolve(context.Background())
	if err == nil || !strings.Contains(err.Error(), "cannot move the login of "+serverURL) || !strings.Contains(err.Error(), "left as it was") {
		t.Fatalf("err = %v", err)
	}
	if after, _ := os.ReadFile(filepath.Join(dir, config.FileName)); !bytes.Equal(before, after) {
		t.Errorf("config changed:\n%s", after)
	}
}

type brokenKeyring struct{}

func (brokenKeyring) Get(string, string) (string, error) { return "", errors.New("access denied") }
func (brokenKeyring) Set(string, string, string) error   { return errors.New("access denied") }
func (brokenKeyring) Delete(string, string) error        { return errors.New("access denied") }

// A renewed token that cannot be kept (read-only config directory,
// refusing keyring) still serves the command; the user is told once.
func TestRenewedTokenThatCannotBeKeptStillServes(t *testing.T) {
	t.Parallel()
	var warn bytes.Buffer
	m := &Manager{Dir: t.TempDir(), Warn: &warn}
	s := &sessionStore{m: m, server: serverURL, key: credentials.Key("id", serverURL, "ci"), store: credentials.NewKeyringStore(brokenKeyring{}, time.Second)}
	for range 2 {
		if err := s.Save(context.Background(), zenml.Credentials{APIKey: "ZENKEY_x", AccessToken: "tok"}); err != nil {
			t.Fatalf("save failed the command: %v", err)
		}
	}
	if n := strings.Count(warn.String(), "Could not keep the renewed token of ci on "+serverURL); n != 1 {
		t.Errorf("warned %d times:\n%s", n, warn.String())
	}
}

// A copied config directory (cp -a, a restored backup) gets keyring
// entries of its own on first use: the copy's logout --clear leaves the
// original working.
func TestCopiedConfigDirectoryIsSeparated(t *testing.T) {
	t.Parallel()
	kr := credentials.NewMemoryKeyring()
	a := newManager(t, kr, nil)
	save(t, a, "default", config.AuthPassword, credentials.Secret{Username: "default", Password: "a"})
	copyDir := filepath.Join(t.TempDir(), "copy")
	if err := os.CopyFS(copyDir, os.DirFS(a.Dir)); err != nil {
		t.Fatal(err)
	}
	b := managerAt(t, copyDir, kr, nil)
	target, err := b.Resolve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if secret, ok := target.Secret(); !ok || secret.Password != "a" {
		t.Fatalf("the copy lost its login: %v", ok)
	}
	cfgA, _ := config.Load(a.Dir)
	cfgB, _ := config.Load(copyDir)
	if cfgA.ID == cfgB.ID {
		t.Fatal("the copy kept the original's id")
	}
	if _, err := b.Logout(context.Background(), Logout{URL: serverURL, Clear: true}); err != nil {
		t.Fatal(err)
	}
	target, err = managerAt(t, a.Dir, kr, nil).Resolve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := target.Secret(); !ok {
		t.Error("the copy's logout --clear deleted the original's secret")
	}
}

// A directory moved where its inode changes (another filesystem, a backup
// restored elsewhere) keeps its logins under a new id, and the old
// entries go: nothing else can use or delete them any more.
func TestMovedConfigDirectoryTakesItsSecretsAlong(t *testing.T) {
	t.Parallel()
	kr := credentials.NewMemoryKeyring()
	a := newManager(t, kr, nil)
	save(t, a, "default", config.AuthPassword, credentials.Secret{Username: "default", Password: "a"})
	oldCfg, _ := config.Load(a.Dir)
	moved := filepath.Join(t.TempDir(), "moved")
	if err := os.CopyFS(moved, os.DirFS(a.Dir)); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(a.Dir); err != nil {
		t.Fatal(err)
	}
	target, err := managerAt(t, moved, kr, nil).Resolve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if secret, ok := target.Secret(); !ok || secret.Password != "a" {
		t.Fatalf("the moved directory lost its login: %v", ok)
	}
	if _, err := kr.Get(credentials.KeyringService, credentials.Key(oldCfg.ID, serverURL, "default")); err == nil {
		t.Error("the old entry stayed behind, which nothing would ever delete")
	}
}

// A config with an id not bound to its directory (written by hand, or an
// early build) cannot tell the original from a copy: each directory that
// meets it takes entries of its own.
func TestUnboundIDIsSeparatedEverywhere(t *testing.T) {
	t.Parallel()
	kr := credentials.NewMemoryKeyring()
	a := newManager(t, kr, nil)
	save(t, a, "default", config.AuthPassword, credentials.Secret{Username: "default", Password: "a"})
	if err := config.Update(a.Dir, func(c *config.Config) error { c.IDDir, c.IDPath = "", ""; return nil }); err != nil {
		t.Fatal(err)
	}
	copyDir := filepath.Join(t.TempDir(), "copy")
	if err := os.CopyFS(copyDir, os.DirFS(a.Dir)); err != nil {
		t.Fatal(err)
	}
	b := managerAt(t, copyDir, kr, nil)
	for _, m := range []*Manager{b, managerAt(t, a.Dir, kr, nil)} {
		if _, err := m.Resolve(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.Logout(context.Background(), Logout{URL: serverURL, Clear: true}); err != nil {
		t.Fatal(err)
	}
	target, err := managerAt(t, a.Dir, kr, nil).Resolve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := target.Secret(); !ok {
		t.Error("the copy's logout --clear deleted the original's secret")
	}
}
