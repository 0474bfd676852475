package login

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/zenctl/zenctl/internal/config"
	"github.com/zenctl/zenctl/internal/credentials"
	"github.com/zenctl/zenctl/internal/exitcode"
	"github.com/zenctl/zenctl/pkg/zenml"
)

// AuthMethodEnvironment marks credentials taken from ZENML_STORE_* variables.
const AuthMethodEnvironment = "environment"

// ErrNotLoggedIn means no server is selected.
var ErrNotLoggedIn = errors.New("not logged in to any ZenML server; run `zenctl login <server-url>`")

// Target is the server and account a command acts on, each with where it
// was chosen, and how the command authenticates.
type Target struct {
	URL       string
	URLSource config.Setting
	// Server is the stored record; nil in the environment mode.
	Server *config.Server
	// Account is the stored account (on a server without authentication,
	// one with AuthMethod none); nil in the environment mode.
	Account       *config.Account
	AccountSource config.Source
	// FromEnv is set when ZENML_STORE_* variables supply the credentials.
	FromEnv bool
	// AuthMethod is one of config.Auth*, or AuthMethodEnvironment.
	AuthMethod string
	TLS        TLS
	// Store holds the secret, under SecretKey; nil in the environment mode
	// and for a server without authentication.
	Store     credentials.SecretStore
	SecretKey string
	// Unreadable is why the stored secret could not be reached when the
	// target was resolved (its store cannot be opened, or a login of the
	// older layout could not be moved): login says how to get in again
	// without asking the store a second time.
	Unreadable error
	// env holds, in the environment mode, the session its client builds:
	// the Target itself never changes once resolved.
	env *envSession
}

// envSession is the session of a client built from ZENML_STORE_*.
type envSession struct {
	mu      sync.Mutex
	session *zenml.Session
}

func (e *envSession) set(s *zenml.Session) {
	e.mu.Lock()
	e.session = s
	e.mu.Unlock()
}

func (e *envSession) current() (zenml.Credentials, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.session == nil {
		return zenml.Credentials{}, false
	}
	return e.session.Current(), true
}

// TokenExpiry reports when the token in use expires (zero: never); ok is
// false when that is unknown: the stored secret's, or in the environment
// mode ZENML_STORE_API_TOKEN's, or that of the token a client from
// ZENML_STORE_API_KEY or _USERNAME got.
func (t *Target) TokenExpiry(env config.Env) (at time.Time, ok bool) {
	if secret, ok := t.Secret(); ok {
		return secret.ExpiresAt, true
	}
	if !t.FromEnv || t.env == nil {
		return time.Time{}, false
	}
	if c, ok := t.env.current(); ok {
		return c.ExpiresAt, c.AccessToken != ""
	}
	// Not a JWT: its expiry is unknown, which is not "never".
	if _, err := zenml.DecodeJWTClaims(env.StoreAPIToken); err != nil {
		return time.Time{}, false
	}
	at, _ = zenml.TokenExpiry(env.StoreAPIToken, nil, time.Now())
	return at, true
}

// AccountName is the account's name, or "" when none is stored.
func (t *Target) AccountName() string {
	if t.Account == nil {
		return ""
	}
	return t.Account.Name
}

// Secret reads the stored secret; ok is false in the environment mode or
// when it cannot be read.
func (t *Target) Secret() (credentials.Secret, bool) {
	if t.Store == nil {
		return credentials.Secret{}, false
	}
	s, err := t.Store.Get(t.SecretKey)
	return s, err == nil
}

// ServerURL picks the server for this command: --server, else
// ZENML_STORE_URL, else the active server; normalised.
func (m *Manager) ServerURL() (string, config.Setting, error) {
	s := m.Settings.Server
	if s.Source != config.SourceFlag && s.Source != config.SourceEnv {
		// The active server as the config says now: this command may have
		// changed it (a login, a switch).
		s = config.Setting{Source: config.SourceConfig}
		if cfg, err := m.Config(); err == nil {
			s.Value = cfg.ActiveServer
		}
	}
	if s.Value == "" {
		if env := m.Env(); env.StoreAPIKey != "" || env.StoreAPIToken != "" || env.StoreUsername != "" {
			return "", s, &exitcode.AuthError{Err: errors.New("ZENML_STORE_API_KEY, ZENML_STORE_API_TOKEN or ZENML_STORE_USERNAME is set but ZENML_STORE_URL is not: set it to the server's URL")}
		}
		if cfg, err := m.Config(); err == nil && len(cfg.Servers) > 0 {
			// After a plain logout the logins stay: say how to use them.
			return "", s, &exitcode.AuthError{Err: fmt.Errorf("no server is active (stored: %s); run `zenctl switch` to pick one, or pass --server URL",
				strings.Join(cfg.ServerURLs(), ", "))}
		}
		return "", s, &exitcode.AuthError{Err: ErrNotLoggedIn}
	}
	var u string
	var err error
	if s.Source == config.SourceEnv {
		u, err = m.normalizedEnvURL()
	} else {
		u, err = zenml.NormalizeServerURL(s.Value)
	}
	if err != nil {
		return "", s, fmt.Errorf("%w (from %s)", err, s.Describe("server"))
	}
	return u, s, nil
}

