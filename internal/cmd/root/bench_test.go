package root

import (
	"testing"

	"github.com/zenctl/zenctl/internal/cmd/factory"
	"github.com/zenctl/zenctl/internal/iostreams"
)

// BenchmarkNewCmdRoot is what every command (zenctl token included) pays
// before it runs: building the command tree.
func BenchmarkNewCmdRoot(b *testing.B) {
	ios, _, _, _ := iostreams.Test()
	for b.Loop() {
		NewCmdRoot(&factory.Factory{IOStreams: ios, Getenv: func(string) string { return "" }})
	}
}
