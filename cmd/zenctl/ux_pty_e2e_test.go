//go:build linux

package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"

	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

// The tests of this file run zenctl on a pseudo-terminal, as a person at a
// terminal does: what is drawn there (spinners, echo, table widths) exists
// nowhere else.

// terminal is zenctl running with some of its streams on a pseudo-terminal.
type terminal struct {
	t    *testing.T
	ptmx *os.File
	tty  *os.File
	cmd  *exec.Cmd

	mu     sync.Mutex
	screen bytes.Buffer // everything zenctl wrote to the terminal
	read   chan struct{}
	stdout bytes.Buffer // stdout when it is not the terminal
	stderr bytes.Buffer // stderr when it is not the terminal
}

type ptyStreams struct {
	stdin, stdout, stderr bool
	// stdoutFile, when set and stdout is not the terminal, is stdout
	// (a pipe the test closes, /dev/full).
	stdoutFile *os.File
}

// startOnTerminal starts zenctl with the chosen streams on a terminal of
// cols columns; the others are a pipe (stdout, stderr) or empty (stdin).
func (c *cli) startOnTerminal(cols int, on ptyStreams, args ...string) *terminal {
	c.t.Helper()
	ptmx, tty, err := pty.Open()
	if err != nil {
		c.t.Skipf("no pseudo-terminal: %v", err)
	}
	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 40, Cols: uint16(cols)}); err != nil {
		c.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	term := &terminal{t: c.t, ptmx: ptmx, tty: tty, read: make(chan struct{}, 1)}
	term.cmd = c.command(ctx, "", args...)
	cmd := term.cmd
	cmd.Stdout, cmd.Stderr = &term.stdout, &term.stderr
	if on.stdin {
		cmd.Stdin = tty
	}
	if on.stdout {
		cmd.Stdout = tty
	} else if on.stdoutFile != nil {
		cmd.Stdout = on.stdoutFile
	}
	if on.stderr {
		cmd.Stderr = tty
	}
	if err := cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := ptmx.Read(buf)
			term.mu.Lock()
			term.screen.Write(buf[:n])
			term.mu.Unlock()
			select {
			case term.read <- struct{}{}:
			default:
			}
			if err != nil {
				return
			}
		}
	}()
	c.t.Cleanup(func() {
		cancel()
		_ = ptmx.Close()
		_ = tty.Close()
	})
	return term
}

// waitFor waits until the terminal shows text.
func (term *terminal) waitFor(text string) {
	term.t.Helper()
	deadline := time.After(15 * time.Second)
	for !strings.Contains(term.output(), text) {
		select {
		case <-term.read:
		case <-time.After(20 * time.Millisecond):
		case <-deadline:
			term.t.Fatalf("the terminal never showed %q:\n%q", text, term.output())
		}
	}
}

// wait waits for zenctl to exit and returns its exit code.
func (term *terminal) wait() int {
	term.t.Helper()
	err := term.cmd.Wait()
	// Let the reader drain what is left on the terminal.
	time.Sleep(50 * time.Millisecond)
	if exitErr, ok := err.(*exec.ExitError); ok {
		return exitErr.ExitCode()
	}
	if err != nil {
		term.t.Fatal(err)
	}
	return 0
}

func (term *terminal) output() string {
	term.mu.Lock()
	defer term.mu.Unlock()
	return term.screen.String()
}

func (term *terminal) typeText(s string) {
	term.t.Helper()
	if _, err := io.WriteString(term.ptmx, s); err != nil {
		term.t.Fatal(err)
	}
}

var spinnerFrame = regexp.MustCompile(`[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] `)

