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

// --limit asks for no more than it prints (up to the server's page limit,
// at most one item more per page beyond it), in as few pages as it can;
// without --limit or --size the library chooses (0).
func TestPageSize(t *testing.T) {
	for _, c := range []struct {
		limit, want int
	}{
		{0, 0}, {1, 1}, {150, 150}, {10000, 10000}, {10001, 5001}, {25000, 8334},
	} {
		f := Flags{Limit: c.limit, paged: true}
		if got := f.PageSize(false); got != c.want {
			t.Errorf("--limit %d: page size %d, want %d", c.limit, got, c.want)
		}
	}
	f := Flags{Size: 7, Limit: 100, paged: true}
	if got := f.PageSize(true); got != 7 {
		t.Errorf("--size 7 --limit 100: page size %d, want 7", got)
	}
}
