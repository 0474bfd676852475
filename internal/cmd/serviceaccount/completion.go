package serviceaccount

import (
	"context"
	"slices"

	"github.com/spf13/cobra"

	"github.com/zenctl/zenctl/internal/cmd/complete"
	"github.com/zenctl/zenctl/internal/iostreams"
	"github.com/zenctl/zenctl/pkg/zenml"
)

// keyCommands take a key name after the service account.
var keyCommands = []string{"describe", "update", "activate", "deactivate", "rotate", "delete"}

// Candidates are names from the server: the shell shows them, so they are
// escaped like any server text (a name that needed it cannot be typed as
// shown, which is the lesser harm).

// completeServiceAccountArg completes the first argument with service
// account names from the server, and nothing at all on any failure.
func completeServiceAccountArg(authenticated clientFunc) cobra.CompletionFunc {
	return complete.FirstArgFromServer(authenticated, serviceAccountNames)
}

// completeAPIKeyArgs completes `api-key SA <command> KEY`: the service
// account, then the subcommand, then the key's name.
func completeAPIKeyArgs(authenticated clientFunc, parent *cobra.Command) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		var positional []string
		for _, a := range args {
			if len(a) == 0 || a[0] != '-' {
				positional = append(positional, a)
			}
		}
		switch len(positional) {
		case 0:
			return complete.FromServer(authenticated, toComplete, serviceAccountNames), cobra.ShellCompDirectiveNoFileComp
		case 1:
			return subcommandNames(parent), cobra.ShellCompDirectiveNoFileComp
		case 2:
			if slices.Contains(keyCommands, positional[1]) {
				return complete.FromServer(authenticated, positional[0], apiKeyNames), cobra.ShellCompDirectiveNoFileComp
			}
		}
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
}

func serviceAccountNames(ctx context.Context, client *zenml.Client, prefix string) ([]cobra.Completion, error) {
	page, err := client.ListServiceAccounts(ctx, complete.NamesStartingWith(prefix))
	if err != nil {
		return nil, err
	}
	names := make([]cobra.Completion, 0, len(page.Items))
	for _, sa := range page.Items {
		names = append(names, iostreams.EscapeLine(sa.Name))
	}
	return names, nil
}

// apiKeyNames are the names of the keys of the service account named or
// identified by serviceAccount.
func apiKeyNames(ctx context.Context, client *zenml.Client, serviceAccount string) ([]cobra.Completion, error) {
	sa, err := client.ResolveServiceAccount(ctx, serviceAccount)
	if err != nil {
		return nil, err
	}
	var names []cobra.Completion
	for k, err := range client.AllAPIKeys(ctx, sa.ID, zenml.ListParams{}) {
		if err != nil {
			return nil, err
		}
		names = append(names, iostreams.EscapeLine(k.Name))
	}
	return names, nil
}

// keyCommandsArePositional marks the commands whose subcommands come after
// a service account, so that completion offers account names there.
const keyCommandsArePositional = "zenctl/positional-subcommands"

// HideSubcommandsFromCompletion makes a shell's completion of `zenctl sa
// api-key <Tab>` offer service accounts only: cobra would list the
// subcommands beside them, and choosing one fails (the account comes
// first). Call it before completions are computed; the subcommands stay
// in the help and the docs, which are not built in that process.
func HideSubcommandsFromCompletion(root *cobra.Command) {
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Annotations[keyCommandsArePositional] != "" {
			for _, sub := range c.Commands() {
				sub.Hidden = true
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}
