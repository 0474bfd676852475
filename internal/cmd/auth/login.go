// Package auth holds the commands that log in and out and hand out tokens:
// login, logout, token and status.
package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/google/uuid"
	"github.com/spf13/cobra"

	"github.com/zenctl/zenctl/internal/atomicfile"
	"github.com/zenctl/zenctl/internal/browser"
	"github.com/zenctl/zenctl/internal/cmd/cmdargs"
	"github.com/zenctl/zenctl/internal/cmd/complete"
	"github.com/zenctl/zenctl/internal/cmd/factory"
	"github.com/zenctl/zenctl/internal/config"
	"github.com/zenctl/zenctl/internal/credentials"
	"github.com/zenctl/zenctl/internal/errhint"
	"github.com/zenctl/zenctl/internal/exitcode"
	"github.com/zenctl/zenctl/internal/iostreams"
	"github.com/zenctl/zenctl/internal/login"
	"github.com/zenctl/zenctl/internal/output"
	"github.com/zenctl/zenctl/internal/prompt"
	"github.com/zenctl/zenctl/pkg/zenml"
)

// LoginOptions are the inputs of `zenctl login`.
type LoginOptions struct {
	IO       *iostreams.IOStreams
	Prompter prompt.Prompter
	Browser  browser.Browser
	// Logins is the login layer; NewClient a client for a server that is
	// not logged in to yet; Getenv reads CI.
	Logins    func() (*login.Manager, error)
	NewClient login.ClientFunc
	Getenv    func(string) string
	// envAPIKey is ZENML_STORE_API_KEY as the settings read it, a key
	// source for --api-key.
	envAPIKey string
	// WarnPlainHTTP warns that secrets to a server cross the network
	// unencrypted, when they do; nil is quiet.
	WarnPlainHTTP func(serverURL, secret string)
	// ServerFlag is the global --server.
	ServerFlag string

	ServerURL     string
	APIKey        bool
	Username      string
	PasswordStdin bool
	Device        bool
	Refresh       bool
	Yes           bool
	NoBrowser     bool
	NoVerifySSL   bool
	SSLCACert     string
	// PollScale shortens the device flow's waits and deadline in tests;
	// 0 means DefaultPollScale.
	PollScale float64
}

