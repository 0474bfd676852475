package serviceaccount

import (
	"context"
	"slices"
	"strings"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/zenctl/zenctl/internal/cmd/complete"
	"github.com/zenctl/zenctl/internal/cmd/docs"
	"github.com/zenctl/zenctl/internal/cmd/factory"
	"github.com/zenctl/zenctl/internal/exitcode"
	"github.com/zenctl/zenctl/internal/iostreams"
	"github.com/zenctl/zenctl/internal/login"
	"github.com/zenctl/zenctl/pkg/zenml"
)

// The API-key commands take the service account before the subcommand, as
// the zenml CLI does (`api-key SA rotate KEY`). Cobra knows arguments only
// after subcommands, so CobraOrder rewrites the command line once, before
// cobra parses it, into `api-key rotate SA KEY`: from there flags, help,
// completion and errors are cobra's own.

// givenFirstFlag marks a command line that CobraOrder rewrote, so that a
// subcommand can tell `api-key SA rotate` from `api-key rotate SA`, which
// has the account in the wrong place. Hidden: nobody types it.
const givenFirstFlag = "zenctl-service-account-first"

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
		Args:        cobra.ArbitraryArgs,
		Annotations: map[string]string{keyCommandsArePositional: "1"},
		// Reached only when CobraOrder found no subcommand after the
		// service account.
		RunE: func(c *cobra.Command, args []string) error { return missingKeyCommand(c, args) },
	}
	cmd.PersistentFlags().Bool(givenFirstFlag, false, "")
	_ = cmd.PersistentFlags().MarkHidden(givenFirstFlag)
	for _, c := range []*cobra.Command{
		NewCmdAPIKeyCreate(f, nil), NewCmdAPIKeyList(f, nil), NewCmdAPIKeyDescribe(f, nil), NewCmdAPIKeyUpdate(f, nil),
		NewCmdAPIKeyActivate(f, nil), NewCmdAPIKeyDeactivate(f, nil), NewCmdAPIKeyRotate(f, nil), NewCmdAPIKeyDelete(f, nil),
	} {
		if c.Annotations == nil {
			c.Annotations = map[string]string{}
		}
		c.Annotations[docs.ArgBeforeAnnotation] = "SA_NAME_OR_ID"
		c.ValidArgsFunction = completeKeyCommandArgs(f.AuthenticatedClient)
		cmd.AddCommand(c)
	}
	return cmd
}

// missingKeyCommand is the error for `api-key [SA [WORD]]`: WORD, if any,
// names no subcommand.
func missingKeyCommand(parent *cobra.Command, args []string) error {
	switch len(args) {
	case 0:
		return exitcode.Usagef("missing the service account: usage: %s SA_NAME_OR_ID <command>", parent.CommandPath())
	case 1:
		return exitcode.Usagef("missing the command after %q: one of %s", args[0], strings.Join(subcommandNames(parent), ", "))
	}
	if parent.SuggestionsMinimumDistance <= 0 {
		parent.SuggestionsMinimumDistance = 2
	}
	sub := args[1]
	if subcommandNamed(parent, sub) != nil {
		// Only "--" before the account stops CobraOrder: after it, cobra
		// takes every word, the command too, as an argument.
		return exitcode.Usagef("%q after \"--\" is not read as a command: name the account by its id instead (`zenctl service-account describe %s` shows it)",
			sub, iostreams.Escape(login.ShellArg(args[0])))
	}
	if s := parent.SuggestionsFor(sub); len(s) > 0 {
		return exitcode.Usagef("unknown command %q for %s SA_NAME_OR_ID; did you mean %q?", sub, parent.CommandPath(), s[0])
	}
	return exitcode.Usagef("unknown command %q for %s SA_NAME_OR_ID: one of %s", sub, parent.CommandPath(), strings.Join(subcommandNames(parent), ", "))
}

