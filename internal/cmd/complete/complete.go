// Package complete is the shell completion of the global flags and
// arguments that name a stored server or account, and the one way commands
// complete names they ask the server for.
package complete

import (
	"github.com/spf13/cobra"

	"github.com/zenctl/zenctl/internal/cmd/factory"
	"github.com/zenctl/zenctl/internal/iostreams"
)

// ServerURLs completes --server with the URLs of the servers zenctl has
// logins for.
func ServerURLs(f *factory.Factory) cobra.CompletionFunc {
	return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		cfg, err := f.Config()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return candidates(cfg.ServerURLs()), cobra.ShellCompDirectiveNoFileComp
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
		return candidates(names), cobra.ShellCompDirectiveNoFileComp
	}
}

// candidates makes stored names (which a server chose, or a hand-edited
// config holds) safe for the shell's completion menu, like any text from
// elsewhere: each is escaped onto one line, so that an ESC in a name
// cannot drive the terminal and a line break cannot add a candidate. A
// name that needed it cannot be typed as shown, the lesser harm.
func candidates(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = iostreams.EscapeLine(n)
	}
	return out
}
