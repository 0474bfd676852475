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
	"github.com/zenctl/zenctl/internal/cmd/factory"
	"github.com/zenctl/zenctl/internal/config"
	"github.com/zenctl/zenctl/internal/credentials"
	"github.com/zenctl/zenctl/internal/exitcode"
	"github.com/zenctl/zenctl/internal/iostreams"
	"github.com/zenctl/zenctl/internal/prompt"
	"github.com/zenctl/zenctl/pkg/zenml"
)

// LoginOptions are the inputs of `zenctl login`.
type LoginOptions struct {
	Factory  *factory.Factory
	IO       *iostreams.IOStreams
	Prompter prompt.Prompter

	ServerURL     string
	APIKey        bool
	Username      string
	PasswordStdin bool
	Device        bool
	Refresh       bool
	NoBrowser     bool
	NoVerifySSL   bool
	SSLCACert     string
	// PollScale shortens device-flow waits in tests; 0 means 1.
	PollScale float64
}

// NewCmdLogin builds `zenctl login`. runF replaces the work in tests.
func NewCmdLogin(f *factory.Factory, runF func(*LoginOptions) error) *cobra.Command {
	opts := &LoginOptions{Factory: f, IO: f.IOStreams, Prompter: f.Prompter}
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
			in to, or logged in to through the device flow, gets the device flow.

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
		Args:              factory.MaxArgs(1),
		ValidArgsFunction: f.CompleteServerURLArg,
		RunE: func(cmd *cobra.Command, args []string) error {
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
	cmd.Flags().StringVar(&opts.Username, "username", "", "Log in as this user with a password")
	cmd.Flags().BoolVar(&opts.PasswordStdin, "password-stdin", false, "Read the password from stdin (with --username)")
	cmd.Flags().BoolVar(&opts.Device, "device", false, "Log in through the browser (device flow), whatever the stored login method")
	cmd.Flags().BoolVar(&opts.Refresh, "refresh", false, "Log in again even if the stored credentials still work")
	cmd.Flags().BoolVar(&opts.NoBrowser, "no-browser", false, "Do not open a browser for the device flow; print the URL only")
	cmd.Flags().BoolVar(&opts.NoVerifySSL, "no-verify-ssl", false, "Do not verify the server's TLS certificate (insecure)")
	cmd.Flags().StringVar(&opts.SSLCACert, "ssl-ca-cert", "", "Trust the CA certificate in this PEM `file` (or PEM text)")
	return cmd
}

func runLogin(ctx context.Context, opts *LoginOptions) error {
	f := opts.Factory
	cs := opts.IO.ErrColorScheme()
	errOut := opts.IO.ErrOut

	// ZENML_STORE_API_KEY is a key source for `login --api-key`.
	if err := f.RefuseToStoreWhileEnvSet("log in", opts.APIKey); err != nil {
		return err
	}

	cfg, err := f.Config()
	if err != nil {
		return err
	}
	raw := opts.ServerURL
	if raw == "" {
		raw = f.ServerFlag
	}
	if raw == "" {
		raw = cfg.ActiveServer
		if raw == "" {
			return exitcode.Usagef("no server given: run `zenctl login <server-url>`, e.g. zenctl login https://zenml.example.com")
		}
		fmt.Fprintf(errOut, "Active server: %s\n", raw)
	}
	serverURL, err := zenml.NormalizeServerURL(raw)
	if err != nil {
		return err
	}
	existing := cfg.Server(serverURL)

	// tlsOpts are recorded for the server: the flags, else what was
	// recorded before. useTLS is what this login uses: ZENML_STORE_VERIFY_SSL
	// applies to it but is not recorded.
	tlsOpts := factory.StoredTLS(existing)
	useTLS := f.TLSFor(serverURL, existing)
	if opts.NoVerifySSL {
		tlsOpts = factory.TLSOptions{InsecureSkipVerify: true}
		useTLS = tlsOpts
	} else if opts.SSLCACert != "" {
		caPath, err := caCertPath(f, opts.SSLCACert)
		if err != nil {
			return err
		}
		tlsOpts = factory.TLSOptions{CACert: caPath}
		useTLS = tlsOpts
	}
	if strings.HasPrefix(serverURL, "http://") {
		if opts.NoVerifySSL || opts.SSLCACert != "" {
			fmt.Fprintf(errOut, "%s %s uses plain http: --no-verify-ssl and --ssl-ca-cert have no effect on it\n", cs.WarningIcon(), serverURL)
		}
	} else if useTLS.InsecureSkipVerify {
		fmt.Fprintf(errOut, "%s TLS certificate verification is off for %s: anyone on the network path can read your credentials\n", cs.WarningIcon(), serverURL)
	}

	client, err := f.NewClient(serverURL, useTLS, nil)
	if err != nil {
		return err
	}
	info, err := client.Info(ctx)
	if err != nil {
		return notAServerError(serverURL, err)
	}
	if info.DeploymentType == "cloud" {
		return fmt.Errorf("%s is a ZenML Pro workspace; zenctl supports self-hosted ZenML servers only", serverURL)
	}
	if strings.HasPrefix(serverURL, "http://") && !factory.IsLoopback(serverURL) {
		fmt.Fprintf(errOut, "%s %s uses plain http: your credentials will cross the network unencrypted\n", cs.WarningIcon(), serverURL)
	}

	explicit := opts.APIKey || opts.Username != "" || opts.Device
	// Why the stored login cannot be reused, when it was tried and the
	// server refused it; empty when it was not tried.
	var storedRejected string
	if !opts.Refresh && !explicit && existing != nil {
		user, err := stillLoggedIn(ctx, f, existing, useTLS)
		if err == nil {
			save := func(storeKind string) error {
				return saveMetadata(f, serverURL, info, user, existing, tlsOpts, existing.AuthMethod, storeKind, existing.DeviceClientID)
			}
			moved, err := moveToRequestedStore(ctx, opts, existing, save)
			if err != nil {
				return err
			}
			if !moved {
				if err := save(existing.SecretStore); err != nil {
					return err
				}
			}
			fmt.Fprintf(errOut, "%s Already logged in to %s as %s %s (use --refresh to log in again)\n",
				cs.SuccessIcon(), serverURL, user.AccountType(), cs.Bold(user.Name))
			return nil
		}
		var reauth *zenml.ReauthRequiredError
		switch {
		case errors.As(err, &reauth):
			storedRejected = reauth.Reason
		case storeUnreadable(err):
			// Asking the store again would wait out its timeout again.
			storedRejected = "the stored credentials cannot be read: " + err.Error()
		}
	}

	if info.AuthScheme == "NO_AUTH" {
		return fmt.Errorf("%s does not use authentication (auth scheme NO_AUTH); there is nothing to log in to", serverURL)
	}

	// Check the secret store before the user goes through a login: an
	// explicit keyring that is unavailable fails now, not after a device
	// flow or a key exchange.
	store, err := f.NewSecretStore()
	if err != nil {
		return err
	}

	var (
		secret   credentials.Secret
		method   string
		clientID string
	)
	if existing != nil {
		clientID = existing.DeviceClientID
	}
	reuse := !explicit && existing != nil && (existing.AuthMethod == config.AuthAPIKey || existing.AuthMethod == config.AuthPassword)
	switch {
	case opts.APIKey:
		method = config.AuthAPIKey
		secret, err = apiKeyLogin(ctx, opts, client)
	case opts.Username != "":
		method = config.AuthPassword
		secret, err = passwordLogin(ctx, opts, client)
	case reuse:
		method = existing.AuthMethod
		secret, err = storedLogin(ctx, opts, client, existing, storedRejected)
	default:
		method = config.AuthDevice
		if clientID == "" {
			clientID = uuid.NewString()
		}
		secret, err = deviceLogin(ctx, opts, client, clientID)
	}
	if err != nil {
		return err
	}

	// Check the new token before anything is stored.
	authed := client.WithTokens(zenml.StaticToken(secret.AccessToken))
	user, err := authed.CurrentUser(ctx)
	if err != nil {
		return fmt.Errorf("logged in, but %s rejected the new token: %w", serverURL, err)
	}

	unlock, err := f.LockServer(ctx, serverURL)
	if err != nil {
		return err
	}
	defer unlock()
	if err := store.Set(serverURL, secret); err != nil {
		return err
	}
	if err := saveMetadata(f, serverURL, info, user, existing, tlsOpts, method, store.Kind(), clientID); err != nil {
		return err
	}
	if existing != nil {
		// The secret moved to another store: remove the old copy, only now
		// that the new one is written and recorded, so that exactly one
		// exists. Compare the stores, not the config field, which may be
		// empty for the current mode.
		old, err := f.SecretStoreFor(existing)
		switch {
		case err != nil:
			fmt.Fprintf(errOut, "%s The old copy of the credentials of %s (in the %s store) could not be reached to delete it: %v\n",
				cs.WarningIcon(), serverURL, existing.SecretStore, err)
		case old.Kind() != store.Kind():
			deleteFrom(opts, old, existing)
		}
	}
	fmt.Fprintf(errOut, "%s Logged in to %s as %s %s\n", cs.SuccessIcon(), serverURL, user.AccountType(), cs.Bold(user.Name))
	fmt.Fprintf(errOut, "  Credentials stored in %s\n", store.Location())
	if secret.ExpiresAt.IsZero() {
		fmt.Fprintf(errOut, "  The access token does not expire\n")
	} else if method == config.AuthDevice {
		fmt.Fprintf(errOut, "  The session expires at %s; then run `zenctl login %s` again\n", secret.ExpiresAt.UTC().Format(time.RFC3339), serverURL)
	}
	return nil
}

// moveToRequestedStore moves a working login's secret to the store that
// --storage or ZENCTL_STORAGE asks for, when it is in another one: copy,
// record the new store with save, then delete the old copy, all under the
// server's lock so that a renewal cannot write to the old store between.
// It reports whether it moved the secret (and so called save).
func moveToRequestedStore(ctx context.Context, opts *LoginOptions, s *config.Server, save func(storeKind string) error) (bool, error) {
	f := opts.Factory
	if f.RequestedStorage() == "" {
		return false, nil
	}
	store, err := f.NewSecretStore()
	if err != nil {
		return false, err
	}
	old, err := f.SecretStoreFor(s)
	if err != nil {
		return false, err
	}
	// Compare the stores, not the config field: an entry without one
	// means the current mode, which may be the very store asked for.
	if old.Kind() == store.Kind() {
		return false, nil
	}
	unlock, err := f.LockServer(ctx, s.URL)
	if err != nil {
		return false, err
	}
	defer unlock()
	secret, err := old.Get(s.URL)
	if err != nil {
		return false, fmt.Errorf("cannot read the credentials of %s from %s to move them (%v); log in again instead: `%s`",
			s.URL, old.Location(), err, factory.LoginCommand(s))
	}
	if err := store.Set(s.URL, secret); err != nil {
		return false, err
	}
	if err := save(store.Kind()); err != nil {
		return false, err
	}
	deleteFrom(opts, old, s)
	fmt.Fprintf(opts.IO.ErrOut, "Moved the credentials of %s to %s\n", s.URL, store.Location())
	return true, nil
}

// deleteFrom removes a login's secret from the store that held it before
// it moved; a copy left behind is said, since it may be a plain file.
func deleteFrom(opts *LoginOptions, old credentials.SecretStore, s *config.Server) {
	if err := old.Delete(s.URL); err != nil && !errors.Is(err, credentials.ErrNotFound) {
		fmt.Fprintf(opts.IO.ErrOut, "%s The old copy of the credentials of %s (in %s) could not be deleted: %v\n",
			opts.IO.ErrColorScheme().WarningIcon(), s.URL, old.Location(), err)
	}
}

// caCertPath turns --ssl-ca-cert into the absolute path recorded for later
// commands, which may run from another directory. PEM text, which zenml's
// --ssl-ca-cert also takes, is kept in a file of zenctl's config dir.
func caCertPath(f *factory.Factory, value string) (string, error) {
	// The same test as the client's loader: PEM may follow other lines
	// (openssl's -showcerts output, "# Issuer:" comments).
	if !strings.Contains(value, "-----BEGIN") {
		p, err := filepath.Abs(value)
		if err != nil {
			return "", fmt.Errorf("invalid --ssl-ca-cert %q: %w", value, err)
		}
		return p, nil
	}
	dir, err := f.ConfigDir()
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte(value))
	dir = filepath.Join(dir, "ca")
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

// stillLoggedIn checks the stored credentials of a server, over the TLS
// settings this login was given; an expired token is renewed on the way.
func stillLoggedIn(ctx context.Context, f *factory.Factory, s *config.Server, tlsOpts factory.TLSOptions) (*zenml.User, error) {
	client, _, err := f.StoredClient(s, tlsOpts)
	if err != nil {
		return nil, err
	}
	return client.CurrentUser(ctx)
}

// storedLogin logs in again with the API key or password stored for the
// server. When the server rejects it, a terminal is asked for a new one;
// a script gets an error naming the flag to use.
func storedLogin(ctx context.Context, opts *LoginOptions, client *zenml.Client, s *config.Server, rejected string) (credentials.Secret, error) {
	if rejected == "" {
		store, err := opts.Factory.SecretStoreFor(s)
		if err != nil {
			return credentials.Secret{}, err
		}
		stored, err := store.Get(s.URL)
		switch {
		case errors.Is(err, credentials.ErrNotFound):
			rejected = "no credentials are stored for it"
		case storeUnreadable(err):
			// A keyring that hangs or stays locked must not be a dead end:
			// the secret can still be given again.
			rejected = "the stored credentials cannot be read: " + err.Error()
		case err != nil:
			return credentials.Secret{}, err
		case s.AuthMethod == config.AuthAPIKey && stored.APIKey != "":
			fmt.Fprintf(opts.IO.ErrOut, "Logging in with the stored API key\n")
			secret, err := exchangeAPIKey(ctx, client, stored.APIKey)
			if err == nil || !zenml.IsKind(err, zenml.KindCredentials) {
				return secret, wrapLoginError(client.ServerURL(), "API key", err)
			}
			rejected = "the server rejected the stored API key: " + errorMessage(err)
		case s.AuthMethod == config.AuthPassword && stored.HasPassword:
			fmt.Fprintf(opts.IO.ErrOut, "Logging in as %s with the stored password\n", stored.Username)
			secret, err := exchangePassword(ctx, client, stored.Username, stored.Password)
			if err == nil || !zenml.IsKind(err, zenml.KindCredentials) {
				return secret, wrapLoginError(client.ServerURL(), "password", err)
			}
			rejected = "the server rejected the stored password: " + errorMessage(err)
		default:
			rejected = "the stored credentials are incomplete"
		}
	}
	if !opts.IO.CanPrompt() {
		return credentials.Secret{}, &exitcode.AuthError{Err: fmt.Errorf("%s; run `%s`", rejected, factory.LoginCommand(s))}
	}
	cs := opts.IO.ErrColorScheme()
	fmt.Fprintf(opts.IO.ErrOut, "%s %s\n", cs.WarningIcon(), upperFirst(rejected))
	if s.AuthMethod == config.AuthAPIKey {
		return apiKeyLogin(ctx, opts, client)
	}
	username := s.Account
	if username == "" || s.AccountType != config.AccountUser {
		return credentials.Secret{}, &exitcode.AuthError{Err: fmt.Errorf("%s; run `%s`", rejected, factory.LoginCommand(s))}
	}
	withUser := *opts
	withUser.Username = username
	return passwordLogin(ctx, &withUser, client)
}

// storeUnreadable reports whether err is the secret store failing, not the
// server: a keyring that timed out, stayed locked or is not there.
func storeUnreadable(err error) bool {
	return errors.Is(err, credentials.ErrKeyringTimeout) || errors.Is(err, credentials.ErrKeyringLocked) ||
		errors.Is(err, credentials.ErrKeyringUnavailable)
}

func errorMessage(err error) string {
	var apiErr *zenml.Error
	if errors.As(err, &apiErr) && apiErr.Message != "" {
		return apiErr.Message
	}
	return err.Error()
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

func apiKeyLogin(ctx context.Context, opts *LoginOptions, client *zenml.Client) (credentials.Secret, error) {
	key, err := readAPIKey(opts)
	if err != nil {
		return credentials.Secret{}, err
	}
	if _, err := zenml.DecodeAPIKeyID(key); err != nil {
		return credentials.Secret{}, fmt.Errorf("%v; copy the whole key that `service-account create` or `api-key rotate` printed", err)
	}
	secret, err := exchangeAPIKey(ctx, client, key)
	return secret, wrapLoginError(client.ServerURL(), "API key", err)
}

func exchangeAPIKey(ctx context.Context, client *zenml.Client, key string) (credentials.Secret, error) {
	tok, err := client.LoginAPIKey(ctx, key)
	if err != nil {
		return credentials.Secret{}, err
	}
	expiresAt, lifetime := zenml.TokenExpiry(tok.AccessToken, tok.ExpiresIn, time.Now())
	return credentials.Secret{APIKey: key, AccessToken: tok.AccessToken, ExpiresAt: expiresAt, Lifetime: int64(lifetime / time.Second)}, nil
}

func readAPIKey(opts *LoginOptions) (string, error) {
	if opts.Factory.Getenv != nil {
		if key := opts.Factory.Getenv("ZENML_STORE_API_KEY"); key != "" {
			return key, nil
		}
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
		p, err := opts.Prompter.Password(fmt.Sprintf("Password for %s", opts.Username))
		if err != nil {
			return credentials.Secret{}, promptError(err)
		}
		password = p
	default:
		return credentials.Secret{}, errors.New("cannot prompt for the password without a terminal: use --password-stdin")
	}
	secret, err := exchangePassword(ctx, client, opts.Username, password)
	return secret, wrapLoginError(client.ServerURL(), "password", err)
}

func exchangePassword(ctx context.Context, client *zenml.Client, username, password string) (credentials.Secret, error) {
	tok, err := client.LoginPassword(ctx, username, password)
	if err != nil {
		return credentials.Secret{}, err
	}
	expiresAt, lifetime := zenml.TokenExpiry(tok.AccessToken, tok.ExpiresIn, time.Now())
	return credentials.Secret{Username: username, Password: password, HasPassword: true,
		AccessToken: tok.AccessToken, ExpiresAt: expiresAt, Lifetime: int64(lifetime / time.Second)}, nil
}

// wrapLoginError explains a failed exchange; nil stays nil.
func wrapLoginError(serverURL, what string, err error) error {
	if err == nil {
		return nil
	}
	var apiErr *zenml.Error
	if errors.As(err, &apiErr) && apiErr.Kind == zenml.KindCredentials {
		return &exitcode.AuthError{Err: fmt.Errorf("%s rejected the %s: %s", serverURL, what, apiErr.Message)}
	}
	return fmt.Errorf("logging in to %s: %w", serverURL, err)
}

func promptError(err error) error {
	if errors.Is(err, prompt.ErrCancelled) {
		return exitcode.ErrCancelled
	}
	return err
}

func saveMetadata(f *factory.Factory, serverURL string, info *zenml.ServerInfo, user *zenml.User, existing *config.Server,
	tlsOpts factory.TLSOptions, method, storeKind, clientID string) error {
	return f.UpdateConfig(func(c *config.Config) error {
		s := config.Server{URL: serverURL}
		if cur := c.Server(serverURL); cur != nil {
			s = *cur
		}
		s.ServerID, s.ServerName, s.ServerVersion = info.ID, info.Name, info.Version
		s.AuthMethod = method
		s.Account = user.Name
		s.AccountType = config.AccountUser
		if user.Body.IsServiceAccount {
			s.AccountType = config.AccountServiceAccount
		}
		s.DeviceClientID = clientID
		s.SecretStore = storeKind
		s.CACertPath = tlsOpts.CACert
		s.VerifySSL = nil
		if tlsOpts.InsecureSkipVerify {
			off := false
			s.VerifySSL = &off
		}
		s.LastLogin = time.Now().UTC()
		c.UpsertServer(s)
		c.ActiveServer = serverURL
		return nil
	})
}
