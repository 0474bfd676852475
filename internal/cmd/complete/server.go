package complete

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/zenctl/zenctl/internal/cmd/factory"
	"github.com/zenctl/zenctl/pkg/zenml"
)

// serverTimeout bounds the server round trip behind a Tab press: a shell
// that hangs is worse than one that offers nothing.
const serverTimeout = 2 * time.Second

// Authenticated is how a command group gets its logged-in client.
type Authenticated = func(ctx context.Context) (*zenml.Client, *factory.Target, error)

// Lister asks the server for the candidates that start with toComplete.
// Whatever it returns is shown by the shell, so it escapes server text.
type Lister func(ctx context.Context, client *zenml.Client, toComplete string) ([]cobra.Completion, error)

// FromServer is what list finds within the completion timeout, and
// nothing at all on any failure.
func FromServer(authenticated Authenticated, toComplete string, list Lister) []cobra.Completion {
	ctx, cancel := context.WithTimeout(context.Background(), serverTimeout)
	defer cancel()
	client, _, err := authenticated(ctx)
	if err != nil {
		return nil
	}
	found, err := list(ctx, client, toComplete)
	if err != nil {
		return nil
	}
	return found
}

// FirstArgFromServer completes a command's one argument with what list
// finds, and never with file names.
func FirstArgFromServer(authenticated Authenticated, list Lister) cobra.CompletionFunc {
	return func(_ *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) != 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return FromServer(authenticated, toComplete, list), cobra.ShellCompDirectiveNoFileComp
	}
}

// NamesStartingWith lists one page of a kind sorted by name, only the
// names that start with prefix.
func NamesStartingWith(prefix string) zenml.ListParams {
	params := zenml.ListParams{Size: 100, SortBy: "name"}
	if prefix != "" {
		params.Filters = map[string]string{"name": "startswith:" + prefix}
	}
	return params
}
