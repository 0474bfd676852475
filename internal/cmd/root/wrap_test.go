package root

import (
	"bytes"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/zenctl/zenctl/internal/cmd/cmdtest"
)

// New-user review: no line of any command's help is wider than a terminal
// of 80, 100 or 200 columns (a terminal wraps it mid-word: "cre|dentials"),
// and the hand-wrapped Long text keeps to the 80 columns of the docs.
func TestEveryHelpFitsTheTerminal(t *testing.T) {
	for _, width := range []int{80, 100, 200} {
		h := cmdtest.New(t)
		h.IO.SetTerminalWidth(width)
		root := NewCmdRoot(h.F)
		var walk func(c *cobra.Command)
		walk = func(c *cobra.Command) {
			var out bytes.Buffer
			c.SetOut(&out)
			if err := c.Help(); err != nil {
				t.Fatal(err)
			}
			for _, line := range strings.Split(out.String(), "\n") {
				if len([]rune(line)) > width {
					t.Errorf("%s --help at %d columns: a line of %d: %q", c.CommandPath(), width, len([]rune(line)), line)
				}
			}
			for _, line := range strings.Split(c.Long, "\n") {
				// cobra writes the completion commands' help.
				if len([]rune(line)) > docsWidth && !strings.HasPrefix(c.CommandPath(), "zenctl completion") {
					t.Errorf("%s: a line of Long over %d columns: %q", c.CommandPath(), docsWidth, line)
				}
			}
			for _, sub := range c.Commands() {
				walk(sub)
			}
		}
		walk(root)
	}
}

func TestExamplesWrapIntoCommandsAShellStillRuns(t *testing.T) {
	example := "# Approve a device\n" +
		"$ zenctl device approve 'https://zenml.example.com/devices/verify?device_id=…&user_code=…'\n" +
		"$ zenctl short"
	got := wrapHelp(example, 60)
	want := "# Approve a device\n" +
		"$ zenctl device approve \\\n" +
		"    'https://zenml.example.com/devices/verify?device_id=…&user_code=…'\n" +
		"$ zenctl short"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	// Quoted text with spaces is never broken.
	got = wrapHelp(`$ curl -H "Authorization: Bearer $(zenctl token)" https://zenml.example.com/api/v1/current-user`, 60)
	want = "$ curl -H \"Authorization: Bearer $(zenctl token)\" \\\n    https://zenml.example.com/api/v1/current-user"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	got = wrapHelp("  a comment that goes on and on past the edge of a narrow terminal", 40)
	want = "  a comment that goes on and on past the\n  edge of a narrow terminal"
	if got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}

func TestUsageLinesBreakOutsideBrackets(t *testing.T) {
	line := "zenctl service-account api-key SA_NAME_OR_ID rotate {KEY_NAME_OR_ID | --all} [flags]"
	got := wrapUsageLine("  ", line, 70)
	want := "  zenctl service-account api-key SA_NAME_OR_ID rotate\n      {KEY_NAME_OR_ID | --all} [flags]"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if got := wrapUsageLine("  ", "zenctl version [flags]", 79); got != "  zenctl version [flags]" {
		t.Errorf("a short line changed: %q", got)
	}
}

func TestCommandSummariesWrapUnderTheirColumn(t *testing.T) {
	got := hangingIndent("Report every service account, API key, user and device, and what is stale", 18, 79)
	want := "Report every service account, API key, user and device, and\n" + strings.Repeat(" ", 18) + "what is stale"
	if got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}
