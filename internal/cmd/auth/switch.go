package auth

import (
	"errors"
	"fmt"
	"strings"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/zenctl/zenctl/internal/cmd/cmdargs"
	"github.com/zenctl/zenctl/internal/cmd/complete"
	"github.com/zenctl/zenctl/internal/cmd/factory"
	"github.com/zenctl/zenctl/internal/cmd/outputflag"
	"github.com/zenctl/zenctl/internal/config"
	"github.com/zenctl/zenctl/internal/exitcode"
	"github.com/zenctl/zenctl/internal/iostreams"
	"github.com/zenctl/zenctl/internal/login"
	"github.com/zenctl/zenctl/internal/output"
	"github.com/zenctl/zenctl/internal/prompt"
	"github.com/zenctl/zenctl/pkg/zenml"
)

// SwitchOptions are the inputs of `zenctl switch`.
type SwitchOptions struct {
	IO       *iostreams.IOStreams
	Prompter prompt.Prompter
	Logins   func() (*login.Manager, error)
	Format   func(flagValue string) (output.Format, error)

	ServerURL string
	Account   string
	Output    string
}

// Switched is `zenctl switch -o json`: what is active now.
type Switched struct {
	Server  string `json:"server"`
	Account string `json:"account"`
}

// NewCmdSwitch builds `zenctl switch`.
func NewCmdSwitch(f *factory.Factory, runF func(*SwitchOptions) error) *cobra.Command {
	opts := &SwitchOptions{IO: f.IOStreams, Prompter: f.Prompter, Logins: f.Logins, Format: f.OutputFormat}
	cmd := &cobra.Command{
		Use:   "switch [SERVER_URL]",
		Short: "Switch the active server or account",
		Long: heredoc.Doc(`
			Make another stored login the active one: a server, or an account on
			a server (--account). Nothing is sent to any server.

			With one other login to switch to, switch picks it; with several, a
			terminal shows a menu and a script gets an error listing them.
			Without --account, SERVER_URL becomes active with its active account.

			'zenctl server list' shows the stored servers and accounts; --account
			picks an account for a single command instead.
		`),
		Example: heredoc.Doc(`
			$ zenctl switch
			$ zenctl switch --account ci-bot
			$ zenctl switch https://staging.zenml.example.com
		`),
		Args:              cmdargs.MaxArgs(1),
		ValidArgsFunction: complete.ServerURLArg(f),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ServerURL = f.ServerFlag // the global --server names it too
			if len(args) == 1 {
				opts.ServerURL = args[0]
			}
			opts.Account = f.AccountFlag
			if runF != nil {
				return runF(opts)
			}
			return runSwitch(opts)
		},
	}
	outputflag.Add(cmd, &opts.Output)
	return cmd
}

// choice is one login switch can make active.
type choice struct{ server, account string }

func (c choice) String() string {
	if c.account == "" {
		return c.server
	}
	return c.account + " on " + c.server
}

func runSwitch(opts *SwitchOptions) error {
	format, err := opts.Format(opts.Output)
	if err != nil {
		return err
	}
	m, err := opts.Logins()
	if err != nil {
		return err
	}
	cfg, err := m.Config()
	if err != nil {
		return err
	}
	choices, err := switchChoices(cfg, opts)
	if err != nil {
		return err
	}
	picked, err := pickChoice(opts, choices)
	if err != nil {
		return err
	}
	already := isActive(cfg, picked)
	if err := m.Switch(picked.server, picked.account); err != nil {
		return err
	}
	if cfg, err = m.Config(); err == nil {
		if s := cfg.Server(picked.server); s != nil && picked.account == "" {
			picked.account = s.ActiveAccount
		}
	}
	cs := opts.IO.ErrColorScheme()
	state := "Active"
	if already {
		state = "Already active"
	}
	fmt.Fprintf(opts.IO.ErrOut, "%s %s: %s\n", cs.SuccessIcon(), state, cs.Bold(iostreams.EscapeLine(picked.String())))
	if set := m.StoreEnvSet(false); len(set) > 0 {
		fmt.Fprintf(opts.IO.ErrOut, "%s %s set: commands act from them, not from the active login, until they are unset\n", cs.WarningIcon(), strings.Join(set, ", "))
	}
	if format == output.FormatTable {
		return nil
	}
	return output.Print(opts.IO, format, Switched{Server: picked.server, Account: picked.account}, nil)
}

