package iostreams

import (
	"io"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// ColorEnabled reports whether styled output should be written to Out.
func (s *IOStreams) ColorEnabled() bool { return s.colorFor(s.stdoutTTY) }

// ErrColorEnabled reports whether styled output should be written to ErrOut.
// It is decided separately from Out: `zenctl auth status 2>log` must not put
// escape codes in the log even though stdout is a terminal.
func (s *IOStreams) ErrColorEnabled() bool { return s.colorFor(s.stderrTTY) }

// SetColorEnabled forces colour on or off for both streams, overriding the
// environment and the TTY flags. Meant for tests.
func (s *IOStreams) SetColorEnabled(v bool) { s.colorOverride = &v }

// colorFor applies the usual conventions, strongest first:
//   - NO_COLOR set to anything non-empty disables colour (https://no-color.org;
//     the spec treats an empty value as unset). It wins even over
//     CLICOLOR_FORCE, because it is the user's explicit "never".
//   - CLICOLOR_FORCE set and not "0" enables colour even when not a terminal
//     (https://bixense.com/clicolors/), e.g. for `zenctl … | less -R`.
//   - CLICOLOR=0 disables colour.
//   - TERM=dumb disables colour: such terminals print escape codes literally.
//   - otherwise colour follows whether the stream is a terminal.
func (s *IOStreams) colorFor(isTTY bool) bool {
	if s.colorOverride != nil {
		return *s.colorOverride
	}
	if s.env("NO_COLOR") != "" {
		return false
	}
	if f := s.env("CLICOLOR_FORCE"); f != "" && f != "0" {
		return true
	}
	if s.env("CLICOLOR") == "0" || s.env("TERM") == "dumb" {
		return false
	}
	return isTTY
}

// ColorScheme styles text for one stream. With colour off every method returns
// its input unchanged but for Escape, so callers never branch on whether
// colour is on. Styled text is escaped first, whatever its source: a name a
// server sent, shown in bold, cannot end the style or drive the terminal.
type ColorScheme struct {
	enabled                              bool
	base, bold, green, red, yellow, gray lipgloss.Style
}

// ColorScheme returns the scheme for text written to Out.
func (s *IOStreams) ColorScheme() *ColorScheme { return newColorScheme(s.Out, s.ColorEnabled()) }

// ErrColorScheme returns the scheme for text written to ErrOut (messages,
// icons), which is where most styled text in zenctl goes.
func (s *IOStreams) ErrColorScheme() *ColorScheme {
	return newColorScheme(s.ErrOut, s.ErrColorEnabled())
}

func newColorScheme(w io.Writer, enabled bool) *ColorScheme {
	if !enabled {
		// No renderer at all: plain output must not pay for, or risk, any
		// terminal probing.
		return &ColorScheme{}
	}
	// The profile is fixed to the 16 ANSI colours we use, given both to the
	// termenv output (so NewRenderer does not detect one from the
	// environment) and to the renderer (so it never re-detects lazily). The
	// background is declared dark so that nothing — an AdaptiveColor added
	// later, say — makes lipgloss send an OSC 11 query to the terminal and wait
	// up to 5 s for the reply.
	r := lipgloss.NewRenderer(w, termenv.WithProfile(termenv.ANSI))
	r.SetColorProfile(termenv.ANSI)
	r.SetHasDarkBackground(true)
	// lipgloss turns tabs into spaces by default; styled text must keep its
	// bytes apart from the escape codes.
	base := r.NewStyle().TabWidth(lipgloss.NoTabConversion)
	return &ColorScheme{
		enabled: true,
		base:    base,
		bold:    base.Bold(true),
		green:   base.Foreground(lipgloss.Color("2")),
		red:     base.Foreground(lipgloss.Color("1")),
		yellow:  base.Foreground(lipgloss.Color("3")),
		gray:    base.Foreground(lipgloss.Color("8")),
	}
}

// Style is a lipgloss style for laying out a block (a table, the fields
// of a describe) written to this scheme's stream: bold and colours set on
// it render only when the scheme has colour on. Text given to it must be
// escaped first (Escape), as the scheme's own methods do.
func (c *ColorScheme) Style() lipgloss.Style {
	if c.enabled {
		return c.base
	}
	// The Ascii profile drops every attribute; set here, nothing probes
	// the terminal or the environment.
	r := lipgloss.NewRenderer(io.Discard, termenv.WithProfile(termenv.Ascii))
	r.SetColorProfile(termenv.Ascii)
	r.SetHasDarkBackground(true)
	return r.NewStyle().TabWidth(lipgloss.NoTabConversion)
}

// Enabled reports whether this scheme emits escape codes.
func (c *ColorScheme) Enabled() bool { return c.enabled }

func (c *ColorScheme) Bold(s string) string   { return c.render(c.bold, s) }
func (c *ColorScheme) Green(s string) string  { return c.render(c.green, s) }
func (c *ColorScheme) Red(s string) string    { return c.render(c.red, s) }
func (c *ColorScheme) Yellow(s string) string { return c.render(c.yellow, s) }
func (c *ColorScheme) Gray(s string) string   { return c.render(c.gray, s) }

// SuccessIcon is a green ✓.
func (c *ColorScheme) SuccessIcon() string { return c.Green("✓") }

// WarningIcon is a yellow !.
func (c *ColorScheme) WarningIcon() string { return c.Yellow("!") }

// FailureIcon is a red X.
func (c *ColorScheme) FailureIcon() string { return c.Red("X") }

// render styles each line on its own: lipgloss pads a multi-line block to a
// rectangle, which would add trailing spaces to shorter lines.
func (c *ColorScheme) render(st lipgloss.Style, s string) string {
	s = Escape(s)
	if !c.enabled || s == "" {
		return s
	}
	if !strings.Contains(s, "\n") {
		return st.Render(s)
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = st.Render(l)
		}
	}
	return strings.Join(lines, "\n")
}
