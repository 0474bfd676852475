// Package server holds `zenctl server`: the servers and accounts zenctl
// has logins for.
package server

import (
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/zenctl/zenctl/internal/cmd/cmdargs"
	"github.com/zenctl/zenctl/internal/cmd/factory"
	"github.com/zenctl/zenctl/internal/cmd/outputflag"
	"github.com/zenctl/zenctl/internal/config"
	"github.com/zenctl/zenctl/internal/iostreams"
	"github.com/zenctl/zenctl/internal/output"
)

// NewCmdServer builds `zenctl server`.
func NewCmdServer(f *factory.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "server <command>",
		Short: "List the servers and accounts zenctl has logins for",
		Long: heredoc.Doc(`
			Work with the servers zenctl has logins for. 'zenctl switch' changes
			the active one; 'zenctl login' adds one.
		`),
		Example: heredoc.Doc(`
			$ zenctl server list
		`),
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(NewCmdList(f, nil))
	return cmd
}

// ListOptions are the inputs of `zenctl server list`.
type ListOptions struct {
	IO     *iostreams.IOStreams
	Config func() (*config.Config, error)
	// TokenExpiry reads an account's token expiry from its secret store
	// (login.Manager.StoredExpiry); nil uses the time recorded at login.
	TokenExpiry func(serverURL string, a *config.Account) (time.Time, bool)
	Format      func(flagValue string) (output.Format, error)
	Output      string
}

// Account is one account in `server list -o json`.
type Account struct {
	Name           string  `json:"name"`
	Type           string  `json:"type"`
	Active         bool    `json:"active"`
	AuthMethod     string  `json:"auth_method"`
	SecretStore    string  `json:"secret_store"`
	TokenExpiresAt *string `json:"token_expires_at"`
}

// Server is one server in `server list -o json`.
type Server struct {
	URL           string    `json:"url"`
	Active        bool      `json:"active"`
	ServerVersion string    `json:"server_version"`
	AuthScheme    string    `json:"auth_scheme"`
	Accounts      []Account `json:"accounts"`
}

// NewCmdList builds `zenctl server list`.
func NewCmdList(f *factory.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{IO: f.IOStreams, Config: f.Config, Format: f.OutputFormat,
		TokenExpiry: func(serverURL string, a *config.Account) (time.Time, bool) {
			m, err := f.Logins()
			if err != nil {
				return time.Time{}, false
			}
			return m.StoredExpiry(serverURL, a)
		}}
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List the stored servers and their accounts",
		Long: heredoc.Doc(`
			List the servers zenctl has logins for and the accounts on each, with
			the active server and accounts marked (*), how each logged in, where
			its secret is, and when its token expires as last seen.

			It reads only zenctl's config: no network, no keyring. 'zenctl
			status' checks a login against its server.

			-o json prints an array of {url, active, server_version, auth_scheme,
			accounts: [{name, type (user or service_account), active,
			auth_method (api_key, password, device, token or none), secret_store
			(keyring, file, or none for a server without authentication),
			token_expires_at (an RFC 3339 time as last renewed, "never", or null
			when there is no token)}]}.
		`),
		Example: heredoc.Doc(`
			$ zenctl server list
			$ zenctl server list -o json
		`),
		Args: cmdargs.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return runList(opts)
		},
	}
	outputflag.Add(cmd, &opts.Output)
	return cmd
}

func runList(opts *ListOptions) error {
	format, err := opts.Format(opts.Output)
	if err != nil {
		return err
	}
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	servers := ServersWithExpiry(cfg, opts.TokenExpiry)
	return output.Print(opts.IO, format, servers, func() error { return printTable(opts.IO, servers) })
}

// Servers describes the stored logins of a config, with the token
// expiries recorded at login.
func Servers(cfg *config.Config) []Server { return ServersWithExpiry(cfg, nil) }