// NewCmdLogin builds `zenctl login`. runF replaces the work in tests.
func NewCmdLogin(f *factory.Factory, runF func(*LoginOptions) error) *cobra.Command {
	opts := &LoginOptions{IO: f.IOStreams, Prompter: f.Prompter, Browser: f.Browser,
		Logins: f.Logins, NewClient: f.NewClient, Getenv: f.Env, WarnPlainHTTP: f.WarnPlainHTTP}
	cmd := &cobra.Command{
		Use:   "login [SERVER_URL]",
		Short: "Log in to a ZenML server",
		Long: heredoc.Doc(`
			Log in to a ZenML server and store the credentials in the OS keyring
			(or, where there is none, a 0600 file).

			Three ways to log in:
			  --api-key          a service account's API key, read from a hidden
			                     prompt, from stdin, or from ZENML_STORE_API_KEY
			  --username NAME    a user's password, from a hidden prompt or
			                     --password-stdin
			  --device           the device flow: approve this machine in the
			                     ZenML dashboard in a browser

			With none of them, zenctl keeps the way the server was logged in to
			before: a stored API key or password is used again (and asked for
			again on a terminal if the server rejects it); a server never logged
			in to, or logged in to through the device flow, gets the device flow
			on a terminal. Without one, login fails at once naming the flags
			rather than wait for a browser approval; --device waits anyway.

			Without SERVER_URL, zenctl logs in again to the active server.
			Each server keeps its own credentials; the last one logged in to
			becomes the active server. Tokens renew themselves: with an API key
			or a password zenctl logs in again when the token expires.

			--ssl-ca-cert and --no-verify-ssl are remembered for the server;
			giving them to a server that is still logged in only updates them.
		`),
		Example: heredoc.Doc(`
			# Log in through the browser (device flow)
			$ zenctl login https://zenml.example.com

			# Log in with a service account's API key, e.g. in CI
			$ echo "$ZENML_API_KEY" | zenctl login https://zenml.example.com --api-key

			# Log in as a user; the password is prompted for with hidden input
			$ zenctl login https://zenml.example.com --username alice
		`),
		Args:              cmdargs.MaxArgs(1),
		ValidArgsFunction: complete.ServerURLArg(f),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ServerFlag = f.ServerFlag
			if len(args) == 1 {
				opts.ServerURL = args[0]
			}
			if n := countTrue(opts.APIKey, opts.Username != "", opts.Device); n > 1 {
				return exitcode.Usagef("--api-key, --username and --device cannot be used together")
			}
			if opts.PasswordStdin && opts.Username == "" {
				return exitcode.Usagef("--password-stdin needs --username")
			}
			if opts.NoVerifySSL && opts.SSLCACert != "" {
				return exitcode.Usagef("--no-verify-ssl and --ssl-ca-cert cannot be used together")
			}
			if runF != nil {
				return runF(opts)
			}
			return runLogin(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.APIKey, "api-key", false, "Log in with a service account's API key (read from a prompt, stdin or ZENML_STORE_API_KEY)")
	cmd.Flags().StringVar(&opts.Username, "username", "", "Log in as the user `NAME` with a password")
	cmd.Flags().BoolVar(&opts.PasswordStdin, "password-stdin", false, "Read the password from stdin (with --username)")
	cmd.Flags().BoolVar(&opts.Device, "device", false, "Log in through the browser (device flow), whatever the stored login method")
	cmd.Flags().BoolVar(&opts.Refresh, "refresh", false, "Log in again even if the stored credentials still work")
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "Start the device flow over without asking, even while this machine's device session still works")
	cmd.Flags().BoolVar(&opts.NoBrowser, "no-browser", false, "Do not open a browser for the device flow; print the URL only")
	cmd.Flags().BoolVar(&opts.NoVerifySSL, "no-verify-ssl", false, "Do not verify the server's TLS certificate (insecure)")
	cmd.Flags().StringVar(&opts.SSLCACert, "ssl-ca-cert", "", "Trust the CA certificate in this PEM `FILE` (or PEM text)")
	return cmd
}

func runLogin(ctx context.Context, opts *LoginOptions) error {
	m, err := opts.Logins()
	if err != nil {
		return err
	}
	// ZENML_STORE_API_KEY is a key source for `login --api-key`.
	if err := m.RefuseToStoreWhileEnvSet("log in", opts.APIKey); err != nil {
		return err
	}
	opts.envAPIKey = m.Env().StoreAPIKey
	if asksForSecret(opts) {
		// From now: a password typed ahead during the connection must
		// not show on the screen.
		defer prompt.HoldEcho(opts.IO)()
	}
	serverURL, err := pickServer(opts, m)
	if err != nil {
		return err
	}
	tlsPlan, err := planTLS(opts, m, serverURL)
	if err != nil {
		return err
	}
	client, info, err := connect(ctx, opts, serverURL, tlsPlan.use)
	if err != nil {
		return err
	}
	changed := m.IdentityChanged(serverURL, info)
	if changed != nil {
		// The stored login belongs to another server: nothing of it is
		// sent; logging in anew is what trusts this one.
		fmt.Fprintf(opts.IO.ErrOut, "%s %s now reports server id %s, not %s as when you logged in: the stored login is not sent to it, and this login replaces the recorded identity\n",
			opts.IO.ErrColorScheme().WarningIcon(), serverURL, orNone(changed.Reported), iostreams.EscapeLine(changed.Recorded))
	}
	if info.NoAuth() {
		return saveNoAuthLogin(ctx, opts, m, serverURL, info, tlsPlan)
	}
	existing, err := m.StoredLogin(serverURL)
	if err != nil {
		return err
	}
	explicit := opts.APIKey || opts.Username != "" || opts.Device
	rejected := untrustedStoredLogin(opts, existing, info, changed != nil)
	if rejected == "" && !opts.Refresh && !explicit && existing != nil {
		kept, why, err := keepWorkingLogin(ctx, opts, m, existing, info, tlsPlan)
		if kept || err != nil {
			return err
		}
		rejected = why
	}
	// Check the secret store before the user goes through a login: an
	// explicit keyring that is unavailable fails now, not after a device
	// flow or a key exchange.
	store, err := m.NewStore()
	if err != nil {
		return err
	}
	if rejected == "" && startsDeviceFlow(opts, existing) {
		if err := confirmDeviceRestart(ctx, opts, m, existing, tlsPlan.use); err != nil {
			return err
		}
	}
	obtained, err := obtainSecret(ctx, opts, m, client, existing, rejected)
	if err != nil {
		return err
	}
	wasActive := activeServer(m) == serverURL
	user, saved, err := m.Complete(ctx, client, login.Completion{URL: serverURL, Info: info, TLS: &tlsPlan.record, Store: store},
		login.Obtained{Secret: obtained.secret, Method: obtained.method, ClientID: obtained.clientID})
	if err != nil {
		return err
	}
	reportLogin(opts, serverURL, user, obtained, saved, wasActive)
	reportBlockedAccounts(opts, m, serverURL, user.Name, info)
	return nil
}

