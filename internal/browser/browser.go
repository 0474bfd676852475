// Package browser opens URLs in the user's web browser without ever blocking
// a command or writing to its stdout.
//
// Callers print the URL before calling Open, so a skipped or failed launch
// costs the user nothing but a copy-paste.
package browser

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"time"

	pkgbrowser "github.com/pkg/browser"
)

// ErrNoDisplay means Open did not try: there is no graphical session to show
// a browser in (an SSH session, a container, CI) and BROWSER is not set.
var ErrNoDisplay = errors.New("no display to open a browser on")

// DefaultTimeout bounds how long Open waits for the launcher.
const DefaultTimeout = 3 * time.Second

// Browser opens URLs.
type Browser interface {
	Open(url string) error
}

// New returns a Browser that reports launcher output to stderr. stderr is
// used only if it is an *os.File; anything else is replaced by the null
// device (see launcherOutput).
func New(stderr io.Writer) Browser {
	return &system{
		out:     launcherOutput(stderr),
		getenv:  os.Getenv,
		goos:    runtime.GOOS,
		isWSL:   isWSL,
		timeout: DefaultTimeout,
		launch:  launchDefault,
	}
}

type system struct {
	out     *os.File // nil: the null device
	getenv  func(string) string
	goos    string
	isWSL   func() bool
	timeout time.Duration
	launch  func(url string, out *os.File) error
}

// launcherOutput decides where the launcher's output goes. exec passes an
// *os.File to the child as is; any other writer is fed through a pipe that
// exec copies from, and Wait does not return until every holder of that pipe
// closes it. xdg-open hands the pipe on to the browser it starts, so the
// launch would then last as long as the browser. Hence a file, or nothing.
func launcherOutput(w io.Writer) *os.File {
	if f, ok := w.(*os.File); ok {
		return f
	}
	return nil
}

// Open starts the browser on url and returns without waiting for it.
//
// It returns ErrNoDisplay without trying when a Unix-like system has no
// display and the user has not named a browser in BROWSER. It returns nil if
// the launcher is still running after the timeout: some launchers wait for
// the browser window to close, and the browser may well be open.
func (b *system) Open(url string) error {
	if url == "" {
		return errors.New("open browser: empty URL")
	}
	launch := b.launch
	if cmd := b.getenv("BROWSER"); cmd != "" {
		// The user said what to run, so trust it even without a display:
		// BROWSER=w3m in an SSH session is a reasonable choice.
		launch = func(url string, out *os.File) error { return runBrowserEnv(cmd, url, out, b.goos) }
	} else if !b.hasDisplay() {
		return ErrNoDisplay
	}

	done := make(chan error, 1)
	go func() { done <- launch(url, b.out) }()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("open browser: %w", err)
		}
		return nil
	case <-time.After(b.timeout):
		return nil
	}
}

// hasDisplay reports whether a browser could appear. macOS and Windows
// always have one for a logged-in user. Elsewhere it takes an X11 or
// Wayland session, or WSL, where the Windows side shows the browser.
func (b *system) hasDisplay() bool {
	switch b.goos {
	case "darwin", "windows", "ios", "android":
		return true
	}
	if b.getenv("DISPLAY") != "" || b.getenv("WAYLAND_DISPLAY") != "" {
		return true
	}
	return b.goos == "linux" && b.isWSL()
}

func isWSL() bool {
	if os.Getenv("WSL_DISTRO_NAME") != "" || os.Getenv("WSL_INTEROP") != "" {
		return true
	}
	b, err := os.ReadFile("/proc/sys/kernel/osrelease")
	return err == nil && strings.Contains(strings.ToLower(string(b)), "microsoft")
}

// pkgMu guards pkg/browser's package-level Stdout and Stderr, which are read
// when the launcher starts.
var pkgMu sync.Mutex

func launchDefault(url string, out *os.File) error {
	pkgMu.Lock()
	defer pkgMu.Unlock()
	// Its default is os.Stdout, where xdg-open's chatter would be mixed into
	// a command's results. A nil *os.File must become a nil interface for
	// exec to pick the null device.
	var w io.Writer
	if out != nil {
		w = out
	}
	pkgbrowser.Stdout, pkgbrowser.Stderr = w, w
	return pkgbrowser.OpenURL(url)
}

// runBrowserEnv follows the BROWSER convention: a list of commands separated
// by the path list separator, tried in order; "%s" in a command stands for
// the URL, otherwise the URL is appended. A command that is itself an
// executable path is used whole so that paths with spaces work; otherwise it
// is split on spaces.
func runBrowserEnv(env, url string, out *os.File, goos string) error {
	sep := ":"
	if goos == "windows" {
		sep = ";"
	}
	var errs []error
	for _, entry := range strings.Split(env, sep) {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		var argv []string
		if _, err := exec.LookPath(entry); err == nil {
			argv = []string{entry, url}
		} else {
			argv = strings.Fields(entry)
			if strings.Contains(entry, "%s") {
				for i := range argv {
					argv[i] = strings.ReplaceAll(argv[i], "%s", url)
				}
			} else {
				argv = append(argv, url)
			}
		}
		cmd := exec.Command(argv[0], argv[1:]...)
		if out != nil {
			cmd.Stdout, cmd.Stderr = out, out
		}
		if err := cmd.Start(); err != nil {
			errs = append(errs, err)
			continue
		}
		return cmd.Wait()
	}
	if len(errs) == 0 {
		return fmt.Errorf("BROWSER=%q names no command", env)
	}
	return errors.Join(errs...)
}

// Stub is a Browser for tests: it records URLs instead of opening them.
type Stub struct {
	Err error // returned by Open, after recording the URL

	mu   sync.Mutex
	urls []string
}

func (s *Stub) Open(url string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.urls = append(s.urls, url)
	return s.Err
}

// URLs returns the URLs opened so far.
func (s *Stub) URLs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.urls...)
}

var _ Browser = (*Stub)(nil)
