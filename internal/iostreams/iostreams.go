// Package iostreams carries the three standard streams together with what is
// known about them: which are terminals, whether colour is wanted on each, and
// how wide the terminal is. Commands take an *IOStreams instead of touching
// os.Stdout so that tests can swap in buffers and flip the TTY flags.
package iostreams

import (
	"bytes"
	"io"
	"os"
	"strconv"
	"sync"
	"time"

	"golang.org/x/term"
)

// defaultWidth is used when stdout is not a terminal or its size is unknown;
// 80 is what most tools assume for a pipe.
const defaultWidth = 80

// IOStreams is the set of streams a command reads from and writes to.
//
// Stream discipline: Out carries results only (a token, a table, JSON), so it
// stays safe to pipe or capture; every message, prompt and spinner goes to
// ErrOut.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	stdinTTY, stdoutTTY, stderrTTY bool

	// getenv is consulted at the time colour is decided, not at construction,
	// so nothing environment-dependent runs at process start.
	getenv func(string) string

	// colorOverride, when non-nil, wins over the environment and the TTY
	// flags; tests use it to check styled output without a terminal.
	colorOverride *bool

	width int // 0: ask the terminal

	progressMu    sync.Mutex
	progress      progress
	progressDelay time.Duration // 0: DefaultProgressDelay
	fallbackLine  *StatusWriter
}

// System returns streams bound to the process's stdin, stdout and stderr.
// It only asks the kernel whether each is a terminal (one ioctl each); the
// terminal size and colour decisions are deferred until a command needs them.
func System() *IOStreams {
	s := &IOStreams{
		In:        os.Stdin,
		Out:       os.Stdout,
		ErrOut:    os.Stderr,
		stdinTTY:  isTerminal(os.Stdin),
		stdoutTTY: isTerminal(os.Stdout),
		stderrTTY: isTerminal(os.Stderr),
		getenv:    os.Getenv,
	}
	if s.stderrTTY {
		// Every message then clears the spinner's line before it prints.
		s.ErrOut = NewStatusWriter(os.Stderr)
	}
	return s
}

// Test returns streams backed by buffers, with every TTY flag off and an empty
// environment, so a developer's NO_COLOR or CLICOLOR_FORCE cannot change a
// test's result. Flip the flags with the setters to exercise terminal paths.
func Test() (ios *IOStreams, in, out, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	ios = &IOStreams{
		In:     in,
		Out:    out,
		ErrOut: errOut,
		getenv: func(string) string { return "" },
	}
	return ios, in, out, errOut
}

func isTerminal(f *os.File) bool {
	return term.IsTerminal(int(f.Fd()))
}

func (s *IOStreams) IsStdinTTY() bool       { return s.stdinTTY }
func (s *IOStreams) IsStdoutTTY() bool      { return s.stdoutTTY }
func (s *IOStreams) IsStderrTTY() bool      { return s.stderrTTY }
func (s *IOStreams) SetStdinTTY(v bool)     { s.stdinTTY = v }
func (s *IOStreams) SetStdoutTTY(v bool)    { s.stdoutTTY = v }
func (s *IOStreams) SetStderrTTY(v bool)    { s.stderrTTY = v }
func (s *IOStreams) SetTerminalWidth(w int) { s.width = w }

// StdoutDiscarded reports whether stdout is /dev/null, where a result
// printed once (a new API key) is lost for good.
func (s *IOStreams) StdoutDiscarded() bool {
	f, ok := s.Out.(*os.File)
	if !ok || s.stdoutTTY {
		return false
	}
	out, err := f.Stat()
	if err != nil || out.Mode()&os.ModeCharDevice == 0 {
		return false
	}
	null, err := os.Stat(os.DevNull)
	return err == nil && os.SameFile(out, null)
}

// CanPrompt reports whether an interactive prompt can be shown and answered.
//
// gh requires stdin and stdout to be terminals. zenctl writes its prompts to
// stderr because stdout carries only results, so the question is whether the
// user can see stderr and type on stdin: `zenctl auth token > token.txt` can
// still ask for a password, while `echo | zenctl …` or a CI job (stderr
// captured to a log) must not hang waiting for an answer nobody can give.
func (s *IOStreams) CanPrompt() bool {
	return s.stdinTTY && s.stderrTTY
}

// TerminalWidth is the width of the terminal on stdout, or 80 when stdout is
// not a terminal (tables are not truncated then anyway). COLUMNS is honoured
// first, as most Unix tools do, so users and scripts can force a width.
func (s *IOStreams) TerminalWidth() int {
	if s.width > 0 {
		return s.width
	}
	if c, err := strconv.Atoi(s.env("COLUMNS")); err == nil && c > 0 {
		return c
	}
	if s.stdoutTTY {
		if f, ok := s.Out.(*os.File); ok {
			if w, _, err := term.GetSize(int(f.Fd())); err == nil && w > 0 {
				return w
			}
		}
	}
	return defaultWidth
}

func (s *IOStreams) env(key string) string {
	if s.getenv == nil {
		return ""
	}
	return s.getenv(key)
}
