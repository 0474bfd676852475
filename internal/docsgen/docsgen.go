// Package docsgen generates the command reference (Markdown and man
// pages) from the command tree, so the docs cannot drift from the flags.
// It is for cmd/gendocs and the tests, not the zenctl binary: the man page
// renderer alone costs every zenctl command most of a millisecond to load.
package docsgen

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/zenctl/zenctl/internal/cmd/docs"
)

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

func fixUseLines(cmd *cobra.Command, dir, ext string) error {
	for _, c := range cmd.Commands() {
		if err := fixUseLines(c, dir, ext); err != nil {
			return err
		}
	}
	arg, ok := cmd.Annotations[docs.ArgBeforeAnnotation]
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
