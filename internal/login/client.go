package login

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/zenctl/zenctl/internal/config"
	"github.com/zenctl/zenctl/internal/credentials"
	"github.com/zenctl/zenctl/internal/errhint"
	"github.com/zenctl/zenctl/internal/exitcode"
	"github.com/zenctl/zenctl/pkg/zenml"
)

// Client returns a client for the command's target whose requests carry a
// token that renews itself.
func (m *Manager) Client(ctx context.Context) (*zenml.Client, *Target, error) {
	t, err := m.Resolve(ctx)
	if err != nil {
		return nil, nil, err
	}
	m.WarnIfStoredElsewhere(t)
	c, err := m.ClientFor(ctx, t, t.TLS)
	return c, t, err
}

// WarnIfStoredElsewhere says so when --storage or ZENCTL_STORAGE asks for
// another store than the one holding the target's secret: a login's secret
// stays where login put it, and ignoring the request silently would
// mislead. (login itself moves it, and says nothing of the kind.)
func (m *Manager) WarnIfStoredElsewhere(t *Target) {
	if t.Store == nil {
		return
	}
	if want := m.Settings.StorageRequested(); want != "" && t.Store.Kind() != want {
		m.notify().Warn(fmt.Sprintf("The credentials of %s are in the %s store, not %s; `zenctl login %s --storage %s` moves them",
			t.describe(), t.Store.Kind(), want, t.URL, want))
	}
}

// ClientFor returns a client that authenticates as a resolved target over
// the given TLS settings (login checks a stored login over the settings it
// was just given).
func (m *Manager) ClientFor(ctx context.Context, t *Target, tls TLS) (*zenml.Client, error) {
	switch {
	case t.AuthMethod == config.AuthNone && t.FromEnv:
		return m.NewClient(t.URL, tls, nil)
	case t.FromEnv:
		return m.envClient(t)
	case t.AuthMethod == config.AuthNone:
		return m.noAuthClient(ctx, t, tls)
	}
	login, err := m.NewClient(t.URL, tls, nil)
	if err != nil {
		return nil, err
	}
	login.SetServerVersion(t.Server.ServerVersion)
	session := &zenml.Session{Login: login, Store: &sessionStore{m: m, server: t.URL, account: t.AccountName(), key: t.SecretKey, store: t.Store, command: LoginCommand(t.Server, t.Account)},
		// The stored API key or password goes only to the server it was
		// stored for (docs/guides/security-model.md).
		BeforeExchange: func(ctx context.Context) error { return VerifyServer(ctx, login, t.Server) }}
	return login.WithTokens(hintedSession{session, storedCredentialsLabel(t.AuthMethod), errhint.FromStore, LoginCommand(t.Server, t.Account)}), nil
}

// noAuthClient is a client without credentials for a server recorded as
// not using authentication, once the server confirms it still does not:
// one look at /info (a local server answers at once) turns "401 Not
// authenticated" on every command into what happened and what to run.
func (m *Manager) noAuthClient(ctx context.Context, t *Target, tls TLS) (*zenml.Client, error) {
	client, err := m.NewClient(t.URL, tls, nil)
	if err != nil {
		return nil, err
	}
	info, err := client.Info(ctx)
	if err != nil {
		return nil, err
	}
	if !info.NoAuth() {
		return nil, &exitcode.AuthError{Err: fmt.Errorf("%s now asks for authentication (auth scheme %s); it did not when zenctl recorded it: run `zenctl login %s`",
			t.URL, info.AuthScheme, t.URL)}
	}
	return client, nil
}

// describe names the target's login in messages: "alice on URL".
func (t *Target) describe() string {
	if t.Account == nil {
		return t.URL
	}
	return t.Account.Name + " on " + t.URL
}

func storedCredentialsLabel(method string) string {
	switch method {
	case config.AuthAPIKey:
		return "the stored API key"
	case config.AuthPassword:
		return "the stored password"
	}
	return "the stored credentials"
}

// hintedSession adds to a session's ReauthRequiredError what gets the
// user in again (errhint.LoginAgain): the library says what happened, the
// CLI what to run.
type hintedSession struct {
	*zenml.Session
	// label names the credential in the CLI's words ("the stored API key",
	// "ZENML_STORE_API_KEY"); from and command are errhint.LoginAgain's.
	label, from, command string
}

func (h hintedSession) Token(ctx context.Context) (string, error) {
	tok, err := h.Session.Token(ctx)
	return tok, h.add(err)
}

func (h hintedSession) Refresh(ctx context.Context, rejected string) (string, error) {
	tok, err := h.Session.Refresh(ctx, rejected)
	return tok, h.add(err)
}

func (h hintedSession) add(err error) error {
	var reauth *zenml.ReauthRequiredError
	if !errors.As(err, &reauth) || err != error(reauth) {
		return err
	}
	if d, ok := zenml.DeactivatedBy(reauth.Rejection); reauth.Rejection != nil && ok && d.WholeAccount() {
		return err // the library says why logging in again cannot help
	}
	if reauth.Rejection != nil && h.label != "" {
		reauth.Reason = "the server rejected " + h.label + ": " + reauth.Rejection.Message
	}
	return errhint.LoginAgain(reauth, h.from, h.command)
}

