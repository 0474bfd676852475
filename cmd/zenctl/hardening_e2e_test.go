//go:build unix

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

// The hardening tests (issue 12): signals, hostile files. They run the
// real binary, since what they test is what a process does.

const (
	rotateEndpoint    = "PUT /api/v1/service_accounts/{id}/api_keys/{key}/rotate"
	createKeyEndpoint = "POST /api/v1/service_accounts/{id}/api_keys"
	// tookTheSignal is what zenctl says when a signal comes while a
	// request that returns a secret is in flight.
	tookTheSignal = "Finishing the request in flight"
)

// rotationInFlight is a zenctl logged in to a fresh fake that has a
// service account "bot" with one key, keyName, whose next rotation the
// fake holds until answer is called (see inFlight).
func rotationInFlight(t *testing.T, keyName string) (c *cli, fake *zenmltest.Server, oldKey string, answer func()) {
	t.Helper()
	fake = zenmltest.NewTest(t, zenmltest.Options{})
	c, _ = loggedIn(t, fake)
	oldKey = fake.CreateAPIKey(fake.CreateServiceAccount("bot"), keyName)
	return c, fake, oldKey, inFlight(t, fake, rotateEndpoint)
}

// inFlight holds the next request of endpoint at the fake until the
// returned func is called, as a real server holds it while it hashes a
// new key: the test interrupts zenctl meanwhile and then lets the answer
// come, whatever the time it took.
func inFlight(t *testing.T, fake *zenmltest.Server, endpoint string) (answer func()) {
	t.Helper()
	release := make(chan struct{})
	var once sync.Once
	answer = func() { once.Do(func() { close(release) }) }
	t.Cleanup(answer)
	fake.InjectFault(endpoint, zenmltest.Fault{Hold: release, Times: 1})
	return answer
}

// running is a zenctl process started in the background.
type running struct {
	t              *testing.T
	cmd            *exec.Cmd
	stdout, stderr syncBuffer
	done           chan struct{}
	err            error
}