// normalizedEnvURL is ZENML_STORE_URL normalised ("" when unset): once per
// manager, for the server choice, the environment mode and its TLS
// settings alike.
func (m *Manager) normalizedEnvURL() (string, error) {
	m.envURLOnce.Do(func() {
		if raw := m.Env().StoreURL; raw != "" {
			m.envURLValue, m.envURLErr = zenml.NormalizeServerURL(raw)
		}
	})
	return m.envURLValue, m.envURLErr
}

// envURL is normalizedEnvURL, "" when it is not a valid URL.
func (m *Manager) envURL() string {
	u, err := m.normalizedEnvURL()
	if err != nil {
		return ""
	}
	return u
}

// Resolve finds the command's target: its server (ServerURL) and, through
// Target, its account and how it authenticates.
func (m *Manager) Resolve(ctx context.Context) (*Target, error) {
	serverURL, source, err := m.ServerURL()
	if err != nil {
		return nil, err
	}
	return m.Target(ctx, serverURL, source)
}

// ResolveServer is Resolve for a server already chosen.
func (m *Manager) ResolveServer(serverURL string, source config.Setting) (*Target, error) {
	if err := m.migrate(); err != nil {
		return nil, err
	}
	if err := m.migrateErrs[serverURL]; err != nil {
		return m.unmovedTarget(serverURL, source, err), err
	}
	cfg, err := m.Config()
	if err != nil {
		return nil, err
	}
	env := m.Env()
	fromEnv := m.envURL() == serverURL
	if fromEnv && (env.StoreAPIKey != "" || env.StoreAPIToken != "" || env.StoreUsername != "") {
		return &Target{URL: serverURL, URLSource: source, FromEnv: true, AuthMethod: AuthMethodEnvironment,
			TLS: m.TLSFor(serverURL, nil), env: &envSession{}}, nil
	}
	s := cfg.Server(serverURL)
	if s == nil {
		return nil, m.notLoggedIn(serverURL, fromEnv)
	}
	t := &Target{URL: serverURL, URLSource: source, Server: s, TLS: m.TLSFor(serverURL, s)}
	a, accountSource, err := m.pickAccount(s)
	if err != nil {
		return nil, err
	}
	t.Account, t.AccountSource, t.AuthMethod = a, accountSource, a.AuthMethod
	if a.AuthMethod == config.AuthNone {
		return t, nil // nothing secret to read
	}
	if t.Store, err = m.StoreOf(a); err != nil {
		// Login can still say how to get in again (see Unreadable).
		t.Unreadable = err
		return t, err
	}
	if t.SecretKey, err = m.secretKey(serverURL, a.Name); err != nil {
		return nil, err
	}
	return t, nil
}

// withAccount is the target's server with another of its accounts.
func (m *Manager) withAccount(t *Target, a *config.Account) (*Target, error) {
	other := *t
	other.Account, other.AccountSource, other.AuthMethod = a, config.SourceFlag, a.AuthMethod
	var err error
	if other.Store, err = m.StoreOf(a); err != nil {
		return nil, err
	}
	if other.SecretKey, err = m.secretKey(t.URL, a.Name); err != nil {
		return nil, err
	}
	return &other, nil
}

// unmovedTarget describes a login of the layout before accounts that could
// not be moved, so that login can say how to get in again; Unreadable
// keeps the store from being asked (and waited for) a second time.
func (m *Manager) unmovedTarget(serverURL string, source config.Setting, err error) *Target {
	cfg, cerr := m.Config()
	if cerr != nil || cfg.Server(serverURL) == nil {
		return nil
	}
	s := cfg.Server(serverURL)
	a := LegacyAccount(s)
	return &Target{URL: serverURL, URLSource: source, Server: s, Account: &a, AuthMethod: a.AuthMethod,
		TLS: m.TLSFor(serverURL, s), SecretKey: serverURL, Unreadable: err}
}

// pickAccount is --account (or ZENCTL_ACCOUNT), else the server's active
// account, else its only one.
func (m *Manager) pickAccount(s *config.Server) (*config.Account, config.Source, error) {
	want := m.Settings.Account
	if want.Value != "" {
		if a := s.Account(want.Value); a != nil {
			return a, want.Source, nil
		}
		return nil, "", UnknownAccountError(s, want.Value, want.Describe("account"))
	}
	if a := s.Active(); a != nil {
		return a, config.SourceConfig, nil
	}
	switch len(s.Accounts) {
	case 0:
		return nil, "", &exitcode.AuthError{Err: fmt.Errorf("not logged in to %s; run `zenctl login %s`", s.URL, s.URL)}
	case 1:
		return &s.Accounts[0], config.SourceDefault, nil
	}
	return nil, "", fmt.Errorf("no account is active on %s (stored: %s); run `zenctl switch %s --account NAME`, or pass --account",
		s.URL, strings.Join(s.AccountNames(), ", "), s.URL)
}

