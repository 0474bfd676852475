//go:build linux || darwin

package main

import (
	"bufio"
	"context"
	"errors"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

// TestExecForwardsSignals: SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1/2 and
// SIGWINCH sent to zenctl reach the command, and what the command makes of
// them is zenctl's exit status.
func TestExecForwardsSignals(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	c := adminCLI(t, fake)
	c.underRaceDetector = true // it forwards signals while it waits

	// The loop's short sleeps let sh run its trap soon after the signal.
	trapping := func(sig string, code string) string {
		return `trap "exit ` + code + `" ` + sig + `; echo ready; while :; do sleep 0.05; done`
	}
	for _, tc := range []struct {
		name   string
		sig    syscall.Signal
		script string
		want   int
	}{
		{"SIGTERM handled", syscall.SIGTERM, trapping("TERM", "42"), 42},
		{"SIGINT handled", syscall.SIGINT, trapping("INT", "43"), 43},
		{"SIGTERM kills", syscall.SIGTERM, "echo ready; exec sleep 30", 128 + 15},
		// A closed terminal or SSH connection: zenctl must not die and
		// leave the child running with its token.
		{"SIGHUP handled", syscall.SIGHUP, trapping("HUP", "44"), 44},
		{"SIGHUP kills", syscall.SIGHUP, "echo ready; exec sleep 30", 128 + 1},
		{"SIGQUIT handled", syscall.SIGQUIT, trapping("QUIT", "45"), 45},
		{"SIGUSR1 handled", syscall.SIGUSR1, trapping("USR1", "46"), 46},
		{"SIGUSR2 handled", syscall.SIGUSR2, trapping("USR2", "47"), 47},
		{"SIGWINCH handled", syscall.SIGWINCH, trapping("WINCH", "48"), 48},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := execAndSignal(t, c, tc.script, tc.sig); got != tc.want {
				t.Errorf("exit status %d, want %d", got, tc.want)
			}
		})
	}
}

// execAndSignal runs `zenctl exec -- sh -c script`, sends sig to zenctl
// once the script printed "ready", and returns zenctl's exit status.
func execAndSignal(t *testing.T, c *cli, script string, sig syscall.Signal) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := c.command(ctx, "", "exec", "--", "sh", "-c", script)
	// A process group of its own: outside the terminal's foreground group,
	// zenctl passes SIGINT on as well (a Ctrl-C would reach the child
	// directly).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Whatever happens, nothing of the group outlives the test.
	defer func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "ready\n" {
		_ = cmd.Process.Kill()
		t.Fatalf("the command did not start: %q, %v", line, err)
	}
	if err := cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) {
		t.Fatalf("zenctl: %v", err)
	}
	if ws := exitErr.Sys().(syscall.WaitStatus); ws.Signaled() {
		t.Fatalf("zenctl itself was killed by %v", ws.Signal())
	}
	return exitErr.ExitCode()
}