// syncBuffer is a bytes.Buffer that a test reads while the process writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// awaitStderr waits until the process has written want to stderr.
func (r *running) awaitStderr(want string) {
	r.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(r.stderr.String(), want) {
		select {
		case <-r.done:
			r.t.Fatalf("zenctl ended without saying %q:\n%s", want, r.stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("zenctl never said %q:\n%s", want, r.stderr.String())
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// start runs zenctl without waiting; stdin nil means an empty stdin.
func (c *cli) start(stdin io.Reader, args ...string) *running {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	c.t.Cleanup(cancel)
	// The process gets signals while its goroutines work: a race detector's job.
	underRaceDetector := c.underRaceDetector
	c.underRaceDetector = true
	cmd := c.command(ctx, "", args...)
	c.underRaceDetector = underRaceDetector
	r := &running{t: c.t, cmd: cmd, done: make(chan struct{})}
	if stdin != nil {
		r.cmd.Stdin = stdin
	}
	r.cmd.Stdout, r.cmd.Stderr = &r.stdout, &r.stderr
	if err := r.cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	go func() { r.err = r.cmd.Wait(); close(r.done) }()
	return r
}

func (r *running) signal(sig syscall.Signal) {
	r.t.Helper()
	if err := r.cmd.Process.Signal(sig); err != nil {
		r.t.Fatalf("signal: %v", err)
	}
}

// wait waits at most within for the process to end and returns its result.
func (r *running) wait(within time.Duration) result {
	r.t.Helper()
	select {
	case <-r.done:
	case <-time.After(within):
		r.t.Fatalf("still running %s after the signal\nstderr: %s", within, r.stderr.String())
	}
	code := 0
	var exitErr *exec.ExitError
	if errors.As(r.err, &exitErr) {
		code = exitErr.ExitCode()
	} else if r.err != nil {
		r.t.Fatal(r.err)
	}
	return result{stdout: r.stdout.String(), stderr: r.stderr.String(), code: code}
}

// awaitRequests waits until the fake has received n requests of endpoint:
// the request a test interrupts is then in flight.
func awaitRequests(t *testing.T, fake *zenmltest.Server, endpoint string, n int, r *running) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for fake.Count(endpoint) < n {
		select {
		case <-r.done:
			t.Fatalf("zenctl ended before %s was sent:\n%s", endpoint, r.stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never sent", endpoint)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestSignalDuringRotateFinishesIt: SIGTERM while the server rotates a key
// does not throw away the new secret it is about to return: zenctl waits
// for the answer, prints the key, and exits 2.
func TestSignalDuringRotateFinishesIt(t *testing.T) {
	t.Parallel()
	c, fake, old, answer := rotationInFlight(t, "k1")

	p := c.start(nil, "service-account", "api-key", "bot", "rotate", "k1")
	awaitRequests(t, fake, rotateEndpoint, 1, p)
	p.signal(syscall.SIGTERM)
	p.awaitStderr(tookTheSignal)
	answer()
	r := p.wait(5 * time.Second)

	expectCode(t, r, 2)
	key := strings.TrimSpace(r.stdout)
	if !strings.HasPrefix(key, "ZENKEY_") || !keyLogsIn(t, fake, key) {
		t.Fatalf("the new key was not printed, or does not log in: stdout %q\nstderr: %s", r.stdout, r.stderr)
	}
	if keyLogsIn(t, fake, old) {
		t.Error("the old key still logs in: was the rotation really in flight?")
	}
	if !strings.Contains(r.stderr, tookTheSignal) {
		t.Errorf("stderr does not say why zenctl kept going:\n%s", r.stderr)
	}
}

// TestSignalDuringRotateAllReportsEveryFinishedRotation: interrupted while
// the second of three keys rotates, --all -o json lists both rotated keys
// and leaves the third alone.
func TestSignalDuringRotateAllReportsEveryFinishedRotation(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	c, _ := loggedIn(t, fake)
	bot := fake.CreateServiceAccount("bot")
	olds := []string{fake.CreateAPIKey(bot, "k1"), fake.CreateAPIKey(bot, "k2"), fake.CreateAPIKey(bot, "k3")}
	fake.InjectFault(rotateEndpoint, zenmltest.Fault{Delay: time.Millisecond, Times: 1})
	answer := inFlight(t, fake, rotateEndpoint)

	p := c.start(nil, "service-account", "api-key", "bot", "rotate", "--all", "-o", "json")
	awaitRequests(t, fake, rotateEndpoint, 2, p)
	p.signal(syscall.SIGINT)
	p.awaitStderr(tookTheSignal)
	answer()
	r := p.wait(5 * time.Second)

	expectCode(t, r, 2)
	var res []struct{ Name, Key string }
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || len(res) != 2 {
		t.Fatalf("want both finished rotations in the JSON: %v\nstdout: %s\nstderr: %s", err, r.stdout, r.stderr)
	}
	for _, k := range res {
		if !keyLogsIn(t, fake, k.Key) {
			t.Errorf("the new key of %s does not log in", k.Name)
		}
	}
	if !keyLogsIn(t, fake, olds[2]) || fake.Count(rotateEndpoint) != 2 {
		t.Error("the third key was rotated after the signal")
	}
	if !strings.Contains(r.stderr, "rotated 2 of 3 API keys of bot; not rotated: k3") {
		t.Errorf("stderr does not report what was not rotated:\n%s", r.stderr)
	}
}

// TestSignalDuringRotateSetKeyStoresTheKey: with --set-key the key this
// client logs in with is replaced on the server; after a signal the new
// one must still be stored, or the client is locked out.
func TestSignalDuringRotateSetKeyStoresTheKey(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	c, old := loggedIn(t, fake)
	answer := inFlight(t, fake, rotateEndpoint)

	p := c.start(nil, "service-account", "api-key", "ci", "rotate", "default", "--set-key")
	awaitRequests(t, fake, rotateEndpoint, 1, p)
	p.signal(syscall.SIGTERM)
	p.awaitStderr(tookTheSignal)
	answer()
	r := p.wait(5 * time.Second)

	expectCode(t, r, 2)
	key := strings.TrimSpace(r.stdout)
	if keyLogsIn(t, fake, old) || !keyLogsIn(t, fake, key) {
		t.Fatalf("rotation not finished: stdout %q\nstderr: %s", r.stdout, r.stderr)
	}
	if stored := c.storedFiles(); !strings.Contains(stored["credentials.json"], key) {
		t.Errorf("the new key was not stored:\n%s", r.stderr)
	}
}

// TestSecondSignalSaysHowToRecover: a second signal abandons the request
// at once, and zenctl says what the server may have done and the command
// that repairs it.
func TestSecondSignalSaysHowToRecover(t *testing.T) {
	t.Parallel()
	c, fake, _, _ := rotationInFlight(t, "k1") // never answered while zenctl waits

	p := c.start(nil, "service-account", "api-key", "bot", "rotate", "k1")
	awaitRequests(t, fake, rotateEndpoint, 1, p)
	p.signal(syscall.SIGINT)
	p.awaitStderr(tookTheSignal)
	p.signal(syscall.SIGINT)
	r := p.wait(time.Second)

	expectCode(t, r, 2)
	for _, want := range []string{
		"the server may have rotated API key k1 of service account bot, whose new secret was never shown",
		"To recover, run as an account that still works: zenctl service-account api-key bot rotate k1",
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
}

// TestSignalDuringCreateShowsTheKey: `service-account create` interrupted
// while the server creates the key still prints the key.
func TestSignalDuringCreateShowsTheKey(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	c, _ := loggedIn(t, fake)
	answer := inFlight(t, fake, createKeyEndpoint)

	p := c.start(nil, "service-account", "create", "newbot")
	awaitRequests(t, fake, createKeyEndpoint, 1, p)
	p.signal(syscall.SIGTERM)
	p.awaitStderr(tookTheSignal)
	answer()
	r := p.wait(5 * time.Second)

	expectCode(t, r, 2)
	if key := strings.TrimSpace(r.stdout); !strings.HasPrefix(key, "ZENKEY_") || !keyLogsIn(t, fake, key) {
		t.Fatalf("the new key was not printed: stdout %q\nstderr: %s", r.stdout, r.stderr)
	}
}

// TestSignalEndsABlockedRead: a read of stdin that never ends (`sleep 30 |
// zenctl login URL --api-key`) does not make zenctl deaf to signals.
func TestSignalEndsABlockedRead(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	// The grace zenctl gives a command to return by itself: 0.5 s in the
	// real binary.
	const grace = 100 * time.Millisecond
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		c := newCLI(t)
		c.env[e2eSignalGraceEnv] = grace.String()
		// A real pipe, as the shell gives; never written, never closed.
		stdin, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { stdin.Close(); w.Close() })
		p := c.start(stdin, "login", fake.URL(), "--api-key")
		p.awaitPipeRead()
		p.signal(sig)
		start := time.Now()
		r := p.wait(3 * time.Second)
		if took := time.Since(start); took > grace+time.Second/2 {
			t.Errorf("%v: ended %s after the signal, with a grace of %s", sig, took, grace)
		}
		expectCode(t, r, 2)
		if !strings.Contains(r.stderr, "Cancelled.") {
			t.Errorf("%v: stderr: %s", sig, r.stderr)
		}
	}
}

// awaitPipeRead waits until the process sleeps in a read of a pipe, as
// Linux shows in /proc/PID/task/*/wchan; where that cannot be seen, it
// gives the process 300 ms to get there.
func (r *running) awaitPipeRead() {
	r.t.Helper()
	deadline := time.Now().Add(time.Second)
	for time.Now().Before(deadline) {
		wchans, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/wchan", r.cmd.Process.Pid))
		if len(wchans) == 0 {
			time.Sleep(300 * time.Millisecond)
			return
		}
		for _, path := range wchans {
			if b, _ := os.ReadFile(path); strings.Contains(string(b), "pipe") {
				return
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// TestHostileConfigFilesAreRefused: a config directory others can write, a
// FIFO or an oversized file where zenctl keeps its state, a symlink planted
// at a lock file: each is refused with a one-line error that says how to
// fix it, and nothing hangs.
func TestHostileConfigFilesAreRefused(t *testing.T) {
	t.Parallel()
	for name, plant := range map[string]func(t *testing.T, dir string) string{
		"dir writable by others": func(t *testing.T, dir string) string {
			must(t, os.Chmod(dir, 0o777))
			return "chmod 700 " + dir
		},
		"config.yaml writable by group": func(t *testing.T, dir string) string {
			must(t, os.Chmod(filepath.Join(dir, "config.yaml"), 0o660))
			return "chmod 600 " + filepath.Join(dir, "config.yaml")
		},
		"FIFO as credentials.json": func(t *testing.T, dir string) string {
			replaceWith(t, filepath.Join(dir, "credentials.json"), func(p string) error { return syscall.Mkfifo(p, 0o600) })
			return "not a regular file"
		},
		"FIFO as config.yaml": func(t *testing.T, dir string) string {
			replaceWith(t, filepath.Join(dir, "config.yaml"), func(p string) error { return syscall.Mkfifo(p, 0o600) })
			return "not a regular file"
		},
		"huge config.yaml": func(t *testing.T, dir string) string {
			must(t, os.Truncate(filepath.Join(dir, "config.yaml"), 2<<20))
			return "larger than 1024 KiB"
		},
		"symlink at the lock file": func(t *testing.T, dir string) string {
			replaceWith(t, filepath.Join(dir, "credentials.json.lock"), func(p string) error { return os.Symlink(filepath.Join(t.TempDir(), "victim"), p) })
			return "symbolic link"
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fake := zenmltest.NewTest(t, zenmltest.Options{})
			c, key := loggedIn(t, fake)
			want := plant(t, c.configDir())
			args := []string{"token"}
			stdin := ""
			if strings.Contains(name, "lock") {
				args, stdin = []string{"login", fake.URL(), "--api-key"}, key+"\n"
			}
			p := c.start(strings.NewReader(stdin), args...)
			r := p.wait(10 * time.Second)
			expectCode(t, r, 1)
			oneLineError(t, r, "refusing to use", want)
			if r.stdout != "" {
				t.Errorf("stdout: %q", r.stdout)
			}
		})
	}
}

// replaceWith removes path (if there) and creates something else there.
func replaceWith(t *testing.T, path string, create func(string) error) {
	t.Helper()
	if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	must(t, create(path))
}
