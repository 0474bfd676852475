package credentials

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

func sampleSecret() Secret {
	return Secret{
		Username:    "alice",
		Password:    "",
		AccessToken: "eyJ.tok.en",
		ExpiresAt:   time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC),
		Lifetime:    time.Hour,
	}
}

func TestFileRoundTripAndModes(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "cfg", "zenctl")
	st := NewFileStore(dir)
	const server = "http://127.0.0.1:8237/prefix.v1"

	if _, err := st.Get(server); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get on missing file: got %v, want ErrNotFound", err)
	}
	if err := st.Delete(server); err != nil {
		t.Fatalf("Delete on missing file: %v", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("reads and no-op deletes must not create the dir: %v", err)
	}

	want := sampleSecret()
	if err := st.Set(server, want); err != nil {
		t.Fatal(err)
	}
	got, err := st.Get(server)
	if err != nil {
		t.Fatal(err)
	}
	if !got.ExpiresAt.Equal(want.ExpiresAt) {
		t.Fatalf("ExpiresAt: got %v want %v", got.ExpiresAt, want.ExpiresAt)
	}
	got.ExpiresAt = want.ExpiresAt
	if got != want {
		t.Fatalf("round trip: got %+v want %+v", got, want)
	}
	if !got.Renewable() {
		t.Fatal("username with empty password must be able to re-login")
	}

	fi, err := os.Stat(st.Path())
	if err != nil {
		t.Fatal(err)
	}
	if m := fi.Mode().Perm(); m != 0o600 {
		t.Fatalf("file mode %o, want 600", m)
	}
	di, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if m := di.Mode().Perm(); m != 0o700 {
		t.Fatalf("dir mode %o, want 700", m)
	}
	if st.Kind() != "file" || st.Location() != st.Path() {
		t.Fatalf("Kind/Location: %q %q", st.Kind(), st.Location())
	}

	// A zero expiry ("never") must not be written as 0001-01-01.
	if err := st.Set(server, Secret{APIKey: "k"}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(st.Path())
	if strings.Contains(string(data), "expires_at") {
		t.Fatalf("zero ExpiresAt written: %s", data)
	}

	if err := st.Delete(server); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Get(server); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after Delete: %v", err)
	}
}

func TestFileOtherServersPreserved(t *testing.T) {
	t.Parallel()
	st := NewFileStore(t.TempDir())
	a, b := "https://a.example.com", "https://b.example.com:8443/zen"
	must(t, st.Set(a, Secret{APIKey: "ka"}))
	must(t, st.Set(b, Secret{APIKey: "kb"}))
	must(t, st.Set(a, Secret{APIKey: "ka2"}))
	must(t, st.Delete(a))
	got, err := st.Get(b)
	if err != nil || got.APIKey != "kb" {
		t.Fatalf("b after changes to a: %+v, %v", got, err)
	}
	// A second store instance (another process, in effect) sees the same.
	got, err = NewFileStore(filepath.Dir(st.Path())).Get(b)
	if err != nil || got.APIKey != "kb" {
		t.Fatalf("fresh store: %+v, %v", got, err)
	}
}

func TestFileCorruptIsNeverReplaced(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	st := NewFileStore(dir)
	corrupt := []byte("{\"servers\": {\"https://a\": {\"api_key\": \"k\"}") // truncated
	must(t, os.WriteFile(st.Path(), corrupt, 0o600))

	for name, op := range map[string]func() error{
		"get":    func() error { _, err := st.Get("https://a"); return err },
		"set":    func() error { return st.Set("https://b", Secret{APIKey: "x"}) },
		"delete": func() error { return st.Delete("https://a") },
	} {
		err := op()
		if err == nil {
			t.Fatalf("%s: no error on corrupt file", name)
		}
		msg := err.Error()
		if !strings.Contains(msg, st.Path()) || !strings.Contains(msg, "corrupt") || !strings.Contains(msg, "fix or remove it") || strings.Contains(msg, "\n") {
			t.Fatalf("%s: error should be one line naming the file: %q", name, msg)
		}
	}
	data, err := os.ReadFile(st.Path())
	if err != nil || string(data) != string(corrupt) {
		t.Fatalf("corrupt file was changed: %q, %v", data, err)
	}

	// Wrong shape is corrupt too, not an empty map.
	must(t, os.WriteFile(st.Path(), []byte(`{"servers": ["x"]}`), 0o600))
	if err := st.Set("https://b", Secret{}); err == nil || !strings.Contains(err.Error(), "corrupt") {
		t.Fatalf("wrong shape: %v", err)
	}
}