// Item 1 of issue 13: a wait past 300 ms says what it waits for on a
// terminal, is gone when done, and shows nothing of it on a pipe.
func TestSpinnerOnATerminalOnly(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	c := adminCLI(t, fake)

	fake.InjectFault("GET /api/v1/current-user", zenmltest.Fault{Delay: 700 * time.Millisecond, Times: 1})
	term := c.startOnTerminal(100, ptyStreams{stderr: true}, "status")
	if code := term.wait(); code != 0 {
		t.Fatalf("status: exit %d\n%s", code, term.output())
	}
	screen := term.output()
	t.Logf("stderr on a terminal:\n%q", screen)
	if !spinnerFrame.MatchString(screen) || !strings.Contains(screen, "Checking the login on "+fake.URL()+"…") {
		t.Errorf("no spinner saying what status waits for:\n%q", screen)
	}
	if !strings.HasSuffix(strings.TrimRight(screen, "\r\n"), "\r\x1b[K") {
		t.Errorf("the spinner line was not cleared at the end:\n%q", screen)
	}
	if !strings.Contains(term.stdout.String(), "Logged in as user default") {
		t.Errorf("stdout: %q", term.stdout.String())
	}

	fake.InjectFault("GET /api/v1/current-user", zenmltest.Fault{Delay: 700 * time.Millisecond, Times: 1})
	r := c.mustRun("", "status")
	if spinnerFrame.MatchString(r.stderr) || strings.Contains(r.stderr, "\x1b[") || strings.Contains(r.stderr, "Checking") {
		t.Errorf("spinner on a pipe: %q", r.stderr)
	}
}

// Item 1: a password typed during the wait before the prompt is not
// echoed, and is the answer to the prompt; the terminal echoes again when
// zenctl is done.
func TestEchoIsOffBeforeThePasswordPrompt(t *testing.T) {
	t.Parallel()
	const password = "typed-ahead-s3cret"
	fake := zenmltest.NewTest(t, zenmltest.Options{AdminPassword: password})
	fake.InjectFault("GET /api/v1/info", zenmltest.Fault{Delay: 900 * time.Millisecond, Times: 1})
	c := newCLI(t)
	term := c.startOnTerminal(100, ptyStreams{stdin: true, stderr: true}, "login", fake.URL(), "--username", "default")
	// The spinner shows once zenctl is connecting: type the password then,
	// before the prompt, as people do.
	term.waitFor("Connecting to " + fake.URL())
	term.typeText(password + "\r")
	if code := term.wait(); code != 0 {
		t.Fatalf("login: exit %d\n%q", code, term.output())
	}
	screen := term.output()
	t.Logf("terminal:\n%q", screen)
	if strings.Contains(screen, password) {
		t.Errorf("the password typed ahead was echoed:\n%q", screen)
	}
	if !strings.Contains(screen, "Logged in to "+fake.URL()+" as user default") {
		t.Errorf("not logged in:\n%q", screen)
	}
	if !echoOn(t, term.tty) {
		t.Error("echo is still off after zenctl exited")
	}
}

// Item 5: at 80, 100 and 200 columns a wider terminal never shows less of
// any column than a narrower one, and no line is wider than the terminal.
func TestTableWidthsOnTerminals(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	c := adminCLI(t, fake)
	c.mustRun("", "service-account", "create", "ci-bot", "--description", "Robot that deploys the nightly training pipeline")
	c.mustRun("", "service-account", "api-key", "ci-bot", "create", "deploy",
		"--description", "Key used by the GitHub Actions deploy workflow in the ml-platform repository")
	c.mustRun("", "service-account", "api-key", "ci-bot", "create", "nightly", "--description", "Nightly retraining")

	screens := map[int][]string{}
	for _, cols := range []int{80, 100, 200} {
		term := c.startOnTerminal(cols, ptyStreams{stdout: true}, "service-account", "api-key", "ci-bot", "list")
		if code := term.wait(); code != 0 {
			t.Fatalf("list at %d columns: exit %d\n%s", cols, code, term.output())
		}
		lines := strings.Split(strings.TrimRight(strings.ReplaceAll(term.output(), "\r\n", "\n"), "\n"), "\n")
		t.Logf("%d columns:\n%s", cols, strings.Join(lines, "\n"))
		for _, l := range lines {
			if w := len([]rune(l)); w > cols {
				t.Errorf("%d columns: a line of %d: %q", cols, w, l)
			}
		}
		screens[cols] = lines
	}
	for _, pair := range [][2]int{{80, 100}, {100, 200}} {
		narrow, wide := screens[pair[0]], screens[pair[1]]
		if len(narrow) != len(wide) {
			t.Fatalf("%d and %d columns have different rows", pair[0], pair[1])
		}
		for i := range narrow {
			for _, cell := range strings.Fields(narrow[i]) {
				cell = strings.TrimSuffix(cell, "…")
				if !strings.Contains(wide[i], cell) {
					t.Errorf("row %d shows %q at %d columns but not at %d:\n%s\n%s", i, cell, pair[0], pair[1], narrow[i], wide[i])
				}
			}
		}
	}
	if !strings.Contains(strings.Join(screens[200], "\n"), "in the ml-platform repository") {
		t.Errorf("200 columns do not show the whole description")
	}
	// Item 9: a table on a terminal says when, in words.
	if !strings.Contains(strings.Join(screens[100], "\n"), "never") {
		t.Errorf("no LAST LOGIN of never at 100 columns")
	}
}