// ServersWithExpiry is Servers with each token's expiry from expiry where
// it can say (a renewal keeps it in the secret store only).
func ServersWithExpiry(cfg *config.Config, expiry func(serverURL string, a *config.Account) (time.Time, bool)) []Server {
	servers := make([]Server, 0, len(cfg.Servers))
	for _, s := range cfg.Servers {
		srv := Server{URL: s.URL, Active: cfg.ActiveServer == s.URL, ServerVersion: s.ServerVersion,
			AuthScheme: s.AuthScheme, Accounts: []Account{}}
		accounts := s.Accounts
		if len(accounts) == 0 && s.HasLegacyLogin() {
			// Moved to accounts by the next command that uses it.
			accounts = []config.Account{{Name: s.LegacyAccount, Type: s.LegacyAccountType, AuthMethod: s.LegacyAuthMethod,
				SecretStore: s.LegacySecretStore, TokenExpiresAt: s.LegacyTokenExpiresAt}}
		}
		for _, a := range accounts {
			if expiry != nil {
				if at, ok := expiry(s.URL, &a); ok {
					a.TokenExpiresAt = nil
					if !at.IsZero() {
						a.TokenExpiresAt = &at
					}
				}
			}
			acc := Account{Name: a.Name, Type: a.Type, Active: s.ActiveAccount == a.Name || len(accounts) == 1,
				AuthMethod: a.AuthMethod, SecretStore: a.SecretStore}
			// As status says it: an RFC 3339 time, or "never"; nothing for
			// a server without authentication, which has no token.
			switch {
			case a.TokenExpiresAt != nil:
				at := a.TokenExpiresAt.UTC().Format(time.RFC3339)
				acc.TokenExpiresAt = &at
			case a.AuthMethod != config.AuthNone:
				never := "never"
				acc.TokenExpiresAt = &never
			}
			if a.AuthMethod == config.AuthNone {
				acc.SecretStore = "none"
			}
			srv.Accounts = append(srv.Accounts, acc)
		}
		servers = append(servers, srv)
	}
	return servers
}

func printTable(ios *iostreams.IOStreams, servers []Server) error {
	if len(servers) == 0 {
		_, err := ios.ErrOut.Write([]byte("No stored logins; run `zenctl login <server-url>`\n"))
		return err
	}
	t := output.NewTable(ios, "", "SERVER", "ACCOUNT", "TYPE", "AUTH", "STORAGE", "TOKEN EXPIRES")
	// The URL and the account name identify a login, but one long value
	// loses its end before every row loses TYPE, AUTH and STORAGE.
	t.ShrinkBeforeDropping(serverFloor, "SERVER")
	t.ShrinkBeforeDropping(accountFloor, "ACCOUNT")
	// Dropped in this order when even that does not fit: where a secret
	// is kept matters least, what kind of login it is most.
	t.TruncateFirst("STORAGE", "TOKEN EXPIRES", "AUTH", "TYPE")
	t.KeepWhole("TYPE", "AUTH", "STORAGE", "TOKEN EXPIRES")
	for _, s := range servers {
		for _, a := range s.Accounts {
			mark := ""
			if s.Active && a.Active {
				mark = "*"
			}
			name := a.Name
			if len(s.Accounts) > 1 && ios.IsStdoutTTY() {
				// Which account a server uses, as "active" says in JSON;
				// piped cells stay bare names for scripts.
				name = "  " + name
				if a.Active {
					name = "*" + name[1:]
				}
			}
			expires := "never"
			switch {
			case a.TokenExpiresAt != nil:
				expires = *a.TokenExpiresAt
				if at, err := time.Parse(time.RFC3339, expires); err == nil {
					expires = output.TableTime(ios, at, expires)
				}
			case a.AuthMethod == config.AuthNone:
				expires = ""
			}
			t.AddRow(mark, s.URL, name, accountType(a.Type), authText(a.AuthMethod), a.SecretStore, expires)
		}
	}
	return t.Render()
}

// How far SERVER and ACCOUNT are cut before columns are dropped:
// "https://zenml.example.c…" still says which server, and with the whole
// TYPE, AUTH, STORAGE and TOKEN EXPIRES the table fits 100 columns.
const (
	serverFloor  = 24
	accountFloor = 14
)

func accountType(t string) string {
	if t == config.AccountServiceAccount {
		return "service account"
	}
	return "user"
}

func authText(m string) string {
	switch m {
	case config.AuthAPIKey:
		return "API key"
	case config.AuthNone:
		return "none (NO_AUTH)"
	case "":
		return "-"
	}
	return m
}
