// Command gendocs writes zenctl's command reference: Markdown for
// docs/reference, man pages for the packages.
//
//	go run ./cmd/gendocs markdown docs/reference
//	go run ./cmd/gendocs man manpages
package main

import (
	"fmt"
	"os"

	"github.com/zenctl/zenctl/internal/cmd/factory"
	"github.com/zenctl/zenctl/internal/cmd/root"
	"github.com/zenctl/zenctl/internal/docsgen"
	"github.com/zenctl/zenctl/internal/iostreams"
)

func main() {
	if len(os.Args) != 3 || (os.Args[1] != "markdown" && os.Args[1] != "man") {
		fmt.Fprintln(os.Stderr, "usage: gendocs markdown|man DIRECTORY")
		os.Exit(2)
	}
	// An empty environment: the reference must not depend on who builds it.
	f := &factory.Factory{IOStreams: iostreams.System(), Getenv: func(string) string { return "" }}
	cmd := root.NewCmdRoot(f)
	write := docsgen.WriteMarkdown
	if os.Args[1] == "man" {
		write = docsgen.WriteMan
	}
	if err := write(cmd, os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "gendocs:", err)
		os.Exit(1)
	}
}
