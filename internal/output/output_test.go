package output

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"gopkg.in/yaml.v3"

	"github.com/zenctl/zenctl/internal/iostreams"
)

func TestParseFormat(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]Format{"table": FormatTable, "json": FormatJSON, "yaml": FormatYAML, "JSON": FormatJSON, " yaml ": FormatYAML} {
		got, err := ParseFormat(in)
		if err != nil || got != want {
			t.Errorf("ParseFormat(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "xml", "yml", "tabl"} {
		_, err := ParseFormat(in)
		if err == nil {
			t.Errorf("ParseFormat(%q) succeeded", in)
			continue
		}
		if want := `invalid output format "` + in + `": valid values are table, json, yaml`; err.Error() != want {
			t.Errorf("ParseFormat(%q) error = %q, want %q", in, err, want)
		}
	}
}

type apiKey struct {
	ID          string            `json:"id"`
	Name        string            `json:"name"`
	Active      bool              `json:"active"`
	Description string            `json:"description,omitempty"`
	LastLogin   *string           `json:"last_login"`
	Created     string            `json:"created_at"`
	Counter     uint64            `json:"counter"`
	Tags        []string          `json:"tags"`
	Labels      map[string]string `json:"labels"`
}

func sample() []apiKey {
	return []apiKey{{
		ID:      "0b8e8d0a-1b2c-4d5e-8f90-123456789abc",
		Name:    "ci & deploy",
		Active:  true,
		Created: "2025-01-02T03:04:05Z",
		Counter: 18446744073709551615,
		Tags:    []string{"true", "123", "a: b", "#x", "line1\nline2", "\x00\x1b"},
		Labels:  map[string]string{"z": "last", "a": "first"},
	}}
}

func TestJSON(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := WriteJSON(&buf, map[string]any{"url": "http://h/?a=1&b=<2>"}); err != nil {
		t.Fatal(err)
	}
	if want := "{\n  \"url\": \"http://h/?a=1&b=<2>\"\n}\n"; buf.String() != want {
		t.Errorf("WriteJSON = %q, want %q", buf.String(), want)
	}
}

func TestYAMLMatchesJSON(t *testing.T) {
	t.Parallel()
	var j, y bytes.Buffer
	if err := WriteJSON(&j, sample()); err != nil {
		t.Fatal(err)
	}
	if err := WriteYAML(&y, sample()); err != nil {
		t.Fatal(err)
	}
	var fromJSON, fromYAML any
	if err := json.Unmarshal(j.Bytes(), &fromJSON); err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(y.Bytes(), &fromYAML); err != nil {
		t.Fatal(err)
	}
	// YAML decodes integers as int/uint64 and JSON as float64; compare the
	// YAML document re-encoded as JSON so only names and values matter.
	jb, _ := json.Marshal(fromYAML)
	var roundTrip any
	_ = json.Unmarshal(jb, &roundTrip)
	if !reflect.DeepEqual(fromJSON, roundTrip) {
		t.Errorf("YAML differs from JSON\njson: %s\nyaml: %s", j.String(), y.String())
	}

	out := y.String()
	for _, want := range []string{
		"- id: 0b8e8d0a-1b2c-4d5e-8f90-123456789abc\n  name: ci & deploy\n  active: true\n  last_login: null\n  created_at: \"2025-01-02T03:04:05Z\"\n",
		"counter: 18446744073709551615\n", // not 1.8446744073709552e+19
		"    - \"true\"\n    - \"123\"\n", // strings stay strings
		"labels:\n    a: first\n    z: last\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("YAML missing %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "description") || strings.Contains(out, "Description") {
		t.Errorf("omitempty or Go field name leaked into YAML:\n%s", out)
	}
}

func TestPrint(t *testing.T) {
	t.Parallel()
	v := map[string]string{"user_name": "alice"}
	cases := map[Format]string{
		FormatJSON:  "{\n  \"user_name\": \"alice\"\n}\n",
		FormatYAML:  "user_name: alice\n",
		FormatTable: "table\n",
	}
	for f, want := range cases {
		ios, _, out, errOut := iostreams.Test()
		err := Print(ios, f, v, func() error { _, err := ios.Out.Write([]byte("table\n")); return err })
		if err != nil || out.String() != want || errOut.Len() != 0 {
			t.Errorf("Print(%s) = %q, %v (stderr %q); want %q", f, out, err, errOut, want)
		}
	}
	ios, _, _, _ := iostreams.Test()
	if err := Print(ios, "xml", v, nil); err == nil || !strings.Contains(err.Error(), "valid values are") {
		t.Errorf("Print(xml) error = %v", err)
	}
}

func newTable(ios *iostreams.IOStreams) *Table {
	tb := NewTable(ios, "NAME", "ID", "ACTIVE")
	tb.AddRow("default", "0b8e8d0a-1b2c-4d5e-8f90-123456789abc", "true")
	tb.AddRow("a much longer\tname", "1234", "false")
	tb.AddRow("short") // padded
	return tb
}

func TestTablePiped(t *testing.T) {
	t.Parallel()
	ios, _, out, _ := iostreams.Test()
	ios.SetTerminalWidth(20) // ignored when piped: nothing is truncated
	if err := newTable(ios).Render(); err != nil {
		t.Fatal(err)
	}
	want := "default\t0b8e8d0a-1b2c-4d5e-8f90-123456789abc\ttrue\n" +
		"a much longer name\t1234\tfalse\n" +
		"short\t\t\n"
	if out.String() != want {
		t.Errorf("piped table:\n%q\nwant\n%q", out, want)
	}
}

func TestTableTerminal(t *testing.T) {
	t.Parallel()
	ios, _, out, _ := iostreams.Test()
	ios.SetStdoutTTY(true)
	ios.SetColorEnabled(false)
	if err := newTable(ios).Render(); err != nil {
		t.Fatal(err)
	}
	want := "" +
		"NAME                ID                                    ACTIVE\n" +
		"default             0b8e8d0a-1b2c-4d5e-8f90-123456789abc  true\n" +
		"a much longer name  1234                                  false\n" +
		"short\n"
	if out.String() != want {
		t.Errorf("tty table:\n%s\nwant\n%s", out, want)
	}
}

// renderOnTerminal renders a table on a terminal of the given width and
// checks that no line is wider.
func renderOnTerminal(t *testing.T, width int, build func(*iostreams.IOStreams) *Table) string {
	t.Helper()
	ios, _, out, _ := iostreams.Test()
	ios.SetStdoutTTY(true)
	ios.SetColorEnabled(false)
	ios.SetTerminalWidth(width)
	if err := build(ios).Render(); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
		if w := len([]rune(line)); w > width {
			t.Errorf("line wider than the terminal (%d): %q", w, line)
		}
	}
	return out.String()
}

