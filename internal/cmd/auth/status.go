package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/zenctl/zenctl/internal/cmd/factory"
	"github.com/zenctl/zenctl/internal/config"
	"github.com/zenctl/zenctl/internal/exitcode"
	"github.com/zenctl/zenctl/internal/iostreams"
	"github.com/zenctl/zenctl/internal/output"
	"github.com/zenctl/zenctl/pkg/zenml"
)

// StatusOptions are the inputs of `zenctl status`.
type StatusOptions struct {
	Factory *factory.Factory
	IO      *iostreams.IOStreams
	All     bool
	Output  string
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
	OK             bool   `json:"ok"`
	Error          string `json:"error,omitempty"`
	authFailed     bool
}

// NewCmdStatus builds `zenctl status` (alias whoami).
func NewCmdStatus(f *factory.Factory, runF func(*StatusOptions) error) *cobra.Command {
	opts := &StatusOptions{Factory: f, IO: f.IOStreams}
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
			password, device, token or environment), token_expires_at (an
			RFC 3339 time, "never", or "unknown" when no token could be read),
			secret_store (keyring, file or environment), ok, and
			error when ok is false.
		`),
		Example: heredoc.Doc(`
			$ zenctl status
			$ zenctl whoami -o json
			$ zenctl status --all
		`),
		Args: factory.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return runStatus(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.All, "all", false, "Show every stored server")
	factory.AddOutputFlag(cmd, &opts.Output)
	return cmd
}

func runStatus(ctx context.Context, opts *StatusOptions) error {
	f := opts.Factory
	format, err := f.OutputFormat(opts.Output)
	if err != nil {
		return err
	}
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	var urls []string
	if opts.All {
		urls = cfg.ServerURLs()
		if env := f.Env(); env.StoreURL != "" {
			if u, err := zenml.NormalizeServerURL(env.StoreURL); err == nil && cfg.Server(u) == nil {
				urls = append(urls, u)
			}
		}
		if len(urls) == 0 {
			// A script parsing the list gets an empty one, and still exit 4.
			if format != output.FormatTable {
				if err := output.Print(opts.IO, format, []ServerStatus{}, nil); err != nil {
					return err
				}
			}
			return &exitcode.AuthError{Err: factory.ErrNotLoggedIn}
		}
	} else {
		u, err := f.ResolveServerURL()
		if err != nil {
			return err
		}
		urls = []string{u}
	}

	statuses := make([]ServerStatus, 0, len(urls))
	for _, u := range urls {
		statuses = append(statuses, checkServer(ctx, f, cfg, u))
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

func checkServer(ctx context.Context, f *factory.Factory, cfg *config.Config, serverURL string) ServerStatus {
	st := ServerStatus{Server: serverURL, Active: cfg.ActiveServer == serverURL, TokenExpiresAt: "unknown"}
	if s := cfg.Server(serverURL); s != nil {
		st.ServerVersion, st.ServerID = s.ServerVersion, s.ServerID
		st.Account, st.AccountType, st.AuthMethod, st.SecretStore = s.Account, s.AccountType, s.AuthMethod, s.SecretStore
	}
	saved := f.ServerFlag
	f.ServerFlag = serverURL
	client, target, err := f.AuthenticatedClient(ctx)
	f.ServerFlag = saved
	if err != nil {
		return failed(st, err)
	}
	st.AuthMethod = target.AuthMethod
	if target.FromEnv {
		st.SecretStore = "environment"
	}

	if info, err := client.Info(ctx); err == nil {
		st.ServerVersion, st.ServerID = info.Version, info.ID
	} else {
		return failed(st, err)
	}
	user, err := client.CurrentUser(ctx)
	if err != nil {
		st = failed(st, err)
		// An expired or rejected login still shows when its token expired;
		// any other failure may be the store's own, not worth a second wait.
		if st.authFailed && target.Store != nil {
			if secret, err := target.Store.Get(serverURL); err == nil {
				st.TokenExpiresAt = expiryText(secret.ExpiresAt)
			}
		}
		return st
	}
	st.OK = true
	st.Account = user.Name
	st.AccountType = config.AccountUser
	if user.Body.IsServiceAccount {
		st.AccountType = config.AccountServiceAccount
	}
	switch {
	case target.Store != nil:
		// After the check, which may have renewed the token.
		if secret, err := target.Store.Get(serverURL); err == nil {
			st.TokenExpiresAt = expiryText(secret.ExpiresAt)
		}
	case target.TokenExpiry != nil:
		if at, ok := target.TokenExpiry(); ok {
			st.TokenExpiresAt = expiryText(at)
		}
	}
	return st
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
	st.authFailed = errors.As(err, &authErr) || errors.As(err, &reauth) || zenml.IsKind(err, zenml.KindCredentials)
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
		if s.OK {
			fmt.Fprintf(ios.Out, "  %s Logged in as %s %s\n", cs.SuccessIcon(), accountTypeText(s.AccountType), cs.Bold(s.Account))
		} else {
			fmt.Fprintf(ios.Out, "  %s %s\n", cs.FailureIcon(), s.Error)
		}
		d := []struct{ k, v string }{
			{"Server version", s.ServerVersion}, {"Server ID", s.ServerID},
			{"Auth method", authMethodText(s.AuthMethod)}, {"Token expires", s.TokenExpiresAt},
			{"Secret stored in", s.SecretStore},
		}
		for _, kv := range d {
			// "unknown" says nothing a failed check has not said.
			if kv.v != "" && !(kv.v == "unknown" && !s.OK) {
				fmt.Fprintf(ios.Out, "  %-17s %s\n", kv.k+":", kv.v)
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
	case factory.AuthMethodEnvironment:
		return "environment (ZENML_STORE_*)"
	}
	return m
}
