//go:build linux

package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

// The tests of this file are issue 21 item 1: once the server has issued
// a new key, the key reaches its destination or the person is told which
// key was lost, whether the old one still works, and what recovers.

// startWithStdout runs zenctl in the background with stdout on f (a pipe
// the test closes, /dev/full); stderr is captured.
func (c *cli) startWithStdout(f *os.File, args ...string) *running {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	c.t.Cleanup(cancel)
	r := &running{t: c.t, cmd: c.command(ctx, "", args...), done: make(chan struct{})}
	r.cmd.Stdout, r.cmd.Stderr = f, &r.stderr
	if err := r.cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	go func() { r.err = r.cmd.Wait(); close(r.done) }()
	return r
}

// notKilled fails when zenctl was ended by a signal rather than exiting.
func notKilled(t *testing.T, r *running) {
	t.Helper()
	if ps := r.cmd.ProcessState; ps != nil {
		if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			t.Fatalf("zenctl was killed by %v\nstderr: %s", ws.Signal(), r.stderr.String())
		}
	}
}

// mustSay checks text has every part.
func mustSay(t *testing.T, what, text string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(text, p) {
			t.Errorf("%s lacks %q:\n%s", what, p, text)
		}
	}
}

// keyFileIsWhole checks path holds exactly one working key, mode 0600, and
// that nothing else (a temporary file) was left beside it.
func keyFileIsWhole(t *testing.T, fake *zenmltest.Server, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the key file: %v", err)
	}
	key := strings.TrimSuffix(string(data), "\n")
	if !strings.HasPrefix(key, "ZENKEY_") || strings.Contains(key, "\n") || !keyLogsIn(t, fake, key) {
		t.Errorf("the key file holds %q, not one working key", data)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the key file's mode: %v %v", fi.Mode(), err)
	}
	noPartialFiles(t, filepath.Dir(path))
	return key
}

func noPartialFiles(t *testing.T, dir string) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".partial") {
			t.Errorf("a temporary key file was left behind: %s", e.Name())
		}
	}
}

// SIGHUP (an SSH connection dropping) while the server rotates the key:
// the request finishes and the key file is written whole.
func TestSIGHUPDuringRotateStillWritesTheKeyFile(t *testing.T) {
	t.Parallel()
	c, fake, old, answer := rotationInFlight(t, "default")
	keyPath := filepath.Join(t.TempDir(), "k")

	p := c.start(nil, "sa", "api-key", "bot", "rotate", "default", "--output-file", keyPath)
	awaitRequests(t, fake, rotateEndpoint, 1, p)
	if _, err := os.Lstat(keyPath); err == nil {
		t.Error("the key file exists before the server answered")
	}
	p.signal(syscall.SIGHUP)
	p.awaitStderr(tookTheSignal)
	answer()
	r := p.wait(5 * time.Second)

	expectCode(t, r, 2)
	keyFileIsWhole(t, fake, keyPath)
	if keyLogsIn(t, fake, old) {
		t.Error("the old key still logs in: the rotation was not in flight")
	}
	mustSay(t, "stderr", r.stderr, "Wrote the new key to "+keyPath)
}

// A second SIGHUP abandons the request: nothing half-written is left, and
// stderr says what may have happened and what recovers.
func TestSecondSIGHUPLeavesNoEmptyKeyFile(t *testing.T) {
	t.Parallel()
	c, fake, _, _ := rotationInFlight(t, "default")
	dir := t.TempDir()
	keyPath := filepath.Join(dir, "k")

	p := c.start(nil, "sa", "api-key", "bot", "rotate", "default", "--output-file", keyPath)
	awaitRequests(t, fake, rotateEndpoint, 1, p)
	p.signal(syscall.SIGHUP)
	p.awaitStderr(tookTheSignal)
	p.signal(syscall.SIGHUP)
	r := p.wait(5 * time.Second)

	expectCode(t, r, 2)
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("files left behind: %v", entries)
	}
	mustSay(t, "stderr", r.stderr, "the server may have rotated API key default of service account bot",
		"zenctl service-account api-key bot rotate default")
}

