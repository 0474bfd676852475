package credentials

import (
	"bytes"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zalando/go-keyring"
)

// fakeKeyring wraps a MemoryKeyring with failure modes and a call count.
type fakeKeyring struct {
	mem   *MemoryKeyring
	err   error         // returned by every call when set
	block chan struct{} // every call waits on it when set
	calls atomic.Int32
}

func newFake() *fakeKeyring { return &fakeKeyring{mem: NewMemoryKeyring()} }

func (f *fakeKeyring) wait() error {
	f.calls.Add(1)
	if f.block != nil {
		<-f.block
	}
	return f.err
}

func (f *fakeKeyring) Get(s, u string) (string, error) {
	if err := f.wait(); err != nil {
		return "", err
	}
	return f.mem.Get(s, u)
}

func (f *fakeKeyring) Set(s, u, p string) error {
	if err := f.wait(); err != nil {
		return err
	}
	return f.mem.Set(s, u, p)
}

func (f *fakeKeyring) Delete(s, u string) error {
	if err := f.wait(); err != nil {
		return err
	}
	return f.mem.Delete(s, u)
}

func blockingFake(t *testing.T) *fakeKeyring {
	f := newFake()
	f.block = make(chan struct{})
	t.Cleanup(func() { close(f.block) }) // let the abandoned goroutines finish
	return f
}

func TestKeyringRoundTrip(t *testing.T) {
	t.Parallel()
	fake := newFake()
	st := NewKeyringStore(fake, 0)
	const server = "http://127.0.0.1:8237/prefix.with.dots"
	if _, err := st.Get(server); !errors.Is(err, ErrNotFound) {
		t.Fatalf("absent: got %v, want ErrNotFound", err)
	}
	must(t, st.Delete(server)) // absent is fine
	want := sampleSecret()
	must(t, st.Set(server, want))
	raw, err := fake.mem.Get(KeyringService, server)
	if err != nil || !strings.HasPrefix(raw, "{") {
		t.Fatalf("stored value should be JSON under service %q user = URL: %q, %v", KeyringService, raw, err)
	}
	got, err := st.Get(server)
	must(t, err)
	if !got.ExpiresAt.Equal(want.ExpiresAt) || got.AccessToken != want.AccessToken || got != want {
		t.Fatalf("round trip: %+v", got)
	}
	must(t, st.Delete(server))
	if _, err := st.Get(server); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
	if st.Kind() != "keyring" || !strings.Contains(st.Location(), "service zenctl") {
		t.Fatalf("Kind/Location: %q %q", st.Kind(), st.Location())
	}
}

func TestKeyringTimeout(t *testing.T) {
	t.Parallel()
	st := NewKeyringStore(blockingFake(t), 50*time.Millisecond)
	for name, op := range map[string]func() error{
		"get":    func() error { _, err := st.Get("https://a"); return err },
		"set":    func() error { return st.Set("https://a", Secret{APIKey: "k"}) },
		"delete": func() error { return st.Delete("https://a") },
	} {
		start := time.Now()
		err := op()
		if el := time.Since(start); el > 2*time.Second {
			t.Fatalf("%s: took %v, timeout not enforced", name, el)
		}
		if !errors.Is(err, ErrKeyringTimeout) || errors.Is(err, ErrKeyringUnavailable) {
			t.Fatalf("%s: want ErrKeyringTimeout only, got %v", name, err)
		}
		if !strings.Contains(err.Error(), "did not answer within 50ms") || !strings.Contains(err.Error(), "unlock") {
			t.Fatalf("%s: message should say what happened and what to do: %q", name, err)
		}
	}
}

func TestKeyringErrorsAreUnavailable(t *testing.T) {
	t.Parallel()
	fake := newFake()
	fake.err = errors.New("org.freedesktop.DBus.Error.ServiceUnknown: The name org.freedesktop.secrets was not provided\nby any .service files")
	st := NewKeyringStore(fake, 0)
	_, err := st.Get("https://a")
	if !errors.Is(err, ErrKeyringUnavailable) || errors.Is(err, ErrNotFound) {
		t.Fatalf("got %v", err)
	}
	if strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "--storage file") {
		t.Fatalf("want one line with a next step: %q", err)
	}
	if !errors.Is(err, fake.err) {
		t.Fatal("cause must stay inspectable")
	}
}

