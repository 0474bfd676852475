// Package root assembles the zenctl command tree.
package root

import (
	"errors"
	"fmt"
	"strings"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/zenctl/zenctl/internal/build"
	"github.com/zenctl/zenctl/internal/cmd/api"
	"github.com/zenctl/zenctl/internal/cmd/audit"
	"github.com/zenctl/zenctl/internal/cmd/auth"
	"github.com/zenctl/zenctl/internal/cmd/cmdargs"
	"github.com/zenctl/zenctl/internal/cmd/complete"
	"github.com/zenctl/zenctl/internal/cmd/device"
	"github.com/zenctl/zenctl/internal/cmd/execenv"
	"github.com/zenctl/zenctl/internal/cmd/factory"
	"github.com/zenctl/zenctl/internal/cmd/importzenml"
	"github.com/zenctl/zenctl/internal/cmd/server"
	"github.com/zenctl/zenctl/internal/cmd/serviceaccount"
	"github.com/zenctl/zenctl/internal/cmd/user"
	"github.com/zenctl/zenctl/internal/config"
	"github.com/zenctl/zenctl/internal/exitcode"
	"github.com/zenctl/zenctl/internal/output"
)

// NewCmdRoot returns the root command with every subcommand.
func NewCmdRoot(f *factory.Factory) *cobra.Command {
	version, commit, date := build.Info()
	if f.Version == "" {
		f.Version = version
	}
	cmd := &cobra.Command{
		Use:   "zenctl <command> [flags]",
		Short: "Log in to ZenML servers and manage service accounts and API keys",
		Long: heredoc.Doc(`
			zenctl logs in to ZenML servers, hands out short-lived tokens to
			scripts, and manages service accounts and their API keys.

			Secrets live in the OS keyring, and access tokens renew themselves.
		`),
		Example: heredoc.Doc(`
			$ zenctl login https://zenml.example.com
			$ zenctl status
			$ curl -H "Authorization: Bearer $(zenctl token)" https://zenml.example.com/api/v1/current-user
			$ zenctl service-account create ci-bot
		`),
		Version:       versionLine(version, commit, date),
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	cmd.SetVersionTemplate("{{.Version}}\n")
	// The form main prints every error in; cobra's own "Error:" would be
	// a second one wherever cobra prints an error itself.
	cmd.SetErrPrefix("error:")
	cmd.PersistentPreRun = func(c *cobra.Command, _ []string) {
		// Cobra runs this hook before it computes a shell's completions.
		if c.Name() == cobra.ShellCompRequestCmd || c.Name() == cobra.ShellCompNoDescRequestCmd {
			serviceaccount.HideSubcommandsFromCompletion(c.Root())
		}
	}
	cmd.SetOut(f.IOStreams.Out)
	cmd.SetErr(f.IOStreams.ErrOut)
	cmd.SetUsageFunc(usageFunc(f.IOStreams.TerminalWidth))
	cmd.SetHelpFunc(helpFunc(f.IOStreams.TerminalWidth, cmd.HelpFunc()))
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &exitcode.UsageError{Err: friendlierFlagError(err)}
	})
	addGlobalFlags(cmd, f)

	addCommands(cmd, f, version, commit, date)
	rejectUnknownSubcommands(cmd)
	noFileCompletion(cmd)
	return cmd
}

