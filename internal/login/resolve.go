package login

import (
	"errors"
	"fmt"
	"strings"

	"github.com/zenctl/zenctl/internal/config"
	"github.com/zenctl/zenctl/internal/exitcode"
	"github.com/zenctl/zenctl/pkg/zenml"
)

// Resolver answers which server and account a command acts on, how it
// authenticates and over which certificate settings, from the settings
// (flags, environment, config file, defaults, each with its source) and a
// loaded config. It reads nothing else and writes nothing: its Targets
// carry no secret store (Manager.withSecretStore adds it) and are not
// changed afterwards.
type Resolver struct {
	Settings config.Settings
	// envURL is ZENML_STORE_URL normalised ("" when unset), done once
	// here for the server choice, the environment mode and TLSFor alike;
	// envURLErr is why it is not a server URL.
	envURL    string
	envURLErr error
}

// NewResolver is the Resolver of settings.
func NewResolver(settings config.Settings) *Resolver {
	r := &Resolver{Settings: settings}
	if raw := settings.Store.StoreURL; raw != "" {
		r.envURL, r.envURLErr = zenml.NormalizeServerURL(raw)
		if r.envURLErr != nil {
			r.envURL = ""
		}
	}
	return r
}

// Target resolves serverURL (chosen by ServerURL, or by the command) in
// cfg: the environment mode when ZENML_STORE_URL names it with a
// credential variable, else its stored record and the account --account,
// ZENCTL_ACCOUNT or the record picks.
func (r *Resolver) Target(cfg *config.Config, serverURL string, source config.Setting) (*Target, error) {
	env := r.Settings.Store
	fromEnv := r.envURL != "" && r.envURL == serverURL
	if fromEnv && (env.StoreAPIKey != "" || env.StoreAPIToken != "" || env.StoreUsername != "") {
		return &Target{URL: serverURL, URLSource: source, FromEnv: true, AuthMethod: AuthMethodEnvironment,
			TLS: r.TLSFor(serverURL, nil), env: &envSession{}}, nil
	}
	s := cfg.Server(serverURL)
	if s == nil {
		return nil, r.notLoggedIn(serverURL, fromEnv)
	}
	a, accountSource, err := r.pickAccount(s)
	if err != nil {
		return nil, err
	}
	return &Target{URL: serverURL, URLSource: source, Server: s, TLS: r.TLSFor(serverURL, s),
		Account: a, AccountSource: accountSource, AuthMethod: a.AuthMethod}, nil
}

// AccountTarget is Target for one named stored account of the server,
// whichever is active.
func (r *Resolver) AccountTarget(cfg *config.Config, serverURL string, source config.Setting, name string) (*Target, error) {
	s := cfg.Server(serverURL)
	if s == nil {
		return nil, r.notLoggedIn(serverURL, false)
	}
	a := s.Account(name)
	if a == nil {
		return nil, UnknownAccountError(s, name, "the config file")
	}
	return &Target{URL: serverURL, URLSource: source, Server: s, TLS: r.TLSFor(serverURL, s),
		Account: a, AccountSource: config.SourceConfig, AuthMethod: a.AuthMethod}, nil
}

// ServerURL picks the server for this command: --server, else
// ZENML_STORE_URL, else cfg's active server (cfg may be nil: none);
// normalised.
func (r *Resolver) ServerURL(cfg *config.Config) (string, config.Setting, error) {
	s := r.Settings.Server
	if s.Source != config.SourceFlag && s.Source != config.SourceEnv {
		// The active server as the config says now: this command may have
		// changed it (a login, a switch).
		s = config.Setting{Source: config.SourceConfig}
		if cfg != nil {
			s.Value = cfg.ActiveServer
		}
	}
	if s.Value == "" {
		if env := r.Settings.Store; env.StoreAPIKey != "" || env.StoreAPIToken != "" || env.StoreUsername != "" {
			return "", s, &exitcode.AuthError{Err: errors.New("ZENML_STORE_API_KEY, ZENML_STORE_API_TOKEN or ZENML_STORE_USERNAME is set but ZENML_STORE_URL is not: set it to the server's URL")}
		}
		if cfg != nil && len(cfg.Servers) > 0 {
			// After a plain logout the logins stay: say how to use them.
			return "", s, &exitcode.AuthError{Err: fmt.Errorf("no server is active (stored: %s); run `zenctl switch` to pick one, or pass --server URL",
				strings.Join(cfg.ServerURLs(), ", "))}
		}
		return "", s, &exitcode.AuthError{Err: ErrNotLoggedIn}
	}
	var u string
	var err error
	if s.Source == config.SourceEnv {
		u, err = r.envURL, r.envURLErr
	} else {
		u, err = zenml.NormalizeServerURL(s.Value)
	}
	if err != nil {
		return "", s, fmt.Errorf("%w (from %s)", err, s.Describe("server"))
	}
	return u, s, nil
}

// pickAccount is --account (or ZENCTL_ACCOUNT), else the server's active
// account, else its only one.
func (r *Resolver) pickAccount(s *config.Server) (*config.Account, config.Source, error) {
	want := r.Settings.Account
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

func (r *Resolver) notLoggedIn(serverURL string, fromEnv bool) error {
	env := r.Settings.Store
	switch {
	case fromEnv:
		return &envWithoutCredentials{url: serverURL, err: fmt.Errorf("not logged in to %s (from ZENML_STORE_URL): set ZENML_STORE_API_KEY or ZENML_STORE_API_TOKEN to use it without a login, or unset ZENML_STORE_URL and run `zenctl login %s`", serverURL, serverURL)}
	case env.StoreURL != "":
		return &exitcode.AuthError{Err: fmt.Errorf("not logged in to %s; unset %s and run `zenctl login %s` (login stores nothing while they are set)",
			serverURL, strings.Join(r.StoreEnvSet(false), ", "), serverURL)}
	}
	return &exitcode.AuthError{Err: fmt.Errorf("not logged in to %s; run `zenctl login %s`", serverURL, serverURL)}
}

// TLSFor returns the certificate settings for a server: the environment's
// (ZENML_STORE_VERIFY_SSL: true, false or a CA bundle's path), else the
// ones recorded at login. The environment's settings belong to
// ZENML_STORE_URL when it is set: they never weaken the checks of another
// server.
func (r *Resolver) TLSFor(serverURL string, s *config.Server) TLS {
	env := r.Settings.Store
	t := StoredTLS(s)
	if env.StoreURL != "" && r.envURL != serverURL {
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
func (r *Resolver) RefuseToStoreWhileEnvSet(action string, allowAPIKey bool) error {
	set := r.StoreEnvSet(allowAPIKey)
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
func (r *Resolver) StoreEnvSet(allowAPIKey bool) []string {
	e := r.Settings.Store
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