func TestTableTerminalTruncates(t *testing.T) {
	t.Parallel()
	out := renderOnTerminal(t, 50, newTable)
	// The UUID column is the widest and gives way first; short columns stay.
	if !strings.Contains(out, "0b8e8d0a-1b2c-4d5e-8f…  true") {
		t.Errorf("expected the ID column truncated with …:\n%s", out)
	}
	if !strings.Contains(out, "a much longer name  ") {
		t.Errorf("NAME column should not be truncated:\n%s", out)
	}
}

// At 80 columns an API-key list keeps names, statuses and times whole:
// the description gives way first, then the id is cut to a prefix that
// can be copied (no ellipsis); a column nobody filled in goes first.
func TestTableTruncatesYieldingColumnsFirst(t *testing.T) {
	t.Parallel()
	build := func(desc string) func(*iostreams.IOStreams) *Table {
		return func(ios *iostreams.IOStreams) *Table {
			tbl := NewTable(ios, "NAME", "ID", "STATUS", "LAST LOGIN", "LAST ROTATED", "DESCRIPTION")
			tbl.TruncateFirst("DESCRIPTION")
			tbl.Abbreviate("ID", 8)
			tbl.AddRow("nightly-deploy", "0b8e8d0a-1b2c-4d5e-8f90-123456789abc", "active", "2026-11-27 03:23Z", "2026-11-26 09:00Z", desc)
			return tbl
		}
	}
	out := renderOnTerminal(t, 80, build("Default API key used by the nightly training pipeline"))
	for _, whole := range []string{"nightly-deploy", "active", "2026-11-27 03:23Z", "2026-11-26 09:00Z", "LAST ROTATED", "0b8e8d0a  active"} {
		if !strings.Contains(out, whole) {
			t.Errorf("%q was truncated:\n%s", whole, out)
		}
	}
	if strings.Contains(out, "0b8e8d0a-") {
		t.Errorf("the id was not cut while the table is too wide:\n%s", out)
	}
	// Issue 22 item 3: a header is never cut; the yielding column goes
	// instead, and comes back, cut to no less than its header, with room.
	if strings.Contains(out, "…") || strings.Contains(out, "DESCRIPTION") {
		t.Errorf("the description should be dropped at 80 columns, not cut:\n%s", out)
	}
	out = renderOnTerminal(t, 90, build("Default API key used by the nightly training pipeline"))
	if !strings.Contains(out, "DESCRIPTION") || !strings.Contains(out, "Default API key u…") {
		t.Errorf("the description should show, cut, at 90 columns:\n%s", out)
	}

	out = renderOnTerminal(t, 80, build(""))
	if strings.Contains(out, "DESCRIPTION") {
		t.Errorf("an empty column took space in a table too wide:\n%s", out)
	}
	// Two ids that share 8 characters are cut where they differ.
	out = renderOnTerminal(t, 80, func(ios *iostreams.IOStreams) *Table {
		tbl := build("x")(ios)
		tbl.AddRow("other", "0b8e8d0a-1bff-4d5e-8f90-123456789abc", "active", "never", "never", "y")
		return tbl
	})
	if !strings.Contains(out, "0b8e8d0a-1b2  ") || !strings.Contains(out, "0b8e8d0a-1bf  ") {
		t.Errorf("ids not told apart:\n%s", out)
	}
	// With room, nothing is cut or dropped.
	out = renderOnTerminal(t, 200, build(""))
	if !strings.Contains(out, "0b8e8d0a-1b2c-4d5e-8f90-123456789abc") || !strings.Contains(out, "DESCRIPTION") {
		t.Errorf("a table that fits was changed:\n%s", out)
	}
}

