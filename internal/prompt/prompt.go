// Package prompt asks the user questions on the terminal: hidden input for
// secrets, free text with a default, and yes/no confirmation.
//
// Prompts are written to stderr and answers read from stdin, so stdout keeps
// carrying only results. Commands must check IOStreams.CanPrompt (or flags
// such as --api-key-stdin) before prompting; the terminal prompter refuses
// with ErrNoTerminal rather than hang on a pipe.
package prompt

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"golang.org/x/term"

	"github.com/zenctl/zenctl/internal/iostreams"
)

var (
	// ErrCancelled means the user pressed Ctrl-C (or Ctrl-D on an empty
	// answer) at a prompt. Callers map it to the "cancelled" exit code and
	// print nothing more. The process should exit soon after: a read of
	// stdin that was interrupted is still pending in the background.
	ErrCancelled = errors.New("cancelled")
	// ErrNoTerminal means stdin or stderr is not a terminal, so nobody could
	// see the question or answer it.
	ErrNoTerminal = errors.New("cannot prompt: stdin and stderr must be a terminal")
)

// Prompter asks questions. Prompt texts are labels without a trailing colon
// ("Password", "Server URL", "Log out of localhost?"); the prompter adds the
// default and ": ".
type Prompter interface {
	// Password reads a line without echoing it.
	Password(prompt string) (string, error)
	// Input reads a line, returning defaultValue when the answer is empty.
	// Surrounding spaces are removed.
	Input(prompt, defaultValue string) (string, error)
	// Confirm asks a yes/no question; an empty answer means defaultYes.
	Confirm(prompt string, defaultYes bool) (bool, error)
}

// New returns a Prompter on the terminal behind ios.
func New(ios *iostreams.IOStreams) Prompter {
	return &terminalPrompter{
		ios:          ios,
		readPassword: term.ReadPassword,
		saveTerminal: saveTerminal,
		signals:      interruptSignals,
	}
}

type terminalPrompter struct {
	ios *iostreams.IOStreams

	// Seams for tests: the real ones need a terminal and real signals.
	readPassword func(fd int) ([]byte, error)
	saveTerminal func(fd int) (restore func())
	signals      func() (<-chan os.Signal, func())
}

func saveTerminal(fd int) func() {
	st, err := term.GetState(fd)
	if err != nil {
		return func() {}
	}
	return func() { _ = term.Restore(fd, st) }
}

// interruptSignals catches SIGINT (and SIGTERM) while a prompt is open.
// Without it, Ctrl-C at a password prompt kills the process before
// x/term's deferred restore runs, leaving the shell with echo off.
func interruptSignals() (<-chan os.Signal, func()) {
	c := make(chan os.Signal, 1)
	signal.Notify(c, os.Interrupt, syscall.SIGTERM)
	return c, func() { signal.Stop(c) }
}

func (p *terminalPrompter) Password(prompt string) (string, error) {
	fd, ok := p.terminalFd()
	if !ok {
		return "", ErrNoTerminal
	}
	restore := p.saveTerminal(fd)
	p.show(label(prompt))
	s, err := p.interruptible(func() (string, error) {
		b, err := p.readPassword(fd)
		return string(b), err
	}, restore)
	if !errors.Is(err, ErrCancelled) { // cancelling already ended the line
		// Echo was off, so the user's Enter did not move the cursor.
		fmt.Fprintln(p.ios.ErrOut)
	}
	return s, err
}

func (p *terminalPrompter) Input(prompt, defaultValue string) (string, error) {
	if !p.ios.CanPrompt() {
		return "", ErrNoTerminal
	}
	text := label(prompt)
	if defaultValue != "" {
		text = strings.TrimSuffix(text, ": ") + " (" + defaultValue + "): "
	}
	p.show(text)
	s, err := p.interruptible(p.readLine, nil)
	if err != nil {
		return "", err
	}
	if s = strings.TrimSpace(s); s == "" {
		return defaultValue, nil
	}
	return s, nil
}

func (p *terminalPrompter) Confirm(prompt string, defaultYes bool) (bool, error) {
	if !p.ios.CanPrompt() {
		return false, ErrNoTerminal
	}
	hint := " [y/N]: "
	if defaultYes {
		hint = " [Y/n]: "
	}
	for {
		p.show(strings.TrimSuffix(label(prompt), ": ") + hint)
		s, err := p.interruptible(p.readLine, nil)
		if err != nil {
			return false, err
		}
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "":
			return defaultYes, nil
		case "y", "yes":
			return true, nil
		case "n", "no":
			return false, nil
		}
		fmt.Fprintln(p.ios.ErrOut, "Please answer y or n.")
	}
}

func (p *terminalPrompter) show(text string) {
	fmt.Fprint(p.ios.ErrOut, text)
}

func label(prompt string) string {
	return strings.TrimSuffix(strings.TrimRight(prompt, " "), ":") + ": "
}

func (p *terminalPrompter) terminalFd() (int, bool) {
	if !p.ios.CanPrompt() {
		return 0, false
	}
	f, ok := p.ios.In.(interface{ Fd() uintptr })
	if !ok {
		return 0, false
	}
	return int(f.Fd()), true
}

// interruptible runs read in a goroutine so that a signal can end the prompt
// even though a blocking read of a terminal cannot be cancelled. On a signal
// the terminal is restored first, then ErrCancelled returned; the read itself
// stays pending until the process exits.
func (p *terminalPrompter) interruptible(read func() (string, error), restore func()) (string, error) {
	sig, stop := p.signals()
	defer stop()
	type result struct {
		s   string
		err error
	}
	done := make(chan result, 1)
	go func() {
		s, err := read()
		done <- result{s, err}
	}()
	select {
	case r := <-done:
		if errors.Is(r.err, io.EOF) {
			// Ctrl-D on an empty line: the user chose not to answer.
			fmt.Fprintln(p.ios.ErrOut)
			return "", ErrCancelled
		}
		if r.err != nil {
			return "", fmt.Errorf("read answer: %w", r.err)
		}
		return r.s, nil
	case <-sig:
		if restore != nil {
			restore()
		}
		fmt.Fprintln(p.ios.ErrOut)
		return "", ErrCancelled
	}
}

// readLine reads one byte at a time up to a newline. Unbuffered on purpose:
// a bufio.Reader would keep whatever followed the line (a pasted second line,
// the next answer) away from the next prompt and from term.ReadPassword,
// which reads the file descriptor directly. At typing speed the extra system
// calls cost nothing.
func (p *terminalPrompter) readLine() (string, error) {
	var line []byte
	var b [1]byte
	for len(line) < MaxSecretLine {
		n, err := p.ios.In.Read(b[:])
		if n == 1 {
			if b[0] == '\n' {
				break
			}
			line = append(line, b[0])
			continue
		}
		if err == io.EOF && len(line) > 0 {
			break
		}
		if err != nil {
			return "", err
		}
	}
	return strings.TrimSuffix(string(line), "\r"), nil
}