// untrustedStoredLogin is why the stored login may not be sent to the
// server now answering, or "". After an identity change the way the user
// logged in (method, username) is kept, but nothing stored is sent: the
// secret is asked for again.
func untrustedStoredLogin(opts *LoginOptions, existing *login.Target, info *zenml.ServerInfo, identityChanged bool) string {
	switch {
	case identityChanged && existing != nil:
		return "the server's identity changed, so the stored credentials are not sent to it"
	case !trustsServer(opts, existing, info):
		return "the stored credentials were given to another server id, so they are not sent to it"
	}
	return ""
}

// reportBlockedAccounts names the other accounts of the server that still
// trust its former identity, with the login that unblocks each.
func reportBlockedAccounts(opts *LoginOptions, m *login.Manager, serverURL, loggedIn string, info *zenml.ServerInfo) {
	for _, b := range m.BlockedAccounts(serverURL, loggedIn, info) {
		fmt.Fprintf(opts.IO.ErrOut, "%s %s stays blocked on %s: its credentials were stored for another server id and are not sent to this one until it logs in again: `%s`\n",
			opts.IO.ErrColorScheme().WarningIcon(), iostreams.EscapeLine(b.Account), serverURL, iostreams.EscapeLine(b.Command))
	}
}

// trustsServer reports whether a stored login's secret was given to the
// server that answers now. The server's record may say so while the
// account's does not: another account's login trusted the new server,
// for that account only.
func trustsServer(opts *LoginOptions, existing *login.Target, info *zenml.ServerInfo) bool {
	if existing == nil || login.CheckIdentity(existing.Server, existing.Account, info) == nil {
		return true
	}
	name := iostreams.EscapeLine(existing.AccountName())
	fmt.Fprintf(opts.IO.ErrOut, "%s The stored login of %s on %s was made with another server id: it is not sent, and this login trusts the server that answers now for %s\n",
		opts.IO.ErrColorScheme().WarningIcon(), name, existing.URL, name)
	return false
}

// pickServer is SERVER_URL, else --server, else the active server; with
// none of them, a terminal chooses among the stored servers.
func pickServer(opts *LoginOptions, m *login.Manager) (string, error) {
	raw := opts.ServerURL
	if raw == "" {
		raw = opts.ServerFlag
	}
	if raw == "" {
		cfg, err := m.Config()
		if err != nil {
			return "", err
		}
		if raw = cfg.ActiveServer; raw != "" {
			fmt.Fprintf(opts.IO.ErrOut, "Active server: %s\n", raw)
		} else if raw, err = chooseStoredServer(opts.IO, opts.Prompter, cfg.ServerURLs(), "login"); err != nil {
			return "", err
		}
	}
	return zenml.NormalizeServerURL(raw)
}

// tlsPlan holds the certificate settings recorded for the server (the
// flags, else what was recorded before) and those this login uses
// (ZENML_STORE_VERIFY_SSL applies to it but is not recorded).
type tlsPlan struct{ record, use login.TLS }

