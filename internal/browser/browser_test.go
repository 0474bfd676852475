package browser

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

type fake struct {
	env   map[string]string
	goos  string
	wsl   bool
	calls []string
	err   error
	block chan struct{}
}

func (f *fake) system() *system {
	return &system{
		getenv:  func(k string) string { return f.env[k] },
		goos:    f.goos,
		isWSL:   func() bool { return f.wsl },
		timeout: time.Second,
		launch: func(url string, _ *os.File) error {
			f.calls = append(f.calls, url)
			if f.block != nil {
				<-f.block
			}
			return f.err
		},
	}
}

func TestDisplayDetection(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		goos  string
		env   map[string]string
		wsl   bool
		tries bool
	}{
		{"linux headless", "linux", nil, false, false},
		{"freebsd headless", "freebsd", nil, false, false},
		{"linux X11", "linux", map[string]string{"DISPLAY": ":0"}, false, true},
		{"linux Wayland", "linux", map[string]string{"WAYLAND_DISPLAY": "wayland-0"}, false, true},
		{"WSL", "linux", nil, true, true},
		{"WSL check is Linux only", "freebsd", nil, true, false},
		{"macOS", "darwin", nil, false, true},
		{"Windows", "windows", nil, false, true},
	} {
		f := &fake{env: tc.env, goos: tc.goos, wsl: tc.wsl}
		err := f.system().Open("https://zenml.example/device?code=ABCD")
		if tc.tries {
			if err != nil || len(f.calls) != 1 || f.calls[0] != "https://zenml.example/device?code=ABCD" {
				t.Errorf("%s: err %v, launched %q; want one launch", tc.name, err, f.calls)
			}
		} else if !errors.Is(err, ErrNoDisplay) || len(f.calls) != 0 {
			t.Errorf("%s: err %v, launched %q; want ErrNoDisplay and no launch", tc.name, err, f.calls)
		}
	}
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	f := &fake{goos: "darwin", err: errors.New("exit status 1")}
	if err := f.system().Open("https://x"); err == nil || !strings.Contains(err.Error(), "open browser: exit status 1") {
		t.Errorf("launch failure: err = %v", err)
	}
	if err := f.system().Open(""); err == nil || len(f.calls) != 1 {
		t.Errorf("empty URL: err = %v, calls %q", err, f.calls)
	}
}

func TestOpenDoesNotBlock(t *testing.T) {
	t.Parallel()
	f := &fake{goos: "darwin", block: make(chan struct{})}
	defer close(f.block)
	s := f.system()
	s.timeout = 50 * time.Millisecond
	start := time.Now()
	if err := s.Open("https://x"); err != nil {
		t.Errorf("a launcher still running is not a failure: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Open blocked for %v", d)
	}
}

// script writes an executable shell script and returns its path.
func script(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestBROWSEREnv(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("uses shell scripts")
	}
	t.Parallel()
	dir := t.TempDir()
	argsFile := filepath.Join(dir, "args")
	launcher := script(t, dir, "my browser", `echo "launcher says hi"; echo "$@" > "`+argsFile+`"`+"\n")
	stderr, err := os.Create(filepath.Join(dir, "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	defer stderr.Close()

	s := New(stderr).(*system)
	s.getenv = func(k string) string { return map[string]string{"BROWSER": "/nonexistent/browser:" + launcher}[k] }
	s.goos = "linux" // no DISPLAY: BROWSER is trusted anyway
	if err := s.Open("https://x/?a=1&b=2"); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(argsFile)
	if string(got) != "https://x/?a=1&b=2\n" {
		t.Errorf("launcher args = %q", got)
	}
	out, _ := os.ReadFile(stderr.Name())
	if string(out) != "launcher says hi\n" {
		t.Errorf("launcher output should go to the stderr file, got %q", out)
	}

	// "%s" is replaced rather than appended.
	echo := script(t, dir, "echo-args", `echo "$@" > "`+argsFile+`"`+"\n")
	s.getenv = func(k string) string { return map[string]string{"BROWSER": echo + " --new-tab %s --flag"}[k] }
	if err := s.Open("https://y"); err != nil {
		t.Fatal(err)
	}
	got, _ = os.ReadFile(argsFile)
	if string(got) != "--new-tab https://y --flag\n" {
		t.Errorf("launcher args = %q", got)
	}

	s.getenv = func(k string) string { return map[string]string{"BROWSER": "/nonexistent/a:/nonexistent/b"}[k] }
	if err := s.Open("https://z"); err == nil {
		t.Error("BROWSER with no runnable command should fail")
	}
}

// TestPkgBrowserQuiet runs the real pkg/browser path against a fake xdg-open
// that chatters on stdout, with a non-file stderr writer: the chatter must be
// discarded, and Open must return although the fake keeps its output open
// the way a browser started by xdg-open does.
func TestPkgBrowserQuiet(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("fake xdg-open is Linux-specific")
	}
	dir := t.TempDir()
	argsFile := filepath.Join(dir, "args")
	script(t, dir, "xdg-open", `echo "xdg-open noise"; echo "$1" > "`+argsFile+`"; (sleep 5 &) ; exit 0`+"\n")
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))

	var buf strings.Builder
	s := New(&buf).(*system)
	s.getenv = func(k string) string { return map[string]string{"DISPLAY": ":0"}[k] }
	start := time.Now()
	if err := s.Open("https://zenml.example/login"); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Open took %v: waited for the launcher's children", d)
	}
	if got, _ := os.ReadFile(argsFile); string(got) != "https://zenml.example/login\n" {
		t.Errorf("xdg-open args = %q", got)
	}
	if buf.Len() != 0 {
		t.Errorf("non-file writer should receive nothing, got %q", buf.String())
	}
}

func TestStub(t *testing.T) {
	t.Parallel()
	var b Browser = &Stub{}
	_ = b.Open("https://a")
	_ = b.Open("https://b")
	if got := b.(*Stub).URLs(); len(got) != 2 || got[0] != "https://a" || got[1] != "https://b" {
		t.Errorf("URLs = %q", got)
	}
	s := &Stub{Err: ErrNoDisplay}
	if err := s.Open("https://c"); !errors.Is(err, ErrNoDisplay) || len(s.URLs()) != 1 {
		t.Errorf("stub error: %v, %q", err, s.URLs())
	}
}
