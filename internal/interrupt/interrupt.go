// Package interrupt decides what Ctrl-C, SIGTERM and SIGHUP (a closed
// terminal or SSH connection) do to a running command, in one place for
// the whole process.
//
// The first signal cancels the command's context and the process ends
// within Grace, even if the command is stuck in a read that no context can
// stop (a pipe on stdin, a FIFO). The exception is a request that changes
// state on the server and returns a secret (a rotated or new API key): its
// result exists nowhere else, so abandoning it would lose the secret while
// the server has already acted. Such work runs inside a Critical section:
// it finishes on a context the first signal does not cancel, the command
// shows (and stores) what it got, then exits 2. A second signal ends the
// process at once, after saying what may have happened on the server and
// which command recovers.
//
// Inside a Critical section a closed pipe on stdout or stderr (SIGPIPE)
// does not kill the process either: the write fails with EPIPE and the
// command says, on whatever stream still works, which secret was lost and
// how to get a new one. Outside one, SIGPIPE keeps its usual meaning, so
// `zenctl … | head` ends quietly.
package interrupt

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// Grace is how long a command has, after the first signal, to return on
// its own before the process is ended for it. Short enough that a signal
// always ends the process within a second. It is a variable only so that
// the end-to-end tests can shorten it in the zenctl processes they start.
var Grace = 500 * time.Millisecond

// ExitCode is the code of a process ended by a signal: "cancelled".
const ExitCode = 2

// Risk says what a Critical section may leave behind if it is abandoned,
// and how to repair it. Both are complete sentences without the final
// period, printed as they are: escape any text from a server in them.
type Risk struct {
	// Happened, e.g. "the server may have rotated API key default of
	// service account ci-bot, whose new secret was never shown".
	Happened string
	// Recover, e.g. "To recover, run as an account that still works:
	// zenctl service-account api-key ci-bot rotate default".
	Recover string
}

// Handler owns the process's reaction to SIGINT, SIGTERM and SIGHUP.
type Handler struct {
	errOut      io.Writer
	exit        func(int)
	grace       time.Duration
	cancel      context.CancelFunc
	beforeExit  func()
	stopSignals func()
	// catchPipe and releasePipe switch SIGPIPE between "the write fails"
	// (inside a Critical section) and the default "the process dies".
	catchPipe, releasePipe func()

	mu       sync.Mutex
	signals  int
	critical map[*Critical]struct{}
	// delegated counts stretches where another process (exec's child)
	// owns the signals: the handler neither cancels nor exits then.
	delegated int
	timer     *time.Timer
	stopped   bool
	// pipeClosed: a SIGPIPE came inside a Critical section.
	pipeClosed bool
}

type handlerKey struct{}

// handled are the signals that cancel a command. A signal the process was
// started with ignored (SIGHUP under nohup, SIGINT in a background job)
// stays ignored: Notify would otherwise make it deliverable again.
var handled = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP}

// Listen starts handling SIGINT, SIGTERM and SIGHUP for a command run with
// the returned context. beforeExit (say, stopping a spinner) runs before a
// forced exit. Call Stop when the command has returned.
func Listen(parent context.Context, errOut io.Writer, beforeExit func()) (context.Context, *Handler) {
	sig := make(chan os.Signal, 2)
	for _, s := range handled {
		if !signal.Ignored(s) {
			signal.Notify(sig, s)
		}
	}
	pipe := make(chan os.Signal, 1)
	ctx, h := newHandler(parent, sig, errOut, os.Exit, Grace)
	h.beforeExit = beforeExit
	h.stopSignals = func() { signal.Stop(sig); signal.Stop(pipe) }
	if !signal.Ignored(syscall.SIGPIPE) {
		h.catchPipe = func() { signal.Notify(pipe, syscall.SIGPIPE) }
		h.releasePipe = func() { signal.Stop(pipe) }
	}
	go func() {
		for {
			select {
			case <-pipe:
				h.brokenPipe()
			case <-parent.Done():
				return
			}
		}
	}()
	return ctx, h
}

// newHandler handles the signals received on sig; exit ends the process.
func newHandler(parent context.Context, sig <-chan os.Signal, errOut io.Writer, exit func(int), grace time.Duration) (context.Context, *Handler) {
	ctx, cancel := context.WithCancel(parent)
	h := &Handler{
		errOut:      errOut,
		exit:        exit,
		grace:       grace,
		cancel:      cancel,
		beforeExit:  func() {},
		stopSignals: func() {},
		catchPipe:   func() {},
		releasePipe: func() {},
		critical:    map[*Critical]struct{}{},
	}
	go func() {
		for {
			select {
			case <-sig:
				h.signal()
			case <-parent.Done():
				return
			}
		}
	}()
	return context.WithValue(ctx, handlerKey{}, h), h
}

// Interrupted reports whether a signal has arrived.
func (h *Handler) Interrupted() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.signals > 0
}

// Stop ends the handling: the command has returned, and main reports the
// outcome itself. A forced exit already under way wins.
func (h *Handler) Stop() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.stopped = true
	if h.timer != nil {
		h.timer.Stop()
	}
	h.stopSignals()
	h.cancel()
}