func TestKeyringSizeCap(t *testing.T) {
	t.Parallel()
	fake := newFake()
	st := NewKeyringStore(fake, 0)
	atCap := secretOfSize(t, MaxSecretSize)
	must(t, st.Set("https://a", atCap))
	got, err := st.Get("https://a")
	if err != nil || got.AccessToken != atCap.AccessToken {
		t.Fatalf("value at cap: %v", err)
	}
	over := secretOfSize(t, MaxSecretSize+1)
	err = st.Set("https://b", over)
	if err == nil || !strings.Contains(err.Error(), "2560") || !strings.Contains(err.Error(), "--storage file") {
		t.Fatalf("over cap: %v", err)
	}
	if _, err := fake.mem.Get(KeyringService, "https://b"); !errors.Is(err, keyring.ErrNotFound) {
		t.Fatal("an oversized value reached the keyring")
	}
}

// secretOfSize returns a Secret whose JSON encoding is exactly n bytes.
func secretOfSize(t *testing.T, n int) Secret {
	t.Helper()
	s := Secret{APIKey: "ZENKEY_x"}
	base := len(mustJSON(t, toStored(s)))
	s.AccessToken = "x"
	s.AccessToken = strings.Repeat("x", n-len(mustJSON(t, toStored(s)))+1)
	if got := len(mustJSON(t, toStored(s))); got != n || base >= n {
		t.Fatalf("built %d bytes, want %d", got, n)
	}
	return s
}

func TestMemoryKeyringMatchesGoKeyring(t *testing.T) {
	t.Parallel()
	m := NewMemoryKeyring()
	if err := m.Delete("s", "u"); !errors.Is(err, keyring.ErrNotFound) {
		t.Fatal(err)
	}
}

func TestOpenFileModeNeverCallsKeyring(t *testing.T) {
	t.Parallel()
	fake := newFake()
	for _, explicit := range []bool{false, true} {
		st, err := Open(Options{Mode: ModeFile, Explicit: explicit, Dir: t.TempDir(), Keyring: fake})
		must(t, err)
		must(t, st.Set("https://a", Secret{APIKey: "k"}))
		if _, err := st.Get("https://a"); err != nil {
			t.Fatal(err)
		}
		must(t, st.Delete("https://a"))
		if st.Kind() != "file" {
			t.Fatalf("kind %q", st.Kind())
		}
	}
	if n := fake.calls.Load(); n != 0 {
		t.Fatalf("file backend called the keyring %d times", n)
	}
}

func TestOpenKeyringAvailable(t *testing.T) {
	t.Parallel()
	for _, explicit := range []bool{false, true} {
		var warn bytes.Buffer
		recorded := 0
		st, err := Open(Options{Explicit: explicit, Dir: t.TempDir(), Keyring: newFake(), Warn: &warn,
			RecordFallback: func(Mode) error { recorded++; return nil }})
		must(t, err)
		if st.Kind() != "keyring" || warn.Len() != 0 || recorded != 0 {
			t.Fatalf("explicit=%v: kind %q warn %q recorded %d", explicit, st.Kind(), warn.String(), recorded)
		}
	}
}

func TestOpenExplicitKeyringUnavailableFails(t *testing.T) {
	t.Parallel()
	fake := newFake()
	fake.err = errors.New("dbus: connection refused")
	var warn bytes.Buffer
	recorded := 0
	_, err := Open(Options{Mode: ModeKeyring, Explicit: true, Dir: t.TempDir(), Keyring: fake, Warn: &warn,
		RecordFallback: func(Mode) error { recorded++; return nil }})
	if !errors.Is(err, ErrKeyringUnavailable) || !strings.Contains(err.Error(), "not available") {
		t.Fatalf("want unavailable error, got %v", err)
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") || !strings.Contains(msg, "--storage file") || !strings.Contains(msg, "ZENCTL_STORAGE=file") {
		t.Fatalf("want one line naming both ways out: %q", msg)
	}
	if recorded != 0 || warn.Len() != 0 {
		t.Fatal("explicit keyring must not fall back")
	}
}

func TestOpenDefaultKeyringUnavailableFallsBackOnce(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fake := newFake()
	fake.err = errors.New("dbus: connection refused")
	var warn bytes.Buffer
	var recorded []Mode
	var mu sync.Mutex
	st, err := Open(Options{Dir: dir, Keyring: fake, Warn: &warn, RecordFallback: func(m Mode) error {
		mu.Lock()
		defer mu.Unlock()
		recorded = append(recorded, m)
		return nil
	}})
	must(t, err)
	if st.Kind() != "file" {
		t.Fatalf("kind %q, want file", st.Kind())
	}
	w := warn.String()
	path := NewFileStore(dir).Path()
	if !strings.Contains(w, path) || !strings.Contains(w, "0600") || !strings.Contains(w, "plain file") {
		t.Fatalf("warning must name the plain file and its mode: %q", w)
	}
	if len(recorded) != 1 || recorded[0] != ModeFile {
		t.Fatalf("RecordFallback calls: %v", recorded)
	}
	callsAfterOpen := fake.calls.Load()
	must(t, st.Set("https://a", Secret{APIKey: "k"}))
	if fake.calls.Load() != callsAfterOpen {
		t.Fatal("fallback store called the keyring")
	}
}

