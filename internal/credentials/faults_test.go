package credentials

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zalando/go-keyring"
)

// slowKeyring answers every call after a delay.
type slowKeyring struct {
	*MemoryKeyring
	delay time.Duration
}

func (s slowKeyring) Get(svc, user string) (string, error) {
	time.Sleep(s.delay)
	return s.MemoryKeyring.Get(svc, user)
}

func (s slowKeyring) Set(svc, user, pw string) error {
	time.Sleep(s.delay)
	return s.MemoryKeyring.Set(svc, user, pw)
}

// TestBlockedKeyringNeverTouchesTheFile: a keyring that never answers
// fails every call within the timeout, naming the server, and nothing is
// quietly written to the plain file instead.
func TestBlockedKeyringNeverTouchesTheFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fake := blockingFake(t)
	const server = "https://zenml.example.com:8080/zenml"
	for _, mode := range []Mode{"", ModeKeyring} {
		if _, err := Open(Options{Mode: mode, Explicit: mode != "", Dir: dir, Keyring: fake, Timeout: 50 * time.Millisecond}); !errors.Is(err, ErrKeyringTimeout) {
			t.Fatalf("Open(%q): %v", mode, err)
		}
	}
	st, err := OpenExisting("keyring", Options{Dir: dir, Keyring: fake, Timeout: 50 * time.Millisecond})
	must(t, err)
	for name, op := range map[string]func() error{
		"get":    func() error { _, err := st.Get(server); return err },
		"set":    func() error { return st.Set(server, Secret{APIKey: "ZENKEY_secret"}) },
		"delete": func() error { return st.Delete(server) },
	} {
		start := time.Now()
		err := op()
		if d := time.Since(start); d > time.Second {
			t.Errorf("%s took %s with a 50ms timeout", name, d)
		}
		if !errors.Is(err, ErrKeyringTimeout) || errors.Is(err, ErrNotFound) {
			t.Fatalf("%s: %v", name, err)
		}
		if !strings.Contains(err.Error(), server) || strings.Contains(err.Error(), "ZENKEY_") || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error should be one line naming the server, without the secret: %q", name, err)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("a blocked keyring left files behind: %v", entries)
	}
}

// TestConcurrentBlockedCallsAllTimeOut: callers do not queue behind each
// other's stuck calls.
func TestConcurrentBlockedCallsAllTimeOut(t *testing.T) {
	t.Parallel()
	st := NewKeyringStore(blockingFake(t), 100*time.Millisecond)
	start := time.Now()
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := st.Get("https://a"); !errors.Is(err, ErrKeyringTimeout) {
				t.Errorf("got %v", err)
			}
		}()
	}
	wg.Wait()
	if d := time.Since(start); d > time.Second {
		t.Errorf("10 parallel calls took %s with a 100ms timeout", d)
	}
}

func TestSlowKeyringWithinTheTimeoutWorks(t *testing.T) {
	t.Parallel()
	kr := slowKeyring{MemoryKeyring: NewMemoryKeyring(), delay: 20 * time.Millisecond}
	st, err := Open(Options{Dir: t.TempDir(), Keyring: kr, Timeout: time.Second})
	must(t, err)
	if st.Kind() != "keyring" {
		t.Fatalf("kind %q", st.Kind())
	}
	must(t, st.Set("https://a", Secret{APIKey: "k"}))
	got, err := st.Get("https://a")
	if err != nil || got.APIKey != "k" {
		t.Fatalf("%+v %v", got, err)
	}
}

// failingSetKeyring reads fine and refuses writes.
type failingSetKeyring struct{ *MemoryKeyring }

func (failingSetKeyring) Set(string, string, string) error {
	return errors.New("org.freedesktop.DBus.Error.AccessDenied: write refused")
}

