package iostreams

import (
	"bytes"
	"context"
	"io"
	"os"
	"sync"
	"time"

	"github.com/charmbracelet/x/ansi"
	"golang.org/x/term"
)

var spinnerFrames = []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}

const spinnerInterval = 100 * time.Millisecond

// DefaultProgressDelay is how long a wait lasts before a spinner says what
// it waits for: shorter waits pass unnoticed, and a spinner that flashes
// for 50 ms is noise.
const DefaultProgressDelay = 300 * time.Millisecond

// progress is the one spinner line of a process. Two things feed it: an
// explicit StartProgress (a command's own long wait, shown at once) and
// the waits of Wait (every API request), shown once they pass the delay.
// The explicit label wins; otherwise the latest wait that is due.
type progress struct {
	explicit string
	waits    []*wait
	running  bool
	wake     chan struct{}
	stopped  chan struct{}
}

type wait struct {
	label string
	due   time.Time
}

// ErrFile is ErrOut as a child process should inherit it: the terminal
// itself rather than the wrapper that keeps the spinner's line apart.
func (s *IOStreams) ErrFile() io.Writer {
	if w, ok := s.ErrOut.(*StatusWriter); ok {
		return w.Underlying()
	}
	return s.ErrOut
}

// SetProgressDelay changes how long a wait lasts before its spinner shows;
// tests use it to see the spinner without waiting.
func (s *IOStreams) SetProgressDelay(d time.Duration) { s.progressDelay = d }

// StartProgress shows a spinner with label on ErrOut while slow work runs. It
// does nothing unless stderr is a terminal: in a log or a pipe the redrawn
// frames would only be noise. Calling it again replaces the label.
func (s *IOStreams) StartProgress(label string) {
	if !s.stderrTTY {
		return
	}
	s.progressMu.Lock()
	defer s.progressMu.Unlock()
	s.progress.explicit = label
	s.ensureSpinnerLocked()
}

// StopProgress removes the spinner of StartProgress and returns once its
// line is cleared. It is safe to call without StartProgress, and more than
// once. Waits still running keep theirs.
func (s *IOStreams) StopProgress() {
	s.progressMu.Lock()
	s.progress.explicit = ""
	s.progressMu.Unlock()
	s.redrawNow()
}

// Wait marks the start of something the user waits for, such as a request
// to the server; the returned function marks its end. On a terminal, a wait
// that lasts past the progress delay shows a spinner saying label ("Logging
// in to URL"), removed when it ends; without a terminal it does nothing.
func (s *IOStreams) Wait(label string) (done func()) {
	if !s.stderrTTY {
		return func() {}
	}
	delay := s.progressDelay
	if delay == 0 {
		delay = DefaultProgressDelay
	}
	w := &wait{label: label, due: time.Now().Add(delay)}
	s.progressMu.Lock()
	s.progress.waits = append(s.progress.waits, w)
	s.ensureSpinnerLocked()
	s.progressMu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			s.progressMu.Lock()
			for i, x := range s.progress.waits {
				if x == w {
					s.progress.waits = append(s.progress.waits[:i], s.progress.waits[i+1:]...)
					break
				}
			}
			s.progressMu.Unlock()
			s.redrawNow()
		})
	}
}

// label is what the spinner shows now, "" for nothing.
func (p *progress) label(now time.Time) string {
	if p.explicit != "" {
		return p.explicit
	}
	for i := len(p.waits) - 1; i >= 0; i-- {
		if !now.Before(p.waits[i].due) {
			return p.waits[i].label
		}
	}
	return ""
}

func (p *progress) idle() bool { return p.explicit == "" && len(p.waits) == 0 }

func (s *IOStreams) ensureSpinnerLocked() {
	if s.progress.running {
		return
	}
	s.progress.running = true
	s.progress.wake = make(chan struct{}, 1)
	s.progress.stopped = make(chan struct{})
	go s.spin(s.progress.wake, s.progress.stopped)
}

// redrawNow makes the spinner draw (or clear) its line at once and waits
// until it has: after a wait ends, the next message must not share the
// line with a spinner frame.
func (s *IOStreams) redrawNow() {
	s.progressMu.Lock()
	if !s.progress.running {
		s.progressMu.Unlock()
		return
	}
	wake, stopped := s.progress.wake, s.progress.stopped
	idle := s.progress.idle()
	blank := s.progress.label(time.Now()) == ""
	s.progressMu.Unlock()
	select {
	case wake <- struct{}{}:
	default:
	}
	if idle {
		<-stopped
		return
	}
	if blank {
		// Other waits are not due yet: the line shows nothing meanwhile.
		s.statusLine().draw("")
	}
}

