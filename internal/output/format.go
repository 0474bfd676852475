// Package output prints command results as a table, JSON or YAML.
//
// JSON and YAML are produced from the same value and carry the same field
// names: the caller's `json` struct tags are the single source of truth, so a
// script can switch between --output json and --output yaml without renaming
// anything.
package output

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/zenctl/zenctl/internal/iostreams"
)

// Format is an output format chosen with --output.
type Format string

const (
	FormatTable Format = "table"
	FormatJSON  Format = "json"
	FormatYAML  Format = "yaml"
)

// Formats lists the valid format names, for flag help and completion.
func Formats() []string {
	return []string{string(FormatTable), string(FormatJSON), string(FormatYAML)}
}

func (f Format) String() string { return string(f) }

// ParseFormat validates a format name. Case is ignored because `-o JSON` has
// only one possible meaning.
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(strings.TrimSpace(s))); f {
	case FormatTable, FormatJSON, FormatYAML:
		return f, nil
	}
	return "", fmt.Errorf("invalid output format %q: valid values are %s", s, strings.Join(Formats(), ", "))
}

// Print writes v to ios.Out as JSON or YAML, or calls table for the table
// format, so a command handles all three formats in one call.
func Print(ios *iostreams.IOStreams, f Format, v any, table func() error) error {
	switch f {
	case FormatJSON:
		return WriteJSON(ios.Out, v)
	case FormatYAML:
		return WriteYAML(ios.Out, v)
	case FormatTable, "":
		return table()
	}
	_, err := ParseFormat(string(f))
	return err
}

// WriteJSON writes v as JSON indented by two spaces, followed by a newline.
// HTML escaping is off: server URLs with '&' must stay readable and
// copy-pastable rather than turn into \u0026.
func WriteJSON(w io.Writer, v any) error {
	b, err := marshalJSON(v)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encode JSON: %w", err)
	}
	return buf.Bytes(), nil
}

// WriteYAML writes v as YAML with exactly the field names and field order of
// its JSON form.
//
// It goes through JSON rather than yaml.Marshal(v) so that the `json` tags
// (and any MarshalJSON methods) decide the names, not yaml's lowercasing of
// Go field names. The JSON text is parsed by the YAML parser itself (JSON is
// YAML) into a node tree, not into map[string]any: that keeps the field
// order, and keeps numbers as written (a large integer does not become a
// float and come out as 1.2345e+19).
func WriteYAML(w io.Writer, v any) error {
	b, err := marshalJSON(v)
	if err != nil {
		return err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return fmt.Errorf("convert JSON to YAML: %w", err)
	}
	blockStyle(&doc)
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return fmt.Errorf("encode YAML: %w", err)
	}
	return enc.Close()
}

// blockStyle drops the flow style and quoting inherited from the JSON text.
// The encoder then quotes only the strings that need it, including those that
// would otherwise read back as another type ("true", "123"), because each
// scalar keeps the tag the parser resolved.
func blockStyle(n *yaml.Node) {
	n.Style = 0
	for _, c := range n.Content {
		blockStyle(c)
	}
}
