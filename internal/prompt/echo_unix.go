//go:build unix

package prompt

import (
	"sync"

	"golang.org/x/sys/unix"
)

func echoOff(fd int) func() {
	old, err := unix.IoctlGetTermios(fd, ioctlGetTermios)
	if err != nil {
		return func() {}
	}
	quiet := *old
	// ECHONL too: the Enter of a password typed ahead must not move the
	// cursor under a spinner either.
	quiet.Lflag &^= unix.ECHO | unix.ECHONL
	if err := unix.IoctlSetTermios(fd, ioctlSetTermios, &quiet); err != nil {
		return func() {}
	}
	var once sync.Once
	return func() {
		once.Do(func() { _ = unix.IoctlSetTermios(fd, ioctlSetTermios, old) })
	}
}
