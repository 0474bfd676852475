package root

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/zenctl/zenctl/internal/cmd/cmdtest"
	"github.com/zenctl/zenctl/internal/cmd/docs"
)

func TestReferenceDocsAreCurrent(t *testing.T) {
	h := cmdtest.New(t)
	stale, err := docs.Stale(NewCmdRoot(h.F), "../../../docs/reference")
	if err != nil {
		t.Fatal(err)
	}
	if len(stale) > 0 {
		t.Fatal(docs.StaleError(stale))
	}
}

// Every command a user can run explains itself: a short and a long
// description and at least one example.
func TestEveryCommandHasHelpAndExamples(t *testing.T) {
	h := cmdtest.New(t)
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			walk(sub)
		}
		if hiddenPath(c) || !c.Runnable() || c.Name() == "help" || strings.HasPrefix(c.CommandPath(), "zenctl completion") {
			return
		}
		if c.Short == "" || c.Long == "" || c.Example == "" {
			t.Errorf("%q lacks a short or long description or an example", c.CommandPath())
		}
	}
	walk(NewCmdRoot(h.F))
}

func hiddenPath(c *cobra.Command) bool {
	for ; c != nil; c = c.Parent() {
		if c.Hidden {
			return true
		}
	}
	return false
}
