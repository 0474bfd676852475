package root

import (
	"regexp"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/zenctl/zenctl/internal/cmd/cmdtest"
)

// Every flag that takes a value shows it in one style, as --server URL
// does: an upper-case word that says what to give, never a Go type name
// such as "string" or "int".
func TestFlagPlaceholdersAreUpperCaseWords(t *testing.T) {
	root := NewCmdRoot(cmdtest.New(t).F)
	allowed := regexp.MustCompile(`^([A-Z][A-Z_=-]*|true\|false)$`)
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		check := func(fl *pflag.Flag) {
			if fl.Value.Type() == "bool" {
				return
			}
			name, _ := pflag.UnquoteUsage(fl)
			if !allowed.MatchString(name) {
				t.Errorf("%s --%s: placeholder %q, want an upper-case word", c.CommandPath(), fl.Name, name)
			}
		}
		c.LocalFlags().VisitAll(check)
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}
