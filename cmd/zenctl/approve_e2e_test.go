package main

import (
	"bufio"
	"context"
	"errors"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

func init() { hygieneCovered["zenctl device approve"] = true }

// headlessLogin is `zenctl login URL --device` running on a machine
// without a browser, as another process: what it printed, and its end.
type headlessLogin struct {
	lines chan string
	done  chan int
	seen  []string
}

// startHeadlessLogin starts the device login on machine and returns once it
// printed the `zenctl device approve` command, with that command's link
// (unquoted as a shell would).
func startHeadlessLogin(ctx context.Context, t *testing.T, machine *cli, serverURL string) (*headlessLogin, string) {
	t.Helper()
	cmd := machine.command(ctx, "", "login", serverURL, "--device", "--no-browser")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	h := &headlessLogin{lines: make(chan string, 100), done: make(chan int, 1)}
	go func() {
		for sc := bufio.NewScanner(stderr); sc.Scan(); {
			h.lines <- sc.Text()
		}
		close(h.lines)
		err := cmd.Wait()
		var exitErr *exec.ExitError
		switch {
		case errors.As(err, &exitErr):
			h.done <- exitErr.ExitCode()
		case err != nil:
			h.done <- -1
		default:
			h.done <- 0
		}
	}()
	for line := range h.lines {
		h.seen = append(h.seen, line)
		if _, arg, found := strings.Cut(line, "zenctl device approve "); found {
			return h, strings.Trim(strings.TrimSpace(arg), "'")
		}
	}
	t.Fatalf("login --device never named `zenctl device approve`:\n%s", strings.Join(h.seen, "\n"))
	return nil, ""
}

// wait returns the login's exit code and all it printed.
func (h *headlessLogin) wait(t *testing.T) (int, string) {
	t.Helper()
	for line := range h.lines {
		h.seen = append(h.seen, line)
	}
	select {
	case code := <-h.done:
		return code, strings.Join(h.seen, "\n")
	case <-time.After(30 * time.Second):
		t.Fatal("login --device never ended")
	}
	return -1, ""
}

// TestDeviceApproveFromAnotherMachine is issue 22 item 9: one process runs
// `login --device` with no browser, another approves it with the link it
// printed, against the same server.
func TestDeviceApproveFromAnotherMachine(t *testing.T) {
	t.Parallel()
	forEachProfile(t, zenmltest.Options{DevicePollingInterval: time.Second}, func(t *testing.T, fake *zenmltest.Server) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		admin := adminCLI(t, fake)
		machine := newCLI(t)
		login, link := startHeadlessLogin(ctx, t, machine, fake.URL())
		if !strings.Contains(link, "/devices/verify?device_id=") {
			t.Fatalf("the approve command's link: %q", link)
		}

		// No terminal and no --yes: refused, and nothing changes.
		r := admin.run("", "device", "approve", link)
		expectCode(t, r, 1)
		oneLineError(t, r, "no terminal", "--yes")
		if !strings.Contains(r.stderr, "A machine asks to log in") || !strings.Contains(r.stderr, "Host:") {
			t.Errorf("the refusal does not show the waiting machine:\n%s", r.stderr)
		}
		if devs := fake.Devices(); len(devs) != 1 || devs[0].Status != zenmltest.DeviceStatusPending {
			t.Fatalf("the refused approval changed the device: %+v", devs)
		}

		var v struct {
			Device struct {
				ID, Status, Hostname, OS string
				Trusted                  bool
			}
			LoggedIn            bool `json:"logged_in"`
			SessionNeverExpires bool `json:"session_never_expires"`
		}
		r = admin.mustRun("", "device", "approve", link, "--yes", "--trusted", "-o", "json", "--debug")
		mustJSON(t, r.stdout, &v)
		// --debug shows the requests, never the user code or the approver's token.
		session, err := admin.fileSecret(fake.URL())
		if err != nil {
			t.Fatal(err)
		}
		userCode := link[strings.Index(link, "user_code=")+len("user_code="):]
		if !strings.Contains(r.stderr, "/verify") || strings.Contains(r.stderr+r.stdout, userCode) || strings.Contains(r.stderr+r.stdout, session.AccessToken) {
			t.Errorf("approve --debug leaks a secret or shows no request:\n%s", r.stderr)
		}
		if !v.LoggedIn || v.Device.Status != "active" || !v.Device.Trusted || !v.SessionNeverExpires || v.Device.Hostname == "" {
			t.Errorf("approve -o json: %+v\n%s", v, r.stdout)
		}
		if code, out := login.wait(t); code != 0 {
			t.Fatalf("the approved login failed: exit %d\n%s", code, out)
		}
		machine.mustRun("", "status")
		// The approver owns the device now.
		if !strings.Contains(admin.mustRun("", "device", "list", "-o", "json").stdout, v.Device.ID) {
			t.Errorf("the approved device is not among the approver's")
		}

		// The link is spent.
		r = admin.run("", "device", "approve", link, "--yes")
		expectCode(t, r, 1)
		oneLineError(t, r, "is active, not waiting for approval")
	})
}

