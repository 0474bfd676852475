package serviceaccount

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// keyFile is the --output-file of create and rotate. It is created before
// the server is asked for a key: the server shows a key only once, so
// finding out afterwards that the file cannot be written would lose it.
type keyFile struct {
	path    string
	f       *os.File
	written bool
	// named: the file holds NAME<TAB>KEY lines (rotate --all), not a
	// bare key that `login --api-key < FILE` can read.
	named bool
}

// createKeyFile creates a new file readable by the owner only. An existing
// file is never overwritten: it may hold another key, or be a symlink
// planted where a secret is expected.
func createKeyFile(path string) (*keyFile, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("%s already exists; refusing to overwrite it (choose a new file name)", path)
	}
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("cannot create the key file %s: the directory %s does not exist", path, filepath.Dir(path))
		}
		return nil, fmt.Errorf("creating the key file: %w", err)
	}
	// The mode given to OpenFile is filtered by the umask but a umask can
	// only remove bits; Chmod also covers filesystems that ignore it.
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		os.Remove(path)
		return nil, fmt.Errorf("restricting the key file's permissions: %w", err)
	}
	return &keyFile{path: path, f: f}, nil
}

func (k *keyFile) Write(p []byte) (int, error) {
	k.written = true
	return k.f.Write(p)
}

// finish closes the file; one that never received a key is removed, so a
// failed command leaves no empty file that would block a retry. Calling it
// again does nothing, so it can also be deferred.
func (k *keyFile) finish() error {
	if k == nil || k.f == nil {
		return nil
	}
	err := k.f.Sync()
	if cerr := k.f.Close(); err == nil {
		err = cerr
	}
	k.f = nil
	if !k.written {
		os.Remove(k.path)
		return nil
	}
	if err != nil {
		return fmt.Errorf("writing the key file %s: %w", k.path, err)
	}
	return nil
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