// addGlobalFlags adds the flags every command takes, with their
// completion, and hands them to the factory.
func addGlobalFlags(cmd *cobra.Command, f *factory.Factory) {
	cmd.PersistentFlags().StringVar(&f.ServerFlag, "server", "", "Act on this server `URL` instead of the active one (env ZENML_STORE_URL)")
	cmd.PersistentFlags().StringVar(&f.AccountFlag, "account", "", "Act as this `ACCOUNT` of the server instead of its active one (env ZENCTL_ACCOUNT)")
	cmd.PersistentFlags().StringVar(&f.StorageFlag, "storage", "", "Where to store secrets, a `STORE`: keyring or file (env ZENCTL_STORAGE)")
	cmd.PersistentFlags().BoolVar(&f.Debug, "debug", false, "Trace HTTP requests to stderr, secrets redacted (env ZENCTL_DEBUG=1)")
	f.GlobalFlags = cmd.PersistentFlags()
	_ = cmd.RegisterFlagCompletionFunc("server", complete.ServerURLs(f))
	_ = cmd.RegisterFlagCompletionFunc("account", complete.Accounts(f))
	_ = cmd.RegisterFlagCompletionFunc("storage", cobra.FixedCompletions([]string{"keyring", "file"}, cobra.ShellCompDirectiveNoFileComp))
}

// addCommands adds every subcommand and help topic, in their groups.
func addCommands(cmd *cobra.Command, f *factory.Factory, version, commit, date string) {
	cmd.AddGroup(&cobra.Group{ID: "auth", Title: "Authentication"})
	for _, c := range []*cobra.Command{
		auth.NewCmdLogin(f, nil), auth.NewCmdLogout(f, nil), auth.NewCmdSwitch(f, nil), auth.NewCmdToken(f, nil), auth.NewCmdStatus(f, nil),
		server.NewCmdServer(f),
		execenv.NewCmdExec(f, nil), execenv.NewCmdEnv(f, nil),
	} {
		c.GroupID = "auth"
		cmd.AddCommand(c)
	}
	cmd.AddGroup(&cobra.Group{ID: "access", Title: "Service accounts and the API"})
	for _, c := range []*cobra.Command{serviceaccount.NewCmdServiceAccount(f), api.NewCmdAPI(f, nil),
		user.NewCmdUser(f), device.NewCmdDevice(f), audit.NewCmdAudit(f, nil)} {
		c.GroupID = "access"
		cmd.AddCommand(c)
	}
	cmd.AddCommand(importzenml.NewCmdImport(f))
	cmd.AddCommand(newCmdVersion(f, version, commit, date))
	// Cobra would add these when the command runs; adding them now makes
	// the tree the same for the docs generator and its staleness test.
	cmd.SetHelpCommand(newCmdHelp(cmd))
	cmd.InitDefaultHelpCmd()
	cmd.InitDefaultCompletionCmd()
	envTopic := newHelpTopic("environment", "Environment variables zenctl reads", environmentTopic(docsWidth))
	envTopic.SetHelpFunc(func(c *cobra.Command, _ []string) {
		// Wrapped to the terminal at the time it is read; the generated
		// docs keep the fixed width of Long.
		fmt.Fprint(c.OutOrStdout(), environmentTopic(f.IOStreams.TerminalWidth()))
	})
	cmd.AddCommand(envTopic)
	cmd.AddCommand(newHelpTopic("exit-codes", "Exit codes and what they mean", exitcode.Topic))
}

// rejectUnknownSubcommands makes a mistyped subcommand an error with a
// suggestion. Cobra checks this only at the root, and there in several
// lines; below it, `zenctl service-account lst` printed the help and
// exited 0, so a script's typo looked like success.
func rejectUnknownSubcommands(c *cobra.Command) {
	for _, sub := range c.Commands() {
		rejectUnknownSubcommands(sub)
	}
	if !c.HasSubCommands() || c.Run != nil || c.RunE != nil {
		return
	}
	c.Args = func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 {
			return nil
		}
		return &exitcode.UsageError{Err: unknownCommand(cmd, args[0])}
	}
	// Runnable now, a group would show two usage lines; usageLines
	// shows one.
	c.RunE = func(cmd *cobra.Command, args []string) error { return cmd.Help() }
}

func unknownCommand(parent *cobra.Command, name string) error {
	msg := fmt.Sprintf("unknown command %q for %q", name, parent.CommandPath())
	if s := suggest(parent, name); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	}
	return errors.New(msg)
}