// UnknownAccountError names the accounts there are.
func UnknownAccountError(s *config.Server, name, from string) error {
	if len(s.Accounts) == 0 {
		return fmt.Errorf("no account %q on %s (from %s): no account is logged in there; run `zenctl login %s`", name, s.URL, from, s.URL)
	}
	return fmt.Errorf("no account %q on %s (from %s); stored accounts: %s", name, s.URL, from, strings.Join(s.AccountNames(), ", "))
}

func (m *Manager) notLoggedIn(serverURL string, fromEnv bool) error {
	env := m.Env()
	switch {
	case fromEnv:
		return &envWithoutCredentials{url: serverURL, err: fmt.Errorf("not logged in to %s (from ZENML_STORE_URL): set ZENML_STORE_API_KEY or ZENML_STORE_API_TOKEN to use it without a login, or unset ZENML_STORE_URL and run `zenctl login %s`", serverURL, serverURL)}
	case env.StoreURL != "":
		return &exitcode.AuthError{Err: fmt.Errorf("not logged in to %s; unset %s and run `zenctl login %s` (login stores nothing while they are set)",
			serverURL, strings.Join(m.StoreEnvSet(false), ", "), serverURL)}
	}
	return &exitcode.AuthError{Err: fmt.Errorf("not logged in to %s; run `zenctl login %s`", serverURL, serverURL)}
}

// envWithoutCredentials is ZENML_STORE_URL naming a server with no login
// and no credential variable: fine for a server without authentication,
// which Target finds out, and a login needed otherwise.
type envWithoutCredentials struct {
	url string
	err error
}

func (e *envWithoutCredentials) Error() string { return e.err.Error() }
func (e *envWithoutCredentials) Unwrap() error { return &exitcode.AuthError{Err: e.err} }

// Target is ResolveServer, and for ZENML_STORE_URL alone, a look at the
// server: one without authentication needs no login, and nothing is
// written for it.
func (m *Manager) Target(ctx context.Context, serverURL string, source config.Setting) (*Target, error) {
	t, err := m.ResolveServer(serverURL, source)
	var bare *envWithoutCredentials
	if !errors.As(err, &bare) {
		return t, err
	}
	tls := m.TLSFor(serverURL, nil)
	client, cerr := m.NewClient(serverURL, tls, nil)
	if cerr != nil {
		return nil, err
	}
	if info, ierr := client.Info(ctx); ierr != nil || !info.NoAuth() {
		return nil, err
	}
	return &Target{URL: serverURL, URLSource: source, FromEnv: true, AuthMethod: config.AuthNone, TLS: tls}, nil
}

// StoredTLS returns the certificate settings recorded at login.
func StoredTLS(s *config.Server) TLS {
	var t TLS
	if s != nil {
		t.InsecureSkipVerify = s.VerifySSL != nil && !*s.VerifySSL
		t.CACert = s.CACertPath
	}
	return t
}

// TLSFor returns the certificate settings for a server: the environment's
// (ZENML_STORE_VERIFY_SSL: true, false or a CA bundle's path), else the
// ones recorded at login. The environment's settings belong to
// ZENML_STORE_URL when it is set: they never weaken the checks of another
// server.
func (m *Manager) TLSFor(serverURL string, s *config.Server) TLS {
	env := m.Env()
	t := StoredTLS(s)
	if env.StoreURL != "" && m.envURL() != serverURL {
		return t
	}
	if env.VerifySSL != nil {
		t.InsecureSkipVerify = !*env.VerifySSL
	}
	if env.CAPath != "" {
		t.CACert = env.CAPath
	}
	return t
}

// RefuseToStoreWhileEnvSet fails while ZENML_STORE_* variables choose the
// server or the credentials: zenctl then runs from the environment and
// stores nothing. allowAPIKey spares ZENML_STORE_API_KEY, which `login
// --api-key` reads as its key.
func (m *Manager) RefuseToStoreWhileEnvSet(action string, allowAPIKey bool) error {
	set := m.StoreEnvSet(allowAPIKey)
	if len(set) == 0 {
		return nil
	}
	it := "it"
	if len(set) > 1 {
		it = "them"
	}
	return fmt.Errorf("%s set: zenctl does not store credentials while ZENML_STORE_* variables choose the server or the credentials; unset %s to %s",
		strings.Join(set, ", "), it, action)
}

// StoreEnvSet lists the ZENML_STORE_* variables set that stop zenctl from
// storing credentials.
func (m *Manager) StoreEnvSet(allowAPIKey bool) []string {
	e := m.Env()
	var set []string
	for _, v := range []struct{ name, value string }{
		{"ZENML_STORE_URL", e.StoreURL}, {"ZENML_STORE_API_KEY", e.StoreAPIKey}, {"ZENML_STORE_API_TOKEN", e.StoreAPIToken},
		{"ZENML_STORE_USERNAME", e.StoreUsername}, {"ZENML_STORE_PASSWORD", e.StorePassword},
	} {
		if v.value != "" && !(allowAPIKey && v.name == "ZENML_STORE_API_KEY") {
			set = append(set, v.name)
		}
	}
	return set
}
