//go:build unix

package atomicfile

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestReadTrustedFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "ca.pem")
	must(t, os.WriteFile(path, []byte("pem"), 0o644))
	// Links are followed (system CA certificates are links); the file
	// reached is checked.
	link := filepath.Join(dir, "link.pem")
	must(t, os.Symlink(path, link))
	if data, err := ReadTrustedFile(link); err != nil || string(data) != "pem" {
		t.Fatalf("%q %v", data, err)
	}
	must(t, os.Chmod(path, 0o664))
	_, err := ReadTrustedFile(link)
	expectUnsafe(t, err, "writable by its group (mode 0664)")
	must(t, os.Chmod(path, 0o646))
	_, err = ReadTrustedFile(path)
	expectUnsafe(t, err, "writable by others (mode 0646)")

	fifo := filepath.Join(dir, "fifo")
	must(t, syscall.Mkfifo(fifo, 0o600))
	keep, err := os.OpenFile(fifo, os.O_RDWR, 0) // keeps the open from blocking
	if err != nil {
		t.Fatal(err)
	}
	defer keep.Close()
	_, err = ReadTrustedFile(fifo)
	expectUnsafe(t, err, "not a regular file")
}

func TestReadTrustedFileRefusesAnotherUsersFile(t *testing.T) {
	// Not parallel: it changes who "this user" is.
	path := filepath.Join(t.TempDir(), "ca.pem")
	must(t, os.WriteFile(path, nil, 0o644))
	giveToAnotherUser(t, path)
	_, err := ReadTrustedFile(path)
	expectUnsafe(t, err, "owned by another user")
}