// The reader of stdout goes away while the server rotates: zenctl is not
// killed by SIGPIPE; it says which key was rotated, that the old secret
// no longer works, and the command that recovers.
func TestClosedPipeDuringRotateSaysWhatWasLost(t *testing.T) {
	t.Parallel()
	c, fake, _, answer := rotationInFlight(t, "default")
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	p := c.startWithStdout(pw, "sa", "api-key", "bot", "rotate", "default")
	pw.Close()
	awaitRequests(t, fake, rotateEndpoint, 1, p)
	pr.Close()
	answer()
	r := p.wait(5 * time.Second)

	notKilled(t, p)
	expectCode(t, r, 1)
	mustSay(t, "stderr", r.stderr,
		"API key default of service account bot was rotated on the server, but the new secret could not be written to stdout",
		"broken pipe", "The previous secret stopped working at the rotation",
		"To recover, run as an account that still works, with room for the output: zenctl service-account api-key bot rotate default")
}

// --retain: the message says until when the previous secret still works.
// --all stops at the first key it cannot deliver.
func TestFullStdoutDuringRotateAllSaysWhatWasLost(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	c, _ := loggedIn(t, fake)
	sa := fake.CreateServiceAccount("bot")
	k1 := fake.CreateAPIKey(sa, "k1")
	k2 := fake.CreateAPIKey(sa, "k2")
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skipf("no /dev/full: %v", err)
	}
	defer full.Close()
	r := c.startWithStdout(full, "sa", "api-key", "bot", "rotate", "--all", "--retain", "30m").wait(30 * time.Second)

	expectCode(t, r, 1)
	mustSay(t, "stderr", r.stderr,
		"API key k1 of service account bot was rotated on the server, but the new secret could not be written to stdout",
		"no space left on device", "The previous secret still works until ", "Not rotated (their secrets are unchanged): k2",
		"zenctl service-account api-key bot rotate k1")
	if !keyLogsIn(t, fake, k1) || !keyLogsIn(t, fake, k2) {
		t.Error("the retained k1 or the untouched k2 no longer logs in")
	}
	if n := fake.Count(rotateEndpoint); n != 1 {
		t.Errorf("%d rotations after the output failed, want 1", n)
	}
}

// A key file that cannot be written (a full disk: here a file size limit
// of zero) leaves no file, and the message says the key was created.
func TestUnwritableKeyFileAfterCreateSaysWhatWasLost(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	c, _ := loggedIn(t, fake)
	fake.CreateServiceAccount("bot")
	dir := t.TempDir()
	keyPath := filepath.Join(dir, "k")
	r := c.shell(`ulimit -f 0 && exec "$ZENCTL" sa api-key bot create deploy --output-file ` + keyPath)

	if r.code != 1 {
		t.Fatalf("exit %d, want 1\nstderr: %s", r.code, r.stderr)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("files left behind: %v", entries)
	}
	mustSay(t, "stderr", r.stderr,
		"API key deploy of service account bot was created on the server, but the new secret could not be written to "+keyPath,
		"secret nobody has", "zenctl service-account api-key bot rotate deploy --output-file '"+keyPath+"'",
		"zenctl service-account api-key bot delete deploy")
}

// `service-account create` with stdout on a full disk: the account and its
// key exist, and the message says how to get a secret for it.
func TestFullStdoutAfterServiceAccountCreate(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	c, _ := loggedIn(t, fake)
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skipf("no /dev/full: %v", err)
	}
	defer full.Close()
	r := c.startWithStdout(full, "sa", "create", "newbot").wait(30 * time.Second)
	expectCode(t, r, 1)
	mustSay(t, "stderr", r.stderr, "API key default of service account newbot was created on the server",
		"zenctl service-account api-key newbot rotate default")
}

