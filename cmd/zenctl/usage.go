package main

import (
	"strings"

	"github.com/spf13/cobra"
)

// commandPath names the subcommand args selected, for the usage hint.
func commandPath(root *cobra.Command, args []string) string {
	c, rest, err := root.Find(args)
	if err != nil || c == root {
		return ""
	}
	// `service-account api-key SA <command>`: the command follows an
	// argument, which cobra's Find does not look past.
	if c.HasSubCommands() && len(rest) >= 2 {
		if sub, _, err := c.Find(rest[1:]); err == nil && sub != c {
			c = sub
		}
	}
	return strings.TrimPrefix(c.CommandPath(), root.Name()+" ") + " "
}
