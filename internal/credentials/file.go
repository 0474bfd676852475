package credentials

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"

	"github.com/zenctl/zenctl/internal/atomicfile"
)

// CredentialsFile is the file backend's file name inside the config dir.
const CredentialsFile = "credentials.json"

// fileFormatVersion lets a future zenctl change the layout and still
// recognise files written today.
const fileFormatVersion = 1

// fileContent is the on-disk layout: a version and a map from key URL
// (verbatim) to its Secret. JSON, not Viper, so URLs survive as keys.
type fileContent struct {
	Version int                     `json:"version"`
	Servers map[string]storedSecret `json:"servers"`
}

// FileStore keeps secrets in a 0600 JSON file. It never calls the keyring.
type FileStore struct {
	dir  string
	path string
}

// NewFileStore returns the file store for config dir dir. Nothing is
// created until the first Set.
func NewFileStore(dir string) *FileStore {
	return &FileStore{dir: dir, path: filepath.Join(dir, CredentialsFile)}
}

func (f *FileStore) Kind() string     { return string(ModeFile) }
func (f *FileStore) Location() string { return f.path }

// Path is the credentials file's path.
func (f *FileStore) Path() string { return f.path }

func (f *FileStore) Get(key string) (Secret, error) {
	if err := checkServer(key); err != nil {
		return Secret{}, err
	}
	// No lock: writers replace the file by rename, so this read sees a
	// whole old or whole new file.
	data, err := atomicfile.ReadFile(f.path)
	if errors.Is(err, fs.ErrNotExist) {
		return Secret{}, ErrNotFound
	}
	if err != nil {
		return Secret{}, fmt.Errorf("cannot read credentials file %s: %v", f.path, unwrapPath(err))
	}
	if err := f.checkPrivate(); err != nil {
		return Secret{}, err
	}
	c, err := f.decode(data)
	if err != nil {
		return Secret{}, err
	}
	s, ok := c.Servers[key]
	if !ok {
		return Secret{}, ErrNotFound
	}
	return s.secret(), nil
}

func (f *FileStore) Set(key string, s Secret) error {
	if err := checkServer(key); err != nil {
		return err
	}
	return f.update(func(c *fileContent) bool {
		c.Servers[key] = toStored(s)
		return true
	})
}

func (f *FileStore) Delete(key string) error {
	if err := checkServer(key); err != nil {
		return err
	}
	if _, err := os.Stat(f.path); errors.Is(err, fs.ErrNotExist) {
		return nil // nothing to delete; do not create the dir or lock file
	}
	return f.update(func(c *fileContent) bool {
		if _, ok := c.Servers[key]; !ok {
			return false
		}
		delete(c.Servers, key)
		return true
	})
}

// checkPrivate refuses, as ssh does for a private key, a credentials file
// that others can read: its secrets may have been copied already, and
// using it as if nothing happened would hide that.
func (f *FileStore) checkPrivate() error {
	if runtime.GOOS == "windows" {
		return nil // no such mode bits; the file sits in the user's profile
	}
	fi, err := os.Stat(f.path)
	if err != nil || fi.Mode().Perm()&0o077 == 0 {
		return nil
	}
	return fmt.Errorf("credentials file %s can be read by others (mode %04o): its secrets may be known; run `chmod 600 %s`, and rotate the keys and passwords in it if others may have read it",
		f.path, fi.Mode().Perm(), f.path)
}

// Keys lists the keys that have a secret in the file.
func (f *FileStore) Keys() ([]string, error) {
	data, err := os.ReadFile(f.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read credentials file %s: %v", f.path, unwrapPath(err))
	}
	c, err := f.decode(data)
	if err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(c.Servers))
	for k := range c.Servers {
		keys = append(keys, k)
	}
	return keys, nil
}

// DeleteUnless removes, in one locked rewrite, every secret whose key keep
// rejects, and reports how many went.
func (f *FileStore) DeleteUnless(keep func(key string) bool) (int, error) {
	if _, err := os.Stat(f.path); errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	n := 0
	err := f.update(func(c *fileContent) bool {
		for k := range c.Servers {
			if !keep(k) {
				delete(c.Servers, k)
				n++
			}
		}
		return n > 0
	})
	return n, err
}

// errUnchanged short-circuits a write when modify changed nothing.
var errUnchanged = errors.New("unchanged")

// update re-reads the file under the lock and changes only what modify
// touches, so concurrent writers for other servers are never lost.
func (f *FileStore) update(modify func(*fileContent) (changed bool)) error {
	if err := atomicfile.EnsureDir(f.dir); err != nil {
		return err
	}
	// A rewrite would set the mode to 0600 and hide that others could read
	// the secrets until now: refuse as reads do.
	if err := f.checkPrivate(); err != nil {
		return err
	}
	err := atomicfile.Update(f.path, 0o600, func(old []byte, exists bool) ([]byte, error) {
		c := &fileContent{Version: fileFormatVersion, Servers: map[string]storedSecret{}}
		if exists {
			var err error
			if c, err = f.decode(old); err != nil {
				return nil, err
			}
		}
		if !modify(c) {
			return nil, errUnchanged
		}
		data, err := json.MarshalIndent(c, "", "  ")
		if err != nil {
			return nil, fmt.Errorf("cannot encode credentials file %s: %w", f.path, err)
		}
		return append(data, '\n'), nil
	})
	if errors.Is(err, errUnchanged) {
		return nil
	}
	return err
}

// decode refuses anything it does not fully understand: replacing a file we
// cannot parse would destroy other servers' credentials.
func (f *FileStore) decode(data []byte) (*fileContent, error) {
	c := &fileContent{}
	if len(bytes.TrimSpace(data)) > 0 {
		if err := json.Unmarshal(data, c); err != nil {
			return nil, f.corrupt(firstLine(err.Error()))
		}
	}
	if c.Version > fileFormatVersion {
		return nil, fmt.Errorf("credentials file %s has format version %d, newer than this zenctl understands (%d); upgrade zenctl", f.path, c.Version, fileFormatVersion)
	}
	c.Version = fileFormatVersion
	if c.Servers == nil {
		c.Servers = map[string]storedSecret{}
	}
	return c, nil
}

func (f *FileStore) corrupt(why string) error {
	return fmt.Errorf("credentials file %s is corrupt: %s; fix or remove it (then log in again)", f.path, why)
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
