// Package factory builds what commands need — streams, settings, the
// secret store and authenticated API clients — lazily, so a command pays
// only for what it uses (`zenctl token` must start in milliseconds).
package factory

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/zenctl/zenctl/internal/browser"
	"github.com/zenctl/zenctl/internal/config"
	"github.com/zenctl/zenctl/internal/credentials"
	"github.com/zenctl/zenctl/internal/exitcode"
	"github.com/zenctl/zenctl/internal/iostreams"
	"github.com/zenctl/zenctl/internal/output"
	"github.com/zenctl/zenctl/internal/prompt"
	"github.com/zenctl/zenctl/pkg/zenml"
)

// Factory carries a command's dependencies. Plain fields are set when the
// root command is built; the methods build the rest on first use.
type Factory struct {
	IOStreams *iostreams.IOStreams
	Prompter  prompt.Prompter
	Browser   browser.Browser
	Getenv    func(string) string
	Version   string
	// Keyring replaces the OS keyring (tests of code above the store only).
	Keyring credentials.KeyringAPI
	// KeyringTimeout bounds each keyring call; 0 means the default.
	KeyringTimeout time.Duration

	// Global flags, bound by the root command.
	ServerFlag  string
	StorageFlag string
	Debug       bool

	// TargetURL is the server the command talks to, once it is known, so
	// that errors which do not name it can.
	TargetURL string

	once     sync.Once
	dir      string
	cfg      *config.Config
	settings config.Settings
	initErr  error
}

func (f *Factory) getenv(key string) string {
	if f.Getenv != nil {
		return f.Getenv(key)
	}
	return os.Getenv(key)
}

func (f *Factory) load() {
	f.once.Do(func() {
		f.dir, f.initErr = config.DirFrom(f.getenv)
		if f.initErr != nil {
			return
		}
		f.cfg, f.initErr = config.Load(f.dir)
		if f.initErr != nil {
			return
		}
		v := config.NewViper(f.cfg, f.getenv)
		if f.StorageFlag != "" {
			v.Set(config.KeyStorage, f.StorageFlag)
		}
		if f.Debug {
			v.Set(config.KeyDebug, true)
		}
		f.settings, f.initErr = config.ResolveSettings(v)
	})
}

// ConfigDir is zenctl's configuration directory.
func (f *Factory) ConfigDir() (string, error) {
	f.load()
	return f.dir, f.initErr
}

// Config is the configuration as loaded when the command started.
func (f *Factory) Config() (*config.Config, error) {
	f.load()
	return f.cfg, f.initErr
}

// Settings are the resolved settings (flag > env > config > default).
func (f *Factory) Settings() (config.Settings, error) {
	f.load()
	return f.settings, f.initErr
}

// UpdateConfig changes the configuration file under its lock and keeps
// the in-memory copy in step.
func (f *Factory) UpdateConfig(fn func(*config.Config) error) error {
	f.load()
	if f.initErr != nil {
		return f.initErr
	}
	return config.Update(f.dir, func(c *config.Config) error {
		if err := fn(c); err != nil {
			return err
		}
		f.cfg = c
		return nil
	})
}

// Env is the ZENML_STORE_* environment.
func (f *Factory) Env() config.Env { return config.ReadEnv(f.getenv) }

func (f *Factory) storeOptions() credentials.Options {
	return credentials.Options{
		Mode:       credentials.Mode(f.settings.Storage),
		Explicit:   f.settings.StorageExplicit,
		Dir:        f.dir,
		Timeout:    f.KeyringTimeout,
		Keyring:    f.Keyring,
		Warn:       f.IOStreams.ErrOut,
		WarnPrefix: f.IOStreams.ErrColorScheme().WarningIcon(),
		RecordFallback: func(m credentials.Mode) error {
			return f.UpdateConfig(func(c *config.Config) error {
				c.Storage = string(m)
				return nil
			})
		},
	}
}

// NewSecretStore is the store a new login writes to; it probes the
// keyring and may fall back to the file store once (see credentials.Open).
func (f *Factory) NewSecretStore() (credentials.SecretStore, error) {
	f.load()
	if f.initErr != nil {
		return nil, f.initErr
	}
	return credentials.Open(f.storeOptions())
}

