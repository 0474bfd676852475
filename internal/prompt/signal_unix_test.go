//go:build unix

package prompt

import (
	"errors"
	"io"
	"os"
	"syscall"
	"testing"
)

// TestPasswordRealSIGINT sends a real SIGINT to the test process while a
// password prompt is open: the prompt must catch it (the process survives),
// restore the terminal and report ErrCancelled.
func TestPasswordRealSIGINT(t *testing.T) {
	p, _, _ := testPrompter(t, "")
	unblock := make(chan struct{})
	defer close(unblock)
	p.readPassword = func(int) ([]byte, error) { <-unblock; return nil, io.EOF }
	restored := make(chan struct{})
	p.saveTerminal = func(int) func() { return func() { close(restored) } }
	p.signals = func() (<-chan os.Signal, func()) {
		c, stop := interruptSignals()
		if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
		return c, stop
	}
	if _, err := p.Password("Password"); !errors.Is(err, ErrCancelled) {
		t.Fatalf("err = %v, want ErrCancelled", err)
	}
	<-restored
}
