package execenv

import "golang.org/x/sys/unix"

// forbidMemoryReads makes the process non-dumpable: its /proc/PID/mem,
// environ and the like become readable by root alone, not by the other
// processes of the same user, and it leaves no core dump. The child is
// not affected: execve makes it dumpable again.
func forbidMemoryReads() error {
	return unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0)
}
