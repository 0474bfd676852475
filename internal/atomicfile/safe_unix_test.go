//go:build unix

package atomicfile

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// privateDir is a directory as zenctl creates it.
func privateDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "zenctl")
	must(t, os.Mkdir(dir, 0o700))
	return dir
}

func expectUnsafe(t *testing.T, err error, wants ...string) {
	t.Helper()
	var unsafe *UnsafeError
	if !errors.As(err, &unsafe) {
		t.Fatalf("got %v, want a refusal", err)
	}
	for _, w := range wants {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("%q does not say %q", err, w)
		}
	}
}

func TestReadFileRefusesAFIFOWithoutBlocking(t *testing.T) {
	t.Parallel()
	path := filepath.Join(privateDir(t), "credentials.json")
	must(t, syscall.Mkfifo(path, 0o600))
	done := make(chan error, 1)
	go func() { _, err := ReadFile(path); done <- err }()
	select {
	case err := <-done:
		expectUnsafe(t, err, "not a regular file", "rm "+path)
	case <-time.After(time.Second):
		t.Fatal("ReadFile blocked on a FIFO")
	}
}

func TestReadFileDoesNotFollowSymlinks(t *testing.T) {
	t.Parallel()
	dir := privateDir(t)
	target := filepath.Join(dir, "elsewhere")
	must(t, os.WriteFile(target, []byte("verify_ssl: false\n"), 0o600))
	path := filepath.Join(dir, "config.yaml")
	must(t, os.Symlink(target, path))
	_, err := ReadFile(path)
	expectUnsafe(t, err, "symbolic link")
}

func TestReadFileRefusesWhatOthersCanWrite(t *testing.T) {
	t.Parallel()
	dir := privateDir(t)
	path := filepath.Join(dir, "config.yaml")
	must(t, os.WriteFile(path, []byte("a: 1\n"), 0o600))
	if data, err := ReadFile(path); err != nil || string(data) != "a: 1\n" {
		t.Fatalf("a private file: %q, %v", data, err)
	}

	must(t, os.Chmod(path, 0o666))
	_, err := ReadFile(path)
	expectUnsafe(t, err, "writable by group and others (mode 0666)", "chmod 600 "+path)
	must(t, os.Chmod(path, 0o600))

	for mode, who := range map[fs.FileMode]string{0o777: "group and others", 0o1777: "group and others", 0o770: "its group"} {
		must(t, os.Chmod(dir, mode))
		_, err := ReadFile(path)
		expectUnsafe(t, err, "writable by "+who, "chmod 700 "+dir)
		expectUnsafe(t, CheckDir(dir))
		expectUnsafe(t, Update(path, 0o600, func([]byte, bool) ([]byte, error) { return []byte("b: 2\n"), nil }))
	}
	must(t, os.Chmod(dir, 0o700))
	if data, _ := os.ReadFile(path); string(data) != "a: 1\n" {
		t.Errorf("a refused Update wrote %q", data)
	}
	if _, err := ReadFile(filepath.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	if err := CheckDir(filepath.Join(dir, "missing")); err != nil {
		t.Errorf("missing dir: %v", err)
	}
}

func TestReadFileRefusesAnotherUsersFile(t *testing.T) {
	// Not parallel: it changes who "this user" is.
	path := filepath.Join(privateDir(t), "config.yaml")
	must(t, os.WriteFile(path, nil, 0o600))
	giveToAnotherUser(t, path)
	_, err := ReadFile(path)
	expectUnsafe(t, err, "owned by another user")
}

func TestReadFileCapsTheSize(t *testing.T) {
	t.Parallel()
	path := filepath.Join(privateDir(t), "config.yaml")
	must(t, os.WriteFile(path, make([]byte, MaxFileSize+1), 0o600))
	_, err := ReadFile(path)
	expectUnsafe(t, err, "larger than 1024 KiB")
	must(t, os.Truncate(path, MaxFileSize))
	if _, err := ReadFile(path); err != nil {
		t.Errorf("a file of exactly the limit: %v", err)
	}
}

func TestLockDoesNotFollowAPlantedSymlink(t *testing.T) {
	t.Parallel()
	dir := privateDir(t)
	victim := filepath.Join(t.TempDir(), "victim")
	lock := filepath.Join(dir, "credentials.json.lock")
	must(t, os.Symlink(victim, lock))
	_, err := Lock(context.Background(), lock)
	expectUnsafe(t, err, "symbolic link")
	if _, err := os.Lstat(victim); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the link's target was created: %v", err)
	}
	// Update goes through the same lock.
	err = Update(filepath.Join(dir, "credentials.json"), 0o600, func([]byte, bool) ([]byte, error) { return []byte("{}"), nil })
	expectUnsafe(t, err, "symbolic link")
}

func TestLockRefusesAFIFO(t *testing.T) {
	t.Parallel()
	lock := filepath.Join(privateDir(t), "config.yaml.lock")
	must(t, syscall.Mkfifo(lock, 0o600))
	_, err := Lock(context.Background(), lock)
	expectUnsafe(t, err, "not a regular file")
}

// giveToAnotherUser makes path belong to someone else than the test. Root's
// own files are trusted, so pretending to be another user proves nothing
// there; root can really give the file away (CI runs as root, and the
// ownership checks must run there).
func giveToAnotherUser(t *testing.T, path string) {
	t.Helper()
	if os.Geteuid() == 0 {
		must(t, os.Chown(path, 4242, 4242))
		return
	}
	real := currentUID
	currentUID = func() int { return real() + 1 }
	t.Cleanup(func() { currentUID = real })
}