func (s *IOStreams) spin(wake chan struct{}, stopped chan struct{}) {
	defer close(stopped)
	line := s.statusLine()
	t := time.NewTicker(spinnerInterval)
	defer t.Stop()
	for frame := 0; ; frame++ {
		s.progressMu.Lock()
		if s.progress.idle() {
			s.progress.running = false
			s.progressMu.Unlock()
			line.draw("")
			return
		}
		label := s.progress.label(time.Now())
		s.progressMu.Unlock()
		if label != "" {
			label = spinnerFrames[frame%len(spinnerFrames)] + " " + label + "…"
		}
		line.draw(label)
		select {
		case <-t.C:
		case <-wake:
		}
	}
}

// statusLine is the writer the spinner draws with: ErrOut's own when
// ErrOut is a StatusWriter (then other output clears the spinner first),
// else a plain one for tests that swap ErrOut.
func (s *IOStreams) statusLine() *StatusWriter {
	if w, ok := s.ErrOut.(*StatusWriter); ok {
		return w
	}
	s.progressMu.Lock()
	defer s.progressMu.Unlock()
	if s.fallbackLine == nil || s.fallbackLine.w != s.ErrOut {
		s.fallbackLine = &StatusWriter{w: s.ErrOut, atLineStart: true}
	}
	return s.fallbackLine
}

// StatusWriter is a stream, stderr on a terminal, that also carries one
// transient status line (the spinner). Anything written to it clears that
// line first, so a warning or a prompt printed during a wait never lands
// after a spinner frame; the spinner is not drawn while the cursor is in
// the middle of a line (after a prompt waiting for its answer).
type StatusWriter struct {
	mu          sync.Mutex
	w           io.Writer
	shown       bool // a status line is on screen
	atLineStart bool
	width       func() int
}

// NewStatusWriter wraps w, which should be a terminal.
func NewStatusWriter(w io.Writer) *StatusWriter {
	sw := &StatusWriter{w: w, atLineStart: true}
	if f, ok := w.(*os.File); ok {
		sw.width = func() int {
			if c, _, err := term.GetSize(int(f.Fd())); err == nil && c > 0 {
				return c
			}
			return defaultWidth
		}
	}
	return sw
}

func (sw *StatusWriter) Write(p []byte) (int, error) {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	sw.clearLocked()
	n, err := sw.w.Write(p)
	if n > 0 {
		sw.atLineStart = bytes.HasSuffix(p[:n], []byte("\n"))
	}
	return n, err
}

// Underlying is the stream behind the status line, for a child process
// that must inherit the terminal itself (a pipe would make its stderr stop
// being a terminal).
func (sw *StatusWriter) Underlying() io.Writer { return sw.w }

// Fd lets code that needs the terminal (its size, raw mode) reach it.
func (sw *StatusWriter) Fd() uintptr {
	if f, ok := sw.w.(interface{ Fd() uintptr }); ok {
		return f.Fd()
	}
	return ^uintptr(0)
}

func (sw *StatusWriter) clearLocked() {
	if sw.shown {
		_, _ = io.WriteString(sw.w, "\r\x1b[K")
		sw.shown = false
	}
}

// draw replaces the status line with text; "" removes it. Text is cut to
// the terminal's width so that it never wraps onto a second line, which
// "\r" could not erase.
func (sw *StatusWriter) draw(text string) {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	if text == "" {
		sw.clearLocked()
		return
	}
	if !sw.atLineStart {
		return
	}
	width := defaultWidth
	if sw.width != nil {
		width = sw.width()
	}
	text = ansi.Truncate(text, width-1, "…")
	_, _ = io.WriteString(sw.w, "\r"+text+"\x1b[K")
	sw.shown = true
}

type waitLabelKey struct{}

// WithWaitLabel returns ctx carrying what the requests made with it wait
// for, in a command's words ("Rotating API key default"): the spinner
// shows it instead of a generic "Waiting for URL".
func WithWaitLabel(ctx context.Context, label string) context.Context {
	return context.WithValue(ctx, waitLabelKey{}, label)
}

// WaitLabel is the label WithWaitLabel put in ctx, or "".
func WaitLabel(ctx context.Context) string {
	s, _ := ctx.Value(waitLabelKey{}).(string)
	return s
}