// brokenPipe is a SIGPIPE caught inside a Critical section: the output is
// gone, so nothing more is asked of the server, but the failed write itself
// reports what was lost. It never forces an exit: it is the consequence of
// zenctl's own writes, not someone insisting.
func (h *Handler) brokenPipe() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stopped || h.delegated > 0 || len(h.critical) == 0 {
		return
	}
	h.pipeClosed = true
	h.cancel()
}

func (h *Handler) signal() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stopped || h.delegated > 0 {
		return
	}
	h.signals++
	h.cancel()
	if h.signals > 1 {
		h.exitNowLocked()
		return
	}
	if len(h.critical) == 0 {
		h.startGraceLocked()
		return
	}
	fmt.Fprintln(h.errOut, "Finishing the request in flight so that its result is not lost; interrupt again to abandon it.")
}

// exitNowLocked ends the process on a second signal, saying what the
// abandoned work may have done.
func (h *Handler) exitNowLocked() {
	h.beforeExit()
	said := false
	for c := range h.critical {
		for _, abandon := range c.onAbandon {
			if note := abandon(); note != "" {
				fmt.Fprintf(h.errOut, "%s.\n", note)
			}
		}
		if c.risk.Happened == "" {
			continue
		}
		said = true
		fmt.Fprintf(h.errOut, "Stopped without waiting: %s.\n", c.risk.Happened)
		if c.risk.Recover != "" {
			fmt.Fprintf(h.errOut, "  %s\n", c.risk.Recover)
		}
	}
	if !said {
		fmt.Fprintln(h.errOut, "Cancelled.")
	}
	h.exit(ExitCode)
}

// startGraceLocked gives the command Grace to return by itself, then ends
// the process: whatever it is blocked on, a signal ends it.
func (h *Handler) startGraceLocked() {
	if h.timer != nil {
		h.timer.Reset(h.grace)
		return
	}
	h.timer = time.AfterFunc(h.grace, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		if h.stopped || len(h.critical) > 0 {
			return
		}
		h.beforeExit()
		fmt.Fprintln(h.errOut, "Cancelled.")
		h.exit(ExitCode)
	})
}

// Critical is a stretch of a command that must not be abandoned at the
// first signal: from just before a request that changes state and returns
// a secret, until that secret has been shown (and stored).
type Critical struct {
	h    *Handler
	ctx  context.Context
	risk Risk
	once sync.Once
	// onAbandon run when a second signal ends the process mid-section.
	onAbandon []func() string
}

// Begin starts a Critical section of the command running with ctx. Its
// Context is not cancelled by the first signal; requests made with it keep
// their normal timeout. A command that does several such requests checks
// ctx.Err() before starting each one, so the first signal stops it after
// the one in flight.
func Begin(ctx context.Context, risk Risk) *Critical {
	c := &Critical{ctx: context.WithoutCancel(ctx), risk: risk}
	if h, ok := ctx.Value(handlerKey{}).(*Handler); ok {
		c.h = h
		h.mu.Lock()
		if len(h.critical) == 0 {
			h.catchPipe()
		}
		h.critical[c] = struct{}{}
		h.mu.Unlock()
	}
	return c
}

// Delegate hands the signals to a child process for as long as it runs
// (`zenctl exec`): the child gets them, decides what they mean, and its
// exit status is the command's. Call the returned func when it has exited.
func Delegate(ctx context.Context) (end func()) {
	h, ok := ctx.Value(handlerKey{}).(*Handler)
	if !ok {
		return func() {}
	}
	h.mu.Lock()
	h.delegated++
	h.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			h.mu.Lock()
			h.delegated--
			h.mu.Unlock()
		})
	}
}

// OnAbandon registers f to run when a second signal ends the process in
// the middle of the section, before the risk is reported: say, keeping the
// keys already written to a file. f returns a sentence (without the final
// period) to print, or "". f must not call back into this package.
func (c *Critical) OnAbandon(f func() string) {
	if c.h == nil {
		return
	}
	c.h.mu.Lock()
	defer c.h.mu.Unlock()
	c.onAbandon = append(c.onAbandon, f)
}

// PipeClosed reports whether a write to a closed pipe (SIGPIPE) happened
// inside a Critical section of ctx's command.
func PipeClosed(ctx context.Context) bool {
	h, ok := ctx.Value(handlerKey{}).(*Handler)
	if !ok {
		return false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.pipeClosed
}

// Context is the context for the section's requests.
func (c *Critical) Context() context.Context { return c.ctx }

// SetRisk changes what a second signal reports, as the section moves on
// (the next key to rotate, or nothing left unshown).
func (c *Critical) SetRisk(r Risk) {
	if c.h == nil {
		c.risk = r
		return
	}
	c.h.mu.Lock()
	defer c.h.mu.Unlock()
	c.risk = r
}

// End closes the section. If a signal came meanwhile, the command now has
// Grace to report and return. Calling End again does nothing.
func (c *Critical) End() {
	c.once.Do(func() {
		if c.h == nil {
			return
		}
		h := c.h
		h.mu.Lock()
		defer h.mu.Unlock()
		delete(h.critical, c)
		if len(h.critical) == 0 {
			h.releasePipe()
		}
		if h.signals > 0 && len(h.critical) == 0 && !h.stopped {
			h.startGraceLocked()
		}
	})
}