func TestTableHeaderStyled(t *testing.T) {
	t.Parallel()
	ios, _, out, _ := iostreams.Test()
	ios.SetStdoutTTY(true)
	ios.SetColorEnabled(true)
	tb := NewTable(ios, "NAME", "ID")
	tb.AddRow("x", "1")
	if err := tb.Render(); err != nil {
		t.Fatal(err)
	}
	want := "\x1b[1mNAME\x1b[0m  \x1b[1mID\x1b[0m\nx     1\n"
	if out.String() != want {
		t.Errorf("styled table = %q, want %q", out, want)
	}
}

func TestDescribe(t *testing.T) {
	t.Parallel()
	fill := func(d *Describe) {
		d.Add("Name", "alice")
		d.Add("Active", "true")
		d.Add("Description", "line1\nline2")
		d.Add("Empty", "")
	}
	ios, _, out, _ := iostreams.Test()
	d := NewDescribe(ios)
	fill(d)
	if err := d.Render(); err != nil {
		t.Fatal(err)
	}
	if want := "Name:\talice\nActive:\ttrue\nDescription:\tline1\\nline2\nEmpty:\t\n"; out.String() != want {
		t.Errorf("piped describe = %q, want %q", out, want)
	}

	ios, _, out, _ = iostreams.Test()
	ios.SetStdoutTTY(true)
	ios.SetColorEnabled(false)
	d = NewDescribe(ios)
	fill(d)
	if err := d.Render(); err != nil {
		t.Fatal(err)
	}
	want := "" +
		"Name:        alice\n" +
		"Active:      true\n" +
		"Description: line1\n" +
		"             line2\n" +
		"Empty:\n"
	if out.String() != want {
		t.Errorf("tty describe:\n%s\nwant\n%s", out, want)
	}
}

