package user

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// tokenFile is deactivate's --output-file. It is created (new, mode 0600)
// before the request, so a name that cannot be used is found while nothing
// has changed on the server yet; O_EXCL never follows a symlink planted
// where a secret is expected, nor overwrites another file.
type tokenFile struct {
	path string
	f    *os.File
}

func createTokenFile(path string) (*tokenFile, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	switch {
	case errors.Is(err, fs.ErrExist):
		return nil, fmt.Errorf("%s already exists; refusing to overwrite it (choose a new file name)", path)
	case err != nil:
		return nil, fmt.Errorf("cannot create %s: %w", path, unwrapPathError(err))
	}
	// A filesystem that ignores the mode of a new file would leave it
	// wider: Chmod says so.
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		os.Remove(path)
		return nil, fmt.Errorf("restricting the permissions of %s: %w", path, unwrapPathError(err))
	}
	return &tokenFile{path: path, f: f}, nil
}

// write stores the token and closes the file; a file that could not be
// written whole is removed, so no cut token is taken for a good one.
func (t *tokenFile) write(token string) error {
	_, err := fmt.Fprintln(t.f, token)
	if serr := t.f.Sync(); err == nil {
		err = serr
	}
	if cerr := t.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(t.path)
		return fmt.Errorf("writing %s: %w", t.path, unwrapPathError(err))
	}
	return nil
}

// discard removes the file when the request failed: nothing was written.
func (t *tokenFile) discard() {
	if t == nil {
		return
	}
	t.f.Close()
	os.Remove(t.path)
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
