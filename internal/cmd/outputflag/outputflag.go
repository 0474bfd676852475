// Package outputflag is the -o/--output flag of the commands that print
// data, and which format it chooses.
package outputflag

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/zenctl/zenctl/internal/exitcode"
	"github.com/zenctl/zenctl/internal/output"
)

// Add adds -o/--output to a command that prints data.
func Add(cmd *cobra.Command, value *string) {
	cmd.Flags().StringVarP(value, "output", "o", "", "Output `FORMAT`: table, json or yaml (default from ZENCTL_OUTPUT, else table)")
	_ = cmd.RegisterFlagCompletionFunc("output", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return output.Formats(), cobra.ShellCompDirectiveNoFileComp
	})
}

// Format resolves --output: the flag, else the output setting
// (ZENCTL_OUTPUT or the config file, else table). setting is called only
// when the flag is not given, so that a broken setting does not break a
// command that does not need it.
func Format(flagValue string, setting func() (string, error)) (output.Format, error) {
	if flagValue != "" {
		format, err := output.ParseFormat(flagValue)
		if err != nil {
			return "", exitcode.Usagef("%v", err)
		}
		return format, nil
	}
	value, err := setting()
	if err != nil {
		return "", err
	}
	format, err := output.ParseFormat(value)
	if err != nil {
		return "", fmt.Errorf("%v (from ZENCTL_OUTPUT or the config file's output)", err)
	}
	return format, nil
}
