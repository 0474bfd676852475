// Package atomicfile does crash-safe, cross-process read-modify-write of small
// files: an exclusive flock on a sibling ".lock" file, a temp file in the same
// directory, fsync, rename, fsync of the directory.
//
// Readers never take the lock: rename is atomic, so a reader sees either the
// old or the new file, never a torn one.
package atomicfile

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// LockTimeout bounds how long Update waits for another process. flock locks
// die with their holder, so a long wait means a live process is stuck, and
// the user is better served by an error than by a hang.
const LockTimeout = 30 * time.Second

// pollInterval is how often a waiter retries the lock: short, because a
// holder keeps it for a few milliseconds.
const pollInterval = 5 * time.Millisecond

// tempPrefix marks the temp files of one target file, so a later Update can
// recognise and remove those a crashed writer left behind.
func tempPrefix(path string) string {
	return "." + filepath.Base(path) + ".tmp-"
}

// Lock takes an exclusive cross-process lock on lockPath, creating it with
// mode 0600 if needed, waiting until ctx is done. The returned unlock is safe
// to call more than once. A symbolic link or anything but a regular file at
// lockPath is refused, not followed: a link planted there would make zenctl
// create or lock a file of the planter's choosing.
func Lock(ctx context.Context, lockPath string) (unlock func(), err error) {
	l, err := newFileLock(lockPath)
	if err != nil {
		return nil, err
	}
	for {
		ok, err := l.tryLock()
		if err != nil {
			l.close()
			return nil, fmt.Errorf("cannot lock %s: %w", lockPath, withoutPath(err))
		}
		if ok {
			break
		}
		select {
		case <-ctx.Done():
			l.close()
			if errors.Is(ctx.Err(), context.Canceled) {
				return nil, fmt.Errorf("interrupted while waiting for lock %s", lockPath)
			}
			return nil, fmt.Errorf("timed out waiting for lock %s: another zenctl process is holding it; retry when it finishes", lockPath)
		case <-time.After(pollInterval):
		}
	}
	done := false
	return func() {
		if !done {
			done = true
			l.close()
		}
	}, nil
}

// Update runs a locked read-modify-write of path. fn gets the current content
// (nil and exists=false when the file is missing) and returns the new
// content; if fn fails, the file is left untouched. The directory must exist,
// and the directory and file pass the checks of CheckDir and ReadFile.
func Update(path string, perm fs.FileMode, fn func(old []byte, exists bool) ([]byte, error)) error {
	if err := CheckDir(filepath.Dir(path)); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), LockTimeout)
	defer cancel()
	unlock, err := Lock(ctx, path+".lock")
	if err != nil {
		return err
	}
	defer unlock()

	// Every writer holds the lock while its temp file exists, so any temp
	// file seen now belongs to a writer that crashed. Remove it: it may hold
	// a copy of secrets.
	removeStaleTemps(path)

	old, err := ReadFile(path)
	exists := err == nil
	var unsafe *UnsafeError
	if errors.As(err, &unsafe) {
		return err
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("cannot read %s: %w", path, withoutPath(err))
	}
	data, err := fn(old, exists)
	if err != nil {
		return err
	}
	return WriteFile(path, data, perm)
}

// WriteFile replaces path with data atomically and durably. Callers that
// read-modify-write must hold the lock (use Update).
func WriteFile(path string, data []byte, perm fs.FileMode) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, tempPrefix(path)+"*")
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", path, withoutPath(err))
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	// CreateTemp already uses 0600; Chmod makes perm exact regardless of umask.
	if err = f.Chmod(perm); err != nil && runtime.GOOS != "windows" {
		return fmt.Errorf("cannot write %s: %w", path, withoutPath(err))
	}
	if _, err = f.Write(data); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, withoutPath(err))
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, withoutPath(err))
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, withoutPath(err))
	}
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, withoutPath(err))
	}
	syncDir(dir)
	return nil
}

// syncDir makes the rename itself durable. Not supported on Windows, and a
// failure here cannot be acted upon, so it is best effort.
func syncDir(dir string) {
	if runtime.GOOS == "windows" {
		return
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}

func removeStaleTemps(path string) {
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		return
	}
	prefix := tempPrefix(path)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), prefix) {
			_ = os.Remove(filepath.Join(filepath.Dir(path), e.Name()))
		}
	}
}

// EnsureDir creates dir (and parents) with mode 0700. An existing directory
// keeps its mode: tightening a directory the user chose is not our call.
func EnsureDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("cannot create directory %s: %w", dir, withoutPath(err))
	}
	return nil
}

// withoutPath strips the path prefix that *fs.PathError repeats, so
// messages that already name the file stay short.
func withoutPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
