//go:build linux

package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

// While the command of `zenctl exec` runs, zenctl holds neither the
// login's API key nor its password in memory (another process minted the
// token), and is non-dumpable. Reading another process's memory takes
// root (the test then searches every writable mapping); as another user,
// the test checks what non-dumpable changes: /proc/PID/environ is closed.
func TestExecHoldsNoKeyWhileTheCommandRuns(t *testing.T) {
	t.Parallel()
	const password = "pw-Memory-7Qz-cc"
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	key := fake.CreateAPIKey(fake.CreateServiceAccount("ci-bot"), "default")
	fake.CreateUser("alice", password)
	withKey := newCLI(t)
	withKey.mustRun(key+"\n", "login", fake.URL(), "--api-key")
	withPassword := newCLI(t)
	withPassword.mustRun(password+"\n", "login", fake.URL(), "--username", "alice", "--password-stdin")
	for _, tc := range []struct {
		name   string
		c      *cli
		secret string
	}{{"API key", withKey, key}, {"password", withPassword, password}} {
		t.Run(tc.name, func(t *testing.T) {
			installFakeZenml(t, tc.c)
			tc.c.env["ZENML_CONFIG_PATH"] = t.TempDir()
			pid, stop := startWaitingExec(t, tc.c)
			defer stop()
			if os.Geteuid() != 0 {
				// Non-dumpable: /proc/PID/environ is root's alone.
				if _, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid)); err == nil {
					t.Error("another process of the same user can read zenctl's environment")
				}
				t.Skip("reading zenctl's memory needs root")
			}
			if found := searchMemory(t, pid, []string{tc.secret, url.QueryEscape(tc.secret)}); found != "" {
				t.Errorf("zenctl holds the login's %s while the command runs (%s)", tc.name, found)
			}
		})
	}
}

// startWaitingExec starts `zenctl exec -- zenml --wait-for-signal` and
// returns zenctl's pid once the command runs.
func startWaitingExec(t *testing.T, c *cli) (pid int, stop func()) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	cmd := c.command(ctx, "", "exec", "--", "zenml", "--wait-for-signal")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	// A group of its own, so that stop ends the command with zenctl.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stop = func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); _ = cmd.Wait(); cancel() }
	if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || line != "ready\n" {
		stop()
		t.Fatalf("the command did not start: %q %v\nstderr: %s", line, err, stderr.String())
	}
	return cmd.Process.Pid, stop
}

// searchMemory looks for any of needles in the readable, writable
// mappings of process pid and says where it found one.
func searchMemory(t *testing.T, pid int, needles []string) string {
	t.Helper()
	maps, err := os.ReadFile(fmt.Sprintf("/proc/%d/maps", pid))
	if err != nil {
		t.Fatal(err)
	}
	mem, err := os.Open(fmt.Sprintf("/proc/%d/mem", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer mem.Close()
	for _, line := range strings.Split(string(maps), "\n") {
		fields := strings.Fields(line)
		if len(fields) < 2 || !strings.HasPrefix(fields[1], "rw") {
			continue
		}
		name := ""
		if len(fields) >= 6 {
			name = fields[5]
		}
		start, end, _ := strings.Cut(fields[0], "-")
		lo, _ := strconv.ParseUint(start, 16, 64)
		hi, _ := strconv.ParseUint(end, 16, 64)
		buf := make([]byte, hi-lo)
		n, _ := mem.ReadAt(buf, int64(lo))
		for _, needle := range needles {
			if i := bytes.Index(buf[:n], []byte(needle)); i >= 0 {
				if os.Getenv("ZENCTL_DEBUG_MEM") != "" {
					for off := 0; ; {
						j := bytes.Index(buf[off:n], []byte(needle))
						if j < 0 {
							break
						}
						a := max(0, off+j-60)
						t.Logf("%q", buf[a:off+j+10])
						off += j + 1
					}
				}
				return fmt.Sprintf("at %#x in %s %s", lo+uint64(i), fields[0], name)
			}
		}
	}
	return ""
}