// SecretStoreFor is the store that holds the secret of a known server.
func (f *Factory) SecretStoreFor(s *config.Server) (credentials.SecretStore, error) {
	f.load()
	if f.initErr != nil {
		return nil, f.initErr
	}
	kind := ""
	if s != nil {
		kind = s.SecretStore
	}
	return credentials.OpenExisting(kind, f.storeOptions())
}

// TLSOptions are a server's certificate settings.
type TLSOptions struct {
	InsecureSkipVerify bool
	CACert             string
}

// NewClient returns an API client with zenctl's transport settings. tokens
// may be nil for unauthenticated calls.
func (f *Factory) NewClient(serverURL string, tlsOpts TLSOptions, tokens zenml.TokenSource) (*zenml.Client, error) {
	f.load()
	if f.initErr != nil {
		return nil, f.initErr
	}
	opts := zenml.Options{
		Timeout:            f.settings.HTTPTimeout,
		UserAgent:          "zenctl/" + f.Version,
		SourceContext:      "cli",
		Tokens:             tokens,
		InsecureSkipVerify: tlsOpts.InsecureSkipVerify,
		CACert:             tlsOpts.CACert,
		// A line per retry rather than a spinner: the command's own output
		// follows on the same stream and must not mix with one.
		// A long wait is said also off a terminal: a server's Retry-After
		// must not hold a script silently.
		OnRetry: func(ev zenml.RetryEvent) {
			if f.IOStreams.IsStderrTTY() || ev.Wait >= time.Second || ev.RetryAfter >= time.Second {
				reason := ev.Reason
				if ev.RetryAfter > ev.Wait {
					reason += fmt.Sprintf(" (the server asked to wait %s)", ev.RetryAfter)
				}
				fmt.Fprintf(f.IOStreams.ErrOut, "%s %s %s %s: %s; retrying in %s (attempt %d)\n",
					f.IOStreams.ErrColorScheme().WarningIcon(), ev.Server, ev.Method, ev.Path, reason, ev.Wait.Round(100*time.Millisecond), ev.Attempt+1)
			}
		},
	}
	if f.settings.Debug {
		opts.Debug = f.IOStreams.ErrOut
	}
	return zenml.NewClient(serverURL, opts)
}

// Target is the server a command acts on and how it authenticates.
type Target struct {
	URL string
	// Server is the stored metadata; nil in the environment mode.
	Server *config.Server
	// FromEnv is set when ZENML_STORE_* variables supply the credentials.
	FromEnv bool
	// AuthMethod is one of config.Auth*, or "environment".
	AuthMethod string
	// Store holds the secret; nil in the environment mode.
	Store credentials.SecretStore
	// TokenExpiry reports when the token in use expires (zero: never);
	// ok is false when that is unknown. Set in the environment mode, where
	// there is no stored secret to read it from.
	TokenExpiry func() (at time.Time, ok bool)
}

// AuthMethodEnvironment marks credentials taken from ZENML_STORE_* variables.
const AuthMethodEnvironment = "environment"

// ErrNotLoggedIn means no server is selected.
var ErrNotLoggedIn = errors.New("not logged in to any ZenML server; run `zenctl login <server-url>`")

// ResolveServerURL picks the server for this command: --server, else
// ZENML_STORE_URL, else the active server.
func (f *Factory) ResolveServerURL() (string, error) {
	f.load()
	if f.initErr != nil {
		return "", f.initErr
	}
	raw := f.ServerFlag
	if raw == "" {
		raw = f.Env().StoreURL
	}
	if raw == "" {
		raw = f.cfg.ActiveServer
	}
	if raw == "" {
		if env := f.Env(); env.StoreAPIKey != "" || env.StoreAPIToken != "" || env.StoreUsername != "" {
			return "", &exitcode.AuthError{Err: errors.New("ZENML_STORE_API_KEY, ZENML_STORE_API_TOKEN or ZENML_STORE_USERNAME is set but ZENML_STORE_URL is not: set it to the server's URL")}
		}
		return "", &exitcode.AuthError{Err: ErrNotLoggedIn}
	}
	return zenml.NormalizeServerURL(raw)
}

