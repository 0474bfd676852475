// Package factory wires what commands need — streams, prompter, browser,
// the environment, and lazily built settings, login layer and API
// clients — so a command pays only for what it uses (`zenctl token` must
// start in milliseconds). It holds no policy: which server and account,
// TLS, storage and the life of a login belong to internal/login.
package factory

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/zenctl/zenctl/internal/browser"
	"github.com/zenctl/zenctl/internal/config"
	"github.com/zenctl/zenctl/internal/credentials"
	"github.com/zenctl/zenctl/internal/exitcode"
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
	// Getenv reads the environment; nil means os.Getenv.
	Getenv  func(string) string
	Version string
	// Keyring replaces the OS keyring (tests of code above the store only).
	Keyring credentials.KeyringAPI
	// KeyringTimeout bounds each keyring call; 0 means the default.
	KeyringTimeout time.Duration

	// Global flags, bound by the root command.
	ServerFlag  string
	AccountFlag string
	StorageFlag string
	Debug       bool

	once    sync.Once
	logins  *login.Manager
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
	f.once.Do(func() {
		dir, err := config.DirFrom(f.Env)
		if err != nil {
			f.initErr = err
			return
		}
		cfg, err := config.Load(dir)
		if err != nil {
			f.initErr = err
			return
		}
		settings, err := config.Resolve(cfg, f.Env, config.Flags{
			Server: f.ServerFlag, Account: f.AccountFlag, Storage: f.StorageFlag, Debug: f.Debug})
		if err != nil {
			f.initErr = err
			return
		}
		f.logins = &login.Manager{
			Dir: dir, Getenv: f.Env, Settings: settings,
			Keyring: f.Keyring, KeyringTimeout: f.KeyringTimeout,
			Warn: f.IOStreams.ErrOut, WarnIcon: f.IOStreams.ErrColorScheme().WarningIcon(),
		}
		f.logins.NewClient = f.newClient
		f.logins.SetConfig(cfg)
	})
}

// Logins is the login layer of the config directory.
func (f *Factory) Logins() (*login.Manager, error) {
	f.load()
	return f.logins, f.initErr
}

// Settings are the resolved settings (flag > env > config > default).
func (f *Factory) Settings() (config.Settings, error) {
	f.load()
	if f.initErr != nil {
		return config.Settings{}, f.initErr
	}
	return f.logins.Settings, nil
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
	f.load()
	if f.initErr != nil {
		return nil, f.initErr
	}
	return f.newClient(serverURL, tls, tokens)
}

// RetryBaseDelay is the first retry backoff of every client; 0 is
// pkg/zenml's default. A variable so that end-to-end tests shorten it in
// the zenctl processes they start.
var RetryBaseDelay time.Duration

func (f *Factory) newClient(serverURL string, tls login.TLS, tokens zenml.TokenSource) (*zenml.Client, error) {
	opts := zenml.Options{
		Timeout:            f.logins.Settings.HTTPTimeout,
		RetryBaseDelay:     RetryBaseDelay,
		UserAgent:          userAgent(f.Version),
		SourceContext:      "cli",
		Tokens:             tokens,
		InsecureSkipVerify: tls.InsecureSkipVerify,
		CACert:             tls.CACert,
		// A line per retry rather than a spinner: the command's own output
		// follows on the same stream and must not mix with one.
		// A long wait is said also off a terminal: a server's Retry-After
		// must not hold a script silently.
		OnRequest: f.showWait,
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
	if f.logins.Settings.Debug {
		opts.Debug = iostreams.EscapeWriter(f.IOStreams.ErrOut)
	}
	return zenml.NewClient(serverURL, opts)
}

// userAgent is "zenctl/VERSION Host/HOSTNAME OS/OS": the Host/ and OS/
// pairs are those of the zenml client's User-Agent, which a ZenML server
// parses into the device record its dashboard shows, so that an admin
// can tell machines apart; it ignores the pairs it does not know, such
// as zenctl's own.
func userAgent(version string) string {
	ua := "zenctl/" + uaWord(version)
	if host, err := os.Hostname(); err == nil && host != "" {
		ua += " Host/" + uaWord(host)
	}
	return ua + " OS/" + osName(runtime.GOOS)
}

// uaWord keeps a value to one printable word: the server splits the
// header on spaces.
func uaWord(s string) string {
	return strings.Map(func(r rune) rune {
		if r <= ' ' || r == 0x7f || r > 0x7e {
			return '_'
		}
		return r
	}, s)
}

// osName is GOOS as Python's platform.system() names it, the zenml
// client's OS/ value.
func osName(goos string) string {
	switch goos {
	case "linux":
		return "Linux"
	case "darwin":
		return "Darwin"
	case "windows":
		return "Windows"
	case "freebsd":
		return "FreeBSD"
	case "openbsd":
		return "OpenBSD"
	case "netbsd":
		return "NetBSD"
	}
	return goos
}

// showWait says, on a terminal, what a request that takes long waits for:
// the command's words when it gave some (iostreams.WithWaitLabel), else
// what the request does.
func (f *Factory) showWait(ctx context.Context, r zenml.RequestInfo) func() {
	label := iostreams.WaitLabel(ctx)
	switch {
	case label != "" && r.Page > 1:
		label = fmt.Sprintf("%s (page %d)", label, r.Page)
	case label != "":
	case r.Path == "/api/v1/info":
		label = "Connecting to " + r.Server
	case r.Path == "/api/v1/login":
		label = "Logging in to " + r.Server
	case r.Path == "/api/v1/current-user":
		label = "Checking the login on " + r.Server
	case r.Page > 1:
		label = fmt.Sprintf("Fetching page %d from %s", r.Page, r.Server)
	default:
		label = "Waiting for " + r.Server
	}
	return f.IOStreams.Wait(label)
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

// CompleteAccounts completes --account with the accounts stored on the
// command's server (or on every server when none is chosen).
func (f *Factory) CompleteAccounts(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	m, err := f.Logins()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	cfg, err := m.Config()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var names []string
	for _, s := range cfg.Servers {
		if u, _, err := m.ServerURL(); err == nil && u != s.URL {
			continue
		}
		names = append(names, s.AccountNames()...)
	}
	return names, cobra.ShellCompDirectiveNoFileComp
}

// AddOutputFlag adds -o/--output to a command that prints data.
func AddOutputFlag(cmd *cobra.Command, value *string) {
	cmd.Flags().StringVarP(value, "output", "o", "", "Output `FORMAT`: table, json or yaml (default from ZENCTL_OUTPUT, else table)")
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
