// Package cmdtest runs zenctl commands in tests: a Factory wired to buffer
// streams, a throwaway config directory, an in-memory keyring and stubs for
// the prompter and the browser, talking to a fake ZenML server.
package cmdtest

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/zenctl/zenctl/internal/browser"
	"github.com/zenctl/zenctl/internal/cmd/factory"
	"github.com/zenctl/zenctl/internal/config"
	"github.com/zenctl/zenctl/internal/credentials"
	"github.com/zenctl/zenctl/internal/iostreams"
	"github.com/zenctl/zenctl/internal/login"
	"github.com/zenctl/zenctl/internal/prompt"
	"github.com/zenctl/zenctl/pkg/zenml"
)

// Harness is one command-line environment.
type Harness struct {
	T       testing.TB
	F       *factory.Factory
	IO      *iostreams.IOStreams
	In      *bytes.Buffer
	Out     *bytes.Buffer
	ErrOut  *bytes.Buffer
	Dir     string
	Env     map[string]string
	Keyring *credentials.MemoryKeyring
	Browser *browser.Stub

	setenv map[string]bool // variables set with Setenv
}

// New returns a harness with a fresh config dir and an empty keyring.
// answers feed the prompter; an unexpected prompt fails the test.
func New(t testing.TB, answers ...prompt.Answer) *Harness {
	t.Helper()
	ios, in, out, errOut := iostreams.Test()
	h := &Harness{T: t, IO: ios, In: in, Out: out, ErrOut: errOut, Dir: t.TempDir(),
		Keyring: credentials.NewMemoryKeyring(), Browser: &browser.Stub{}}
	h.Env = map[string]string{"ZENCTL_CONFIG_DIR": h.Dir}
	t.Cleanup(h.checkSettingsEnv)
	h.F = &factory.Factory{
		IOStreams: ios,
		Prompter:  prompt.NewStub(t, answers...),
		Browser:   h.Browser,
		Getenv:    func(k string) string { return h.Env[k] },
		Version:   "test",
		Keyring:   h.Keyring,
	}
	return h
}

// Setenv sets an environment variable for the rest of the test. The
// settings (ZENCTL_*, ZENML_STORE_*) are read from the process environment,
// as Viper reads it, so a test that sets one cannot run in parallel; Env
// gets the value too, for what the factory's Getenv reads.
func (h *Harness) Setenv(key, value string) {
	h.T.Setenv(key, value)
	if h.setenv == nil {
		h.setenv = map[string]bool{}
	}
	h.setenv[key] = true
	if value == "" {
		delete(h.Env, key)
		return
	}
	h.Env[key] = value
}

// checkSettingsEnv fails a test that put a setting's variable in Env
// only: the settings never see it there, so the test would not test what
// it says.
func (h *Harness) checkSettingsEnv() {
	for _, name := range config.SettingVariables() {
		if _, ok := h.Env[name]; ok && !h.setenv[name] {
			h.T.Errorf("cmdtest: %s is set in Harness.Env only; set it with h.Setenv, the settings read the process environment", name)
		}
	}
}

// Reset gives the next command fresh streams and a fresh factory over the
// same config dir, keyring and environment, as a new process would have.
func (h *Harness) Reset(answers ...prompt.Answer) {
	ios, in, out, errOut := iostreams.Test()
	h.IO, h.In, h.Out, h.ErrOut = ios, in, out, errOut
	h.F = &factory.Factory{
		IOStreams: ios,
		Prompter:  prompt.NewStub(h.T, answers...),
		Browser:   h.Browser,
		Getenv:    func(k string) string { return h.Env[k] },
		Version:   "test",
		Keyring:   h.Keyring,
	}
}

