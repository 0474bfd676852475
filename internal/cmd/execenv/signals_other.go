//go:build !linux && !darwin

package execenv

import "os"

// On Windows a Ctrl-C reaches every process of the console, the child
// included, and no other signal can be sent; zenctl only has to outlive
// it.
var forwardedSignals = []os.Signal{os.Interrupt}

func reachedChildAlready(os.Signal) bool { return true }

func statusOf(ps *os.ProcessState) int { return ps.ExitCode() }