// TestServerTextCannotDriveTheTerminal: cells and fields hold text from
// servers; what could drive a terminal is shown escaped, on a terminal and
// piped alike, and the columns still line up.
func TestServerTextCannotDriveTheTerminal(t *testing.T) {
	t.Parallel()
	hostile := "\x1b]8;;https://evil\x07x\x1b]8;;\x07\u202e\r\nnext"
	for _, tty := range []bool{false, true} {
		ios, _, out, _ := iostreams.Test()
		ios.SetStdoutTTY(tty)
		ios.SetColorEnabled(false)
		tb := NewTable(ios, "NAME", "DESCRIPTION")
		tb.AddRow("a", hostile)
		tb.AddRow("bb", "plain")
		if err := tb.Render(); err != nil {
			t.Fatal(err)
		}
		d := NewDescribe(ios)
		d.Add("Description", hostile)
		if err := d.Render(); err != nil {
			t.Fatal(err)
		}
		got := out.String()
		if strings.ContainsAny(got, "\x1b\x07\r\u202e") {
			t.Errorf("tty=%v: raw controls in\n%q", tty, got)
		}
		if !strings.Contains(got, `\x1b]8;;https://evil\x07x\x1b]8;;\x07\u202e`) {
			t.Errorf("tty=%v: escapes not shown:\n%q", tty, got)
		}
	}
}

// Issue review item 2: at 80 columns a status is never cut, whatever else
// has to give way; with room the description comes back.
func TestTableKeepsStatusWhole(t *testing.T) {
	t.Parallel()
	build := func(ios *iostreams.IOStreams) *Table {
		tbl := NewTable(ios, "NAME", "ID", "STATUS", "LAST LOGIN", "LAST ROTATED", "DESCRIPTION")
		tbl.TruncateFirst("DESCRIPTION")
		tbl.Abbreviate("ID", 8)
		tbl.KeepWhole("STATUS")
		tbl.AddRow("nightly-deploy (this client)", "0b8e8d0a-1b2c-4d5e-8f90-123456789abc", "active (account inactive)",
			"3 days ago", "never", "Default API key used by the nightly training pipeline")
		return tbl
	}
	for _, width := range []int{80, 100, 200} {
		out := renderOnTerminal(t, width, build)
		if !strings.Contains(out, "active (account inactive)") {
			t.Errorf("STATUS cut at %d columns:\n%s", width, out)
		}
		if width == 200 && !strings.Contains(out, "DESCRIPTION") {
			t.Errorf("no DESCRIPTION at %d columns:\n%s", width, out)
		}
	}
}

// `server list`: the short columns that give way are dropped whole rather
// than shown as "service a…"; with room they come back whole.
func TestTableDropsWholeColumnsRatherThanCut(t *testing.T) {
	t.Parallel()
	build := func(ios *iostreams.IOStreams) *Table {
		tbl := NewTable(ios, "", "SERVER", "ACCOUNT", "TYPE", "AUTH", "STORAGE", "TOKEN EXPIRES")
		tbl.TruncateFirst("TYPE", "AUTH", "STORAGE", "TOKEN EXPIRES")
		tbl.KeepWhole("TYPE", "AUTH", "STORAGE", "TOKEN EXPIRES")
		tbl.AddRow("*", "https://zenml.staging.example.com", "ci-bot", "service account", "API key", "keyring", "in 59 min")
		tbl.AddRow("", "https://zenml.staging.example.com", "default", "user", "password", "keyring", "never")
		return tbl
	}
	for width, want := range map[int]string{80: "API key", 100: "service account", 200: "service account"} {
		out := renderOnTerminal(t, width, build)
		if strings.Contains(out, "…") || !strings.Contains(out, want) {
			t.Errorf("at %d columns want %q whole and nothing cut:\n%s", width, want, out)
		}
	}
}

func TestFieldBlock(t *testing.T) {
	fields := []Field{{"Host", "build-7"}, {"Unset", ""}, {"IP address", "10.0.0.7\x1b[31m"}}

	t.Run("plain where colour is off", func(t *testing.T) {
		ios, _, _, _ := iostreams.Test()
		got := FieldBlock(ios.ColorScheme(), 2, fields)
		want := "  Host:       build-7\n  IP address: 10.0.0.7\\x1b[31m\n"
		if got != want {
			t.Errorf("got\n%q\nwant\n%q", got, want)
		}
	})

	t.Run("bold keys where colour is on, same text", func(t *testing.T) {
		ios, _, _, _ := iostreams.Test()
		ios.SetStdoutTTY(true)
		ios.SetColorEnabled(true)
		got := FieldBlock(ios.ColorScheme(), 2, fields)
		if !strings.Contains(got, "\x1b[1m") {
			t.Errorf("no bold in %q", got)
		}
		if plain := ansi.Strip(got); plain != "  Host:       build-7\n  IP address: 10.0.0.7\\x1b[31m\n" {
			t.Errorf("text without styles = %q", plain)
		}
	})
}