func planTLS(opts *LoginOptions, m *login.Manager, serverURL string) (tlsPlan, error) {
	cfg, err := m.Config()
	if err != nil {
		return tlsPlan{}, err
	}
	s := cfg.Server(serverURL)
	p := tlsPlan{record: login.StoredTLS(s), use: m.TLSFor(serverURL, s)}
	switch {
	case opts.NoVerifySSL:
		p.record = login.TLS{InsecureSkipVerify: true}
		p.use = p.record
	case opts.SSLCACert != "":
		caPath, err := caCertPath(m.Dir, opts.SSLCACert)
		if err != nil {
			return tlsPlan{}, err
		}
		p.record = login.TLS{CACert: caPath}
		p.use = p.record
	}
	cs, errOut := opts.IO.ErrColorScheme(), opts.IO.ErrOut
	if strings.HasPrefix(serverURL, "http://") {
		if opts.NoVerifySSL || opts.SSLCACert != "" {
			fmt.Fprintf(errOut, "%s %s uses plain http: --no-verify-ssl and --ssl-ca-cert have no effect on it\n", cs.WarningIcon(), serverURL)
		}
	} else if p.use.InsecureSkipVerify {
		fmt.Fprintf(errOut, "%s TLS certificate verification is off for %s: anyone on the network path can read your credentials\n", cs.WarningIcon(), serverURL)
	}
	return p, nil
}

// connect checks that the URL is a self-hosted ZenML server.
func connect(ctx context.Context, opts *LoginOptions, serverURL string, tls login.TLS) (*zenml.Client, *zenml.ServerInfo, error) {
	client, err := opts.NewClient(serverURL, tls, nil)
	if err != nil {
		return nil, nil, err
	}
	info, err := client.Info(ctx)
	if err != nil {
		return nil, nil, notAServerError(serverURL, err)
	}
	if info.DeploymentType == "cloud" {
		return nil, nil, fmt.Errorf("%s is a ZenML Pro workspace; zenctl supports self-hosted ZenML servers only", serverURL)
	}
	// Before anything is typed or sent; the client builder says it once
	// per server, so the login request does not say it again.
	if opts.WarnPlainHTTP != nil {
		opts.WarnPlainHTTP(serverURL, "credentials")
	}
	return client, info, nil
}

func activeServer(m *login.Manager) string {
	cfg, err := m.Config()
	if err != nil {
		return ""
	}
	return cfg.ActiveServer
}

// keepWorkingLogin checks the stored login over the TLS settings this login
// was given; when it works, it records the server's facts (and moves the
// secret to the store --storage asks for) and reports kept. Otherwise it
// says why it cannot be reused, when the server or the store refused it.
func keepWorkingLogin(ctx context.Context, opts *LoginOptions, m *login.Manager, t *login.Target, info *zenml.ServerInfo, p tlsPlan) (kept bool, rejected string, err error) {
	user, rejected, err := m.CheckStored(ctx, t, p.use)
	if user == nil || err != nil {
		return false, rejected, err
	}
	if err := moveToRequestedStore(ctx, opts, m, t); err != nil {
		return false, "", err
	}
	previous := t.Server.ActiveAccount
	wasActive := activeServer(m) == t.URL
	if err := m.UpdateServer(ctx, t, info, p.record); err != nil {
		return false, "", err
	}
	cs := opts.IO.ErrColorScheme()
	fmt.Fprintf(opts.IO.ErrOut, "%s Already logged in to %s as %s %s (use --refresh to log in again)\n",
		cs.SuccessIcon(), t.URL, user.AccountType(), cs.Bold(iostreams.EscapeLine(user.Name)))
	if previous != "" && previous != t.AccountName() {
		fmt.Fprintf(opts.IO.ErrOut, "  Active account: %s (was %s)\n", iostreams.EscapeLine(t.AccountName()), iostreams.EscapeLine(previous))
	}
	if !wasActive {
		fmt.Fprintf(opts.IO.ErrOut, "  %s is now the active server\n", t.URL)
	}
	return true, "", nil
}

// obtained is the result of a login exchange.
type obtained struct {
	secret   credentials.Secret
	method   string
	clientID string
}

