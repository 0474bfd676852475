//go:build unix

package execenv

import (
	"errors"
	"os"
	"syscall"
	"time"
)

// lockWait bounds the wait for another exec's sweep, which takes
// milliseconds; past it the sweep goes ahead rather than hang.
const lockWait = 5 * time.Second

// lockDir serialises the sweeps of concurrent execs over one directory:
// a flock on the directory itself, so that nothing is added to it.
func lockDir(dir string) (unlock func()) {
	d, err := os.Open(dir)
	if err != nil {
		return func() {}
	}
	deadline := time.Now().Add(lockWait)
	for {
		err = syscall.Flock(int(d.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil || !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	return func() { d.Close() }
}
