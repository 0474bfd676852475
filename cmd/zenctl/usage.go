package main

import (
	"strings"

	"github.com/spf13/cobra"
)

// commandPath names the subcommand args selected, for the usage hint.
func commandPath(root *cobra.Command, args []string) string {
	c, _, err := root.Find(args)
	if err != nil || c == root {
		return ""
	}
	return strings.TrimPrefix(c.CommandPath(), root.Name()+" ") + " "
}
