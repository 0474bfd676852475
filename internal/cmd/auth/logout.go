package auth

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/zenctl/zenctl/internal/cmd/cmdargs"
	"github.com/zenctl/zenctl/internal/cmd/complete"
	"github.com/zenctl/zenctl/internal/cmd/factory"
	"github.com/zenctl/zenctl/internal/config"
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
		Short: "Stop using a server as the active one (--clear forgets its credentials)",
		Long: heredoc.Doc(`
			Make SERVER_URL (the active server unless given) no longer active.
			Its stored credentials are KEPT, as with 'zenml logout' (unlike 'gh auth
			logout'): --server SERVER_URL and 'zenctl login SERVER_URL' still use
			them. To forget them, add --clear.

			--clear deletes the stored credentials and the server's record; --account
			acts on one account of the server instead of all of them (ZENCTL_ACCOUNT
			does not: a variable left set must not narrow a 'logout --clear'); --all
			acts on every server. Logging out of a server that is not active changes
			nothing without --clear, and says so.

			Exit status: 0 when the logout is done or there was nothing to do (no
			server active, or the one named was not active: a notice on stderr
			says so), so running it twice is safe; 1 when it cannot be done: a
			SERVER_URL or --account zenctl has no login for (a typo must not
			look like success), or --clear with no server named and several stored.

			Tokens already issued stay valid on the server until they expire: to
			revoke access, deactivate or delete the API key (rotating it leaves
			tokens already issued valid).
		`),
		Example: heredoc.Doc(`
			# no server active; credentials kept
			$ zenctl logout

			# forget the credentials of one server, of one account, of all
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
	cmd.Flags().BoolVar(&opts.Clear, "clear", false, "Delete the stored credentials too (without it they are kept)")
	cmd.Flags().BoolVar(&opts.All, "all", false, "Act on every stored server")
	return cmd
}

func runLogout(ctx context.Context, opts *LogoutOptions) error {
	m, err := opts.Logins()
	if err != nil {
		return err
	}
	cfg, err := m.Config()
	if err != nil {
		return err
	}
	servers, err := logoutServers(opts, cfg)
	if err != nil {
		return err
	}
	results := make([]loggedOut, 0, len(servers))
	for _, u := range servers {
		out, err := m.Logout(ctx, login.Logout{URL: u, Account: opts.Account, Clear: opts.Clear})
		if err != nil {
			reportLogouts(opts, results)
			return err
		}
		results = append(results, loggedOut{URL: u, WasActive: cfg.ActiveServer == u, LoggedOut: out})
	}
	reportLogouts(opts, results)
	if opts.All && opts.Clear && opts.Account == "" {
		n, err := m.ClearAll(ctx)
		if err != nil {
			return err
		}
		if n > 0 {
			fmt.Fprintf(opts.IO.ErrOut, "Deleted %d more stored secret(s) that no login named\n", n)
		}
	}
	return nil
}

// logoutServers are the servers a logout acts on: every one with --all,
// else SERVER_URL, --server or the active server. After a plain logout no
// server is active, yet its credentials stay: --clear must still reach them.
func logoutServers(opts *LogoutOptions, cfg *config.Config) ([]string, error) {
	if opts.All {
		if len(cfg.Servers) == 0 {
			fmt.Fprintln(opts.IO.ErrOut, "Not logged in to any server: nothing changed.")
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
		// Nothing to do is not a failure (a logout run twice, or from a
		// cleanup script, succeeds with a notice), as for a server that
		// was not active; only a request that cannot be carried out
		// exits non-zero.
		cs, errOut := opts.IO.ErrColorScheme(), opts.IO.ErrOut
		stored := cfg.ServerURLs()
		switch {
		case len(stored) == 0:
			fmt.Fprintf(errOut, "%s Not logged in to any server: nothing changed\n", cs.WarningIcon())
			return nil, nil
		case len(stored) == 1 && (opts.Clear || opts.Account != ""):
			raw = stored[0]
		case opts.Clear:
			return nil, exitcode.Usagef("no server is active: name one, e.g. `zenctl logout %s --clear`, or use --all (stored: %s)", stored[0], strings.Join(stored, ", "))
		default:
			fmt.Fprintf(errOut, "%s No server is active: nothing changed\n", cs.WarningIcon())
			fmt.Fprintf(errOut, "  The stored credentials of %s are kept; to forget them: zenctl logout SERVER_URL --clear\n", strings.Join(stored, ", "))
			return nil, nil
		}
	}
	u, err := zenml.NormalizeServerURL(raw)
	if err != nil {
		return nil, err
	}
	return []string{u}, nil
}

// loggedOut is what a logout did to one server, and whether that server
// was the active one before.
type loggedOut struct {
	URL       string
	WasActive bool
	login.LoggedOut
}

// changed reports whether a logout without --clear changed anything: it
// only ever ends the active login, so one of a server (or an account)
// that was not active changes nothing.
func (r loggedOut) changed(account string) bool {
	if account != "" {
		return !r.Unchanged
	}
	return r.WasActive
}

// reportLogouts says exactly what changed and what did not: people who
// know `gh auth logout` expect a logout to forget, and this one keeps the
// credentials unless --clear.
func reportLogouts(opts *LogoutOptions, results []loggedOut) {
	switch {
	case len(results) == 0:
	case opts.Clear:
		for _, r := range results {
			reportClear(opts, r)
		}
		if slices.ContainsFunc(results, func(r loggedOut) bool { return !r.Secretless }) {
			fmt.Fprintln(opts.IO.ErrOut, "Tokens already issued stay valid on the server until they expire.")
		}
	case opts.All:
		reportKeepAll(opts, results)
	default:
		reportKeep(opts, results[0])
	}
}

func reportKeep(opts *LogoutOptions, r loggedOut) {
	cs, errOut := opts.IO.ErrColorScheme(), opts.IO.ErrOut
	who, what := r.URL, "server"
	if opts.Account != "" {
		who, what = iostreams.EscapeLine(opts.Account)+" on "+r.URL, "login"
	}
	if r.changed(opts.Account) {
		fmt.Fprintf(errOut, "%s %s is no longer the active %s; no server is active now\n", cs.SuccessIcon(), who, what)
	} else {
		fmt.Fprintf(errOut, "%s %s was not the active %s: nothing changed\n", cs.WarningIcon(), who, what)
	}
	if r.Secretless {
		fmt.Fprintf(errOut, "  Nothing secret is stored for it: the server does not use authentication.\n")
		return
	}
	use := "--server " + r.URL
	if opts.Account != "" {
		use += " --account " + login.ShellWord(opts.Account)
	}
	fmt.Fprintf(errOut, "  Its stored credentials were kept: commands given %s still use them.\n", use)
	fmt.Fprintf(errOut, "  To forget them: zenctl logout %s --clear\n", logoutCommandArgs(r.URL, opts.Account))
}

func reportKeepAll(opts *LogoutOptions, results []loggedOut) {
	cs, errOut := opts.IO.ErrColorScheme(), opts.IO.ErrOut
	var kept []string
	active := ""
	for _, r := range results {
		if r.changed(opts.Account) {
			active = r.URL
		}
		if !r.Secretless {
			kept = append(kept, r.URL)
		}
	}
	if active != "" {
		fmt.Fprintf(errOut, "%s %s is no longer the active server; no server is active now\n", cs.SuccessIcon(), active)
	} else {
		fmt.Fprintf(errOut, "%s No server was active: nothing changed\n", cs.WarningIcon())
	}
	if len(kept) == 0 {
		return
	}
	fmt.Fprintf(errOut, "  The stored credentials of %s were kept: commands given --server URL still use them.\n", strings.Join(kept, ", "))
	fmt.Fprintln(errOut, "  To forget them all: zenctl logout --all --clear")
}

func reportClear(opts *LogoutOptions, r loggedOut) {
	cs, errOut := opts.IO.ErrColorScheme(), opts.IO.ErrOut
	who := r.URL
	if opts.Account != "" {
		who = iostreams.EscapeLine(opts.Account) + " on " + r.URL
	}
	if r.Secretless {
		fmt.Fprintf(errOut, "%s Forgot %s (nothing secret was stored: the server does not use authentication)\n", cs.SuccessIcon(), who)
	} else {
		if len(r.Accounts) > 1 {
			who += " (accounts " + iostreams.EscapeLine(strings.Join(r.Accounts, ", ")) + ")"
		}
		fmt.Fprintf(errOut, "%s Deleted the stored credentials of %s\n", cs.SuccessIcon(), who)
	}
	if r.WasActive && r.ServerRemoved {
		fmt.Fprintln(errOut, "  No server is active now.")
	}
	if r.NowActive != "" {
		fmt.Fprintf(errOut, "  Active account on %s: %s\n", r.URL, iostreams.EscapeLine(r.NowActive))
	}
}

func logoutCommandArgs(serverURL, account string) string {
	if account == "" {
		return serverURL
	}
	return serverURL + " --account " + login.ShellWord(account)
}
