package serviceaccount

import (
	"context"
	"strings"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/zenctl/zenctl/internal/cmd/docs"
	"github.com/zenctl/zenctl/internal/cmd/factory"
	"github.com/zenctl/zenctl/internal/exitcode"
	"github.com/zenctl/zenctl/pkg/zenml"
)

// The API-key commands take the service account before the subcommand, as
// the zenml CLI does (`api-key SA rotate KEY`). Cobra only knows arguments
// after subcommands, so `api-key` parses its own arguments and hands the
// rest to the subcommand, whose first positional argument is then the
// service account. The subcommands stay registered under `api-key` for
// help, completion of names and generated docs.

const dispatchingAnnotation = "zenctl/dispatching"

// NewCmdAPIKey builds `zenctl service-account api-key SA <command>`.
func NewCmdAPIKey(f *factory.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "api-key SA_NAME_OR_ID <command>",
		Short: "Manage a service account's API keys",
		Long: heredoc.Doc(`
			Create, list, rotate, deactivate and delete the API keys of a service
			account. The service account comes first, then the command:

			  zenctl service-account api-key SA_NAME_OR_ID <command> [args] [flags]

			Service accounts and keys are named by name, full id, or a unique id
			prefix.

			For a leaked key: 'deactivate' stops the key and the session tokens
			obtained with it at once; 'rotate' gives it a new secret (the old one
			stops working now, or after --retain minutes) but leaves tokens
			already obtained with the old secret valid; 'rotate --all' rotates
			every key of the account; 'delete' removes the key and its session
			tokens for good. API tokens minted from those sessions ('zenctl
			token') survive all of these: only deactivating the service account
			stops them.
		`),
		Example: heredoc.Doc(`
			$ zenctl service-account api-key ci-bot list
			$ zenctl sa api-key ci-bot create deploy -d "Deploy job"
			$ zenctl sa api-key ci-bot deactivate default
			$ zenctl sa api-key ci-bot rotate default --retain 60
			$ zenctl sa api-key ci-bot rotate --all -o json
		`),
		Args:               cobra.ArbitraryArgs,
		DisableFlagParsing: true,
		Annotations:        map[string]string{keyCommandsArePositional: "1"},
	}
	cmd.RunE = func(c *cobra.Command, args []string) error { return dispatchAPIKey(cmd, args) }
	for _, c := range []*cobra.Command{
		NewCmdAPIKeyCreate(f, nil), NewCmdAPIKeyList(f, nil), NewCmdAPIKeyDescribe(f, nil), NewCmdAPIKeyUpdate(f, nil),
		NewCmdAPIKeyActivate(f, nil), NewCmdAPIKeyDeactivate(f, nil), NewCmdAPIKeyRotate(f, nil), NewCmdAPIKeyDelete(f, nil),
	} {
		if c.Annotations == nil {
			c.Annotations = map[string]string{}
		}
		c.Annotations[docs.ArgBeforeAnnotation] = "SA_NAME_OR_ID"
		cmd.AddCommand(c)
	}
	cmd.SetHelpFunc(func(c *cobra.Command, args []string) {
		// Show the real shape of the command line, with the service account
		// before the subcommand. The edits assume cobra's default template
		// and change nothing if a custom one does not match.
		switch {
		case c == cmd:
			t := strings.Replace(c.UsageTemplate(), "\n  {{.CommandPath}} [command]{{end}}", "{{end}}", 1)
			t = strings.Replace(t, "{{.CommandPath}} [command] --help", "{{.CommandPath}} SA_NAME_OR_ID <command> --help", 1)
			c.SetUsageTemplate(t)
		case c.Parent() == cmd:
			useLine := cmd.CommandPath() + " SA_NAME_OR_ID " + c.Use + " [flags]"
			c.SetUsageTemplate(strings.Replace(c.UsageTemplate(), "{{.UseLine}}", useLine, 1))
		}
		if p := cmd.Parent(); p != nil {
			p.HelpFunc()(c, args)
			return
		}
		(&cobra.Command{}).HelpFunc()(c, args)
	})
	return cmd
}

// dispatchAPIKey runs `api-key [global flags] SA SUBCOMMAND [args] [flags]`.
func dispatchAPIKey(parent *cobra.Command, args []string) error {
	line := splitKeyCommandLine(parent.InheritedFlags(), args)
	if line.help {
		return parent.Help()
	}
	if line.sa == "" {
		return exitcode.Usagef("missing the service account: usage: %s SA_NAME_OR_ID <command>", parent.CommandPath())
	}
	if line.sub == "" {
		return exitcode.Usagef("missing the command after %q: one of %s", line.sa, strings.Join(subcommandNames(parent), ", "))
	}
	leaf, err := findKeyCommand(parent, line.sub)
	if err != nil {
		return err
	}

	ctx := parent.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	leaf.SetContext(ctx)
	leaf.InitDefaultHelpFlag()
	leafArgs := append(append(line.lead, line.sa), line.rest...)
	if err := leaf.ParseFlags(leafArgs); err != nil {
		return leaf.FlagErrorFunc()(leaf, err)
	}
	if help, _ := leaf.Flags().GetBool("help"); help {
		return leaf.Help()
	}
	positional := leaf.Flags().Args()
	parent.Annotations[dispatchingAnnotation] = "1"
	defer delete(parent.Annotations, dispatchingAnnotation)
	if err := leaf.ValidateArgs(positional); err != nil {
		return err
	}
	if err := leaf.ValidateRequiredFlags(); err != nil {
		return err
	}
	if err := leaf.ValidateFlagGroups(); err != nil {
		return err
	}
	return leaf.RunE(leaf, positional)
}

