package root

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/zenctl/zenctl/internal/cmd/cmdtest"
	"github.com/zenctl/zenctl/internal/cmd/serviceaccount"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden help files in testdata")

// The help of `api-key`, whose grammar puts the service account before
// the subcommand, is pinned whole: its usage lines come from zenctl's usage
// writer, not from edits to cobra's template, and must not come back empty
// (issue 22 item 11) or lose the account (issue 23 item 6). At 80 columns
// the flag help wraps between words.
func TestAPIKeyHelpGolden(t *testing.T) {
	for _, tc := range []struct{ file, args string }{
		{"sa-api-key-help.txt", "sa api-key --help"},
		{"sa-api-key-rotate-help.txt", "sa api-key ci-bot rotate --help"},
		{"sa-api-key-rotate-help.txt", "help service-account api-key rotate"},
	} {
		h := cmdtest.New(t)
		h.IO.SetTerminalWidth(80)
		root := NewCmdRoot(h.F)
		root.SetArgs(serviceaccount.CobraOrder(root, strings.Fields(tc.args)))
		if err := root.Execute(); err != nil {
			t.Fatalf("%s: %v", tc.args, err)
		}
		got := h.Out.String()
		path := filepath.Join("testdata", tc.file)
		if *updateGolden {
			if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if got != string(want) {
			t.Errorf("zenctl %s differs from %s (go test -run %s -update rewrites it):\n%s", tc.args, path, t.Name(), got)
		}
		flags := got[strings.Index(got, "\nFlags:"):]
		for _, line := range strings.Split(flags[:strings.LastIndex(flags, "\n\n")], "\n") {
			if len([]rune(line)) > 80 {
				t.Errorf("%s: flag help over 80 columns: %q", tc.args, line)
			}
		}
	}
}

// Issue 22 item 11: one form of error line. main prints "error: …"; an
// error cobra itself prints would say "Error:" unless told otherwise.
func TestOneFormOfErrorLine(t *testing.T) {
	root := NewCmdRoot(cmdtest.New(t).F)
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if p := c.ErrPrefix(); p != "error:" {
			t.Errorf("%s: error prefix %q", c.CommandPath(), p)
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}
