package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// MaxFileSize caps what ReadFile reads. zenctl's own files hold a few KiB;
// a bigger one is not ours, and reading it whole would only cost time and
// memory (a 1 GiB config.yaml took 28 s and 5 GB).
const MaxFileSize = 1 << 20

// UnsafeError is a file or directory zenctl refuses to use, as ssh does:
// another user could have written it, or could write it next. Fix is the
// command that makes it safe.
type UnsafeError struct {
	Path, Problem, Fix string
}

func (e *UnsafeError) Error() string {
	if e.Fix == "" {
		return fmt.Sprintf("refusing to use %s: %s", e.Path, e.Problem)
	}
	return fmt.Sprintf("refusing to use %s: %s; fix it with `%s`", e.Path, e.Problem, e.Fix)
}

// currentUID is the user whose files are trusted; a variable for tests.
var currentUID = os.Geteuid

// CheckDir refuses a directory that another user owns or that group or
// others can write: whoever can write it can replace config.yaml (say,
// with verify_ssl: false) or plant a symlink where a lock file goes. A
// missing directory is fine: zenctl creates it with mode 0700.
func CheckDir(dir string) error {
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("cannot use directory %s: %w", dir, withoutPath(err))
	}
	if !fi.IsDir() {
		return &UnsafeError{Path: dir, Problem: "not a directory"}
	}
	return checkOwnerAndMode(dir, fi, "700")
}

// ReadFile reads one of zenctl's own small files, refusing what is not
// safe to trust: a directory or file another user owns or group or others
// can write, a symbolic link (never followed), anything but a regular file
// (a FIFO would block the read forever), and a file over MaxFileSize. A
// missing file is an error satisfying errors.Is(err, fs.ErrNotExist).
func ReadFile(path string) ([]byte, error) {
	if err := CheckDir(filepath.Dir(path)); err != nil {
		return nil, err
	}
	f, err := openNoFollow(path, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readChecked(f, fileLimits{
		path: path, mode: "600", fix: "rm " + path, max: MaxFileSize,
		tooBig: fmt.Sprintf("larger than %d KiB, so not a file zenctl wrote", MaxFileSize>>10),
	})
}

// fileLimits are what readChecked accepts of one file.
type fileLimits struct {
	path string
	// mode is the widest permission allowed, as checkOwnerAndMode takes it.
	mode string
	// fix is the advice on a refused file; empty where removing the file
	// would be wrong (a file zenctl did not write).
	fix    string
	max    int
	tooBig string
}

// readChecked reads the open file f once it is a regular file with a safe
// owner and mode and no larger than the limit. The checks are made on the
// open file, which is the file read.
func readChecked(f *os.File, l fileLimits) ([]byte, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, &UnsafeError{Path: l.path, Problem: fmt.Sprintf("not a regular file (%s)", fi.Mode().Type()), Fix: l.fix}
	}
	if err := checkOwnerAndMode(l.path, fi, l.mode); err != nil {
		return nil, err
	}
	tooBig := &UnsafeError{Path: l.path, Problem: l.tooBig, Fix: l.fix}
	if fi.Size() > int64(l.max) {
		return nil, tooBig
	}
	// The size can grow between Stat and the read.
	data, err := io.ReadAll(io.LimitReader(f, int64(l.max)+1))
	if err != nil {
		return nil, err
	}
	if len(data) > l.max {
		return nil, tooBig
	}
	return data, nil
}

func checkRegular(path string, fi fs.FileInfo) error {
	if !fi.Mode().IsRegular() {
		return &UnsafeError{Path: path, Problem: fmt.Sprintf("not a regular file (%s)", fi.Mode().Type()), Fix: "rm " + path}
	}
	return nil
}
