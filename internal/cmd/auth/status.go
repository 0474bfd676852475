package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/zenctl/zenctl/internal/cmd/cmdargs"
	"github.com/zenctl/zenctl/internal/cmd/factory"
	"github.com/zenctl/zenctl/internal/cmd/outputflag"
	"github.com/zenctl/zenctl/internal/config"
	"github.com/zenctl/zenctl/internal/exitcode"
	"github.com/zenctl/zenctl/internal/iostreams"
	"github.com/zenctl/zenctl/internal/login"
	"github.com/zenctl/zenctl/internal/output"
	"github.com/zenctl/zenctl/pkg/zenml"
)

// StatusOptions are the inputs of `zenctl status`.
type StatusOptions struct {
	IO     *iostreams.IOStreams
	Logins func() (*login.Manager, error)
	Format func(flagValue string) (output.Format, error)
	All    bool
	Output string
}

// ServerStatus is one server in `zenctl status -o json`.
type ServerStatus struct {
	Server         string `json:"server"`
	Active         bool   `json:"active"`
	ServerVersion  string `json:"server_version"`
	ServerID       string `json:"server_id"`
	Account        string `json:"account"`
	AccountType    string `json:"account_type"`
	AuthMethod     string `json:"auth_method"`
	TokenExpiresAt string `json:"token_expires_at"`
	SecretStore    string `json:"secret_store"`
	// Where the server, the account and the credentials came from.
	ServerSource      string `json:"server_source"`
	AccountSource     string `json:"account_source,omitempty"`
	CredentialsSource string `json:"credentials_source,omitempty"`
	OK                bool   `json:"ok"`
	Error             string `json:"error,omitempty"`
	authFailed        bool
}