func TestOpenRecordFallbackFailureIsAWarning(t *testing.T) {
	t.Parallel()
	fake := newFake()
	fake.err = errors.New("no keyring")
	var warn bytes.Buffer
	st, err := Open(Options{Dir: t.TempDir(), Keyring: fake, Warn: &warn,
		RecordFallback: func(Mode) error { return errors.New("disk full") }})
	must(t, err)
	if st.Kind() != "file" || !strings.Contains(warn.String(), "disk full") {
		t.Fatalf("kind %q warn %q", st.Kind(), warn.String())
	}
}

func TestOpenTimeoutDoesNotFallBack(t *testing.T) {
	t.Parallel()
	for _, explicit := range []bool{false, true} {
		var warn bytes.Buffer
		recorded := 0
		start := time.Now()
		_, err := Open(Options{Explicit: explicit, Dir: t.TempDir(), Keyring: blockingFake(t), Timeout: 50 * time.Millisecond,
			Warn: &warn, RecordFallback: func(Mode) error { recorded++; return nil }})
		if time.Since(start) > 2*time.Second {
			t.Fatal("probe not bounded")
		}
		if !errors.Is(err, ErrKeyringTimeout) {
			t.Fatalf("explicit=%v: want ErrKeyringTimeout, got %v", explicit, err)
		}
		if !strings.Contains(err.Error(), "did not answer within 50ms") || !strings.Contains(err.Error(), "--storage file") {
			t.Fatalf("message: %q", err)
		}
		if recorded != 0 || warn.Len() != 0 {
			t.Fatal("a timeout must not fall back")
		}
	}
}

func TestOpenInvalidMode(t *testing.T) {
	t.Parallel()
	if _, err := Open(Options{Mode: "vault", Dir: t.TempDir()}); err == nil || !strings.Contains(err.Error(), "keyring or file") {
		t.Fatalf("got %v", err)
	}
}

func TestOpenExisting(t *testing.T) {
	t.Parallel()
	fake := newFake()
	fake.err = errors.New("broken keyring")
	dir := t.TempDir()

	st, err := OpenExisting("file", Options{Mode: ModeKeyring, Dir: dir, Keyring: fake})
	must(t, err)
	if st.Kind() != "file" {
		t.Fatalf("kind %q", st.Kind())
	}
	st, err = OpenExisting("keyring", Options{Mode: ModeFile, Dir: dir, Keyring: fake})
	must(t, err)
	if st.Kind() != "keyring" || fake.calls.Load() != 0 {
		t.Fatalf("OpenExisting must not probe: kind %q calls %d", st.Kind(), fake.calls.Load())
	}
	// A broken keyring is an error on read, never a silent switch to file.
	if _, err := st.Get("https://a"); !errors.Is(err, ErrKeyringUnavailable) {
		t.Fatalf("got %v", err)
	}
	st, err = OpenExisting("", Options{Mode: ModeFile, Dir: dir})
	must(t, err)
	if st.Kind() != "file" {
		t.Fatalf("empty kind should use opts.Mode, got %q", st.Kind())
	}
	if _, err := OpenExisting("vault", Options{Dir: dir}); err == nil {
		t.Fatal("invalid recorded store accepted")
	}
}

func TestParseMode(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]Mode{"": "", "keyring": ModeKeyring, " FILE ": ModeFile} {
		if got, err := ParseMode(in); err != nil || got != want {
			t.Fatalf("ParseMode(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseMode("plaintext"); err == nil {
		t.Fatal("accepted plaintext")
	}
}

func TestOpenLockedKeyringDoesNotFallBack(t *testing.T) {
	t.Parallel()
	fake := newFake()
	// go-keyring's error when the unlock prompt is dismissed or cannot be shown.
	fake.err = errors.New("failed to unlock correct collection '/org/freedesktop/secrets/aliases/default'")
	recorded := 0
	_, err := Open(Options{Dir: t.TempDir(), Keyring: fake, RecordFallback: func(Mode) error { recorded++; return nil }})
	if !errors.Is(err, ErrKeyringLocked) || errors.Is(err, ErrKeyringUnavailable) || recorded != 0 {
		t.Fatalf("want ErrKeyringLocked without fallback, got %v (recorded %d)", err, recorded)
	}
	if !strings.Contains(err.Error(), "unlock it") || !strings.Contains(err.Error(), "--storage file") {
		t.Fatalf("message: %q", err)
	}
	if _, err := NewKeyringStore(fake, 0).Get("https://a"); !errors.Is(err, ErrKeyringLocked) {
		t.Fatalf("Get: %v", err)
	}
}