// On a terminal: SIGHUP during rotate prints the key on the terminal; a
// closed stdout pipe and a full disk are explained on the terminal.
func TestDeliveryOnATerminal(t *testing.T) {
	t.Parallel()
	c, fake, _, answer := rotationInFlight(t, "default")
	term := c.startOnTerminal(200, ptyStreams{stdout: true, stderr: true}, "sa", "api-key", "bot", "rotate", "default")
	deadline := time.Now().Add(30 * time.Second)
	for fake.Count(rotateEndpoint) < 1 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if err := term.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	term.waitFor(tookTheSignal)
	answer()
	if code := term.wait(); code != 2 {
		t.Fatalf("exit %d\n%q", code, term.output())
	}
	mustSay(t, "the terminal", term.output(), "ZENKEY_", "Rotated API key")

	answer = inFlight(t, fake, rotateEndpoint)
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	before := fake.Count(rotateEndpoint)
	term = c.startOnTerminal(400, ptyStreams{stderr: true, stdoutFile: pw}, "sa", "api-key", "bot", "rotate", "default")
	pw.Close()
	for fake.Count(rotateEndpoint) <= before && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	pr.Close()
	answer()
	if code := term.wait(); code != 1 {
		t.Fatalf("exit %d\n%q", code, term.output())
	}
	mustSay(t, "the terminal", term.output(), "API key default of service account bot was rotated on the server", "broken pipe",
		"zenctl service-account api-key bot rotate default")

	// A full disk behind stdout, said on the terminal.
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skipf("no /dev/full: %v", err)
	}
	defer full.Close()
	term = c.startOnTerminal(400, ptyStreams{stderr: true, stdoutFile: full}, "sa", "api-key", "bot", "create", "deploy")
	if code := term.wait(); code != 1 {
		t.Fatalf("exit %d\n%q", code, term.output())
	}
	mustSay(t, "the terminal", term.output(), "API key deploy of service account bot was created on the server", "no space left on device",
		"zenctl service-account api-key bot rotate deploy")
}

// rotate --all into a file that cannot be written: the file is all or
// nothing, so every rotated key is reported lost, each with its command;
// no file is left.
func TestUnwritableKeyFileAfterRotateAll(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	c, _ := loggedIn(t, fake)
	sa := fake.CreateServiceAccount("bot")
	fake.CreateAPIKey(sa, "k1")
	fake.CreateAPIKey(sa, "k2")
	dir := t.TempDir()
	keyPath := filepath.Join(dir, "keys.tsv")
	r := c.shell(`ulimit -f 0 && exec "$ZENCTL" sa api-key bot rotate --all --output-file ` + keyPath)

	if r.code != 1 {
		t.Fatalf("exit %d, want 1\nstderr: %s", r.code, r.stderr)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("files left behind: %v", entries)
	}
	mustSay(t, "stderr", r.stderr, "API key k1 of service account bot was rotated on the server",
		"Not rotated (their secrets are unchanged): k2", "The previous secret stopped working at the rotation",
		"zenctl service-account api-key bot rotate k1 --output-file '"+keyPath+"'")
}

// SIGHUP while the server creates a key (`sa create`, `api-key create`):
// the key still reaches stdout, and zenctl exits 2.
func TestSIGHUPDuringCreateStillShowsTheKey(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	c, _ := loggedIn(t, fake)
	fake.CreateServiceAccount("bot")
	for _, args := range [][]string{{"sa", "create", "newbot"}, {"sa", "api-key", "bot", "create", "deploy"}} {
		answer := inFlight(t, fake, createKeyEndpoint)
		before := fake.Count(createKeyEndpoint)
		p := c.start(nil, args...)
		awaitRequests(t, fake, createKeyEndpoint, before+1, p)
		p.signal(syscall.SIGHUP)
		p.awaitStderr(tookTheSignal)
		answer()
		r := p.wait(5 * time.Second)
		expectCode(t, r, 2)
		if key := strings.TrimSpace(r.stdout); !strings.HasPrefix(key, "ZENKEY_") || !keyLogsIn(t, fake, key) {
			t.Errorf("%v: the new key was not printed: stdout %q\nstderr: %s", args, r.stdout, r.stderr)
		}
	}
}