// LoginCommand is the command that logs in to a server again the way the
// account was logged in to before: an API-key login needs --api-key, a
// password login the user's name; anything else starts the device flow.
// An account other than the server's active one is named with --account:
// without it, login would act on the active one ("Already logged in").
func LoginCommand(s *config.Server, a *config.Account) string {
	if a == nil {
		return "zenctl login " + s.URL
	}
	cmd := "zenctl login " + s.URL
	if s.ActiveAccount != "" && s.ActiveAccount != a.Name && a.Name != "" {
		cmd += " --account " + ShellWord(a.Name)
	}
	switch a.AuthMethod {
	case config.AuthAPIKey:
		return cmd + " --api-key"
	case config.AuthPassword:
		if a.Type != config.AccountServiceAccount && a.Name != "" {
			return cmd + " --username " + ShellWord(a.Name)
		}
		return cmd + " --username NAME"
	}
	return cmd
}

// envClient serves ZENML_STORE_URL with ZENML_STORE_API_KEY,
// ZENML_STORE_USERNAME or ZENML_STORE_API_TOKEN: no stored state, no
// keyring, nothing written.
func (m *Manager) envClient(t *Target) (*zenml.Client, error) {
	env := m.Env()
	login, err := m.NewClient(t.URL, t.TLS, nil)
	if err != nil {
		return nil, err
	}
	if env.StoreAPIKey != "" || env.StoreUsername != "" {
		initial := zenml.Credentials{APIKey: env.StoreAPIKey}
		label, from := "ZENML_STORE_API_KEY", errhint.FromAPIKey
		if env.StoreAPIKey == "" {
			initial.Username, initial.Password = env.StoreUsername, env.StorePassword
			label, from = "ZENML_STORE_USERNAME and ZENML_STORE_PASSWORD", errhint.FromUsername
		}
		session := &zenml.Session{Login: login, Initial: initial}
		if t.env != nil {
			t.env.set(session) // for Target.TokenExpiry
		}
		return login.WithTokens(hintedSession{session, label, from, ""}), nil
	}
	return login.WithTokens(envToken{token: env.StoreAPIToken, server: t.URL}), nil
}

// envToken is ZENML_STORE_API_TOKEN. It cannot be renewed; when the server
// rejects it, the error names the variable rather than a stored login.
type envToken struct{ token, server string }

func (t envToken) Token(context.Context) (string, error) { return t.token, nil }

func (t envToken) Refresh(context.Context, string) (string, error) {
	reason := "the server rejected ZENML_STORE_API_TOKEN"
	if claims, err := zenml.DecodeJWTClaims(t.token); err == nil && claims.ExpiresAt != nil && time.Unix(*claims.ExpiresAt, 0).Before(time.Now()) {
		reason += " (it expired at " + time.Unix(*claims.ExpiresAt, 0).UTC().Format(time.RFC3339) + ")"
	}
	return "", errhint.LoginAgain(&zenml.ReauthRequiredError{Server: t.server, Reason: reason}, errhint.FromAPIToken, "")
}

// sessionStore lets a zenml.Session keep one account's credentials in the
// secret store, with refreshes serialised by the server's file lock.
type sessionStore struct {
	m                    *Manager
	server, account, key string
	store                credentials.SecretStore
	// command logs in again (LoginCommand).
	command string
}

func (s *sessionStore) Load(context.Context) (zenml.Credentials, error) {
	secret, err := s.store.Get(s.key)
	if errors.Is(err, credentials.ErrNotFound) {
		return zenml.Credentials{}, &exitcode.AuthError{Err: errhint.LoginAgain(fmt.Errorf("no stored credentials for %s", credentials.Describe(s.key)), errhint.FromStore, s.command)}
	}
	if err != nil {
		return zenml.Credentials{}, err
	}
	return secret, nil
}

// Save keeps a renewed token for the next command, in the secret store
// only (server list reads its expiry there; config.yaml stays as login
// wrote it). When it cannot (a
// read-only config directory, a keyring that refuses), this command still
// uses the token it just got, and says once that the next will log in again.
func (s *sessionStore) Save(_ context.Context, c zenml.Credentials) error {
	err := s.store.Set(s.key, c)
	if err != nil {
		s.m.saveWarning.Do(func() {
			s.m.notify().Warn(fmt.Sprintf("Could not keep the renewed token of %s (%v); this command uses it, and the next one will log in again",
				credentials.Describe(s.key), err))
		})
		return nil
	}
	return nil
}

func (s *sessionStore) Lock(ctx context.Context) (func(), error) {
	return config.LockServer(ctx, s.m.Dir, s.server, s.m.sayWaiting(s.server))
}

// MintError explains a refused api_token request. A server that stopped
// using authentication since the login refuses every one: say so, rather
// than "not authenticated" to a login that works.
func MintError(ctx context.Context, client *zenml.Client, t *Target, err error) error {
	// A 401 whatever its kind: NO_AUTH's api_token answers with an
	// AuthorizationException, which reads as a permission failure.
	var apiErr *zenml.Error
	if errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusUnauthorized {
		if info, ierr := client.Info(ctx); ierr == nil && info.NoAuth() {
			return fmt.Errorf("%s no longer uses authentication (NO_AUTH): it issues no tokens and needs none; run `zenctl login %s` to record that", t.URL, t.URL)
		}
	}
	return fmt.Errorf("minting a token on %s: %w", t.URL, err)
}
