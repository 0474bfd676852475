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

// Resolve finds the command's target: its server (ServerURL) and, through
// Target, its account and how it authenticates.
func (m *Manager) Resolve(ctx context.Context) (*Target, error) {
	serverURL, source, err := m.ServerURL()
	if err != nil {
		return nil, err
	}
	return m.Target(ctx, serverURL, source)
}

// ResolveServer is Resolve for a server already chosen: the Resolver's
// Target, with the store that holds its secret. Logins of the layout
// before accounts are moved first.
func (m *Manager) ResolveServer(serverURL string, source config.Setting) (*Target, error) {
	cfg, unmoved, err := m.migratedConfig(serverURL, source)
	if err != nil {
		return unmoved, err
	}
	t, err := m.resolver().Target(cfg, serverURL, source)
	if err != nil {
		return nil, err
	}
	return m.withSecretStore(t)
}

// migratedConfig is the config once logins of the older layout are moved.
// When serverURL's could not be moved, unmoved describes it (see
// unmovedTarget) and err says why.
func (m *Manager) migratedConfig(serverURL string, source config.Setting) (cfg *config.Config, unmoved *Target, err error) {
	if err := m.migrate(); err != nil {
		return nil, nil, err
	}
	if err := m.migrateErr(serverURL); err != nil {
		return nil, m.unmovedTarget(serverURL, source, err), err
	}
	cfg, err = m.Config()
	return cfg, nil, err
}

// withSecretStore adds to a resolved target the store and key of its
// secret (which may assign the directory its id: a write the Resolver
// never does). A store that cannot be opened is kept as Unreadable.
func (m *Manager) withSecretStore(t *Target) (*Target, error) {
	if t.FromEnv || t.Account == nil || t.AuthMethod == config.AuthNone {
		return t, nil // nothing secret to read
	}
	withStore := *t
	var err error
	if withStore.Store, err = m.StoreOf(t.Account); err != nil {
		// Login can still say how to get in again (see Unreadable).
		withStore.Unreadable = err
		return &withStore, err
	}
	if withStore.SecretKey, err = m.secretKey(t.URL, t.Account.Name); err != nil {
		return nil, err
	}
	return &withStore, nil
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
		TLS: m.resolver().TLSFor(serverURL, s), SecretKey: serverURL, Unreadable: err}
}

// UnknownAccountError names the accounts there are.
func UnknownAccountError(s *config.Server, name, from string) error {
	if len(s.Accounts) == 0 {
		return fmt.Errorf("no account %q on %s (from %s): no account is logged in there; run `zenctl login %s`", name, s.URL, from, s.URL)
	}
	return fmt.Errorf("no account %q on %s (from %s); stored accounts: %s", name, s.URL, from, strings.Join(s.AccountNames(), ", "))
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
	tls := m.resolver().TLSFor(serverURL, nil)
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

// ServerURL picks the server for this command (Resolver.ServerURL) from
// the config as this command left it: it may have changed the active
// server (a login, a switch).
func (m *Manager) ServerURL() (string, config.Setting, error) {
	cfg, err := m.Config()
	if err != nil {
		cfg = nil
	}
	return m.resolver().ServerURL(cfg)
}

// TLSFor is Resolver.TLSFor.
func (m *Manager) TLSFor(serverURL string, s *config.Server) TLS {
	return m.resolver().TLSFor(serverURL, s)
}

// RefuseToStoreWhileEnvSet is Resolver.RefuseToStoreWhileEnvSet.
func (m *Manager) RefuseToStoreWhileEnvSet(action string, allowAPIKey bool) error {
	return m.resolver().RefuseToStoreWhileEnvSet(action, allowAPIKey)
}

// StoreEnvSet is Resolver.StoreEnvSet.
func (m *Manager) StoreEnvSet(allowAPIKey bool) []string {
	return m.resolver().StoreEnvSet(allowAPIKey)
}

// resolver is the Resolver of the manager's settings, made once: the
// settings do not change during a command.
func (m *Manager) resolver() *Resolver {
	m.resolverOnce.Do(func() { m.resolve = NewResolver(m.Settings) })
	return m.resolve
}
