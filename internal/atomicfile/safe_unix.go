//go:build unix

package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// openNoFollow opens path without following a symbolic link at its last
// component, and without blocking on a FIFO or a device: the caller
// refuses those after a Stat of what it opened.
func openNoFollow(path string, flag int, perm fs.FileMode) (*os.File, error) {
	f, err := os.OpenFile(path, flag|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_CLOEXEC, perm)
	if err == nil {
		return f, nil
	}
	// Linux says ELOOP for a link under O_NOFOLLOW, the BSDs EMLINK.
	if errors.Is(err, syscall.ELOOP) || errors.Is(err, syscall.EMLINK) {
		if fi, lerr := os.Lstat(path); lerr == nil && fi.Mode()&fs.ModeSymlink != 0 {
			return nil, &UnsafeError{Path: path, Problem: "a symbolic link, which zenctl does not follow for its own files", Fix: "rm " + path}
		}
	}
	var pe *fs.PathError
	if errors.As(err, &pe) && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("cannot open %s: %w", path, pe.Err)
	}
	return nil, err
}

// checkOwnerAndMode refuses path unless this user (or root) owns it and
// neither group nor others can write it; fixMode is the mode to suggest.
func checkOwnerAndMode(path string, fi fs.FileInfo, fixMode string) error {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		if uid := int(st.Uid); uid != currentUID() && uid != 0 {
			return &UnsafeError{Path: path, Problem: fmt.Sprintf("owned by another user (uid %d)", uid), Fix: "sudo chown $(id -un) " + path}
		}
	}
	if perm := fi.Mode().Perm(); perm&0o022 != 0 {
		who := "group and others"
		switch {
		case perm&0o020 == 0:
			who = "others"
		case perm&0o002 == 0:
			who = "its group"
		}
		return &UnsafeError{Path: path, Problem: fmt.Sprintf("writable by %s (mode %04o)", who, perm), Fix: "chmod " + fixMode + " " + path}
	}
	return nil
}
