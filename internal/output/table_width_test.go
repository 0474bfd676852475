package output

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/zenctl/zenctl/internal/iostreams"
)

// Item 5 of issue 13: a wider terminal never shows less of any column than
// a narrower one, whatever the table.
func TestWiderTerminalsNeverShowLess(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	word := func(n int) string { return strings.Repeat(string(rune('a'+rng.IntN(26))), n) }
	for trial := range 200 {
		header := []string{"NAME", "ID", "STATUS", "DESCRIPTION", "CREATED", "TYPE"}
		var rows [][]string
		for r := range 1 + rng.IntN(5) {
			rows = append(rows, []string{word(1 + rng.IntN(15)), fmt.Sprintf("%08x-%s-%d", rng.Uint32(), word(27), r),
				word(1 + rng.IntN(30)), word(rng.IntN(90)), word(1 + rng.IntN(18)), word(1 + rng.IntN(16))})
		}
		// Half the trials keep STATUS and the yielding TYPE whole.
		whole := trial%2 == 0
		shown := func(width int) []int {
			ios, _, _, _ := iostreams.Test()
			tbl := NewTable(ios, header...)
			tbl.TruncateFirst("TYPE", "DESCRIPTION")
			tbl.Abbreviate("ID", 8)
			if whole {
				tbl.KeepWhole("STATUS", "TYPE")
			}
			if trial%4 < 2 { // server list: names cut to a floor before TYPE goes
				tbl.ShrinkBeforeDropping(10, "NAME", "STATUS")
			}
			tbl.rows = rows
			widths := make([]int, len(header))
			for _, r := range append([][]string{header}, rows...) {
				for i := range header {
					widths[i] = max(widths[i], len(r[i]))
				}
			}
			natural := append([]int(nil), widths...)
			cols, _ := tbl.layout(widths, width)
			out := make([]int, len(header))
			for _, c := range cols {
				out[c] = widths[c]
				if whole && (header[c] == "STATUS" || header[c] == "TYPE") && widths[c] < natural[c] {
					t.Fatalf("trial %d: %s cut at %d columns", trial, header[c], width)
				}
			}
			return out
		}
		prev := shown(30)
		for width := 31; width <= 260; width++ {
			cur := shown(width)
			for i := range cur {
				if cur[i] < prev[i] {
					t.Fatalf("trial %d: column %s is %d wide at %d columns but %d at %d", trial, header[i], cur[i], width, prev[i], width-1)
				}
			}
			prev = cur
		}
	}
}