func TestFailedKeyringWriteKeepsTheStoredSecret(t *testing.T) {
	t.Parallel()
	mem := NewMemoryKeyring()
	st := NewKeyringStore(mem, time.Second)
	old := Secret{APIKey: "ZENKEY_old", AccessToken: "tok"}
	must(t, st.Set("https://a", old))
	before, _ := mem.Get(KeyringService, "https://a")

	broken := NewKeyringStore(failingSetKeyring{mem}, time.Second)
	err := broken.Set("https://a", Secret{APIKey: "ZENKEY_new"})
	if !errors.Is(err, ErrKeyringUnavailable) || !strings.Contains(err.Error(), "https://a") || strings.Contains(err.Error(), "ZENKEY_new") {
		t.Fatalf("err = %v", err)
	}
	after, _ := mem.Get(KeyringService, "https://a")
	if after != before {
		t.Errorf("stored secret changed by a failed write: %q -> %q", before, after)
	}
}

func TestCorruptKeyringEntry(t *testing.T) {
	t.Parallel()
	mem := NewMemoryKeyring()
	must(t, mem.Set(KeyringService, "https://a", `{"api_key": "ZENKEY_cut`))
	st := NewKeyringStore(mem, time.Second)
	_, err := st.Get("https://a")
	if err == nil || !strings.Contains(err.Error(), "https://a") || !strings.Contains(err.Error(), "corrupt") || strings.Contains(err.Error(), "ZENKEY_cut") {
		t.Fatalf("err = %v: want an error naming the server, without the value", err)
	}
	if v, _ := mem.Get(KeyringService, "https://a"); v != `{"api_key": "ZENKEY_cut` {
		t.Error("a read changed the entry")
	}
	// The entry can still be replaced by logging in again.
	must(t, st.Set("https://a", Secret{APIKey: "k"}))
	if _, err := st.Get("https://a"); err != nil {
		t.Fatal(err)
	}
	if _, err := mem.Get(KeyringService, "missing"); !errors.Is(err, keyring.ErrNotFound) {
		t.Fatal(err)
	}
}

// TestFileStoreFailuresKeepTheFile: every way a write can fail leaves the
// previous file byte for byte.
func TestFileStoreFailuresKeepTheFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	st := NewFileStore(dir)
	must(t, st.Set("https://a", Secret{APIKey: "ZENKEY_a"}))
	before, err := os.ReadFile(st.Path())
	must(t, err)

	// A newer format from a newer zenctl.
	newer := bytes.Replace(before, []byte(`"version": 1`), []byte(`"version": 2`), 1)
	must(t, os.WriteFile(st.Path(), newer, 0o600))
	if err := st.Set("https://b", Secret{APIKey: "x"}); err == nil || !strings.Contains(err.Error(), st.Path()) {
		t.Fatalf("newer format: %v", err)
	}
	if got, _ := os.ReadFile(st.Path()); !bytes.Equal(got, newer) {
		t.Error("newer-format file changed")
	}
	must(t, os.WriteFile(st.Path(), before, 0o600))

	// Garbage in place of the file.
	for _, junk := range [][]byte{[]byte("\x00\x01binary"), []byte("servers: yaml?"), []byte(`{"servers": {"https://a": "string"}}`)} {
		must(t, os.WriteFile(st.Path(), junk, 0o600))
		for name, op := range map[string]func() error{
			"get":    func() error { _, err := st.Get("https://a"); return err },
			"set":    func() error { return st.Set("https://b", Secret{APIKey: "x"}) },
			"delete": func() error { return st.Delete("https://a") },
		} {
			if err := op(); err == nil || !strings.Contains(err.Error(), st.Path()) {
				t.Errorf("%s on %q: %v", name, junk, err)
			}
		}
		if got, _ := os.ReadFile(st.Path()); !bytes.Equal(got, junk) {
			t.Errorf("corrupt file %q changed to %q", junk, got)
		}
	}
	if matches, _ := filepath.Glob(filepath.Join(dir, ".*.tmp-*")); len(matches) != 0 {
		t.Errorf("temp files left behind: %v", matches)
	}
}