// suggest finds the subcommand or help topic of parent that name is a typo
// of. cobra's SuggestionsFor skips help topics (`zenctl help envirnment`).
func suggest(parent *cobra.Command, name string) string {
	if parent.SuggestionsMinimumDistance <= 0 {
		parent.SuggestionsMinimumDistance = 2 // cobra's default, set only on its own error path
	}
	if s := parent.SuggestionsFor(name); len(s) > 0 {
		return s[0]
	}
	for _, c := range parent.Commands() {
		if c.IsAdditionalHelpTopicCommand() && (strings.HasPrefix(c.Name(), strings.ToLower(name)) || editDistance(c.Name(), strings.ToLower(name)) <= parent.SuggestionsMinimumDistance) {
			return c.Name()
		}
	}
	return ""
}

// editDistance is the Levenshtein distance of two short words.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// newCmdHelp replaces cobra's help command, which answered an unknown
// topic with the usage on stdout and exit code 0.
func newCmdHelp(root *cobra.Command) *cobra.Command {
	return &cobra.Command{
		Use:   "help [command]",
		Short: "Help about any command",
		Long:  "Show the help of any command or help topic: zenctl help [command path].",
		ValidArgsFunction: func(_ *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			parent, rest, err := root.Find(args)
			if err != nil || len(rest) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			var names []string
			for _, c := range parent.Commands() {
				if (c.IsAvailableCommand() || c.IsAdditionalHelpTopicCommand()) && strings.HasPrefix(c.Name(), toComplete) {
					names = append(names, c.Name()+"\t"+c.Short)
				}
			}
			return names, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(_ *cobra.Command, args []string) error {
			target, rest, err := root.Find(args)
			if err != nil || target == nil || len(rest) > 0 {
				msg := fmt.Sprintf("unknown help topic %q", strings.Join(args, " "))
				if target != nil && len(rest) > 0 {
					if s := suggest(target, rest[0]); s != "" {
						return fmt.Errorf("%s; did you mean %q?", msg, strings.TrimSpace(strings.TrimPrefix(target.CommandPath(), root.Name())+" "+s))
					}
				}
				return errors.New(msg + "; `zenctl help` lists the commands and topics")
			}
			target.InitDefaultHelpFlag()
			target.InitDefaultVersionFlag()
			return target.Help()
		},
	}
}

func versionLine(version, commit, date string) string {
	line := "zenctl " + version
	var extra []string
	if commit != "" {
		if len(commit) > 12 {
			commit = commit[:12]
		}
		extra = append(extra, "commit "+commit)
	}
	if date != "" {
		extra = append(extra, "built "+date)
	}
	if len(extra) > 0 {
		line += " (" + strings.Join(extra, ", ") + ")"
	}
	return line
}

// VersionInfo is `zenctl version -o json`.
type VersionInfo struct {
	Version string `json:"version"`
	Commit  string `json:"commit"`
	Date    string `json:"date"`
}

func newCmdVersion(f *factory.Factory, version, commit, date string) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Long: heredoc.Doc(`
			Print zenctl's version, the commit it was built from and the build
			date. Release builds carry them from the build; 'go install' builds
			read them from the module's build information.

			-o json prints {"version", "commit", "date"}; commit and date are
			empty when unknown.
		`),
		Example: "$ zenctl version\n$ zenctl --version\n$ zenctl version -o json",
		Args:    cmdargs.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			// Like token, version ignores ZENCTL_OUTPUT: its plain line is
			// what scripts and bug reports expect.
			out := output.FormatTable
			if format != "" {
				var err error
				if out, err = output.ParseFormat(format); err != nil {
					return exitcode.Usagef("%v", err)
				}
			}
			return output.Print(f.IOStreams, out, VersionInfo{Version: version, Commit: commit, Date: date}, func() error {
				_, err := fmt.Fprintln(f.IOStreams.Out, versionLine(version, commit, date))
				return err
			})
		},
	}
	cmd.Flags().StringVarP(&format, "output", "o", "", "Output `FORMAT`: json or yaml (default: one line)")
	return cmd
}

