package root

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/zenctl/zenctl/internal/cmd/cmdtest"
	"github.com/zenctl/zenctl/internal/cmd/docs"
)

// Item 3 of issue 13: help environment wraps at the terminal's width
// without breaking words, and says what login does with
// ZENML_STORE_API_KEY; a group's help has one usage line.
func TestHelpEnvironmentWrapsAndGroupsHaveOneUsageLine(t *testing.T) {
	for _, width := range []int{80, 100} {
		h := cmdtest.New(t)
		h.IO.SetTerminalWidth(width)
		root := NewCmdRoot(h.F)
		root.SetArgs([]string{"help", "environment"})
		if err := root.Execute(); err != nil {
			t.Fatal(err)
		}
		text := h.Out.String()
		for _, line := range strings.Split(text, "\n") {
			if len([]rune(line)) > width {
				t.Errorf("%d columns: line of %d: %q", width, len([]rune(line)), line)
			}
		}
		if strings.Contains(text, "-\n") {
			t.Errorf("%d columns: a line breaks after a hyphen (\"--/storage\"):\n%s", width, text)
		}
		if !strings.Contains(strings.Join(strings.Fields(text), " "), "except by 'zenctl login URL --api-key', which logs in with the key it holds") {
			t.Errorf("ZENML_STORE_API_KEY and login:\n%s", text)
		}
	}

	h := cmdtest.New(t)
	root := NewCmdRoot(h.F)
	root.SetArgs([]string{"service-account", "--help"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	usage := h.Out.String()[strings.Index(h.Out.String(), "Usage:"):]
	usage = usage[:strings.Index(usage, "\n\n")]
	if strings.Count(usage, "\n") != 1 || !strings.Contains(usage, "zenctl service-account [command]") {
		t.Errorf("usage lines:\n%s", usage)
	}
}

// Every command's help shows how to call it: the groups' one-line usage
// template, which their subcommands inherit, must keep theirs.
func TestEveryCommandShowsItsUsageLine(t *testing.T) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			walk(sub)
		}
		if !c.Runnable() || c.HasAvailableSubCommands() || c.Hidden {
			return
		}
		var b strings.Builder
		c.SetOut(&b)
		if err := c.Usage(); err != nil {
			t.Fatal(err)
		}
		want := c.UseLine()
		if arg := c.Annotations[docs.ArgBeforeAnnotation]; arg != "" {
			// `api-key SA rotate`: the argument comes before the name.
			want = strings.Replace(want, " "+c.Name()+" ", " "+arg+" "+c.Name()+" ", 1)
		}
		// A usage line wider than the terminal is wrapped at spaces.
		if !strings.Contains(strings.Join(strings.Fields(b.String()), " "), "Usage: "+want+" ") {
			t.Errorf("%s: no usage line:\n%s", c.CommandPath(), b.String())
		}
	}
	walk(NewCmdRoot(cmdtest.New(t).F))
}
