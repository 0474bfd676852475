package root

import (
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// fileWords are the placeholders of flags whose value is a file or a
// directory: the shell completes paths there, and only there.
var fileWords = []string{"FILE", "DIR", "DIRECTORY", "PATH"}

// noFileCompletion makes the shell offer no file names where no file
// belongs: cobra's fallback for an argument or a flag value without a
// completion of its own is the file names of the working directory, which
// a Tab after `user deactivate` or `--unused-for` would offer. Arguments
// of a command that runs another program (exec) keep the shell's own.
func noFileCompletion(c *cobra.Command) {
	for _, sub := range c.Commands() {
		noFileCompletion(sub)
	}
	if c.ValidArgsFunction == nil && len(c.ValidArgs) == 0 && !strings.Contains(c.Use, "COMMAND") {
		c.ValidArgsFunction = cobra.NoFileCompletions
	}
	c.Flags().VisitAll(func(fl *pflag.Flag) {
		if fl.NoOptDefVal != "" || takesFile(fl) {
			return // a bool (or other flag with an implied value), or a path
		}
		if _, ok := c.GetFlagCompletionFunc(fl.Name); ok {
			return
		}
		_ = c.RegisterFlagCompletionFunc(fl.Name, cobra.NoFileCompletions)
	})
}

func takesFile(fl *pflag.Flag) bool {
	if len(fl.Annotations[cobra.BashCompFilenameExt]) > 0 || len(fl.Annotations[cobra.BashCompSubdirsInDir]) > 0 {
		return true
	}
	placeholder, _ := pflag.UnquoteUsage(fl)
	for _, w := range fileWords {
		if strings.Contains(strings.ToUpper(placeholder), w) {
			return true
		}
	}
	return false
}
