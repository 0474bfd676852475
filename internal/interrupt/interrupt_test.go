// Unix signals and helpers (CI vets the Windows build too).

//go:build unix

package interrupt

import (
	"bytes"
	"context"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const testGrace = 20 * time.Millisecond

type harness struct {
	ctx    context.Context
	h      *Handler
	sig    chan os.Signal
	exited chan int
	mu     sync.Mutex
	out    bytes.Buffer
}

func (t *harness) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.out.Write(p)
}

func (t *harness) stderr() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.out.String()
}

func newHarness(t *testing.T) *harness {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	hs := &harness{sig: make(chan os.Signal, 2), exited: make(chan int, 2)}
	hs.ctx, hs.h = newHandler(ctx, hs.sig, hs, func(code int) { hs.exited <- code }, testGrace)
	return hs
}

// expectExit waits for the forced exit, far longer than the grace period.
func (hs *harness) expectExit(t *testing.T) {
	t.Helper()
	select {
	case code := <-hs.exited:
		if code != ExitCode {
			t.Fatalf("exit code %d", code)
		}
	case <-time.After(50 * testGrace):
		t.Fatalf("no exit; stderr: %q", hs.stderr())
	}
}

func (hs *harness) expectNoExit(t *testing.T) {
	t.Helper()
	select {
	case code := <-hs.exited:
		t.Fatalf("exited %d; stderr: %q", code, hs.stderr())
	case <-time.After(5 * testGrace):
	}
}

func TestFirstSignalCancelsThenEndsAStuckCommand(t *testing.T) {
	hs := newHarness(t)
	hs.sig <- syscall.SIGTERM
	<-hs.ctx.Done()
	// The command never returns (a read of a silent pipe): the handler
	// ends the process.
	hs.expectExit(t)
	if got := hs.stderr(); got != "Cancelled.\n" {
		t.Errorf("stderr %q", got)
	}
}

func TestCommandThatReturnsIsNotCutShort(t *testing.T) {
	hs := newHarness(t)
	hs.sig <- os.Interrupt
	<-hs.ctx.Done()
	hs.h.Stop()
	hs.expectNoExit(t)
	if !hs.h.Interrupted() {
		t.Error("Interrupted() = false after a signal")
	}
}

func TestCriticalSectionFinishesAfterFirstSignal(t *testing.T) {
	hs := newHarness(t)
	c := Begin(hs.ctx, Risk{Happened: "the server may have rotated API key k"})
	hs.sig <- syscall.SIGTERM
	<-hs.ctx.Done()
	hs.expectNoExit(t)
	if c.Context().Err() != nil {
		t.Fatal("the critical context was cancelled by the first signal")
	}
	if !strings.Contains(hs.stderr(), "Finishing the request in flight") {
		t.Errorf("stderr %q", hs.stderr())
	}
	// The section ends; the command then has the grace period to report,
	// and is ended if it does not return.
	c.End()
	c.End()
	hs.expectExit(t)
}

func TestSecondSignalSaysWhatMayHaveHappened(t *testing.T) {
	hs := newHarness(t)
	c := Begin(hs.ctx, Risk{})
	defer c.End()
	c.SetRisk(Risk{Happened: "the server may have rotated API key k", Recover: "To recover: zenctl sa api-key sa rotate k"})
	hs.sig <- os.Interrupt
	hs.sig <- os.Interrupt
	hs.expectExit(t)
	got := hs.stderr()
	for _, want := range []string{"Stopped without waiting: the server may have rotated API key k.\n", "  To recover: zenctl sa api-key sa rotate k\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("stderr lacks %q:\n%s", want, got)
		}
	}
}

func TestCriticalWithoutHandlerStillOutlivesCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	c := Begin(ctx, Risk{})
	cancel()
	if c.Context().Err() != nil {
		t.Fatal("critical context cancelled")
	}
	c.SetRisk(Risk{Happened: "x"})
	c.End()
}

func TestAbandonHooksRunOnTheForcedExit(t *testing.T) {
	hs := newHarness(t)
	c := Begin(hs.ctx, Risk{Happened: "the server may have rotated API key k"})
	defer c.End()
	c.OnAbandon(func() string { return "the keys written so far are in k.txt" })
	hs.sig <- syscall.SIGHUP
	hs.sig <- syscall.SIGHUP
	hs.expectExit(t)
	if got := hs.stderr(); !strings.Contains(got, "the keys written so far are in k.txt.\n") {
		t.Errorf("stderr %q", got)
	}
}