func echoOn(t *testing.T, tty *os.File) bool {
	t.Helper()
	st, err := unix.IoctlGetTermios(int(tty.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	return st.Lflag&unix.ECHO != 0
}

// Issue 22 item 3: audit on a real terminal of 80, 100 and 200 columns:
// no header cut, short kinds, relative times, full ids only with room.
func TestAuditReadableOnTerminals(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	c := adminCLI(t, fake)
	c.mustRun("", "service-account", "create", "ci-bot")
	c.mustRun("", "service-account", "api-key", "ci-bot", "create", "nightly-deploy")
	// New-user review: a long account name once cost KIND and the end of
	// its key's name at 80 and 100 columns (create adds a key "default").
	c.mustRun("", "service-account", "create", "data-platform-nightly-ingestion")
	screens := map[int]string{}
	for _, cols := range []int{80, 100, 200} {
		term := c.startOnTerminal(cols, ptyStreams{stdout: true}, "audit")
		if code := term.wait(); code != 0 {
			t.Fatalf("audit at %d columns: exit %d\n%s", cols, code, term.output())
		}
		screen := strings.TrimRight(strings.ReplaceAll(term.output(), "\r\n", "\n"), "\n")
		screens[cols] = screen
		lines := strings.Split(screen, "\n")
		header := lines[0]
		if strings.Contains(header, "…") || !strings.HasPrefix(header, "KIND ") || !strings.Contains(header, "LAST LOGIN") ||
			!strings.Contains(header, "LAST ROTATED") {
			t.Errorf("%d columns: header %q", cols, header)
		}
		for _, l := range lines {
			if w := len([]rune(l)); w > cols {
				t.Errorf("%d columns: a line of %d: %q", cols, w, l)
			}
		}
		if !strings.Contains(screen, "ci-bot/nightly-deploy") || !strings.Contains(screen, "ingestion/default ") ||
			!strings.Contains(screen, "\nuser  default ") || strings.Contains(screen, "service-account") {
			t.Errorf("%d columns:\n%s", cols, screen)
		}
	}
	if !strings.Contains(screens[100], "key ") || !strings.Contains(screens[100], "just now") {
		t.Errorf("100 columns: short kinds and relative times:\n%s", screens[100])
	}
	if !strings.Contains(screens[200], " UTC)") {
		t.Errorf("200 columns: no absolute time:\n%s", screens[200])
	}
	// NO_COLOR (set by newCLI) keeps the terminal's table plain; without
	// it the header is bold.
	if strings.Contains(screens[80], "\x1b") {
		t.Errorf("NO_COLOR: escapes on the terminal:\n%q", screens[80])
	}
	delete(c.env, "NO_COLOR")
	term := c.startOnTerminal(100, ptyStreams{stdout: true}, "audit")
	if code := term.wait(); code != 0 || !strings.Contains(term.output(), "\x1b[1mKIND") {
		t.Errorf("colour on: exit %d, no bold header:\n%q", code, term.output())
	}
}
