//go:build linux || darwin

package execenv

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// forwardedSignals are passed on to the child: the ones that ask a program
// to stop (SIGHUP when a terminal or SSH connection closes, SIGQUIT), the
// ones programs give their own meaning (SIGUSR1/2), and SIGWINCH, so a
// child that draws on the terminal learns its new size.
var forwardedSignals = []os.Signal{
	syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT,
	syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGWINCH,
}

// reachedChildAlready reports whether the terminal sent sig to the child
// as well as to zenctl: Ctrl-C, Ctrl-\ and a window resize go to the
// terminal's whole foreground process group, the child included, and a
// second SIGINT would interrupt its clean-up (Python raises
// KeyboardInterrupt twice).
func reachedChildAlready(sig os.Signal) bool {
	if sig != syscall.SIGINT && sig != syscall.SIGQUIT && sig != syscall.SIGWINCH {
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
