// Package factory wires what commands need — streams, prompter, browser,
// the environment, and lazily built settings, login layer and API
// clients — so a command pays only for what it uses (`zenctl token` must
// start in milliseconds). It builds things and holds no policy: which
// server and account, TLS, storage and the life of a login belong to
// internal/login; transport settings and what a request shows to
// internal/apiclient; argument and --output rules to internal/cmd/cmdargs
// and internal/cmd/outputflag.
package factory

import (
	"context"
	"os"
	"sync"
	"time"

	"github.com/spf13/pflag"

	"github.com/zenctl/zenctl/internal/apiclient"
	"github.com/zenctl/zenctl/internal/browser"
	"github.com/zenctl/zenctl/internal/cmd/outputflag"
	"github.com/zenctl/zenctl/internal/config"
	"github.com/zenctl/zenctl/internal/credentials"
	"github.com/zenctl/zenctl/internal/iostreams"
	"github.com/zenctl/zenctl/internal/login"
	"github.com/zenctl/zenctl/internal/output"
	"github.com/zenctl/zenctl/internal/prompt"
	"github.com/zenctl/zenctl/pkg/zenml"
)

// Target is the server and account a command acts on (see login.Target).
type Target = login.Target

// Factory carries a command's dependencies. Plain fields are set when the
// root command is built; the methods build the rest on first use.
type Factory struct {
	IOStreams *iostreams.IOStreams
	Prompter  prompt.Prompter
	Browser   browser.Browser
	// Getenv reads the environment; nil means os.Getenv. The settings
	// (ZENCTL_*, ZENML_STORE_*) are read from the process environment by
	// config.Resolve.
	Getenv  func(string) string
	Version string
	// Keyring replaces the OS keyring (tests of code above the store only).
	Keyring credentials.KeyringAPI
	// KeyringTimeout bounds each keyring call; 0 means the default.
	KeyringTimeout time.Duration

	// Global flags, bound by the root command, which sets GlobalFlags to
	// its flag set so that the settings know which were typed. Without it
	// (a factory built by a test or another program) the fields stand for
	// typed flags.
	ServerFlag  string
	AccountFlag string
	StorageFlag string
	Debug       bool
	GlobalFlags *pflag.FlagSet

	once    sync.Once
	logins  *login.Manager
	clients *apiclient.Builder
	initErr error
}

// Env reads one environment variable.
func (f *Factory) Env(key string) string {
	if f.Getenv == nil {
		return os.Getenv(key)
	}
	return f.Getenv(key)
}

func (f *Factory) load() {
	f.once.Do(func() { f.logins, f.clients, f.initErr = f.build() })
}

// build reads the config directory and the settings once, and builds the
// login layer and the client builder from them.
func (f *Factory) build() (*login.Manager, *apiclient.Builder, error) {
	dir, err := config.DirFrom(f.Env)
	if err != nil {
		return nil, nil, err
	}
	cfg, err := config.Load(dir)
	if err != nil {
		return nil, nil, err
	}
	flags := f.GlobalFlags
	if flags == nil {
		flags = config.Flags{Server: f.ServerFlag, Account: f.AccountFlag, Storage: f.StorageFlag, Debug: f.Debug}.FlagSet()
	}
	settings, err := config.Resolve(cfg, flags)
	if err != nil {
		return nil, nil, err
	}
	clients := &apiclient.Builder{IO: f.IOStreams, Version: f.Version, Timeout: settings.HTTPTimeout, Debug: settings.Debug}
	m := &login.Manager{
		Dir: dir, Getenv: f.Env, Settings: settings, NewClient: clients.New,
		Keyring: f.Keyring, KeyringTimeout: f.KeyringTimeout,
		Notify: login.WriterNotifier{Out: f.IOStreams.ErrOut, WarnIcon: f.IOStreams.ErrColorScheme().WarningIcon()},
	}
	m.SetConfig(cfg)
	return m, clients, nil
}

// Logins is the login layer of the config directory.
func (f *Factory) Logins() (*login.Manager, error) {
	f.load()
	return f.logins, f.initErr
}

// Settings are the resolved settings (flag > env > config > default).
func (f *Factory) Settings() (config.Settings, error) {
	m, err := f.Logins()
	if err != nil {
		return config.Settings{}, err
	}
	return m.Settings, nil
}

// Config is the configuration as last loaded or written.
func (f *Factory) Config() (*config.Config, error) {
	m, err := f.Logins()
	if err != nil {
		return nil, err
	}
	return m.Config()
}

// AuthenticatedClient returns a client for the command's server and
// account whose requests carry a token that renews itself.
func (f *Factory) AuthenticatedClient(ctx context.Context) (*zenml.Client, *Target, error) {
	m, err := f.Logins()
	if err != nil {
		return nil, nil, err
	}
	return m.Client(ctx)
}

// NewClient returns an API client with zenctl's transport settings;
// tokens may be nil for unauthenticated calls.
func (f *Factory) NewClient(serverURL string, tls login.TLS, tokens zenml.TokenSource) (*zenml.Client, error) {
	if _, err := f.Logins(); err != nil {
		return nil, err
	}
	return f.clients.New(serverURL, tls, tokens)
}

// WarnPlainHTTP warns, once per server, that secret is about to cross the
// network unencrypted, when it is (see apiclient.Builder.WarnPlainHTTP).
func (f *Factory) WarnPlainHTTP(serverURL, secret string) {
	if _, err := f.Logins(); err == nil {
		f.clients.WarnPlainHTTP(serverURL, secret)
	}
}

// OutputFormat is the format --output (flagValue) and the settings choose.
func (f *Factory) OutputFormat(flagValue string) (output.Format, error) {
	return outputflag.Format(flagValue, func() (string, error) {
		s, err := f.Settings()
		return s.Output, err
	})
}
