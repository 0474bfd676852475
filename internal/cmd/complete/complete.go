// Package complete is the shell completion of the global flags and
// arguments that name a stored server or account.
package complete

import (
	"github.com/spf13/cobra"

	"github.com/zenctl/zenctl/internal/cmd/factory"
)

// ServerURLs completes --server with the URLs of the servers zenctl has
// logins for.
func ServerURLs(f *factory.Factory) cobra.CompletionFunc {
	return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		cfg, err := f.Config()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return cfg.ServerURLs(), cobra.ShellCompDirectiveNoFileComp
	}
}

// ServerURLArg completes a command's single SERVER_URL argument.
func ServerURLArg(f *factory.Factory) cobra.CompletionFunc {
	urls := ServerURLs(f)
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return urls(cmd, args, toComplete)
	}
}

// Accounts completes --account with the accounts stored on the command's
// server (or on every server when none is chosen).
func Accounts(f *factory.Factory) cobra.CompletionFunc {
	return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		m, err := f.Logins()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		cfg, err := m.Config()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var names []string
		for _, s := range cfg.Servers {
			if u, _, err := m.ServerURL(); err == nil && u != s.URL {
				continue
			}
			names = append(names, s.AccountNames()...)
		}
		return names, cobra.ShellCompDirectiveNoFileComp
	}
}
