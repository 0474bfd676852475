package serviceaccount

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// keyFile is the --output-file of create and rotate. The keys go to a
// temporary file beside it, which takes the file's name only once it is
// complete and on disk: the file is there whole or not at all, and a full
// disk or a signal never leaves an empty or cut file. Its name is checked
// before the server is asked for a key: the server shows a key only once,
// so finding out afterwards that the file cannot be written would lose it.
type keyFile struct {
	path string
	// named: the file holds NAME<TAB>KEY lines (rotate --all), not a
	// bare key that `login --api-key < FILE` can read.
	named bool

	mu sync.Mutex
	// tmp is the file being written; nil once published or removed.
	tmp      *os.File
	written  bool
	writeErr error
	// kept is where the keys are when the name was taken meanwhile.
	kept string
}

// createKeyFile prepares a new file readable by the owner only. An
// existing file is never overwritten: it may hold another key, or be a
// symlink planted where a secret is expected.
func createKeyFile(path string) (*keyFile, error) {
	if path == "" {
		return nil, nil
	}
	if _, err := os.Lstat(path); err == nil {
		return nil, fmt.Errorf("%s already exists; refusing to overwrite it (choose a new file name)", path)
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".*.partial")
	if err != nil {
		return nil, keyFileCreateError(path, err)
	}
	// CreateTemp asks for 0600, but a filesystem that ignores the mode
	// would leave it wider: Chmod says so.
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return nil, fmt.Errorf("restricting the key file's permissions: %w", err)
	}
	return &keyFile{path: path, tmp: tmp}, nil
}

// keyFileCreateError says why the file could not be created: a missing
// directory only when it is missing (/proc exists and still refuses new
// files with ENOENT), else what the system answered — permission, a
// read-only filesystem — without the temporary file's name.
func keyFileCreateError(path string, err error) error {
	dir := filepath.Dir(path)
	fi, statErr := os.Stat(dir)
	switch {
	case errors.Is(statErr, fs.ErrNotExist):
		return fmt.Errorf("cannot create the key file %s: the directory %s does not exist", path, dir)
	case statErr == nil && !fi.IsDir():
		return fmt.Errorf("cannot create the key file %s: %s is not a directory", path, dir)
	}
	var pathErr *fs.PathError
	if errors.As(err, &pathErr) {
		err = pathErr.Err
	}
	return fmt.Errorf("cannot create the key file %s: cannot create a file in %s: %w", path, dir, err)
}

func (k *keyFile) Write(p []byte) (int, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.tmp == nil {
		return 0, fmt.Errorf("the key file %s is already closed", k.path)
	}
	k.written = true
	n, err := k.tmp.Write(p)
	if err != nil && k.writeErr == nil {
		k.writeErr = err
	}
	return n, err
}

// finish publishes the file under its name once everything is on disk, or
// removes it when it never received a key or could not be written whole
// (a retry needs the name free). Calling it again does nothing, so it can
// also be deferred.
func (k *keyFile) finish() error {
	if k == nil {
		return nil
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.finishLocked()
}

func (k *keyFile) finishLocked() error {
	if k.tmp == nil {
		return nil
	}
	tmp := k.tmp
	k.tmp = nil
	err := k.writeErr
	if serr := tmp.Sync(); err == nil {
		err = serr
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if !k.written || err != nil {
		os.Remove(tmp.Name())
		if err != nil {
			return fmt.Errorf("writing the key file %s: %w", k.path, err)
		}
		return nil
	}
	return k.publish(tmp.Name())
}

// publish gives the complete temporary file its name. A link never
// replaces a file that appeared meanwhile; where links are not supported,
// rename does the same after a last check.
func (k *keyFile) publish(tmp string) error {
	err := os.Link(tmp, k.path)
	if err != nil && !errors.Is(err, fs.ErrExist) {
		if _, lerr := os.Lstat(k.path); errors.Is(lerr, fs.ErrNotExist) {
			if rerr := os.Rename(tmp, k.path); rerr == nil {
				syncDir(k.path)
				return nil
			}
		} else {
			err = fs.ErrExist
		}
	}
	if err != nil {
		// The keys exist nowhere else: keep them where they are.
		k.kept = tmp
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s was created by someone else meanwhile; the new key is in %s instead", k.path, tmp)
		}
		return fmt.Errorf("cannot name the key file %s (%v); the new key is in %s instead", k.path, err, tmp)
	}
	os.Remove(tmp)
	syncDir(k.path)
	return nil
}

// syncDir makes a new name survive a crash, where the system allows it.
func syncDir(path string) {
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

// abandon is what a second signal does to the file mid-command: keys
// written whole are kept under the file's name (they exist nowhere else);
// a file without a key is removed. It returns what to tell the person.
func (k *keyFile) abandon() string {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.tmp == nil || !k.written {
		if k.tmp != nil {
			k.tmp.Close()
			os.Remove(k.tmp.Name())
			k.tmp = nil
		}
		return ""
	}
	if err := k.finishLocked(); err != nil {
		return "the keys written before the signal were lost: " + err.Error()
	}
	return "the keys written before the signal are in " + k.path
}

// destination names where a key went, for the messages about it.
func (k *keyFile) destination() string {
	if k == nil {
		return "stdout"
	}
	return k.path
}

// keyWriter is where keys go: the file when there is one, else stdout.
func keyWriter(k *keyFile, stdout io.Writer) io.Writer {
	if k != nil {
		return k
	}
	return stdout
}

func (k *keyFile) name() string {
	if k == nil {
		return ""
	}
	return k.path
}