// CobraOrder returns args, a command line for cmd, with the arguments of
// `api-key SA SUBCOMMAND` put in the order cobra parses: `api-key
// SUBCOMMAND SA`. It walks the subcommands as cobra does and changes
// nothing else. For `__complete`, the word being completed stays where it
// is.
func CobraOrder(cmd *cobra.Command, args []string) []string {
	out := slices.Clone(args)
	from, end := 0, len(out)
	if len(out) > 0 && (out[0] == cobra.ShellCompRequestCmd || out[0] == cobra.ShellCompNoDescRequestCmd) {
		from, end = 1, len(out)-1
	}
	c := cmd
	for i := from; i < end; i++ {
		if skip, isFlag := flagWords(c, out, i, end); isFlag {
			i += skip
			continue
		}
		if out[i] == "--" {
			break
		}
		if c.Annotations[keyCommandsArePositional] != "" {
			if moveSubcommandFirst(c, out[:end], i) {
				// The mark goes in after the subcommand, before any "--".
				return slices.Insert(out, i+1, "--"+givenFirstFlag)
			}
			break
		}
		sub := subcommandNamed(c, out[i])
		if sub == nil {
			break
		}
		c = sub
	}
	return out
}

// moveSubcommandFirst swaps the service account at out[sa] with the
// subcommand that follows it (after any flags), if there is one.
func moveSubcommandFirst(parent *cobra.Command, out []string, sa int) bool {
	for j := sa + 1; j < len(out); j++ {
		if skip, isFlag := flagWords(parent, out, j, len(out)); isFlag {
			j += skip
			continue
		}
		if out[j] == "--" || subcommandNamed(parent, out[j]) == nil {
			return false
		}
		out[sa], out[j] = out[j], out[sa]
		return true
	}
	return false
}

// flagWords reports whether out[i] is a flag and how many words after it
// are its value, as cobra would read them.
func flagWords(c *cobra.Command, out []string, i, end int) (skip int, isFlag bool) {
	a := out[i]
	if !strings.HasPrefix(a, "-") || a == "-" || a == "--" {
		return 0, false
	}
	if strings.Contains(a, "=") || (!strings.HasPrefix(a, "--") && len(a) > 2) {
		return 0, true
	}
	if fl := lookupFlag(c, a); fl != nil && fl.NoOptDefVal == "" && i+1 < end {
		return 1, true
	}
	return 0, true
}

// lookupFlag finds a flag of c or of its parents, by "--name" or "-x".
func lookupFlag(c *cobra.Command, arg string) *pflag.Flag {
	for ; c != nil; c = c.Parent() {
		for _, fs := range []*pflag.FlagSet{c.Flags(), c.PersistentFlags()} {
			if name, ok := strings.CutPrefix(arg, "--"); ok {
				if fl := fs.Lookup(name); fl != nil {
					return fl
				}
			} else if fl := fs.ShorthandLookup(arg[1:]); fl != nil {
				return fl
			}
		}
	}
	return nil
}

func subcommandNamed(parent *cobra.Command, name string) *cobra.Command {
	for _, c := range parent.Commands() {
		if c.Name() == name || c.HasAlias(name) {
			return c
		}
	}
	return nil
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
// names. Without the mark of CobraOrder, the first word after `api-key`
// was the subcommand: the service account was left out, or is literally
// named like a subcommand. Either way, guessing could act on the wrong
// account.
func saArgs(names ...string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if given, err := cmd.Flags().GetBool(givenFirstFlag); cmd.HasParent() && err == nil && !given {
			return exitcode.Usagef("the service account comes before the command: %s SA_NAME_OR_ID %s ...",
				cmd.Parent().CommandPath(), cmd.Name())
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

// completeKeyCommandArgs completes the key name of `api-key SA COMMAND`,
// which CobraOrder has made `COMMAND SA`.
func completeKeyCommandArgs(authenticated clientFunc) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
		if len(args) == 1 && slices.Contains(keyCommands, cmd.Name()) {
			return complete.FromServer(authenticated, args[0], apiKeyNames), cobra.ShellCompDirectiveNoFileComp
		}
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
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