// obtainSecret logs in the way the flags say, else the way the stored
// login did (API key or password), else through the device flow.
func obtainSecret(ctx context.Context, opts *LoginOptions, m *login.Manager, client *zenml.Client, existing *login.Target, rejected string) (obtained, error) {
	var o obtained
	var err error
	if existing != nil && existing.Server != nil {
		o.clientID = existing.Server.DeviceClientID
	}
	reuse := existing != nil && (existing.AuthMethod == config.AuthAPIKey || existing.AuthMethod == config.AuthPassword)
	switch {
	case opts.APIKey:
		o.method = config.AuthAPIKey
		o.secret, err = apiKeyLogin(ctx, opts, client)
	case opts.Username != "":
		o.method = config.AuthPassword
		o.secret, err = passwordLogin(ctx, opts, client)
	case reuse && !opts.Device:
		o.method = existing.AuthMethod
		o.secret, err = storedLogin(ctx, opts, m, client, existing, rejected)
	case !opts.Device && (!opts.IO.IsStderrTTY() || inCI(opts.Getenv)):
		// Nobody to approve a browser login: waiting minutes for one would
		// only hang a script. A CI job may run on a pseudo-terminal, so
		// CI=true counts as no one there too.
		where := "without a terminal"
		if inCI(opts.Getenv) {
			where = "in CI (CI is set)"
		}
		return o, exitcode.Usagef("no way to log in to %s %s: pass --api-key (the key on stdin or in ZENML_STORE_API_KEY), --username NAME --password-stdin, or --device to wait for an approval in a browser", client.ServerURL(), where)
	default:
		o.method = config.AuthDevice
		if o.clientID == "" {
			o.clientID = uuid.NewString()
		}
		o.secret, err = deviceLogin(ctx, opts, client, o.clientID)
	}
	return o, err
}

// reportLogin says who is logged in, which account is now active and
// where the secret went.
func reportLogin(opts *LoginOptions, serverURL string, user *zenml.User, o obtained, saved login.Saved, wasActive bool) {
	cs, errOut := opts.IO.ErrColorScheme(), opts.IO.ErrOut
	name := iostreams.EscapeLine(user.Name)
	switch {
	case saved.Added && saved.PreviousAccount != "":
		fmt.Fprintf(errOut, "%s Added account %s on %s; active account: %s (was %s)\n",
			cs.SuccessIcon(), cs.Bold(name), serverURL, name, iostreams.EscapeLine(saved.PreviousAccount))
	case saved.PreviousAccount != "":
		fmt.Fprintf(errOut, "%s Logged in to %s as %s %s; active account: %s (was %s)\n",
			cs.SuccessIcon(), serverURL, user.AccountType(), cs.Bold(name), name, iostreams.EscapeLine(saved.PreviousAccount))
	default:
		fmt.Fprintf(errOut, "%s Logged in to %s as %s %s\n", cs.SuccessIcon(), serverURL, user.AccountType(), cs.Bold(name))
	}
	if !wasActive {
		fmt.Fprintf(errOut, "  %s is now the active server\n", serverURL)
	}
	fmt.Fprintf(errOut, "  Credentials stored in %s\n", saved.Location)
	switch expires := output.HumanTime(o.secret.ExpiresAt, time.Now()); {
	case o.secret.ExpiresAt.IsZero():
		fmt.Fprintf(errOut, "  The access token does not expire\n")
	case o.method == config.AuthDevice || o.method == config.AuthToken:
		fmt.Fprintf(errOut, "  The session expires %s; then run `zenctl login %s` again\n", expires, serverURL)
	case o.method == config.AuthAPIKey:
		fmt.Fprintf(errOut, "  The access token expires %s; zenctl gets a new one with the stored API key\n", expires)
	default:
		fmt.Fprintf(errOut, "  The access token expires %s; zenctl gets a new one with the stored password\n", expires)
	}
}

// inCI reports whether CI says this runs in a CI job (CI=true, as every
// CI service sets it): no one is there to approve a browser login.
func inCI(getenv func(string) string) bool {
	if getenv == nil {
		return false
	}
	v := strings.ToLower(strings.TrimSpace(getenv("CI")))
	return v != "" && v != "false" && v != "0" && v != "no"
}

