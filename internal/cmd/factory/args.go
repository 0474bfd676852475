package factory

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/zenctl/zenctl/internal/exitcode"
)

// NoArgs rejects positional arguments with a message that shows the
// command's usage, where cobra's says "unknown command" for a typo'd
// value as well as for a stray word.
func NoArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return exitcode.Usagef("%s takes no arguments, got %q: usage: %s", cmd.CommandPath(), strings.Join(args, " "), cmd.UseLine())
	}
	return nil
}

// MaxArgs allows at most n positional arguments.
func MaxArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) > n {
			return exitcode.Usagef("too many arguments (%d): usage: %s", len(args), cmd.UseLine())
		}
		return nil
	}
}

// ExactArgs wants exactly the named arguments and names the missing one,
// which cobra's ExactArgs does not.
func ExactArgs(names ...string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < len(names) {
			return exitcode.Usagef("missing %s: usage: %s", names[len(args)], cmd.UseLine())
		}
		if len(args) > len(names) {
			return exitcode.Usagef("too many arguments (%d): usage: %s", len(args), cmd.UseLine())
		}
		return nil
	}
}
