package user

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/zenctl/zenctl/internal/cmd/complete"
	"github.com/zenctl/zenctl/internal/iostreams"
	"github.com/zenctl/zenctl/pkg/zenml"
)

// completeUserArg completes a command's one NAME_OR_ID with the names of
// the users the account may list, and never with file names.
func completeUserArg(authenticated ClientFunc) cobra.CompletionFunc {
	return complete.FirstArgFromServer(authenticated, userNames)
}

// userNames are the users whose name starts with prefix, escaped like any
// server text the shell shows.
func userNames(ctx context.Context, client *zenml.Client, prefix string) ([]cobra.Completion, error) {
	page, err := client.ListUsers(ctx, complete.NamesStartingWith(prefix))
	if err != nil {
		return nil, err
	}
	names := make([]cobra.Completion, 0, len(page.Items))
	for _, u := range page.Items {
		if u.Body.IsServiceAccount {
			continue
		}
		desc := "user"
		if u.Body.FullName != "" {
			desc = u.Body.FullName
		}
		if !u.Body.Active {
			desc += " (inactive)"
		}
		names = append(names, cobra.CompletionWithDesc(iostreams.EscapeLine(u.Name), iostreams.EscapeLine(desc)))
	}
	return names, nil
}

// addUserCompletion gives every subcommand named by a user (its Use ends
// in NAME_OR_ID) the completion of user names.
func addUserCompletion(parent *cobra.Command, authenticated ClientFunc) {
	for _, c := range parent.Commands() {
		if strings.HasSuffix(c.Use, " NAME_OR_ID") && c.ValidArgsFunction == nil {
			c.ValidArgsFunction = completeUserArg(authenticated)
		}
	}
}
