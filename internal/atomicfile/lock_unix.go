//go:build unix

package atomicfile

import (
	"errors"
	"os"
	"syscall"
)

// fileLock is a flock(2) on a lock file opened without following links.
type fileLock struct{ f *os.File }

func newFileLock(path string) (*fileLock, error) {
	f, err := openNoFollow(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err == nil {
		err = checkRegular(path, fi)
	}
	if err == nil {
		err = checkOwnerAndMode(path, fi, "600")
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return &fileLock{f}, nil
}

func (l *fileLock) tryLock() (bool, error) {
	for {
		err := syscall.Flock(int(l.f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		switch {
		case err == nil:
			return true, nil
		case errors.Is(err, syscall.EWOULDBLOCK):
			return false, nil
		case errors.Is(err, syscall.EINTR):
			continue
		}
		return false, err
	}
}

// close releases the lock with the file: the kernel drops a flock when
// its last descriptor closes.
func (l *fileLock) close() { _ = l.f.Close() }
