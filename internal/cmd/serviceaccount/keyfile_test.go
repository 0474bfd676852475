package serviceaccount

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestKeyFileIsWholeOrAbsent(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "k")

	// Nothing written: no file at all, not even an empty one.
	k, err := createKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := k.finish(); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("left behind: %v", entries)
	}

	// Until finish, the name does not exist; then it holds everything.
	k, _ = createKeyFile(path)
	fmt.Fprintln(k, "ZENKEY_one")
	if _, err := os.Lstat(path); err == nil {
		t.Error("the key file has its name before it is complete")
	}
	if err := k.finish(); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(path); string(data) != "ZENKEY_one\n" {
		t.Errorf("content %q", data)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", fi.Mode())
	}

	// An existing name, or a symlink planted there, is refused up front.
	if _, err := createKeyFile(path); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("existing file: %v", err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(filepath.Join(dir, "nowhere"), link); err != nil {
		t.Fatal(err)
	}
	if _, err := createKeyFile(link); err == nil {
		t.Error("a dangling symlink was accepted as the key file")
	}

	// A file that appears meanwhile is not replaced: the key stays in the
	// temporary file, and the error says where.
	late := filepath.Join(dir, "late")
	k, _ = createKeyFile(late)
	fmt.Fprintln(k, "ZENKEY_two")
	if err := os.WriteFile(late, []byte("someone else's\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	err = k.finish()
	if err == nil || k.kept == "" || !strings.Contains(err.Error(), k.kept) {
		t.Fatalf("finish: %v (kept %q)", err, k.kept)
	}
	if data, _ := os.ReadFile(late); string(data) != "someone else's\n" {
		t.Error("the file that appeared meanwhile was overwritten")
	}
	if data, _ := os.ReadFile(k.kept); string(data) != "ZENKEY_two\n" {
		t.Errorf("the kept key: %q", data)
	}

	// Abandoned by a second signal: written keys are published.
	ab := filepath.Join(dir, "abandoned")
	k, _ = createKeyFile(ab)
	fmt.Fprintln(k, "ZENKEY_three")
	if note := k.abandon(); !strings.Contains(note, ab) {
		t.Errorf("abandon says %q", note)
	}
	if data, _ := os.ReadFile(ab); string(data) != "ZENKEY_three\n" {
		t.Errorf("the abandoned file: %q", data)
	}
}

// A key file that cannot be created says why: the directory is missing
// only when it is, and otherwise what the system answered.
func TestKeyFileCreateErrorSaysTheRealReason(t *testing.T) {
	dir := t.TempDir()
	notADir := filepath.Join(dir, "file")
	if err := os.WriteFile(notADir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	cases := map[string]string{
		filepath.Join(dir, "missing", "k"): "the directory " + filepath.Join(dir, "missing") + " does not exist",
		filepath.Join(notADir, "k"):        notADir + " is not a directory",
	}
	// /proc exists, and refuses new files with ENOENT.
	if fi, err := os.Stat("/proc/self"); err == nil && fi.IsDir() {
		cases["/proc/k"] = "cannot create a file in /proc: no such file or directory"
	}
	for path, want := range cases {
		_, err := createKeyFile(path)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", path, err, want)
		}
		if err != nil && strings.Contains(err.Error(), ".partial") {
			t.Errorf("%s: the error names the temporary file: %v", path, err)
		}
	}
}
