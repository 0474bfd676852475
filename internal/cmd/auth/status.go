package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
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
	// Where the server and the account came from, as one of the stable
	// words flag, env, config or default; and where the credentials were
	// read.
	ServerSource      string `json:"server_source"`
	AccountSource     string `json:"account_source,omitempty"`
	CredentialsSource string `json:"credentials_source,omitempty"`
	OK                bool   `json:"ok"`
	Error             string `json:"error,omitempty"`
	authFailed        bool
	// serverFrom and accountFrom say the sources in words, for people.
	serverFrom, accountFrom string
}

// NewCmdStatus builds `zenctl status` (alias whoami).
func NewCmdStatus(f *factory.Factory, runF func(*StatusOptions) error) *cobra.Command {
	opts := &StatusOptions{IO: f.IOStreams, Logins: f.Logins, Format: f.OutputFormat}
	cmd := &cobra.Command{
		Use:     "status",
		Aliases: []string{"whoami"},
		Short:   "Show the login status",
		Long: heredoc.Doc(`
			Check the credentials of the active server against the server, and
			show the server's version and id, the account, how it logged in,
			when the token expires and where the secret is stored. With --all,
			check every stored account of every stored server (a few at a
			time), and name each one that fails.

			Exits 0 only when the credentials work, and 4 when a login is needed
			(with --all: when any login does).

			-o json prints one object (an array of them with --all) with the
			fields server, active, server_version, server_id, account,
			account_type (user or service_account), auth_method (api_key,
			password, device, token, environment, or none for a server without
			authentication), token_expires_at (an RFC 3339 time, "never", or
			"unknown" when no token could be read), secret_store (keyring,
			file, environment or none), server_source (flag for --server, env
			for ZENML_STORE_URL, config), account_source (flag for --account,
			env for ZENCTL_ACCOUNT, config for a stored account, default for
			the only one), credentials_source (where the secret was read), ok,
			and error when ok is false. With --all, active is true for the
			login commands use.
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
	cmd.Flags().BoolVar(&opts.All, "all", false, "Check every stored account of every stored server")
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
	checks, err := statusChecks(opts, m)
	if err != nil {
		if errors.Is(err, login.ErrNotLoggedIn) && opts.All && format != output.FormatTable {
			// A script parsing the list gets an empty one, and still exit 4.
			if err := output.Print(opts.IO, format, []ServerStatus{}, nil); err != nil {
				return err
			}
		}
		return err
	}
	statuses := checkAll(ctx, m, checks)
	if format == output.FormatTable {
		printStatuses(opts.IO, statuses, opts.All)
	} else {
		var v any = statuses
		if !opts.All {
			v = statuses[0]
		}
		if err := output.Print(opts.IO, format, v, nil); err != nil {
			return err
		}
	}
	if opts.All {
		reportFailures(opts.IO, statuses)
	}
	return statusExit(statuses)
}

// statusCheck is one login to check: a server, and with --all one of its
// stored accounts ("" is the account the command would use).
type statusCheck struct {
	server  config.Setting
	account string
}

// statusChecks are the logins to check, each with where it was chosen:
// the command's own, or with --all every stored account of every server.
func statusChecks(opts *StatusOptions, m *login.Manager) ([]statusCheck, error) {
	if !opts.All {
		_, source, err := m.ServerURL()
		if err != nil {
			return nil, err
		}
		return []statusCheck{{server: source}}, nil
	}
	cfg, err := m.Config()
	if err != nil {
		return nil, err
	}
	var checks []statusCheck
	for _, s := range cfg.Servers {
		source := config.Setting{Value: s.URL, Source: config.SourceConfig}
		if len(s.Accounts) == 0 {
			checks = append(checks, statusCheck{server: source})
		}
		for _, name := range s.AccountNames() {
			checks = append(checks, statusCheck{server: source, account: name})
		}
	}
	if env := m.Env(); env.StoreURL != "" {
		if u, err := zenml.NormalizeServerURL(env.StoreURL); err == nil && cfg.Server(u) == nil {
			checks = append(checks, statusCheck{server: config.Setting{Value: u, Source: config.SourceEnv, Env: "ZENML_STORE_URL"}})
		}
	}
	if len(checks) == 0 {
		return nil, &exitcode.AuthError{Err: login.ErrNotLoggedIn}
	}
	return checks, nil
}

// statusParallelism bounds the checks of --all in flight at once: a
// handful of servers answer together, and a long list does not open a
// connection per login.
const statusParallelism = 4

// checkAll runs the checks, a few at a time, and keeps their order.
func checkAll(ctx context.Context, m *login.Manager, checks []statusCheck) []ServerStatus {
	statuses := make([]ServerStatus, len(checks))
	if len(checks) == 1 {
		statuses[0] = checkServer(ctx, m, checks[0])
		return statuses
	}
	slots := make(chan struct{}, statusParallelism)
	var wg sync.WaitGroup
	for i, c := range checks {
		wg.Add(1)
		slots <- struct{}{}
		go func() {
			defer func() { <-slots; wg.Done() }()
			statuses[i] = checkServer(ctx, m, c)
		}()
	}
	wg.Wait()
	return statuses
}

// reportFailures names on stderr every login of --all that failed, so
// that one among many is not missed.
func reportFailures(ios *iostreams.IOStreams, statuses []ServerStatus) {
	var failedLogins []string
	for _, s := range statuses {
		if !s.OK {
			failedLogins = append(failedLogins, loginName(s))
		}
	}
	if len(failedLogins) == 0 {
		return
	}
	fmt.Fprintf(ios.ErrOut, "%s %d of %d logins failed: %s\n", ios.ErrColorScheme().FailureIcon(),
		len(failedLogins), len(statuses), strings.Join(failedLogins, "; "))
}

// loginName is "ACCOUNT on URL", or the URL alone when no account is known.
func loginName(s ServerStatus) string {
	if s.Account == "" {
		return s.Server
	}
	return iostreams.EscapeLine(s.Account) + " on " + s.Server
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

func checkServer(ctx context.Context, m *login.Manager, c statusCheck) ServerStatus {
	server := c.server
	serverURL, err := zenml.NormalizeServerURL(server.Value)
	if err != nil {
		return failed(ServerStatus{Server: server.Value, TokenExpiresAt: "unknown"}, err)
	}
	st := recordedStatus(m, serverURL, c.account)
	st.ServerSource, st.serverFrom = sourceWord(server.Source), server.Describe("server")
	var t *login.Target
	if c.account != "" {
		t, err = m.ResolveAccount(serverURL, server, c.account)
	} else {
		t, err = m.Target(ctx, serverURL, server)
	}
	if err != nil {
		return failed(st, err)
	}
	describeTarget(&st, t, m.Env())
	if c.account != "" {
		st.accountFrom = "" // --all names every stored account, active or not
	}
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
		if info.NoAuth() && t.AuthMethod != config.AuthNone {
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

// recordedStatus is what the config says of a server and an account (""
// for the active one), before any check.
func recordedStatus(m *login.Manager, serverURL, account string) ServerStatus {
	st := ServerStatus{Server: serverURL, TokenExpiresAt: "unknown"}
	cfg, err := m.Config()
	if err != nil {
		return st
	}
	st.Active = cfg.ActiveServer == serverURL
	if s := cfg.Server(serverURL); s != nil {
		st.ServerVersion, st.ServerID = s.ServerVersion, s.ServerID
		a := s.Active()
		if account != "" {
			// Of several accounts, the login commands use is the active one.
			st.Active = st.Active && a != nil && a.Name == account
			a = s.Account(account)
		}
		if a != nil {
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
		st.AccountSource, st.accountFrom = sourceWord(t.AccountSource), accountSourceText(t.AccountSource)
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

// sourceWord is a setting's source as the stable word of -o json.
func sourceWord(s config.Source) string {
	switch s {
	case config.SourceFlag:
		return "flag"
	case config.SourceEnv:
		return "env"
	case config.SourceConfig:
		return "config"
	}
	return "default"
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

func printStatuses(ios *iostreams.IOStreams, statuses []ServerStatus, all bool) {
	cs := ios.ColorScheme()
	for i, s := range statuses {
		if i > 0 {
			fmt.Fprintln(ios.Out)
		}
		title := s.Server
		if all && s.Account != "" {
			title += ", account " + iostreams.EscapeLine(s.Account)
		}
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
		fields := []output.Field{
			{Key: "Server version", Value: s.ServerVersion}, {Key: "Server ID", Value: s.ServerID},
			{Key: "Auth method", Value: authMethodText(s.AuthMethod)}, {Key: "Token expires", Value: expires},
			{Key: "Secret stored in", Value: s.SecretStore}, {Key: "Server from", Value: s.serverFrom},
			{Key: "Account from", Value: s.accountFrom}, {Key: "Credentials", Value: s.CredentialsSource},
		}
		for i, f := range fields {
			// "unknown" says nothing a failed check has not said.
			if f.Value == "unknown" && !s.OK {
				fields[i].Value = ""
			}
		}
		fmt.Fprint(ios.Out, output.FieldBlock(cs, 2, fields))
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