// moveToRequestedStore moves a working login's secret to the store that
// --storage or ZENCTL_STORAGE asks for, when it is in another one.
func moveToRequestedStore(ctx context.Context, opts *LoginOptions, m *login.Manager, t *login.Target) error {
	if m.Settings.StorageRequested() == "" {
		return nil
	}
	store, err := m.NewStore()
	if err != nil {
		return err
	}
	// Compare the stores, not the config field: an entry without one
	// means the current mode, which may be the very store asked for.
	if t.Store.Kind() == store.Kind() {
		return nil
	}
	if err := m.Move(ctx, t, store); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "Moved the credentials of %s on %s to %s\n", t.AccountName(), t.URL, store.Location())
	return nil
}

// caCertPath turns --ssl-ca-cert into the absolute path recorded for later
// commands, which may run from another directory. PEM text, which zenml's
// --ssl-ca-cert also takes, is kept in a file of zenctl's config dir.
func caCertPath(configDir, value string) (string, error) {
	// The same test as the client's loader: PEM may follow other lines
	// (openssl's -showcerts output, "# Issuer:" comments).
	if !strings.Contains(value, "-----BEGIN") {
		p, err := filepath.Abs(value)
		if err != nil {
			return "", fmt.Errorf("invalid --ssl-ca-cert %q: %w", value, err)
		}
		return p, nil
	}
	sum := sha256.Sum256([]byte(value))
	dir := filepath.Join(configDir, "ca")
	if err := config.EnsureDir(dir); err != nil {
		return "", err
	}
	p := filepath.Join(dir, hex.EncodeToString(sum[:8])+".pem")
	if err := atomicfile.WriteFile(p, []byte(value), 0o600); err != nil {
		return "", err
	}
	return p, nil
}

// notAServerError explains why a URL does not answer like a ZenML server.
func notAServerError(serverURL string, err error) error {
	var apiErr *zenml.Error
	if errors.As(err, &apiErr) {
		return fmt.Errorf("%s is not a ZenML server: GET /api/v1/info: %s", serverURL, apiErr.Error())
	}
	var respErr *zenml.ResponseError
	if errors.As(err, &respErr) {
		return fmt.Errorf("%s is not a ZenML server: %s", serverURL, respErr.Reason)
	}
	return fmt.Errorf("cannot reach a ZenML server at %s: %w", serverURL, err)
}

// storedLogin logs in again with the API key or password stored for the
// account. When the server rejects it, a terminal is asked for a new one;
// a script gets an error naming the flag to use.
func storedLogin(ctx context.Context, opts *LoginOptions, m *login.Manager, client *zenml.Client, t *login.Target, rejected string) (credentials.Secret, error) {
	if rejected == "" {
		secret, why, err := m.ExchangeStored(ctx, client, t, opts.IO.ErrOut)
		if err != nil || why == "" {
			return secret, err
		}
		rejected = why
	}
	hint := errhint.LoginAgain(errors.New(rejected), errhint.FromStore, login.LoginCommand(t.Server, t.Account))
	if !opts.IO.CanPrompt() {
		return credentials.Secret{}, &exitcode.AuthError{Err: hint}
	}
	fmt.Fprintf(opts.IO.ErrOut, "%s %s\n", opts.IO.ErrColorScheme().WarningIcon(), upperFirst(rejected))
	if t.AuthMethod == config.AuthAPIKey {
		return apiKeyLogin(ctx, opts, client)
	}
	if t.Account.Type == config.AccountServiceAccount {
		return credentials.Secret{}, &exitcode.AuthError{Err: hint}
	}
	withUser := *opts
	withUser.Username = t.Account.Name
	return passwordLogin(ctx, &withUser, client)
}

