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
}

// New returns a harness with a fresh config dir and an empty keyring.
// answers feed the prompter; an unexpected prompt fails the test.
func New(t testing.TB, answers ...prompt.Answer) *Harness {
	t.Helper()
	ios, in, out, errOut := iostreams.Test()
	h := &Harness{T: t, IO: ios, In: in, Out: out, ErrOut: errOut, Dir: t.TempDir(),
		Keyring: credentials.NewMemoryKeyring(), Browser: &browser.Stub{}}
	h.Env = map[string]string{"ZENCTL_CONFIG_DIR": h.Dir}
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
// without running the login command: the secret in the memory keyring and
// the server as the active one.
func (h *Harness) Login(serverURL string, secret credentials.Secret, method string) {
	h.T.Helper()
	u, err := zenml.NormalizeServerURL(serverURL)
	if err != nil {
		h.T.Fatal(err)
	}
	store := credentials.NewKeyringStore(h.Keyring, time.Second)
	if err := store.Set(u, secret); err != nil {
		h.T.Fatal(err)
	}
	err = config.Update(h.Dir, func(c *config.Config) error {
		s := config.Server{URL: u, AuthMethod: method, SecretStore: store.Kind()}
		if secret.Username != "" {
			s.Account, s.AccountType = secret.Username, config.AccountUser
		}
		c.UpsertServer(s)
		c.ActiveServer = u
		return nil
	})
	if err != nil {
		h.T.Fatal(err)
	}
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
	h.Login(serverURL, credentials.Secret{Username: username, Password: password, HasPassword: true,
		AccessToken: tok.AccessToken, ExpiresAt: expiresAt, Lifetime: int64(lifetime / time.Second)}, config.AuthPassword)
}

// Secret returns the stored secret of a server.
func (h *Harness) Secret(serverURL string) (credentials.Secret, error) {
	u, err := zenml.NormalizeServerURL(serverURL)
	if err != nil {
		return credentials.Secret{}, err
	}
	return credentials.NewKeyringStore(h.Keyring, time.Second).Get(u)
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
