package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/zenctl/zenctl/internal/config"
	"github.com/zenctl/zenctl/internal/credentials"
	"github.com/zenctl/zenctl/pkg/zenml"
	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

// The end-to-end tests run the real main in a child process: the test
// binary re-executes itself as zenctl when this variable is set. That is
// the binary's real behaviour (streams, exit codes, locks between
// processes) without a separate build step.
const runAsZenctl = "ZENCTL_E2E_RUN_MAIN"

func TestMain(m *testing.M) {
	// First: the child of `zenctl exec` inherits runAsZenctl.
	if len(os.Args) > 1 && os.Args[1] == execChildArg {
		os.Exit(execChild())
	}
	if len(os.Args) > 1 && os.Args[1] == fakeZenmlArg {
		os.Exit(fakeZenml(os.Args[2:]))
	}
	if os.Getenv(runAsZenctl) == "1" {
		shortenWaits()
		os.Exit(run(os.Args[1:]))
	}
	cleanup, err := findBinaries()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	cleanup()
	os.Exit(code)
}

// cli is one user's machine: a config dir and an environment.
type cli struct {
	t   *testing.T
	dir string
	env map[string]string
	// underRaceDetector runs zenctl under the race detector (see
	// raceBinary).
	underRaceDetector bool
}

func newCLI(t *testing.T) *cli {
	t.Helper()
	dir := t.TempDir()
	c := &cli{t: t, dir: dir, env: map[string]string{
		"ZENCTL_CONFIG_DIR": filepath.Join(dir, "config"),
		// The e2e tests exercise the file store; the real keyring has its
		// own tests inside a D-Bus session.
		"ZENCTL_STORAGE": "file",
		"HOME":           dir,
		"NO_COLOR":       "1",
		// The race detector otherwise sleeps a second at every exit of a
		// child, which adds up to minutes over these tests.
		"GORACE": "atexit_sleep_ms=0",
	}}
	// A real server (the acceptance script's ZENCTL_ACCEPTANCE_URL) gets
	// zenctl's real retry and polling pace.
	if os.Getenv("ZENCTL_ACCEPTANCE_URL") == "" {
		for k, v := range fakeServerTimings {
			c.env[k] = v
		}
	}
	return c
}

type result struct {
	stdout, stderr string
	code           int
}

func (c *cli) command(ctx context.Context, stdin string, args ...string) *exec.Cmd {
	exe := zenctlBinary
	if c.underRaceDetector {
		exe = raceBinary
	}
	cmd := exec.CommandContext(ctx, exe, args...)
	// A clean environment: nothing of the developer's ZENML_* or keyring
	// leaks in.
	cmd.Env = []string{runAsZenctl + "=1", "PATH=" + os.Getenv("PATH")}
	for k, v := range c.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdin = strings.NewReader(stdin)
	return cmd
}

// run runs zenctl to completion.
func (c *cli) run(stdin string, args ...string) result {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := c.command(ctx, stdin, args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		code = exitErr.ExitCode()
	} else if err != nil {
		c.t.Fatalf("running zenctl %v: %v", args, err)
	}
	return result{stdout: out.String(), stderr: errOut.String(), code: code}
}

