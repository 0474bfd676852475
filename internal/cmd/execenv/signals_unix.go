//go:build linux || darwin

package execenv

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

var forwardedSignals = []os.Signal{syscall.SIGINT, syscall.SIGTERM}

// reachedChildAlready reports whether the terminal sent sig to the child
// as well as to zenctl: a Ctrl-C goes to the terminal's whole foreground
// process group, the child included, and a second SIGINT would interrupt
// its clean-up (Python raises KeyboardInterrupt twice).
func reachedChildAlready(sig os.Signal) bool {
	if sig != syscall.SIGINT {
		return false
	}
	tty, err := os.Open("/dev/tty")
	if err != nil {
		return false // no controlling terminal: someone ran kill
	}
	defer tty.Close()
	foreground, err := unix.IoctlGetInt(int(tty.Fd()), unix.TIOCGPGRP)
	return err == nil && foreground == unix.Getpgrp()
}

// statusOf is the exit status a shell would report: 128+N for a command
// that signal N killed.
func statusOf(ps *os.ProcessState) int {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ps.ExitCode()
}