// newHelpTopic is a command without Run: cobra lists it under "Additional
// help topics" and `zenctl help NAME` prints it.
func newHelpTopic(name, short, long string) *cobra.Command {
	return &cobra.Command{Use: name, Short: short, Long: long}
}

// docsWidth is the width the help topics are wrapped to in the generated
// reference.
const docsWidth = 80

// environmentTopic lists the variables, each description wrapped to width
// under its name, so that no word is broken at the terminal's edge.
func environmentTopic(width int) string {
	width = min(max(width, 40), 120)
	var b strings.Builder
	variable := func(name, description string) {
		fmt.Fprintf(&b, "  %s\n", name)
		for _, line := range strings.Split(wrapAtSpaces(description, width-7), "\n") {
			fmt.Fprintf(&b, "      %s\n", line)
		}
	}
	paragraph := func(text string) {
		b.WriteString(wrapAtSpaces(text, width-1) + "\n")
	}
	b.WriteString("Environment variables zenctl reads:\n\n")
	for _, v := range config.Variables {
		variable(v.Name, v.Description)
	}
	b.WriteString("\nVariables 'zenctl exec' sets for its command, and 'zenctl env' prints:\n\n")
	for _, v := range execenv.Variables {
		variable(v.Name, v.Description)
	}
	b.WriteString("\n")
	paragraph(execenv.VariablesNote)
	b.WriteString("\n")
	paragraph(`With ZENML_STORE_URL and ZENML_STORE_API_KEY (or ZENML_STORE_API_TOKEN)
		set, zenctl needs no login and writes nothing to disk.`)
	b.WriteString("\n")
	paragraph(`'zenctl login' refuses to store credentials while any of
		ZENML_STORE_URL, ZENML_STORE_API_TOKEN, ZENML_STORE_USERNAME or
		ZENML_STORE_PASSWORD is set. ZENML_STORE_API_KEY is refused too,
		except by 'zenctl login URL --api-key', which logs in with the key it
		holds and stores that key, so that a CI job can keep the key in the
		variable.`)
	b.WriteString("\n")
	paragraph("NO_COLOR, CLICOLOR and CLICOLOR_FORCE control colour as usual.")
	return b.String()
}

// wrapAtSpaces joins the words of text into lines of at most width
// columns. Unlike ansi.Wordwrap it never breaks after a hyphen, which
// split "--storage" across two lines.
func wrapAtSpaces(text string, width int) string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(text) {
		switch {
		case line == "":
			line = word
		case len([]rune(line))+1+len([]rune(word)) <= width:
			line += " " + word
		default:
			lines = append(lines, line)
			line = word
		}
	}
	return strings.Join(append(lines, line), "\n")
}

// friendlierFlagError replaces strconv's wording ("strconv.ParseInt:
// parsing \"1h\": invalid syntax") with what the flag wants, and keeps an
// API key given as a flag's value out of the message.
func friendlierFlagError(err error) error {
	var invalid *pflag.InvalidValueError
	if !errors.As(err, &invalid) {
		return err
	}
	if cmdargs.LooksLikeAPIKey(invalid.GetValue()) {
		return cmdargs.ErrAPIKeyArgument
	}
	fl := invalid.GetFlag()
	if fl.Value.Type() == "bool" {
		return fmt.Errorf("invalid value %q for --%s: want true or false", invalid.GetValue(), fl.Name)
	}
	if !strings.Contains(err.Error(), "strconv.") {
		if cause := errors.Unwrap(invalid); cause != nil {
			return fmt.Errorf("invalid value %q for --%s: %v", invalid.GetValue(), fl.Name, cause)
		}
		return err
	}
	unit, _ := pflag.UnquoteUsage(fl)
	unit = strings.ToLower(unit)
	want := "a whole number"
	if unit != "" && unit != "int" && unit != "number" {
		want += " of " + unit
	}
	return fmt.Errorf("invalid value %q for --%s: want %s", invalid.GetValue(), fl.Name, want)
}