// mustRun runs zenctl and fails the test unless it exits 0.
func (c *cli) mustRun(stdin string, args ...string) result {
	c.t.Helper()
	r := c.run(stdin, args...)
	if r.code != 0 {
		c.t.Fatalf("zenctl %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r
}

func expectCode(t *testing.T, r result, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit code %d, want %d\nstdout: %s\nstderr: %s", r.code, code, r.stdout, r.stderr)
	}
}

// oneLineError checks the error output is a single line naming the cause.
func oneLineError(t *testing.T, r result, contains ...string) {
	t.Helper()
	lines := strings.Split(strings.TrimRight(r.stderr, "\n"), "\n")
	last := lines[len(lines)-1]
	if !strings.HasPrefix(last, "error: ") {
		t.Fatalf("no one-line error at the end of stderr:\n%s", r.stderr)
	}
	for _, s := range contains {
		if !strings.Contains(last, s) {
			t.Errorf("error %q does not mention %q", last, s)
		}
	}
	if strings.Contains(r.stderr, "goroutine ") || strings.Contains(r.stderr, "panic:") {
		t.Errorf("stack trace on stderr:\n%s", r.stderr)
	}
}

var profiles = []string{zenmltest.Profile093, zenmltest.Profile058}

// forEachProfile runs a test against a fake of each server version.
func forEachProfile(t *testing.T, opts zenmltest.Options, test func(t *testing.T, fake *zenmltest.Server)) {
	for _, p := range profiles {
		t.Run("zenml-"+p, func(t *testing.T) {
			t.Parallel()
			o := opts
			o.Profile = p
			test(t, zenmltest.NewTest(t, o))
		})
	}
}

// keyLogsIn reports whether an API key can log in now. Only a rejection
// of the credentials counts as "no": anything else fails the test, so a
// 5xx or a network error cannot pass for a dead key.
func keyLogsIn(t *testing.T, fake *zenmltest.Server, key string) bool {
	t.Helper()
	return keyLogsInAt(t, fake.URL(), key)
}

func keyLogsInAt(t *testing.T, serverURL, key string) bool {
	t.Helper()
	c, err := zenml.NewClient(serverURL, zenml.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.LoginAPIKey(context.Background(), key)
	return accepted(t, err)
}

// tokenWorks reports whether the server accepts a bearer token now, with
// the same strictness.
func tokenWorks(t *testing.T, fake *zenmltest.Server, token string) bool {
	t.Helper()
	return tokenAccepted(t, fake.URL(), token)
}

func tokenAccepted(t *testing.T, serverURL, token string) bool {
	t.Helper()
	c, err := zenml.NewClient(serverURL, zenml.Options{Tokens: zenml.StaticToken(token)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CurrentUser(context.Background())
	return accepted(t, err)
}

func accepted(t *testing.T, err error) bool {
	t.Helper()
	switch {
	case err == nil:
		return true
	case errors.Is(err, zenml.ErrUnauthorized):
		return false
	}
	t.Fatalf("neither accepted nor rejected: %v", err)
	return false
}

var verifyURLPattern = regexp.MustCompile(`https?://\S+/devices/verify\?\S+`)

// deviceFlow runs zenctl (a device-flow login) and calls onURL, once, with
// the device id and user code of the verification URL it prints, as a
// person reading the terminal would. It returns the stderr lines and the
// exit code.
func (c *cli) deviceFlow(ctx context.Context, onURL func(deviceID, userCode string), args ...string) ([]string, int) {
	c.t.Helper()
	cmd := c.command(ctx, "", args...)
	var stdout strings.Builder
	cmd.Stdout = &stdout
	stderr, err := cmd.StderrPipe()
	if err != nil {
		c.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	var seen []string
	called := false
	for sc := bufio.NewScanner(stderr); sc.Scan(); {
		seen = append(seen, sc.Text())
		if m := verifyURLPattern.FindString(sc.Text()); m != "" && !called {
			u, err := url.Parse(m)
			if err != nil {
				c.t.Fatal(err)
			}
			onURL(u.Query().Get("device_id"), u.Query().Get("user_code"))
			called = true
		}
	}
	err = cmd.Wait()
	// A login prints nothing on stdout, whatever happens.
	if stdout.Len() != 0 {
		c.t.Errorf("zenctl %v wrote to stdout: %q", args, stdout.String())
	}
	var exitErr *exec.ExitError
	switch {
	case errors.As(err, &exitErr):
		return seen, exitErr.ExitCode()
	case err != nil:
		c.t.Fatalf("zenctl %v: %v", args, err)
	}
	if !called {
		c.t.Fatalf("no verification URL printed:\n%s", strings.Join(seen, "\n"))
	}
	return seen, 0
}

// secretKey is where the secret of a server's active account is filed in
// this machine's config dir ("" when there is none).
func (c *cli) secretKey(serverURL string) string {
	c.t.Helper()
	cfg, err := config.Load(c.configDir())
	if err != nil {
		c.t.Fatal(err)
	}
	s := cfg.Server(serverURL)
	if s == nil || s.Active() == nil {
		return ""
	}
	return credentials.Key(cfg.ID, serverURL, s.ActiveAccount)
}

// fileSecret reads the secret of a server's active account from the
// credentials file.
func (c *cli) fileSecret(serverURL string) (credentials.Secret, error) {
	c.t.Helper()
	key := c.secretKey(serverURL)
	if key == "" {
		return credentials.Secret{}, credentials.ErrNotFound
	}
	return credentials.NewFileStore(c.configDir()).Get(key)
}

// must is for the setup steps of a test, on every platform.
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// adminCLI is a zenctl logged in to fake as its default admin user, whose
// password is empty.
func adminCLI(t *testing.T, fake *zenmltest.Server) *cli {
	t.Helper()
	admin := newCLI(t)
	admin.mustRun("\n", "login", fake.URL(), "--username", "default", "--password-stdin")
	return admin
}
