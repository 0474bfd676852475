//go:build unix

package main

import (
	"os"
	"syscall"
)

// lockExclusive waits for an exclusive flock on f, which the fake zenml
// takes to serialise writes of its config as the real one does.
func lockExclusive(f *os.File) error { return syscall.Flock(int(f.Fd()), syscall.LOCK_EX) }
