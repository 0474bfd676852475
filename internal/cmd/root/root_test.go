package root

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/zenctl/zenctl/internal/cmd/cmdtest"
	"github.com/zenctl/zenctl/internal/docsgen"
)

func TestReferenceDocsAreCurrent(t *testing.T) {
	h := cmdtest.New(t)
	stale, err := docsgen.Stale(NewCmdRoot(h.F), "../../../docs/reference")
	if err != nil {
		t.Fatal(err)
	}
	if len(stale) > 0 {
		t.Fatal(docsgen.StaleError(stale))
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

// The reference shows command lines that run: the api-key subcommands take
// the service account before the subcommand, in Markdown and man pages.
func TestReferenceShowsTheServiceAccountBeforeAPIKeySubcommands(t *testing.T) {
	h := cmdtest.New(t)
	for _, gen := range []struct {
		write func(*cobra.Command, string) error
		file  string
	}{
		{docsgen.WriteMarkdown, "zenctl_service-account_api-key_rotate.md"},
		{docsgen.WriteMan, "zenctl-service-account-api-key-rotate.1"},
	} {
		dir := t.TempDir()
		if err := gen.write(NewCmdRoot(h.F), dir); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(filepath.Join(dir, gen.file))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(data), "zenctl service-account api-key SA_NAME_OR_ID rotate") {
			t.Errorf("%s does not show the service account before the subcommand", gen.file)
		}
	}
}
