//go:build (dragonfly && cgo) || (freebsd && cgo) || linux || netbsd || openbsd

package credentials

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestCheckBusAddress(t *testing.T) {
	t.Parallel()
	has := map[string]bool{"/run/user/1000/bus": true, "/tmp/dbus sock": true}
	exists := func(p string) bool { return has[p] }
	cases := []struct {
		addr string
		uid  int
		ok   bool
	}{
		{"", 1000, true},             // godbus finds /run/user/1000/bus
		{"", 1001, false},            // godbus would auto-launch a bus: refuse
		{"autolaunch:", 1001, false}, // same
		{"unix:path=/nonexistent", 1000, false},
		{"unix:path=/tmp/dbus%20sock", 1001, true}, // escaped value
		{"unix:path=/nonexistent;unix:path=/run/user/1000/bus", 1001, true},
		{"unix:abstract=/tmp/dbus-XYZ,guid=abc", 1001, true}, // cannot check; the timeout covers it
		{"tcp:host=localhost,port=1234", 1001, true},
	}
	for _, c := range cases {
		err := checkBusAddress(c.addr, c.uid, exists)
		if (err == nil) != c.ok {
			t.Errorf("checkBusAddress(%q, %d) = %v, want ok=%v", c.addr, c.uid, err, c.ok)
		}
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("multi-line error %q", err)
		}
	}
}

// TestOpenWithoutSessionBus runs Open in a child process (the bus address
// is process-global in godbus) with a bus address that points nowhere: the
// default mode must fall back at once and the explicit mode fail at once,
// without any keyring call that could hang.
func TestOpenWithoutSessionBus(t *testing.T) {
	t.Parallel()
	for _, explicit := range []string{"0", "1"} {
		t.Run("explicit="+explicit, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			cmd := helperCmdContext(ctx, "open", "DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent", "HELPER_DIR="+t.TempDir(),
				"HELPER_EXPLICIT="+explicit, "HOME="+t.TempDir(), "DISPLAY=")
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("helper: %v (%s)", err, out)
			}
			line := firstResultLine(t, string(out))
			fields := strings.Fields(line)
			if len(fields) < 3 {
				t.Fatalf("helper output %q", out)
			}
			el, err := time.ParseDuration(fields[1])
			if err != nil || el > 500*time.Millisecond {
				t.Fatalf("Open took %s, want fast", fields[1])
			}
			if explicit == "1" {
				if fields[0] != "error" || !strings.Contains(line, "/nonexistent") || !strings.Contains(line, "--storage file") {
					t.Fatalf("explicit: %q", line)
				}
			} else if fields[0] != "store" || fields[2] != "file" {
				t.Fatalf("default: %q", line)
			}
		})
	}
}

// TestOpenWithoutAnyBusAddress covers the unset variable, where godbus
// would auto-launch a bus. Skipped where a real session bus exists, so the
// developer's keyring is never touched.
func TestOpenWithoutAnyBusAddress(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/run/user/" + strconv.Itoa(os.Getuid()) + "/bus"); err == nil {
		t.Skip("this machine has a user session bus at /run/user/<uid>/bus; not probing the real keyring")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DBUS_SESSION_BUS_ADDRESS=") {
			env = append(env, kv)
		}
	}
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHelperProcess$")
	// GORACE: the race detector otherwise sleeps a second as a helper exits.
	cmd.Env = append(env, "ZENCTL_CREDENTIALS_TEST_HELPER=open", "HELPER_DIR="+t.TempDir(), "HOME="+t.TempDir(), "DISPLAY=:99", "GORACE=atexit_sleep_ms=0")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("helper: %v (%s)", err, out)
	}
	if line := firstResultLine(t, string(out)); !strings.HasPrefix(line, "store ") || !strings.HasSuffix(line, " file") {
		t.Fatalf("default mode without bus: %q", line)
	}
}

func firstResultLine(t *testing.T, out string) string {
	t.Helper()
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		if l := sc.Text(); strings.HasPrefix(l, "store ") || strings.HasPrefix(l, "error ") {
			return l
		}
	}
	t.Fatalf("no result in helper output %q", out)
	return ""
}