// Login stores credentials for serverURL as a successful login would,
// through the login layer but without running the login command: the
// secret in the memory keyring, the account (named by the server, when the
// secret's token works) active on the active server.
func (h *Harness) Login(serverURL string, secret credentials.Secret, method string) {
	h.T.Helper()
	u, err := zenml.NormalizeServerURL(serverURL)
	if err != nil {
		h.T.Fatal(err)
	}
	account, accountType := h.accountOf(u, secret)

	// A factory of its own: h.F resolves its settings once, and the next
	// command must see this login as a new process would.
	writer := &factory.Factory{IOStreams: h.IO, Getenv: func(k string) string { return h.Env[k] }, Version: "test", Keyring: h.Keyring}
	m, err := writer.Logins()
	if err != nil {
		h.T.Fatal(err)
	}
	_, err = m.Save(context.Background(), login.Login{URL: u, Account: account, Type: accountType, Method: method,
		Secret: secret, Store: credentials.NewKeyringStore(h.Keyring, time.Second)})
	if err != nil {
		h.T.Fatal(err)
	}
}

// accountOf asks the server whose secret this is, as a login would; a
// secret the server rejects (tests of expired logins) keeps the username
// or a placeholder.
func (h *Harness) accountOf(serverURL string, secret credentials.Secret) (name, accountType string) {
	ctx := context.Background()
	c, err := zenml.NewClient(serverURL, zenml.Options{})
	if err != nil {
		h.T.Fatal(err)
	}
	token := secret.AccessToken
	if secret.APIKey != "" {
		if tok, err := c.LoginAPIKey(ctx, secret.APIKey); err == nil {
			token = tok.AccessToken
		}
	}
	if token != "" {
		if user, err := c.WithTokens(zenml.StaticToken(token)).CurrentUser(ctx); err == nil {
			return user.Name, login.AccountType(user)
		}
	}
	if secret.Username != "" {
		return secret.Username, config.AccountUser
	}
	return "test-account", config.AccountUser
}

// AccountSecret returns the stored secret of one account of a server.
func (h *Harness) AccountSecret(serverURL, account string) (credentials.Secret, error) {
	u, err := zenml.NormalizeServerURL(serverURL)
	if err != nil {
		return credentials.Secret{}, err
	}
	return credentials.NewKeyringStore(h.Keyring, time.Second).Get(credentials.Key(h.Config().ID, u, account))
}

// SecretKey is where the secret of a server's active account is filed.
func (h *Harness) SecretKey(serverURL string) string {
	h.T.Helper()
	u, err := zenml.NormalizeServerURL(serverURL)
	if err != nil {
		h.T.Fatal(err)
	}
	c := h.Config()
	s := c.Server(u)
	if s == nil || s.Active() == nil {
		h.T.Fatalf("no active account on %s", u)
	}
	return credentials.Key(c.ID, u, s.ActiveAccount)
}

// LoginPassword logs in as a user with a password (the fake's admin is
// "default" with an empty password).
func (h *Harness) LoginPassword(serverURL, username, password string) {
	h.T.Helper()
	c, err := zenml.NewClient(serverURL, zenml.Options{})
	if err != nil {
		h.T.Fatal(err)
	}
	tok, err := c.LoginPassword(context.Background(), username, password)
	if err != nil {
		h.T.Fatal(err)
	}
	expiresAt, lifetime := zenml.TokenExpiry(tok.AccessToken, tok.ExpiresIn, time.Now())
	h.Login(serverURL, credentials.Secret{Username: username, Password: password,
		AccessToken: tok.AccessToken, ExpiresAt: expiresAt, Lifetime: lifetime}, config.AuthPassword)
}

// Secret returns the stored secret of a server's active account.
func (h *Harness) Secret(serverURL string) (credentials.Secret, error) {
	u, err := zenml.NormalizeServerURL(serverURL)
	if err != nil {
		return credentials.Secret{}, err
	}
	c, err := config.Load(h.Dir)
	if err != nil {
		return credentials.Secret{}, err
	}
	s := c.Server(u)
	if s == nil || s.Active() == nil {
		return credentials.Secret{}, credentials.ErrNotFound
	}
	return credentials.NewKeyringStore(h.Keyring, time.Second).Get(credentials.Key(c.ID, u, s.ActiveAccount))
}

// Config loads the config file.
func (h *Harness) Config() *config.Config {
	h.T.Helper()
	c, err := config.Load(h.Dir)
	if err != nil {
		h.T.Fatal(err)
	}
	return c
}