// NewCmdStatus builds `zenctl status` (alias whoami).
func NewCmdStatus(f *factory.Factory, runF func(*StatusOptions) error) *cobra.Command {
	opts := &StatusOptions{IO: f.IOStreams, Logins: f.Logins, Format: f.OutputFormat}
	cmd := &cobra.Command{
		Use:     "status",
		Aliases: []string{"whoami"},
		Short:   "Show the login status",
		Long: heredoc.Doc(`
			Check the credentials of the active server (of every stored server
			with --all) against the server, and show the server's version and
			id, the account, how it logged in, when the token expires and where
			the secret is stored.

			Exits 0 only when the credentials work, and 4 when a login is needed.

			-o json prints one object (an array of them with --all) with the
			fields server, active, server_version, server_id, account,
			account_type (user or service_account), auth_method (api_key,
			password, device, token, environment, or none for a server without
			authentication), token_expires_at (an RFC 3339 time, "never", or
			"unknown" when no token could be read), secret_store (keyring,
			file, environment or none), server_source (--server,
			ZENML_STORE_URL or the config file), account_source (--account,
			ZENCTL_ACCOUNT, the active account or the only account),
			credentials_source (where the secret was read), ok, and error
			when ok is false.
		`),
		Example: heredoc.Doc(`
			$ zenctl status
			$ zenctl whoami -o json
			$ zenctl status --all
		`),
		Args: cmdargs.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return runStatus(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.All, "all", false, "Show every stored server")
	outputflag.Add(cmd, &opts.Output)
	return cmd
}

func runStatus(ctx context.Context, opts *StatusOptions) error {
	format, err := opts.Format(opts.Output)
	if err != nil {
		return err
	}
	m, err := opts.Logins()
	if err != nil {
		return err
	}
	servers, err := statusServers(opts, m)
	if err != nil {
		if errors.Is(err, login.ErrNotLoggedIn) && opts.All && format != output.FormatTable {
			// A script parsing the list gets an empty one, and still exit 4.
			if err := output.Print(opts.IO, format, []ServerStatus{}, nil); err != nil {
				return err
			}
		}
		return err
	}
	statuses := make([]ServerStatus, 0, len(servers))
	for _, srv := range servers {
		statuses = append(statuses, checkServer(ctx, m, srv))
	}
	if format == output.FormatTable {
		printStatuses(opts.IO, statuses)
	} else {
		var v any = statuses
		if !opts.All {
			v = statuses[0]
		}
		if err := output.Print(opts.IO, format, v, nil); err != nil {
			return err
		}
	}
	return statusExit(statuses)
}

// statusServers are the servers to check, each with where it was chosen.
func statusServers(opts *StatusOptions, m *login.Manager) ([]config.Setting, error) {
	if !opts.All {
		_, source, err := m.ServerURL()
		if err != nil {
			return nil, err
		}
		return []config.Setting{source}, nil
	}
	cfg, err := m.Config()
	if err != nil {
		return nil, err
	}
	var servers []config.Setting
	for _, u := range cfg.ServerURLs() {
		servers = append(servers, config.Setting{Value: u, Source: config.SourceConfig})
	}
	if env := m.Env(); env.StoreURL != "" {
		if u, err := zenml.NormalizeServerURL(env.StoreURL); err == nil && cfg.Server(u) == nil {
			servers = append(servers, config.Setting{Value: u, Source: config.SourceEnv, Env: "ZENML_STORE_URL"})
		}
	}
	if len(servers) == 0 {
		return nil, &exitcode.AuthError{Err: login.ErrNotLoggedIn}
	}
	return servers, nil
}

// statusExit is 4 when any login needs the user, 1 when any check failed.
func statusExit(statuses []ServerStatus) error {
	for _, s := range statuses {
		if s.authFailed {
			return exitcode.SilentAuthError
		}
	}
	for _, s := range statuses {
		if !s.OK {
			return exitcode.ErrSilent
		}
	}
	return nil
}

func checkServer(ctx context.Context, m *login.Manager, server config.Setting) ServerStatus {
	serverURL, err := zenml.NormalizeServerURL(server.Value)
	if err != nil {
		return failed(ServerStatus{Server: server.Value, TokenExpiresAt: "unknown"}, err)
	}
	st := recordedStatus(m, serverURL)
	st.ServerSource = server.Describe("server")
	t, err := m.Target(ctx, serverURL, server)
	if err != nil {
		return failed(st, err)
	}
	describeTarget(&st, t, m.Env())
	m.WarnIfStoredElsewhere(t)
	client, err := m.ClientFor(ctx, t, t.TLS)
	if err != nil {
		return failed(st, err)
	}
	if info, err := client.Info(ctx); err == nil {
		st.ServerVersion, st.ServerID = info.Version, info.ID
		if !t.FromEnv {
			// Before the stored token goes to a server that is not the one.
			if err := login.CheckIdentity(t.Server, info); err != nil {
				return failed(st, err)
			}
		}
		if info.AuthScheme == login.AuthSchemeNone && t.AuthMethod != config.AuthNone {
			// Every request acts as the default user now, whatever this
			// login is: "logged in as" would be untrue.
			return failed(st, fmt.Errorf("%s no longer uses authentication (NO_AUTH): every request acts as its default user, whatever the login; run `zenctl login %s` to record that", serverURL, serverURL))
		}
	} else {
		return failed(st, err)
	}
	user, err := client.CurrentUser(ctx)
	if err != nil {
		st = failed(st, err)
		// An expired or rejected login still shows when its token expired;
		// any other failure may be the store's own, not worth a second wait.
		if st.authFailed {
			if secret, ok := t.Secret(); ok {
				st.TokenExpiresAt = expiryText(secret.ExpiresAt)
			}
		}
		return st
	}
	st.OK = true
	st.Account, st.AccountType = user.Name, login.AccountType(user)
	switch {
	case t.AuthMethod == config.AuthNone:
		st.TokenExpiresAt = "never"
	case t.Store != nil:
		// After the check, which may have renewed the token.
		if secret, ok := t.Secret(); ok {
			st.TokenExpiresAt = expiryText(secret.ExpiresAt)
		}
	default:
		if at, ok := t.TokenExpiry(m.Env()); ok {
			st.TokenExpiresAt = expiryText(at)
		}
	}
	return st
}

// recordedStatus is what the config says of a server, before any check.
func recordedStatus(m *login.Manager, serverURL string) ServerStatus {
	st := ServerStatus{Server: serverURL, TokenExpiresAt: "unknown"}
	cfg, err := m.Config()
	if err != nil {
		return st
	}
	st.Active = cfg.ActiveServer == serverURL
	if s := cfg.Server(serverURL); s != nil {
		st.ServerVersion, st.ServerID = s.ServerVersion, s.ServerID
		if a := s.Active(); a != nil {
			st.Account, st.AccountType, st.AuthMethod, st.SecretStore = a.Name, a.Type, a.AuthMethod, a.SecretStore
		}
	}
	return st
}

// describeTarget fills in how the target authenticates and why it is
// the account and the credentials it is.
func describeTarget(st *ServerStatus, t *login.Target, env config.Env) {
	st.AuthMethod = t.AuthMethod
	if t.Account != nil {
		st.Account, st.AccountType, st.SecretStore = t.Account.Name, t.Account.Type, t.Account.SecretStore
		st.AccountSource = accountSourceText(t.AccountSource)
	}
	switch {
	case t.AuthMethod == config.AuthNone:
		st.SecretStore = "none"
		st.CredentialsSource = "none (the server does not use authentication)"
	case t.FromEnv:
		st.SecretStore = "environment"
		st.CredentialsSource = envCredentialVariable(env)
	case t.Store != nil:
		st.SecretStore = t.Store.Kind()
		st.CredentialsSource = t.Store.Location()
	}
}

func accountSourceText(s config.Source) string {
	switch s {
	case config.SourceFlag:
		return "--account"
	case config.SourceEnv:
		return "ZENCTL_ACCOUNT"
	case config.SourceConfig:
		return "the active account"
	}
	return "the only account"
}

func envCredentialVariable(env config.Env) string {
	switch {
	case env.StoreAPIKey != "":
		return "ZENML_STORE_API_KEY"
	case env.StoreUsername != "":
		return "ZENML_STORE_USERNAME and ZENML_STORE_PASSWORD"
	}
	return "ZENML_STORE_API_TOKEN"
}

// expiryField is the token's expiry as status shows it: relative and
// absolute on a terminal; the JSON keeps RFC 3339.
func expiryField(ios *iostreams.IOStreams, s string) string {
	if at, err := time.Parse(time.RFC3339, s); err == nil {
		return output.FieldTime(ios, at, s)
	}
	return s
}

func expiryText(at time.Time) string {
	if at.IsZero() {
		return "never"
	}
	return at.UTC().Format(time.RFC3339)
}

func failed(st ServerStatus, err error) ServerStatus {
	st.Error = err.Error()
	var authErr *exitcode.AuthError
	var reauth *zenml.ReauthRequiredError
	st.authFailed = errors.As(err, &authErr) || errors.As(err, &reauth) || errors.Is(err, zenml.ErrUnauthorized)
	return st
}

func printStatuses(ios *iostreams.IOStreams, statuses []ServerStatus) {
	cs := ios.ColorScheme()
	for i, s := range statuses {
		if i > 0 {
			fmt.Fprintln(ios.Out)
		}
		title := s.Server
		if s.Active {
			title += " (active)"
		}
		fmt.Fprintln(ios.Out, cs.Bold(title))
		switch {
		case s.OK && s.AuthMethod == config.AuthNone:
			fmt.Fprintf(ios.Out, "  %s Acting as %s %s: the server does not use authentication\n", cs.SuccessIcon(), accountTypeText(s.AccountType), cs.Bold(iostreams.EscapeLine(s.Account)))
		case s.OK:
			fmt.Fprintf(ios.Out, "  %s Logged in as %s %s\n", cs.SuccessIcon(), accountTypeText(s.AccountType), cs.Bold(iostreams.EscapeLine(s.Account)))
		default:
			fmt.Fprintf(ios.Out, "  %s %s\n", cs.FailureIcon(), iostreams.EscapeLine(s.Error))
		}
		expires := expiryField(ios, s.TokenExpiresAt)
		if s.AuthMethod == config.AuthNone {
			expires = "" // no token at all, rather than one that never expires
		}
		d := []struct{ k, v string }{
			{"Server version", s.ServerVersion}, {"Server ID", s.ServerID},
			{"Auth method", authMethodText(s.AuthMethod)}, {"Token expires", expires},
			{"Secret stored in", s.SecretStore}, {"Server from", s.ServerSource},
			{"Account from", s.AccountSource}, {"Credentials", s.CredentialsSource},
		}
		for _, kv := range d {
			// "unknown" says nothing a failed check has not said.
			if kv.v != "" && !(kv.v == "unknown" && !s.OK) {
				fmt.Fprintf(ios.Out, "  %-17s %s\n", kv.k+":", iostreams.EscapeLine(kv.v))
			}
		}
	}
}

func accountTypeText(t string) string {
	if t == config.AccountServiceAccount {
		return "service account"
	}
	return "user"
}

func authMethodText(m string) string {
	switch m {
	case config.AuthAPIKey:
		return "API key"
	case config.AuthPassword:
		return "password"
	case config.AuthDevice:
		return "device (browser)"
	case config.AuthToken:
		return "token (imported; not renewable)"
	case login.AuthMethodEnvironment:
		return "environment (ZENML_STORE_*)"
	case config.AuthNone:
		return "no authentication (NO_AUTH)"
	}
	return m
}
