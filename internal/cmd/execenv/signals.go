package execenv

import (
	"context"
	"os"
	"os/exec"
	"os/signal"

	"github.com/zenctl/zenctl/internal/interrupt"
)

// runForwardingSignals runs cmd, passes on the signals zenctl receives
// meanwhile, runs afterExit once cmd has ended (still owning the signals,
// so that a late Ctrl-C cannot cut it short), and returns cmd's exit
// status. err is set only when cmd could not be started.
func runForwardingSignals(ctx context.Context, cmd *exec.Cmd, afterExit func()) (status int, err error) {
	// zenctl's own reaction to a signal (cancel, then end the process)
	// would orphan the child and lose its status: the child decides.
	defer interrupt.Delegate(ctx)()
	// Listening before the start: a signal that arrives in between waits
	// in the channel instead of being lost.
	signals := make(chan os.Signal, 4)
	signal.Notify(signals, forwardedSignals...)
	defer signal.Stop(signals)
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			select {
			case sig := <-signals:
				if !reachedChildAlready(sig) {
					_ = cmd.Process.Signal(sig)
				}
			case <-done:
				return
			}
		}
	}()
	// An error here that is not the exit status is a failed copy of a
	// stream that is not a file; the command ran all the same.
	_ = cmd.Wait()
	afterExit()
	return statusOf(cmd.ProcessState), nil
}
