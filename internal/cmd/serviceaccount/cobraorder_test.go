package serviceaccount

import (
	"slices"
	"strings"
	"testing"

	"github.com/zenctl/zenctl/internal/cmd/cmdtest"
)

// CobraOrder moves the service account after the subcommand and nothing
// else; without a subcommand after the account it changes nothing.
func TestCobraOrder(t *testing.T) {
	root := newTestRoot(cmdtest.New(t))
	mark := "--" + givenFirstFlag
	for in, want := range map[string]string{
		"sa api-key ci rotate default --retain 1h":   "sa api-key rotate " + mark + " ci default --retain 1h",
		"service-account api-key --server U ci list": "service-account api-key --server U list " + mark + " ci",
		"sa api-key ci --server U delete k --yes":    "sa api-key delete " + mark + " --server U ci k --yes",
		"sa api-key ci":                    "sa api-key ci",
		"sa api-key ci rotat":              "sa api-key ci rotat",
		"sa api-key rotate default":        "sa api-key rotate default",
		"sa list --all":                    "sa list --all",
		"__complete sa api-key ci rotate ": "__complete sa api-key rotate " + mark + " ci ",
		"__complete sa api-key ci rotate":  "__complete sa api-key ci rotate",
	} {
		got := CobraOrder(root, strings.Split(in, " "))
		if !slices.Equal(got, strings.Split(want, " ")) {
			t.Errorf("%q:\n got %q\nwant %q", in, strings.Join(got, " "), want)
		}
	}
}