// StoredTLS returns the certificate settings recorded at login.
func StoredTLS(s *config.Server) TLSOptions {
	var opts TLSOptions
	if s != nil {
		opts.InsecureSkipVerify = s.VerifySSL != nil && !*s.VerifySSL
		opts.CACert = s.CACertPath
	}
	return opts
}

// TLSFor returns the certificate settings for a server: the environment's
// (ZENML_STORE_VERIFY_SSL: true, false or a CA bundle's path), else the
// ones recorded at login. The environment's settings belong to ZENML_STORE_URL
// when it is set: they never weaken the checks of another server.
func (f *Factory) TLSFor(serverURL string, s *config.Server) TLSOptions {
	env := f.Env()
	opts := StoredTLS(s)
	if env.StoreURL != "" {
		if u, err := zenml.NormalizeServerURL(env.StoreURL); err != nil || u != serverURL {
			return opts
		}
	}
	if env.VerifySSL != nil {
		opts.InsecureSkipVerify = !*env.VerifySSL
	}
	if env.CAPath != "" {
		opts.CACert = env.CAPath
	}
	return opts
}

// AuthenticatedClient returns a client for the selected server whose
// requests carry a token that renews itself.
func (f *Factory) AuthenticatedClient(ctx context.Context) (*zenml.Client, *Target, error) {
	serverURL, err := f.ResolveServerURL()
	if err != nil {
		return nil, nil, err
	}
	f.TargetURL = serverURL
	env := f.Env()
	envURL := ""
	if env.StoreURL != "" {
		envURL, _ = zenml.NormalizeServerURL(env.StoreURL)
	}
	if envURL == serverURL && (env.StoreAPIKey != "" || env.StoreAPIToken != "" || env.StoreUsername != "") {
		return f.envClient(serverURL, env)
	}
	s := f.cfg.Server(serverURL)
	// `zenctl login` refuses to run while ZENML_STORE_URL is set: the
	// advice must say so.
	switch {
	case s == nil && envURL == serverURL:
		return nil, nil, &exitcode.AuthError{Err: fmt.Errorf("not logged in to %s (from ZENML_STORE_URL): set ZENML_STORE_API_KEY or ZENML_STORE_API_TOKEN to use it without a login, or unset ZENML_STORE_URL and run `zenctl login %s`", serverURL, serverURL)}
	case s == nil && env.StoreURL != "":
		return nil, nil, &exitcode.AuthError{Err: fmt.Errorf("not logged in to %s; unset %s and run `zenctl login %s` (login stores nothing while they are set)",
			serverURL, strings.Join(f.storeEnvSet(false), ", "), serverURL)}
	}
	if s == nil {
		return nil, nil, &exitcode.AuthError{Err: fmt.Errorf("not logged in to %s; run `zenctl login %s`", serverURL, serverURL)}
	}
	if want := f.RequestedStorage(); want != "" && s.SecretStore != "" && want != s.SecretStore {
		// A login's secret stays where login put it; say so rather than
		// ignore the request silently.
		fmt.Fprintf(f.IOStreams.ErrOut, "%s The credentials of %s are in the %s store, not %s; `zenctl login %s --storage %s` moves them\n",
			f.IOStreams.ErrColorScheme().WarningIcon(), serverURL, s.SecretStore, want, serverURL, want)
	}
	return f.StoredClient(s, f.TLSFor(serverURL, s))
}

// StoredClient returns a client that authenticates with a server's stored
// credentials, renewing its token as needed, over the given TLS settings
// (login checks a stored login over the settings it was just given).
func (f *Factory) StoredClient(s *config.Server, tlsOpts TLSOptions) (*zenml.Client, *Target, error) {
	f.load()
	if f.initErr != nil {
		return nil, nil, f.initErr
	}
	serverURL := s.URL
	store, err := f.SecretStoreFor(s)
	if err != nil {
		return nil, nil, err
	}
	target := &Target{URL: serverURL, Server: s, AuthMethod: s.AuthMethod, Store: store}
	login, err := f.NewClient(serverURL, tlsOpts, nil)
	if err != nil {
		return nil, nil, err
	}
	login.SetServerVersion(s.ServerVersion)
	session := &zenml.Session{Login: login, Store: &sessionStore{f: f, server: serverURL, store: store},
		CredentialsLabel: storedCredentialsLabel(s.AuthMethod), ReauthHint: "run `" + LoginCommand(s) + "`"}
	return login.WithTokens(session), target, nil
}

