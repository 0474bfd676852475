//go:build linux

package main

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

// The tests of issue 22 that need a terminal: what a person sees, and what
// a secret nobody asked for does there.

// `user deactivate` does not put the activation token on a terminal's
// scrollback: it refuses before deactivating anyone, unless --show-token;
// --output-file and a pipe get the token.
func TestDeactivateKeepsTheTokenOffTheTerminal(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	fake.CreateUser("ux-alice", "pw-alice-1")
	admin := adminCLI(t, fake)
	alice := newCLI(t)
	alice.mustRun("pw-alice-1\n", "login", fake.URL(), "--username", "ux-alice", "--password-stdin")

	fake.ResetCounts()
	term := admin.startOnTerminal(100, ptyStreams{stdout: true, stderr: true}, "user", "deactivate", "ux-alice")
	term.waitFor("--show-token")
	if code := term.wait(); code != 1 {
		t.Errorf("deactivate on a terminal: exit %d, want 1\n%s", code, term.output())
	}
	for _, want := range []string{"not printing ux-alice's activation token", "--output-file", "> ux-alice.token", "--show-token"} {
		if !strings.Contains(term.output(), want) {
			t.Errorf("the refusal lacks %q:\n%s", want, term.output())
		}
	}
	for _, r := range fake.Requests() {
		if strings.Contains(r.Endpoint, "deactivate") {
			t.Errorf("deactivated although it refused: %s", r.Endpoint)
		}
	}
	alice.mustRun("", "status") // still active

	// --output-file: the token in a new 0600 file, nothing on the terminal.
	file := filepath.Join(t.TempDir(), "alice.token")
	term = admin.startOnTerminal(100, ptyStreams{stdout: true, stderr: true}, "user", "deactivate", "ux-alice", "--output-file", file)
	term.waitFor("zenctl user activate")
	if code := term.wait(); code != 0 {
		t.Fatalf("deactivate --output-file: exit %d\n%s", code, term.output())
	}
	data, err := os.ReadFile(file)
	token := strings.TrimSpace(string(data))
	if err != nil || len(token) < 16 {
		t.Fatalf("token file: %q, %v", data, err)
	}
	if info, _ := os.Stat(file); info.Mode().Perm() != 0o600 {
		t.Errorf("token file mode %v, want 0600", info.Mode().Perm())
	}
	if strings.Contains(term.output(), token) || !strings.Contains(term.output(), "The activation token is in "+file) {
		t.Errorf("terminal:\n%s", term.output())
	}
	expectCode(t, alice.run("", "status"), 4)
	// An existing file is never overwritten, and that is found before the
	// request.
	expectCode(t, admin.run("", "user", "deactivate", "ux-alice", "--output-file", file), 1)
	if again, _ := os.ReadFile(file); string(again) != string(data) {
		t.Error("the token file was overwritten")
	}

	// --show-token: shown on the terminal because it was asked for.
	term = admin.startOnTerminal(100, ptyStreams{stdout: true, stderr: true}, "user", "deactivate", "ux-alice", "--show-token")
	term.waitFor("zenctl user activate")
	if code := term.wait(); code != 0 {
		t.Fatalf("deactivate --show-token: exit %d\n%s", code, term.output())
	}
	if !strings.Contains(term.output(), "The activation token above is shown only once") {
		t.Errorf("--show-token:\n%q", term.output())
	}

	// A pipe gets the bare token, as before.
	r := admin.mustRun("", "user", "deactivate", "ux-alice")
	if tok := strings.TrimSpace(r.stdout); len(tok) < 16 || strings.Contains(tok, "\n") {
		t.Errorf("stdout on a pipe: %q", r.stdout)
	}
}

// A server that accepts the connection and never answers: status says on
// the terminal what it waits for, long before any timeout.
func TestStatusShowsItsWaitOnATerminal(t *testing.T) {
	t.Parallel()
	mute, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mute.Close() })
	go func() {
		for {
			conn, err := mute.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { conn.Close() })
		}
	}()
	url := "http://" + mute.Addr().String()
	c := newCLI(t)
	c.env["ZENML_STORE_URL"] = url
	c.env["ZENML_STORE_API_TOKEN"] = "not-a-real-token"
	term := c.startOnTerminal(100, ptyStreams{stderr: true}, "status")
	term.waitFor("Connecting to " + url + "…")
	_ = term.cmd.Process.Signal(syscall.SIGINT)
	term.wait()
}

// A refused connection is retried, and the terminal gets one line for
// the whole retry sequence, not one per attempt.
func TestRefusedConnectionIsOneLineOnATerminal(t *testing.T) {
	t.Parallel()
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + closed.Addr().String()
	closed.Close()
	c := newCLI(t)
	c.env["ZENML_STORE_URL"] = url
	c.env["ZENML_STORE_API_TOKEN"] = "not-a-real-token"
	term := c.startOnTerminal(100, ptyStreams{stderr: true}, "status")
	if code := term.wait(); code != 1 {
		t.Errorf("status: exit %d, want 1", code)
	}
	screen := term.output()
	if n := strings.Count(screen, "retrying"); n != 1 {
		t.Errorf("%d retry lines, want 1:\n%q", n, screen)
	}
	if !strings.Contains(screen, url+" GET /api/v1/info: connection refused; retrying") {
		t.Errorf("the retry line:\n%q", screen)
	}
}

// With CI=true no device flow starts unless --device asks for one, even
// on the pseudo-terminal some CI services give a job: nobody is there to
// approve it.
func TestNoDeviceFlowInCI(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	c := newCLI(t)
	c.env["CI"] = "true"
	term := c.startOnTerminal(100, ptyStreams{stdin: true, stderr: true}, "login", fake.URL())
	term.waitFor("--device")
	if code := term.wait(); code != 1 {
		t.Errorf("login in CI: exit %d, want 1\n%s", code, term.output())
	}
	if !strings.Contains(term.output(), "no way to log in to "+fake.URL()+" in CI (CI is set)") {
		t.Errorf("the refusal:\n%s", term.output())
	}
	if n := fake.Count("POST /api/v1/device_authorization"); n != 0 {
		t.Errorf("%d device flows started in CI", n)
	}
	// --device asks for one: it starts.
	term = c.startOnTerminal(100, ptyStreams{stdin: true, stderr: true}, "login", fake.URL(), "--device")
	term.waitFor("/devices/verify?")
	_ = term.cmd.Process.Signal(syscall.SIGINT)
	term.wait()
}