// keyCommandLine is the arguments of `api-key` taken apart.
type keyCommandLine struct {
	// lead are the global flags (with their values) before the subcommand.
	lead    []string
	sa, sub string
	// rest follows the subcommand: its arguments and flags.
	rest []string
	// help is -h or --help before the subcommand.
	help bool
}

func splitKeyCommandLine(globals *pflag.FlagSet, args []string) keyCommandLine {
	var line keyCommandLine
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-h" || a == "--help":
			if line.sub == "" {
				line.help = true
				return line
			}
		case a == "--":
			// Everything after -- is an argument, even if it starts with -.
			if i+1 < len(args) && line.sa == "" {
				line.sa, i = args[i+1], i+1
			}
			if i+1 < len(args) && line.sub == "" {
				line.sub, line.rest = args[i+1], append([]string{"--"}, args[i+2:]...)
			}
			i = len(args)
		case strings.HasPrefix(a, "-") && len(a) > 1:
			line.lead = append(line.lead, a)
			if takesValue(globals, a) && i+1 < len(args) {
				line.lead = append(line.lead, args[i+1])
				i++
			}
		case line.sa == "":
			line.sa = a
		default:
			line.sub, line.rest = a, args[i+1:]
			i = len(args)
		}
	}
	return line
}

// findKeyCommand is the subcommand named sub (or an alias), or a usage
// error that suggests the nearest name.
func findKeyCommand(parent *cobra.Command, sub string) (*cobra.Command, error) {
	for _, c := range parent.Commands() {
		if c.Name() == sub || c.HasAlias(sub) {
			return c, nil
		}
	}
	if parent.SuggestionsMinimumDistance <= 0 {
		parent.SuggestionsMinimumDistance = 2
	}
	if s := parent.SuggestionsFor(sub); len(s) > 0 {
		return nil, exitcode.Usagef("unknown command %q for %s SA_NAME_OR_ID; did you mean %q?", sub, parent.CommandPath(), s[0])
	}
	return nil, exitcode.Usagef("unknown command %q for %s SA_NAME_OR_ID: one of %s", sub, parent.CommandPath(), strings.Join(subcommandNames(parent), ", "))
}

// takesValue reports whether a global flag consumes the next argument.
func takesValue(flags *pflag.FlagSet, arg string) bool {
	if strings.Contains(arg, "=") {
		return false
	}
	var fl *pflag.Flag
	if name, ok := strings.CutPrefix(arg, "--"); ok {
		fl = flags.Lookup(name)
	} else if len(arg) == 2 {
		fl = flags.ShorthandLookup(arg[1:])
	}
	return fl != nil && fl.NoOptDefVal == ""
}

func subcommandNames(parent *cobra.Command) []string {
	var names []string
	for _, c := range parent.Commands() {
		// Not IsAvailableCommand: completion hides these commands from
		// cobra's own listing (HideSubcommandsFromCompletion).
		if c.Deprecated == "" && c.Name() != "help" {
			names = append(names, c.Name())
		}
	}
	return names
}

// saArgs validates a key subcommand's arguments: the service account, then
// names. Reached without the dispatcher, cobra has matched the first word
// after `api-key` as the subcommand: the service account was left out, or
// is literally named like a subcommand. Either way, guessing could act on
// the wrong account.
func saArgs(names ...string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if p := cmd.Parent(); p != nil && p.Annotations != nil && p.Annotations[dispatchingAnnotation] == "" {
			return exitcode.Usagef("the service account comes before the command: %s SA_NAME_OR_ID %s ...; "+
				"an account named %q must be given by its id", p.CommandPath(), cmd.Name(), cmd.Name())
		}
		if len(args) == 0 {
			return exitcode.Usagef("missing the service account")
		}
		if len(args)-1 < len(names) {
			return exitcode.Usagef("missing %s: usage: %s SA_NAME_OR_ID %s", names[len(args)-1], commandPathOf(cmd), cmd.Use)
		}
		if len(args)-1 > len(names) {
			return exitcode.Usagef("too many arguments: usage: %s SA_NAME_OR_ID %s", commandPathOf(cmd), cmd.Use)
		}
		return nil
	}
}

func commandPathOf(cmd *cobra.Command) string {
	if p := cmd.Parent(); p != nil {
		return p.CommandPath()
	}
	return "zenctl service-account api-key"
}

// keyContext is what every key command needs: a client, the target it
// talks to, and the resolved service account (the key routes need its id).
type keyContext struct {
	client *zenml.Client
	target *factory.Target
	sa     *zenml.ServiceAccount
}

func newKeyContext(ctx context.Context, authenticated clientFunc, saRef string) (*keyContext, error) {
	client, target, err := authenticated(ctx)
	if err != nil {
		return nil, err
	}
	sa, err := resolveServiceAccount(ctx, client, saRef)
	if err != nil {
		return nil, err
	}
	return &keyContext{client: client, target: target, sa: sa}, nil
}

// saArgsUpTo is saArgs for subcommands whose names are optional.
func saArgsUpTo(names ...string) cobra.PositionalArgs {
	strict := saArgs(names...)
	return func(cmd *cobra.Command, args []string) error {
		if len(args) >= 1 && len(args)-1 < len(names) {
			// Fewer names than the maximum is fine; only the routing check
			// and the service account matter.
			return saArgs(names[:len(args)-1]...)(cmd, args)
		}
		return strict(cmd, args)
	}
}
