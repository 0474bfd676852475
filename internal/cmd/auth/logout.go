package auth

import (
	"context"
	"fmt"
	"strings"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/zenctl/zenctl/internal/cmd/cmdargs"
	"github.com/zenctl/zenctl/internal/cmd/complete"
	"github.com/zenctl/zenctl/internal/cmd/factory"
	"github.com/zenctl/zenctl/internal/exitcode"
	"github.com/zenctl/zenctl/internal/iostreams"
	"github.com/zenctl/zenctl/internal/login"
	"github.com/zenctl/zenctl/pkg/zenml"
)

// LogoutOptions are the inputs of `zenctl logout`.
type LogoutOptions struct {
	IO     *iostreams.IOStreams
	Logins func() (*login.Manager, error)
	// ServerFlag is the global --server.
	ServerFlag string
	ServerURL  string
	// Account limits the logout to one account of the server.
	Account string
	Clear   bool
	All     bool
}

// NewCmdLogout builds `zenctl logout`.
func NewCmdLogout(f *factory.Factory, runF func(*LogoutOptions) error) *cobra.Command {
	opts := &LogoutOptions{IO: f.IOStreams, Logins: f.Logins}
	cmd := &cobra.Command{
		Use:   "logout [SERVER_URL]",
		Short: "Log out of a ZenML server",
		Long: heredoc.Doc(`
			Log out of a ZenML server (the active one unless SERVER_URL is given).

			Logging out is local: the server is no longer active, but its stored
			credentials stay, so a later 'zenctl login SERVER_URL' needs no new
			login. --clear deletes the stored credentials too; --account acts on
			one account of the server instead of all of them (ZENCTL_ACCOUNT does
			not: a variable left set must not narrow a 'logout --clear'); --all
			acts on every server. Tokens already issued stay valid on the server until they
			expire: to revoke access, deactivate or delete the API key (rotating
			it leaves tokens already issued valid).
		`),
		Example: heredoc.Doc(`
			$ zenctl logout
			$ zenctl logout https://zenml.example.com --clear
			$ zenctl logout --account ci-bot --clear
			$ zenctl logout --all --clear
		`),
		Args:              cmdargs.MaxArgs(1),
		ValidArgsFunction: complete.ServerURLArg(f),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.ServerURL = args[0]
			}
			// The global --account: here it limits the logout to one account
			// (ZENCTL_ACCOUNT does not: a variable left set must not narrow
			// a `logout --all --clear`).
			opts.Account = f.AccountFlag
			opts.ServerFlag = f.ServerFlag
			if opts.All && opts.ServerURL != "" {
				return exitcode.Usagef("give either SERVER_URL or --all, not both")
			}
			if runF != nil {
				return runF(opts)
			}
			return runLogout(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Clear, "clear", false, "Also delete the stored credentials")
	cmd.Flags().BoolVar(&opts.All, "all", false, "Log out of every server")
	return cmd
}

func runLogout(ctx context.Context, opts *LogoutOptions) error {
	m, err := opts.Logins()
	if err != nil {
		return err
	}
	servers, err := logoutServers(opts, m)
	if err != nil {
		return err
	}
	issued := false // whether any login had tokens the server may still honour
	for _, u := range servers {
		out, err := m.Logout(ctx, login.Logout{URL: u, Account: opts.Account, Clear: opts.Clear})
		if err != nil {
			return err
		}
		reportLogout(opts, u, out)
		issued = issued || !out.Secretless
	}
	if opts.All && opts.Clear && opts.Account == "" {
		n, err := m.ClearAll(ctx)
		if err != nil {
			return err
		}
		if n > 0 {
			fmt.Fprintf(opts.IO.ErrOut, "Deleted %d more stored secret(s) that no login named\n", n)
		}
	}
	if issued {
		fmt.Fprintln(opts.IO.ErrOut, "Tokens already issued stay valid on the server until they expire.")
	}
	return nil
}

// logoutServers are the servers a logout acts on: every one with --all,
// else SERVER_URL, --server or the active server. After a plain logout no
// server is active, yet its credentials stay: --clear must still reach them.
func logoutServers(opts *LogoutOptions, m *login.Manager) ([]string, error) {
	cfg, err := m.Config()
	if err != nil {
		return nil, err
	}
	if opts.All {
		if len(cfg.Servers) == 0 {
			fmt.Fprintln(opts.IO.ErrOut, "Not logged in to any server.")
		}
		return cfg.ServerURLs(), nil
	}
	raw := opts.ServerURL
	if raw == "" {
		raw = opts.ServerFlag
	}
	if raw == "" {
		raw = cfg.ActiveServer
	}
	if raw == "" {
		stored := cfg.ServerURLs()
		switch {
		case len(stored) == 0:
			return nil, fmt.Errorf("not logged in to any server; nothing to log out of")
		case len(stored) == 1 && (opts.Clear || opts.Account != ""):
			raw = stored[0]
		case opts.Clear:
			return nil, exitcode.Usagef("no server is active: name one, e.g. `zenctl logout %s --clear`, or use --all (stored: %s)", stored[0], strings.Join(stored, ", "))
		default:
			return nil, fmt.Errorf("no server is active; the stored credentials of %s stay until `zenctl logout SERVER_URL --clear`", strings.Join(stored, ", "))
		}
	}
	u, err := zenml.NormalizeServerURL(raw)
	if err != nil {
		return nil, err
	}
	return []string{u}, nil
}

func reportLogout(opts *LogoutOptions, serverURL string, out login.LoggedOut) {
	cs, errOut := opts.IO.ErrColorScheme(), opts.IO.ErrOut
	who := serverURL
	if opts.Account != "" {
		who = iostreams.EscapeLine(opts.Account) + " on " + serverURL
	}
	if out.Unchanged {
		fmt.Fprintf(errOut, "%s %s is not the active login: nothing changed (`zenctl logout %s --clear` deletes its stored credentials)\n",
			cs.WarningIcon(), who, logoutCommandArgs(serverURL, opts.Account))
		return
	}
	if out.Secretless {
		fmt.Fprintf(errOut, "%s Logged out of %s (nothing secret was stored: the server does not use authentication)\n", cs.SuccessIcon(), who)
		return
	}
	if !opts.Clear {
		// The server is no longer active, so the hint must name it.
		fmt.Fprintf(errOut, "%s Logged out of %s; its credentials stay stored (`zenctl logout %s --clear` deletes them)\n",
			cs.SuccessIcon(), who, logoutCommandArgs(serverURL, opts.Account))
		return
	}
	if len(out.Accounts) > 1 {
		who += " (accounts " + iostreams.EscapeLine(strings.Join(out.Accounts, ", ")) + ")"
	}
	fmt.Fprintf(errOut, "%s Logged out of %s and deleted its stored credentials\n", cs.SuccessIcon(), who)
	if out.NowActive != "" {
		fmt.Fprintf(errOut, "  Active account on %s: %s\n", serverURL, iostreams.EscapeLine(out.NowActive))
	}
}

func logoutCommandArgs(serverURL, account string) string {
	if account == "" {
		return serverURL
	}
	return serverURL + " --account " + login.ShellWord(account)
}