func TestDeviceApproveHumanOutputAndBadLinks(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{DevicePollingInterval: time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	admin := adminCLI(t, fake)
	login, link := startHeadlessLogin(ctx, t, newCLI(t), fake.URL())

	for _, tc := range []struct {
		link, want string
	}{
		{"84dfadd50ff62da348b6ee77ad0671d1", "a user code alone"},
		{"https://x.example/devices/verify", "no device_id and user_code"},
		{"/devices/verify?device_id=nope&user_code=84dfadd5", "not a device id"},
		{strings.Replace(link, "user_code=", "user_code=00", 1), "no device waits for approval"},
	} {
		r := admin.run("", "device", "approve", tc.link, "--yes")
		expectCode(t, r, 1)
		oneLineError(t, r, tc.want)
	}

	// The link from standard input; the human summary on stderr, nothing
	// on stdout.
	r := admin.mustRun(link+"\n", "device", "approve", "-", "--yes")
	if r.stdout != "" {
		t.Errorf("stdout: %q", r.stdout)
	}
	for _, want := range []string{"Approved ", "for default on " + fake.URL(), "is logged in", "does not expire", "zenctl device lock "} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if code, out := login.wait(t); code != 0 {
		t.Fatalf("login: exit %d\n%s", code, out)
	}

	// --no-wait: approved, and it says how long the machine has left.
	login, link = startHeadlessLogin(ctx, t, newCLI(t), fake.URL())
	r = admin.mustRun("", "device", "approve", link, "--yes", "--no-wait")
	if !regexp.MustCompile(`has until \d\d:\d\d UTC \(in \d+ min\) to finish logging in`).MatchString(r.stderr) || strings.Contains(r.stderr, "has until in") {
		t.Errorf("approve --no-wait:\n%s", r.stderr)
	}
	if code, out := login.wait(t); code != 0 {
		t.Fatalf("login: exit %d\n%s", code, out)
	}
}

// approvedLogin runs `zenctl login --device` on a new machine and approves
// it with `zenctl device approve` on approver's, as a person with a
// headless server would. It returns the logged-in machine.
func approvedLogin(ctx context.Context, t *testing.T, serverURL string, approver *cli) *cli {
	t.Helper()
	machine := newCLI(t)
	login, link := startHeadlessLogin(ctx, t, machine, serverURL)
	r := approver.mustRun(link+"\n", "device", "approve", "-", "--yes")
	if !strings.Contains(r.stderr, "Approved ") {
		t.Errorf("device approve:\n%s", r.stderr)
	}
	if code, out := login.wait(t); code != 0 {
		t.Fatalf("the approved login failed: exit %d\n%s", code, out)
	}
	return machine
}

// TestDeviceLockThenANewLoginFromTheLaptop is what the real server does
// (ZenML's device_authorization): a new device login from a locked machine
// resets its device to pending and the lock is gone, so it waits for the
// owner's approval; approve must say that the machine was approved
// before. Unlocking what is not locked changes nothing.
func TestDeviceLockThenANewLoginFromTheLaptop(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{DevicePollingInterval: time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	admin := adminCLI(t, fake)
	laptop := newCLI(t)
	login, link := startHeadlessLogin(ctx, t, laptop, fake.URL())
	r := admin.mustRun("", "device", "approve", link, "--yes")
	if strings.Contains(r.stderr, "approved before") {
		t.Errorf("a first approval warns:\n%s", r.stderr)
	}
	if code, out := login.wait(t); code != 0 {
		t.Fatalf("login: exit %d\n%s", code, out)
	}
	dev, ok := fake.Device(laptopClientID(t, laptop, fake))
	if !ok {
		t.Fatal("no device for the laptop")
	}

	r = admin.mustRun("", "device", "unlock", dev.ID)
	if !strings.Contains(r.stderr, "is not locked (it is active): nothing changed") || strings.Contains(r.stderr, "work again") {
		t.Errorf("unlocking an active device:\n%s", r.stderr)
	}
	admin.mustRun("", "device", "lock", dev.ID)
	if r = admin.mustRun("", "device", "lock", dev.ID); !strings.Contains(r.stderr, "already locked: nothing changed") {
		t.Errorf("locking a locked device:\n%s", r.stderr)
	}
	expectCode(t, laptop.run("", "status"), 4)

	// The laptop asks again: the server resets the device and forgets the lock.
	login, link = startHeadlessLogin(ctx, t, laptop, fake.URL())
	if d, _ := fake.Device(dev.ClientID); d.Status != zenmltest.DeviceStatusPending {
		t.Fatalf("after a new login request the locked device is %s", d.Status)
	}
	var v struct {
		ApprovedBefore bool `json:"approved_before"`
	}
	r = admin.mustRun("", "device", "approve", link, "--yes", "-o", "json")
	mustJSON(t, r.stdout, &v)
	for _, want := range []string{"This machine was approved before, by your account, default", "the lock is gone", "Do not approve a machine you locked"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("approving a machine approved before lacks %q:\n%s", want, r.stderr)
		}
	}
	if !v.ApprovedBefore {
		t.Errorf("-o json: approved_before is false")
	}
	if code, out := login.wait(t); code != 0 {
		t.Fatalf("login: exit %d\n%s", code, out)
	}
	laptop.mustRun("", "status")
}