// isActive reports whether a choice is what is active now.
func isActive(cfg *config.Config, c choice) bool {
	s := cfg.Server(c.server)
	return s != nil && cfg.ActiveServer == c.server && (c.account == "" || s.ActiveAccount == c.account)
}

// switchChoices lists the logins the arguments allow, without the one
// active now.
func switchChoices(cfg *config.Config, opts *SwitchOptions) ([]choice, error) {
	if len(cfg.Servers) == 0 {
		return nil, &exitcode.AuthError{Err: login.ErrNotLoggedIn}
	}
	servers := cfg.Servers
	if opts.ServerURL != "" {
		u, err := zenml.NormalizeServerURL(opts.ServerURL)
		if err != nil {
			return nil, err
		}
		s := cfg.Server(u)
		if s == nil {
			return nil, fmt.Errorf("not logged in to %s; stored servers: %s (`zenctl server list`)", u, joinServers(cfg))
		}
		if opts.Account == "" {
			// The server with its active account (which, if it is active
			// already, changes nothing and says so).
			return []choice{{server: u}}, nil
		}
		servers = []config.Server{*s}
	}
	var choices []choice
	for _, s := range servers {
		if opts.Account != "" {
			if s.Account(opts.Account) != nil {
				choices = append(choices, choice{s.URL, opts.Account})
			}
			continue
		}
		for _, a := range s.Accounts {
			if cfg.ActiveServer != s.URL || s.ActiveAccount != a.Name {
				choices = append(choices, choice{s.URL, a.Name})
			}
		}
	}
	if len(choices) == 0 {
		return nil, noChoiceError(cfg, opts)
	}
	return narrowToActiveServer(cfg, opts, choices), nil
}

// narrowToActiveServer prefers the active server's account when --account
// names one that several servers have.
func narrowToActiveServer(cfg *config.Config, opts *SwitchOptions, choices []choice) []choice {
	if opts.Account == "" || len(choices) < 2 {
		return choices
	}
	for _, c := range choices {
		if c.server == cfg.ActiveServer {
			return []choice{c}
		}
	}
	return choices
}

func noChoiceError(cfg *config.Config, opts *SwitchOptions) error {
	if opts.Account == "" {
		return errors.New("there is no other stored login to switch to; `zenctl login` adds one")
	}
	if opts.ServerURL != "" {
		u, _ := zenml.NormalizeServerURL(opts.ServerURL)
		return login.UnknownAccountError(cfg.Server(u), opts.Account, "--account")
	}
	var names []string
	for _, s := range cfg.Servers {
		for _, a := range s.Accounts {
			names = append(names, choice{s.URL, a.Name}.String())
		}
	}
	return fmt.Errorf("no stored account %q; stored: %s", opts.Account, joinWords(names))
}

// pickChoice takes the only choice, or lets a terminal choose.
func pickChoice(opts *SwitchOptions, choices []choice) (choice, error) {
	if len(choices) == 1 {
		return choices[0], nil
	}
	labels := make([]string, len(choices))
	for i, c := range choices {
		labels[i] = c.String()
	}
	hint := "zenctl switch " + choices[0].server
	if choices[0].account != "" {
		hint += " --account " + login.ShellWord(choices[0].account)
	}
	i, err := choose(opts.IO, opts.Prompter, "login", labels, hint)
	if err != nil {
		return choice{}, err
	}
	return choices[i], nil
}

func joinServers(cfg *config.Config) string { return joinWords(cfg.ServerURLs()) }

func joinWords(words []string) string {
	if len(words) == 0 {
		return "none"
	}
	return strings.Join(words, ", ")
}
