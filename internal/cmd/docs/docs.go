// Package docs generates the command reference (Markdown and man pages)
// from the command tree, so the docs cannot drift from the flags.
package docs

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// NewCmdDocs builds the hidden `zenctl docs` command.
func NewCmdDocs(root *cobra.Command) *cobra.Command {
	cmd := &cobra.Command{
		Use:    "docs",
		Short:  "Generate the command reference",
		Hidden: true,
	}
	var dir string
	markdown := &cobra.Command{
		Use:   "markdown",
		Short: "Write the Markdown command reference",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			return WriteMarkdown(root, dir)
		},
	}
	markdown.Flags().StringVar(&dir, "dir", "docs/reference", "Output `DIRECTORY`")
	var manDir string
	man := &cobra.Command{
		Use:   "man",
		Short: "Write man pages",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			return WriteMan(root, manDir)
		},
	}
	man.Flags().StringVar(&manDir, "dir", "manpages", "Output `DIRECTORY`")
	cmd.AddCommand(markdown, man)
	return cmd
}

// WriteMarkdown writes one Markdown file per command into dir.
func WriteMarkdown(root *cobra.Command, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	root.DisableAutoGenTag = true
	linkHandler := func(name string) string { return name }
	if err := doc.GenMarkdownTreeCustom(root, dir, func(string) string { return "" }, linkHandler); err != nil {
		return err
	}
	return fixUseLines(root, dir, ".md")
}

// ArgBeforeAnnotation, on a command, names the argument its parent takes
// before it: `service-account api-key SA_NAME_OR_ID list`, a shape
// cobra's UseLine cannot express, so the reference would show
// `service-account api-key list`, which fails.
const ArgBeforeAnnotation = "zenctl/arg-before"

func fixUseLines(cmd *cobra.Command, dir, ext string) error {
	for _, c := range cmd.Commands() {
		if err := fixUseLines(c, dir, ext); err != nil {
			return err
		}
	}
	arg, ok := cmd.Annotations[ArgBeforeAnnotation]
	if !ok || !cmd.HasParent() {
		return nil
	}
	parent := cmd.Parent().CommandPath() + " "
	want := strings.Replace(cmd.UseLine(), parent, parent+arg+" ", 1)
	name := strings.ReplaceAll(cmd.CommandPath(), " ", "_")
	if ext == ".1" {
		name = strings.ReplaceAll(cmd.CommandPath(), " ", "-")
	}
	path := filepath.Join(dir, name+ext)
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return os.WriteFile(path, bytes.Replace(data, []byte(cmd.UseLine()), []byte(want), 1), 0o644)
}

// WriteMan writes man pages (section 1) into dir.
func WriteMan(root *cobra.Command, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	root.DisableAutoGenTag = true
	// A fixed date keeps the pages reproducible from the same sources.
	date := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := doc.GenManTree(root, &doc.GenManHeader{Title: "ZENCTL", Section: "1", Source: "zenctl", Date: &date}, dir); err != nil {
		return err
	}
	return fixUseLines(root, dir, ".1")
}

// Stale lists the files of dir that differ from freshly generated Markdown.
func Stale(root *cobra.Command, dir string) ([]string, error) {
	tmp, err := os.MkdirTemp("", "zenctl-docs")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	if err := WriteMarkdown(root, tmp); err != nil {
		return nil, err
	}
	var stale []string
	fresh, _ := filepath.Glob(filepath.Join(tmp, "*.md"))
	committed, _ := filepath.Glob(filepath.Join(dir, "*.md"))
	seen := map[string]bool{}
	for _, f := range fresh {
		name := filepath.Base(f)
		seen[name] = true
		want, _ := os.ReadFile(f)
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || !bytes.Equal(got, want) {
			stale = append(stale, name)
		}
	}
	for _, f := range committed {
		if !seen[filepath.Base(f)] {
			stale = append(stale, filepath.Base(f)+" (no such command)")
		}
	}
	return stale, nil
}

// StaleError describes stale docs and how to fix them.
func StaleError(files []string) error {
	return fmt.Errorf("the command reference is stale (%s); run `make docs`", strings.Join(files, ", "))
}