// LoginCommand is the command that logs in to a server again the way it
// was logged in to before: an API-key login needs --api-key, a password
// login the user's name; anything else starts the device flow.
func LoginCommand(s *config.Server) string {
	switch s.AuthMethod {
	case config.AuthAPIKey:
		return "zenctl login " + s.URL + " --api-key"
	case config.AuthPassword:
		if s.AccountType == config.AccountUser && s.Account != "" {
			return "zenctl login " + s.URL + " --username " + ShellWord(s.Account)
		}
		return "zenctl login " + s.URL + " --username NAME"
	}
	return "zenctl login " + s.URL
}

// ShellWord quotes a name for a command line the user may paste: hints
// built from names like "ci bot" must still run.
func ShellWord(w string) string {
	if w != "" && strings.IndexFunc(w, func(r rune) bool {
		return !(r == '-' || r == '_' || r == '.' || r == '@' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) < 0 {
		return w
	}
	return "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
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

// envClient serves ZENML_STORE_URL with ZENML_STORE_API_KEY or
// ZENML_STORE_API_TOKEN: no stored state, no keyring, nothing written.
func (f *Factory) envClient(serverURL string, env config.Env) (*zenml.Client, *Target, error) {
	target := &Target{URL: serverURL, FromEnv: true, AuthMethod: AuthMethodEnvironment}
	login, err := f.NewClient(serverURL, f.TLSFor(serverURL, nil), nil)
	if err != nil {
		return nil, nil, err
	}
	if env.StoreAPIKey != "" || env.StoreUsername != "" {
		initial := zenml.Credentials{APIKey: env.StoreAPIKey}
		label, hint := "ZENML_STORE_API_KEY", "set ZENML_STORE_API_KEY to a valid API key"
		if env.StoreAPIKey == "" {
			initial.Username, initial.Password = env.StoreUsername, env.StorePassword
			label, hint = "ZENML_STORE_USERNAME and ZENML_STORE_PASSWORD", "check ZENML_STORE_USERNAME and ZENML_STORE_PASSWORD"
		}
		session := &zenml.Session{Login: login, Initial: initial, CredentialsLabel: label, ReauthHint: hint}
		target.TokenExpiry = func() (time.Time, bool) {
			c := session.Current()
			return c.ExpiresAt, c.AccessToken != ""
		}
		return login.WithTokens(session), target, nil
	}
	target.TokenExpiry = func() (time.Time, bool) {
		// Not a JWT: its expiry is unknown, which is not "never".
		if _, err := zenml.DecodeJWTClaims(env.StoreAPIToken); err != nil {
			return time.Time{}, false
		}
		at, _ := zenml.TokenExpiry(env.StoreAPIToken, nil, time.Now())
		return at, true
	}
	return login.WithTokens(envToken{token: env.StoreAPIToken, server: serverURL}), target, nil
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
	return "", &zenml.ReauthRequiredError{Server: t.server, Reason: reason, Hint: "set it to a valid token"}
}

// sessionStore lets a zenml.Session keep one server's credentials in the
// secret store, with refreshes serialised by a per-server file lock.
type sessionStore struct {
	f      *Factory
	server string
	store  credentials.SecretStore
}

func (s *sessionStore) Load(context.Context) (zenml.Credentials, error) {
	secret, err := s.store.Get(s.server)
	if errors.Is(err, credentials.ErrNotFound) {
		return zenml.Credentials{}, &exitcode.AuthError{Err: fmt.Errorf("no stored credentials for %s; run `zenctl login %s`", s.server, s.server)}
	}
	if err != nil {
		return zenml.Credentials{}, err
	}
	return CredentialsFromSecret(secret), nil
}

func (s *sessionStore) Save(_ context.Context, c zenml.Credentials) error {
	return s.store.Set(s.server, SecretFromCredentials(c))
}

func (s *sessionStore) Lock(ctx context.Context) (func(), error) {
	return config.LockServer(ctx, s.f.dir, s.server)
}

// CredentialsFromSecret converts a stored secret for a zenml.Session.
func CredentialsFromSecret(s credentials.Secret) zenml.Credentials {
	return zenml.Credentials{
		APIKey: s.APIKey, Username: s.Username, Password: s.Password,
		AccessToken: s.AccessToken, ExpiresAt: s.ExpiresAt,
		Lifetime: time.Duration(s.Lifetime) * time.Second,
	}
}

// SecretFromCredentials converts a session's credentials for storage.
func SecretFromCredentials(c zenml.Credentials) credentials.Secret {
	return credentials.Secret{
		APIKey: c.APIKey, Username: c.Username, Password: c.Password,
		HasPassword: c.Username != "",
		AccessToken: c.AccessToken, ExpiresAt: c.ExpiresAt,
		Lifetime: int64(c.Lifetime / time.Second),
	}
}

// IsLoopback reports whether a server URL points at this machine.
func IsLoopback(serverURL string) bool {
	u, err := url.Parse(serverURL)
	if err != nil {
		return false
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// RequestedStorage is the storage mode --storage or ZENCTL_STORAGE asks
// for, or "" when neither does (the config file's mode is a default).
func (f *Factory) RequestedStorage() string {
	if f.StorageFlag != "" {
		return strings.ToLower(f.StorageFlag)
	}
	return strings.ToLower(strings.TrimSpace(f.getenv("ZENCTL_STORAGE")))
}

// RefuseToStoreWhileEnvSet fails while ZENML_STORE_* variables choose the
// server or the credentials: zenctl then runs from the environment and
// stores nothing. allowAPIKey spares ZENML_STORE_API_KEY, which `login
// --api-key` reads as its key.
func (f *Factory) RefuseToStoreWhileEnvSet(action string, allowAPIKey bool) error {
	set := f.storeEnvSet(allowAPIKey)
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

// storeEnvSet lists the ZENML_STORE_* variables set that stop zenctl from
// storing credentials.
func (f *Factory) storeEnvSet(allowAPIKey bool) []string {
	var set []string
	for _, n := range []string{"ZENML_STORE_URL", "ZENML_STORE_API_KEY", "ZENML_STORE_API_TOKEN", "ZENML_STORE_USERNAME", "ZENML_STORE_PASSWORD"} {
		if f.getenv(n) != "" && !(allowAPIKey && n == "ZENML_STORE_API_KEY") {
			set = append(set, n)
		}
	}
	return set
}

// CompleteServerURLs completes --server with the URLs of the servers
// zenctl has logins for.
func (f *Factory) CompleteServerURLs(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	cfg, err := f.Config()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return cfg.ServerURLs(), cobra.ShellCompDirectiveNoFileComp
}

// CompleteServerURLArg completes a command's single SERVER_URL argument.
func (f *Factory) CompleteServerURLArg(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return f.CompleteServerURLs(cmd, args, toComplete)
}

// AddOutputFlag adds -o/--output to a command that prints data.
func AddOutputFlag(cmd *cobra.Command, value *string) {
	cmd.Flags().StringVarP(value, "output", "o", "", "Output format: table, json or yaml (default from ZENCTL_OUTPUT, else table)")
	_ = cmd.RegisterFlagCompletionFunc("output", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return output.Formats(), cobra.ShellCompDirectiveNoFileComp
	})
}

// OutputFormat resolves --output: the flag, else ZENCTL_OUTPUT or the
// config file, else table.
func (f *Factory) OutputFormat(flagValue string) (output.Format, error) {
	if flagValue != "" {
		format, err := output.ParseFormat(flagValue)
		if err != nil {
			return "", exitcode.Usagef("%v", err)
		}
		return format, nil
	}
	settings, err := f.Settings()
	if err != nil {
		return "", err
	}
	format, err := output.ParseFormat(settings.Output)
	if err != nil {
		return "", fmt.Errorf("%v (from ZENCTL_OUTPUT or the config file's output)", err)
	}
	return format, nil
}

// LockServer takes the per-server lock that token renewal holds, so that
// a login, logout or import never interleaves with a renewal that would
// then write back the credentials it read before.
func (f *Factory) LockServer(ctx context.Context, serverURL string) (unlock func(), err error) {
	f.load()
	if f.initErr != nil {
		return nil, f.initErr
	}
	if err := config.EnsureDir(f.dir); err != nil {
		return nil, err
	}
	return config.LockServer(ctx, f.dir, serverURL)
}
