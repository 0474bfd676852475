// Package cmdargs checks a command's positional arguments: their number,
// with messages that show the usage and name what is missing, and the
// rule that an API key is never taken as an argument.
package cmdargs

import (
	"errors"
	"strings"

	"github.com/spf13/cobra"

	"github.com/zenctl/zenctl/internal/exitcode"
)

// APIKeyPrefix starts every ZenML API key.
const APIKeyPrefix = "ZENKEY_"

// LooksLikeAPIKey reports whether a command-line word is an API key (the
// zenml CLI prints them quoted, and a paste may keep the quotes).
func LooksLikeAPIKey(s string) bool {
	return strings.HasPrefix(strings.TrimLeft(s, `'"`), APIKeyPrefix)
}

// ErrAPIKeyArgument is the answer to an API key given on the command line,
// as an argument or a flag's value. The key is not repeated: the message
// may end up in a log.
var ErrAPIKeyArgument = &exitcode.UsageError{Err: errors.New("an API key is never taken as an argument, and this one is now in your shell history: " +
	"delete it there, and rotate the key if anyone else can read that history; " +
	"pass it on stdin (zenctl login URL --api-key < key-file), at the hidden prompt of zenctl login URL --api-key, " +
	"or in ZENML_STORE_API_KEY")}

func apiKeyIn(args []string) bool {
	for _, a := range args {
		if LooksLikeAPIKey(a) {
			return true
		}
	}
	return false
}

// NoArgs rejects positional arguments with a message that shows the
// command's usage, where cobra's says "unknown command" for a typo'd
// value as well as for a stray word.
func NoArgs(cmd *cobra.Command, args []string) error {
	if apiKeyIn(args) {
		return ErrAPIKeyArgument
	}
	if len(args) > 0 {
		return exitcode.Usagef("%s takes no arguments, got %q: usage: %s", cmd.CommandPath(), strings.Join(args, " "), cmd.UseLine())
	}
	return nil
}

// MaxArgs allows at most n positional arguments.
func MaxArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if apiKeyIn(args) {
			return ErrAPIKeyArgument
		}
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
		if apiKeyIn(args) {
			return ErrAPIKeyArgument
		}
		if len(args) < len(names) {
			return exitcode.Usagef("missing %s: usage: %s", names[len(args)], cmd.UseLine())
		}
		if len(args) > len(names) {
			return exitcode.Usagef("too many arguments (%d): usage: %s", len(args), cmd.UseLine())
		}
		return nil
	}
}
