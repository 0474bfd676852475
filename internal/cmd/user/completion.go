package user

import (
	"context"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/zenctl/zenctl/internal/iostreams"
	"github.com/zenctl/zenctl/pkg/zenml"
)

// completionTimeout bounds the server round trip behind a Tab press: a
// shell that hangs is worse than one that offers nothing.
const completionTimeout = 2 * time.Second

// completeUserArg completes a command's one NAME_OR_ID with the names of
// the users the account may list, and never with file names.
func completeUserArg(authenticated ClientFunc) cobra.CompletionFunc {
	return func(_ *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) != 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return userNames(authenticated, toComplete), cobra.ShellCompDirectiveNoFileComp
	}
}

// userNames are the users whose name starts with prefix, escaped like any
// server text the shell shows.
func userNames(authenticated ClientFunc, prefix string) []cobra.Completion {
	ctx, cancel := context.WithTimeout(context.Background(), completionTimeout)
	defer cancel()
	client, _, err := authenticated(ctx)
	if err != nil {
		return nil
	}
	params := zenml.ListParams{Size: 100, SortBy: "name"}
	if prefix != "" {
		params.Filters = map[string]string{"name": "startswith:" + prefix}
	}
	page, err := client.ListUsers(ctx, params)
	if err != nil {
		return nil
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
	return names
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
