//go:build !unix

package atomicfile

import "github.com/gofrs/flock"

// fileLock is gofrs/flock's lock where flock(2) does not exist.
type fileLock struct{ fl *flock.Flock }

func newFileLock(path string) (*fileLock, error) {
	return &fileLock{flock.New(path, flock.SetPermissions(0o600))}, nil
}

func (l *fileLock) tryLock() (bool, error) { return l.fl.TryLock() }

func (l *fileLock) close() {
	_ = l.fl.Unlock()
	_ = l.fl.Close()
}
