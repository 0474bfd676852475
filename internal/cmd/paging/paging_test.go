package paging

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// A --limit that lists nothing, or --limit beside --all, is a mistake to
// say, not a default to apply silently.
func TestValidate(t *testing.T) {
	for _, c := range []struct {
		args    []string
		wantErr string
	}{
		{nil, ""},
		{[]string{"--limit", "5"}, ""},
		{[]string{"--all"}, ""},
		{[]string{"--limit", "0"}, "--limit must be 1 or more"},
		{[]string{"--limit", "-2"}, "--limit must be 1 or more"},
		{[]string{"--all", "--limit", "5"}, "give one of them"},
		{[]string{"--page", "2", "--all"}, "--page chooses one page"},
	} {
		var f Flags
		cmd := &cobra.Command{Use: "list", RunE: func(*cobra.Command, []string) error { return nil }}
		f.AddPaged(cmd, "service account")
		if err := cmd.ParseFlags(c.args); err != nil {
			t.Fatal(err)
		}
		err := f.Validate(cmd)
		if c.wantErr == "" && err != nil || c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)) {
			t.Errorf("%v: err = %v, want %q", c.args, err, c.wantErr)
		}
	}
}