func TestFileNewerFormatRefused(t *testing.T) {
	t.Parallel()
	st := NewFileStore(t.TempDir())
	must(t, os.WriteFile(st.Path(), []byte(`{"version": 99, "servers": {}}`), 0o600))
	if err := st.Set("https://a", Secret{}); err == nil || !strings.Contains(err.Error(), "upgrade zenctl") {
		t.Fatalf("newer format: %v", err)
	}
}

func TestFileConcurrentGoroutines(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const n = 20
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// A store per goroutine, as separate commands would have.
			errs <- NewFileStore(dir).Set(fmt.Sprintf("https://s%d.example.com", i), Secret{APIKey: fmt.Sprint(i)})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		must(t, err)
	}
	st := NewFileStore(dir)
	for i := range n {
		got, err := st.Get(fmt.Sprintf("https://s%d.example.com", i))
		if err != nil || got.APIKey != fmt.Sprint(i) {
			t.Fatalf("server %d lost: %+v, %v", i, got, err)
		}
	}
}

func TestFileConcurrentProcesses(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const procs, perProc = 20, 5
	cmds := make([]*execResult, procs)
	var wg sync.WaitGroup
	for p := range procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := helperCmd(t, "file-writer", "HELPER_DIR="+dir, fmt.Sprintf("HELPER_ID=%d", p), fmt.Sprintf("HELPER_N=%d", perProc))
			out, err := cmd.CombinedOutput()
			cmds[p] = &execResult{out, err}
		}()
	}
	wg.Wait()
	for p, r := range cmds {
		if r.err != nil {
			t.Fatalf("writer %d: %v: %s", p, r.err, r.out)
		}
	}
	st := NewFileStore(dir)
	for p := range procs {
		for i := range perProc {
			server := fmt.Sprintf("https://proc-%d-%d.example.com:8080/p", p, i)
			if got, err := st.Get(server); err != nil || got.APIKey != fmt.Sprintf("key-%d", p) {
				t.Fatalf("%s lost: %+v, %v", server, got, err)
			}
		}
	}
}

type execResult struct {
	out []byte
	err error
}

func TestFileCrashLeftovers(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	st := NewFileStore(dir)
	must(t, st.Set("https://a", Secret{APIKey: "ka"}))
	before, _ := os.ReadFile(st.Path())

	// A writer that died after writing its temp file but before the rename.
	tmp := filepath.Join(dir, ".credentials.json.tmp-12345")
	must(t, os.WriteFile(tmp, []byte(`{"servers": {"https://half`), 0o600))

	after, _ := os.ReadFile(st.Path())
	if string(after) != string(before) {
		t.Fatal("leftover temp file changed the credentials file")
	}
	if got, err := st.Get("https://a"); err != nil || got.APIKey != "ka" {
		t.Fatalf("read with leftover temp: %+v, %v", got, err)
	}
	must(t, st.Set("https://b", Secret{APIKey: "kb"}))
	if _, err := os.Stat(tmp); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("stale temp file (a copy of secrets) not cleaned up: %v", err)
	}
	if got, err := st.Get("https://a"); err != nil || got.APIKey != "ka" {
		t.Fatalf("a after next write: %+v, %v", got, err)
	}
}

func TestFileUnwritableDir(t *testing.T) {
	t.Parallel()
	base := t.TempDir()
	// A path below a regular file cannot be created, even by root.
	blocker := filepath.Join(base, "file")
	must(t, os.WriteFile(blocker, nil, 0o600))
	err := NewFileStore(filepath.Join(blocker, "zenctl")).Set("https://a", Secret{APIKey: "k"})
	if err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), blocker) {
		t.Fatalf("want one-line error naming the path, got %v", err)
	}

	if os.Geteuid() == 0 {
		return // root ignores directory permissions
	}
	ro := filepath.Join(base, "ro")
	must(t, os.Mkdir(ro, 0o500))
	t.Cleanup(func() { _ = os.Chmod(ro, 0o700) })
	err = NewFileStore(ro).Set("https://a", Secret{APIKey: "k"})
	if err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), ro) {
		t.Fatalf("read-only dir: want one-line error naming the path, got %v", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// A credentials file others can read is refused with the command that
// fixes it, as ssh refuses such a private key.
func TestFileReadableByOthersIsRefused(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("no Unix mode bits")
	}
	dir := t.TempDir()
	s := NewFileStore(dir)
	if err := s.Set("k", Secret{APIKey: "ZENKEY_x"}); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(s.Path(), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := s.Get("k")
	if err == nil || !strings.Contains(err.Error(), "chmod 600 "+s.Path()) {
		t.Fatalf("err = %v", err)
	}
	// A write would quietly set 0600 and hide what happened: refused too.
	if err := s.Set("other", Secret{APIKey: "ZENKEY_y"}); err == nil {
		t.Error("a write to a file others can read went through")
	}
	if fi, _ := os.Stat(s.Path()); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode changed to %04o", fi.Mode().Perm())
	}
}
