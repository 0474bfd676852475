//go:build linux

package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

// TestDeviceApproveAsksOnATerminal: at a terminal, approve shows the
// waiting machine and asks; "n" cancels (exit 2) and leaves it waiting,
// "y" approves it and says how long its session lasts.
func TestDeviceApproveAsksOnATerminal(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{DevicePollingInterval: time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	admin := adminCLI(t, fake)
	login, link := startHeadlessLogin(ctx, t, newCLI(t), fake.URL())

	term := admin.startOnTerminal(100, ptyStreams{stdin: true, stderr: true}, "device", "approve", link)
	term.waitFor("[y/N]")
	for _, want := range []string{"A machine asks to log in", "Host:", "IP address:", "Asked:", "Code:", "logs in to " + fake.URL() + " as default"} {
		if !strings.Contains(term.output(), want) {
			t.Errorf("the prompt's screen lacks %q:\n%s", want, term.output())
		}
	}
	term.typeText("n\r")
	if code := term.wait(); code != 2 {
		t.Fatalf("answering no: exit %d, want 2\n%s", code, term.output())
	}
	if devs := fake.Devices(); len(devs) != 1 || devs[0].Status != zenmltest.DeviceStatusPending {
		t.Fatalf("declining changed the device: %+v", devs)
	}

	term = admin.startOnTerminal(100, ptyStreams{stdin: true, stderr: true}, "device", "approve", link)
	term.waitFor("[y/N]")
	term.typeText("y\r")
	if code := term.wait(); code != 0 {
		t.Fatalf("answering yes: exit %d\n%s", code, term.output())
	}
	if out := term.output(); !strings.Contains(out, "is logged in") || !strings.Contains(out, "does not expire") {
		t.Errorf("after approving:\n%s", out)
	}
	if term.stdout.Len() != 0 {
		t.Errorf("stdout: %q", term.stdout.String())
	}
	if code, out := login.wait(t); code != 0 {
		t.Fatalf("login: exit %d\n%s", code, out)
	}
}

// TestDeviceApproveAsksAboutALockedMachine: the laptop that was locked asks
// again; the question on the terminal says the machine was approved before
// and that approving lifts the lock.
func TestDeviceApproveAsksAboutALockedMachine(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{DevicePollingInterval: time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	admin := adminCLI(t, fake)
	laptop := approvedLogin(ctx, t, fake.URL(), admin)
	dev, _ := fake.Device(laptopClientID(t, laptop, fake))
	admin.mustRun("", "device", "lock", dev.ID)
	login, link := startHeadlessLogin(ctx, t, laptop, fake.URL())

	term := admin.startOnTerminal(100, ptyStreams{stdin: true, stderr: true}, "device", "approve", link)
	term.waitFor("[y/N]")
	for _, want := range []string{"approved before", "the lock is gone", "Approve " + dev.ID, "again, lifting any lock it had?"} {
		if !strings.Contains(term.output(), want) {
			t.Errorf("the prompt's screen lacks %q:\n%s", want, term.output())
		}
	}
	term.typeText("n\r")
	if code := term.wait(); code != 2 {
		t.Fatalf("answering no: exit %d, want 2\n%s", code, term.output())
	}
	if d, _ := fake.Device(dev.ID); d.Status != zenmltest.DeviceStatusPending {
		t.Errorf("declining changed the device: %s", d.Status)
	}
	// The laptop's login ends with the test's context.
	cancel()
	login.wait(t)
}

// TestAuditKeyPastedAtATerminal: `audit --key -` at a terminal reads the
// pasted key without echo, so it does not join the scrollback.
func TestAuditKeyPastedAtATerminal(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	key := fake.CreateAPIKey(fake.CreateServiceAccount("ci-bot"), "deploy")
	admin := adminCLI(t, fake)
	term := admin.startOnTerminal(100, ptyStreams{stdin: true, stderr: true}, "audit", "--key", "-")
	term.waitFor("(hidden)")
	// Paste once the terminal stopped echoing, as the prompt's reader does
	// right after showing it.
	for deadline := time.Now().Add(10 * time.Second); echoOn(t, term.tty); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the terminal never stopped echoing")
		}
	}
	term.typeText("log: " + key + "\r")
	if code := term.wait(); code != 0 {
		t.Fatalf("exit %d\n%s", code, term.output())
	}
	if strings.Contains(term.output(), key[:30]) || strings.Contains(term.stdout.String(), key[:30]) {
		t.Errorf("the pasted key was echoed:\n%s", term.output())
	}
	if !strings.Contains(term.stdout.String(), "zenctl service-account api-key ci-bot deactivate deploy") {
		t.Errorf("stdout: %s", term.stdout.String())
	}
}