func orNone(id string) string {
	if id == "" {
		return "(none)"
	}
	return iostreams.EscapeLine(id)
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func countTrue(bs ...bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

// asksForSecret reports whether the login will prompt for a password or
// an API key.
func asksForSecret(opts *LoginOptions) bool {
	if !opts.IO.CanPrompt() {
		return false
	}
	return opts.Username != "" && !opts.PasswordStdin || opts.APIKey && opts.envAPIKey == ""
}

// promptTries is how many times a terminal may type a password or key
// that the server rejects: a typo should not mean starting over.
const promptTries = 3

func apiKeyLogin(ctx context.Context, opts *LoginOptions, client *zenml.Client) (credentials.Secret, error) {
	prompted := opts.envAPIKey == "" && opts.IO.CanPrompt()
	for try := 1; ; try++ {
		key, err := readAPIKey(opts)
		if err != nil {
			return credentials.Secret{}, err
		}
		key = zenml.CleanAPIKey(key)
		if _, err := zenml.DecodeAPIKeyID(key); err != nil {
			err = errhint.BadAPIKey(err)
			if !prompted || try == promptTries {
				return credentials.Secret{}, err
			}
			retryPrompt(opts, err, try)
			continue
		}
		secret, err := client.Exchange(ctx, credentials.Secret{APIKey: key}, time.Now())
		err = login.ExchangeError(client.ServerURL(), "API key", err)
		if !prompted || try == promptTries || !wrongSecret(err) {
			return secret, err
		}
		retryPrompt(opts, err, try)
	}
}

// wrongSecret reports whether a login failed on the secret typed, which
// typing it again may fix.
func wrongSecret(err error) bool {
	var authErr *exitcode.AuthError
	return errors.As(err, &authErr) && login.Deactivated(err) == nil
}

func retryPrompt(opts *LoginOptions, err error, try int) {
	fmt.Fprintf(opts.IO.ErrOut, "%s %s; try again (%d of %d)\n", opts.IO.ErrColorScheme().FailureIcon(), iostreams.OneLine(err.Error()), try+1, promptTries)
}

func readAPIKey(opts *LoginOptions) (string, error) {
	if key := opts.envAPIKey; key != "" {
		return key, nil
	}
	if opts.IO.CanPrompt() {
		key, err := opts.Prompter.Password("API key")
		if err != nil {
			return "", promptError(err)
		}
		key = strings.TrimSpace(key)
		if key == "" {
			return "", errors.New("no API key entered")
		}
		return key, nil
	}
	if opts.IO.IsStdinTTY() {
		return "", errors.New("cannot prompt for the API key: pipe it on stdin or set ZENML_STORE_API_KEY")
	}
	key, err := prompt.ReadSecretLine(opts.IO.In)
	if err != nil {
		return "", fmt.Errorf("reading the API key from stdin: %w", err)
	}
	return strings.TrimSpace(key), nil
}

func passwordLogin(ctx context.Context, opts *LoginOptions, client *zenml.Client) (credentials.Secret, error) {
	var password string
	switch {
	case opts.PasswordStdin:
		line, err := prompt.ReadSecretLine(opts.IO.In)
		// An empty password is valid: a fresh server's default user has one.
		if err != nil && !errors.Is(err, prompt.ErrEmptySecret) {
			return credentials.Secret{}, fmt.Errorf("reading the password from stdin: %w", err)
		}
		password = line
	case opts.IO.CanPrompt():
		for try := 1; ; try++ {
			p, err := opts.Prompter.Password(fmt.Sprintf("Password for %s", opts.Username))
			if err != nil {
				return credentials.Secret{}, promptError(err)
			}
			secret, err := client.Exchange(ctx, credentials.Secret{Username: opts.Username, Password: p}, time.Now())
			err = login.ExchangeError(client.ServerURL(), "password", err)
			if try == promptTries || !wrongSecret(err) {
				return secret, err
			}
			retryPrompt(opts, err, try)
		}
	default:
		return credentials.Secret{}, errors.New("cannot prompt for the password without a terminal: use --password-stdin")
	}
	secret, err := client.Exchange(ctx, credentials.Secret{Username: opts.Username, Password: password}, time.Now())
	return secret, login.ExchangeError(client.ServerURL(), "password", err)
}

func promptError(err error) error {
	if errors.Is(err, prompt.ErrCancelled) {
		return exitcode.ErrCancelled
	}
	return err
}
