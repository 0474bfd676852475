//go:build unix

package interrupt

import (
	"bytes"
	"context"
	"os"
	"syscall"
	"testing"
	"time"
)

// SIGHUP (an SSH connection dropping) is a signal like SIGTERM: inside a
// Critical section the request finishes; the process is not killed.
func TestListenTakesSIGHUPAndSIGPIPEInsideACriticalSection(t *testing.T) {
	var errOut bytes.Buffer
	ctx, h := Listen(context.Background(), &errOut, func() {})
	defer h.Stop()
	c := Begin(ctx, Risk{})
	if err := syscall.Kill(os.Getpid(), syscall.SIGPIPE); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("SIGPIPE inside a critical section did not cancel the command")
	}
	if !PipeClosed(ctx) || h.Interrupted() {
		t.Errorf("PipeClosed %v, Interrupted %v: want a closed pipe, not an interruption", PipeClosed(ctx), h.Interrupted())
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !h.Interrupted() && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if !h.Interrupted() || c.Context().Err() != nil {
		t.Fatalf("SIGHUP: Interrupted %v, critical context %v", h.Interrupted(), c.Context().Err())
	}
	h.Stop()
	c.End()
}
