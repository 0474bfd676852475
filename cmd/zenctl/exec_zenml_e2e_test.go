//go:build linux || darwin

package main

import (
	"bufio"
	"context"
	"errors"
	"io/fs"
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

// The tests of this file are issue 21 item 4: the zenml client copies the
// token exec hands it into its config directory; once the child has ended,
// however it ended, zenctl has taken that copy back and left the rest.

// Someone's own zenml login, which exec must leave alone.
const (
	theirCredentials = "https://their.example.com:\n  api_key: ZENKEY_their-own-key\n  api_token:\n    access_token: their-own-token\n  url: https://their.example.com\n"
	theirConfig      = "active_stack_id: their-stack\nanalytics_opt_in: false\n"
)

// zenmlHome is a zenml config directory with someone's own login in it.
func zenmlHome(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "credentials.yaml"), []byte(theirCredentials), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.yaml"), []byte(theirConfig), 0o640); err != nil {
		t.Fatal(err)
	}
}

// witnessedTokens are the tokens the fake zenml processes wrote.
func witnessedTokens(t *testing.T, witness string) []string {
	t.Helper()
	data, err := os.ReadFile(witness)
	if err != nil {
		t.Fatalf("the fake zenml wrote no token (did it run?): %v", err)
	}
	tokens := strings.Fields(string(data))
	for _, tok := range tokens {
		if !jwtPattern.MatchString(tok) {
			t.Fatalf("the fake zenml was handed %q, not a token", tok)
		}
	}
	return tokens
}

// noTokenLeft fails for any file of dir that holds one of tokens.
func noTokenLeft(t *testing.T, dir string, tokens []string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		for _, tok := range tokens {
			if strings.Contains(string(data), tok) {
				t.Errorf("the token exec minted is still in %s:\n%s", path, data)
			}
		}
		return err
	})
	if err != nil {
		t.Error(err)
	}
}

// theirLoginIntact checks someone's own zenml files: content and mode.
func theirLoginIntact(t *testing.T, dir string) {
	t.Helper()
	data, _ := os.ReadFile(filepath.Join(dir, "credentials.yaml"))
	for _, part := range []string{"https://their.example.com:", "api_key: ZENKEY_their-own-key", "access_token: their-own-token"} {
		if !strings.Contains(string(data), part) {
			t.Errorf("credentials.yaml lost %q:\n%s", part, data)
		}
	}
	cfg, _ := os.ReadFile(filepath.Join(dir, "config.yaml"))
	if !strings.Contains(string(cfg), "active_stack_id: their-stack") || !strings.Contains(string(cfg), "url: http") {
		t.Errorf("config.yaml is not as the child left it:\n%s", cfg)
	}
	for name, want := range map[string]fs.FileMode{"credentials.yaml": 0o600, "config.yaml": 0o640} {
		if fi, err := os.Stat(filepath.Join(dir, name)); err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v (%v)", name, fi.Mode().Perm(), want, err)
		}
	}
	if fi, err := os.Stat(filepath.Join(dir, "local_stores")); err != nil || !fi.IsDir() {
		t.Errorf("local_stores, which the child made, is gone: %v", err)
	}
}

func TestExecTakesBackTheTokenZenmlWrote(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	c := adminCLI(t, fake)
	installFakeZenml(t, c)
	for _, version := range []string{"0.58.2", "0.85.0"} {
		t.Run(version, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "zenml")
			zenmlHome(t, dir)
			witness := filepath.Join(t.TempDir(), "witness")
			c.env["ZENML_CONFIG_PATH"], c.env[fakeZenmlVersion], c.env[fakeZenmlWitness] = dir, version, witness
			defer func() {
				delete(c.env, "ZENML_CONFIG_PATH")
				delete(c.env, fakeZenmlVersion)
				delete(c.env, fakeZenmlWitness)
			}()

			r := c.mustRun("", "exec", "--", "zenml", "stack", "list")
			if r.stderr != "" {
				t.Errorf("stderr: %q", r.stderr)
			}
			noTokenLeft(t, dir, witnessedTokens(t, witness))
			theirLoginIntact(t, dir)
		})
	}

	// Without ZENML_CONFIG_PATH: the platform's default directory, in a
	// fresh one where the child created every file.
	c.env[fakeZenmlWitness] = filepath.Join(t.TempDir(), "witness")
	c.env[fakeZenmlVersion] = "0.85.0"
	c.mustRun("", "exec", "--", "zenml", "stack", "list")
	dir := filepath.Join(c.dir, ".config", "zenml")
	noTokenLeft(t, dir, witnessedTokens(t, c.env[fakeZenmlWitness]))
	if _, err := os.Stat(filepath.Join(dir, "credentials.yaml")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("credentials.yaml, made for the token alone, is still there: %v", err)
	}
	if cfg, _ := os.ReadFile(filepath.Join(dir, "config.yaml")); !strings.Contains(string(cfg), "active_project_id") {
		t.Errorf("config.yaml is not as the child left it:\n%s", cfg)
	}
}

// The child ended by a signal zenctl passed on (zenctl itself was sent
// SIGHUP or SIGTERM): the token is taken back all the same, and zenctl
// exits with the child's status.
func TestExecTakesBackTheTokenAfterASignal(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	c := adminCLI(t, fake)
	installFakeZenml(t, c)
	c.underRaceDetector = true // it forwards signals while it waits
	for _, sig := range []syscall.Signal{syscall.SIGHUP, syscall.SIGTERM} {
		dir := filepath.Join(t.TempDir(), "zenml")
		zenmlHome(t, dir)
		witness := filepath.Join(t.TempDir(), "witness")
		c.env["ZENML_CONFIG_PATH"], c.env[fakeZenmlWitness] = dir, witness

		status := execCommandAndSignal(t, c, []string{"zenml", "--wait-for-signal"}, sig)
		if status != 128+int(sig) {
			t.Errorf("%v: exit status %d, want the child's %d", sig, status, 128+int(sig))
		}
		noTokenLeft(t, dir, witnessedTokens(t, witness))
		theirLoginIntact(t, dir)
	}
}

// Two execs at once with one zenml directory, each child writing its
// token before either ends: both tokens go, everything else stays.
func TestConcurrentExecsTakeBackTheirTokens(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "zenml")
	zenmlHome(t, dir)
	witness := filepath.Join(t.TempDir(), "witness")
	barrier := t.TempDir()
	lock := filepath.Join(t.TempDir(), "lock")
	var clis []*cli
	for range 2 {
		fake := zenmltest.NewTest(t, zenmltest.Options{})
		c := adminCLI(t, fake)
		installFakeZenml(t, c)
		c.env["ZENML_CONFIG_PATH"], c.env[fakeZenmlWitness] = dir, witness
		c.env[fakeZenmlBarrier], c.env[fakeZenmlLock] = barrier+":2", lock
		clis = append(clis, c)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(clis))
	outs := make([][]byte, len(clis))
	for i, c := range clis {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			outs[i], errs[i] = c.command(ctx, "", "exec", "--", "zenml", "stack", "list").CombinedOutput()
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("exec %d: %v\n%s", i, err, outs[i])
		}
	}
	tokens := witnessedTokens(t, witness)
	if len(tokens) != 2 {
		t.Fatalf("%d tokens written, want 2", len(tokens))
	}
	noTokenLeft(t, dir, tokens)
	theirLoginIntact(t, dir)
}

// execCommandAndSignal runs `zenctl exec -- command…`, sends sig to zenctl
// once the command printed "ready", and returns zenctl's exit status.
func execCommandAndSignal(t *testing.T, c *cli, command []string, sig syscall.Signal) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := c.command(ctx, "", append([]string{"exec", "--"}, command...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "ready\n" {
		t.Fatalf("the command did not start: %q, %v\nstderr: %s", line, err, stderr.String())
	}
	if err := cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) {
		t.Fatalf("zenctl: %v\nstderr: %s", err, stderr.String())
	}
	if ws := exitErr.Sys().(syscall.WaitStatus); ws.Signaled() {
		t.Fatalf("zenctl itself was killed by %v", ws.Signal())
	}
	return exitErr.ExitCode()
}

// zenctl SIGKILLed while the child runs cannot take the token back; the
// next exec does, first, whatever zenml directory it is given itself, and
// leaves someone's own login alone.
func TestNextExecTakesBackTheTokenOfAKilledZenctl(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	c := newCLI(t)
	c.mustRun("\n", "login", fake.URL(), "--username", "default", "--password-stdin")
	installFakeZenml(t, c)
	c.underRaceDetector = true
	for _, version := range []string{"0.58.2", "0.85.0"} {
		dir := filepath.Join(t.TempDir(), "zenml")
		zenmlHome(t, dir)
		witness := filepath.Join(t.TempDir(), "witness")
		c.env["ZENML_CONFIG_PATH"], c.env[fakeZenmlVersion], c.env[fakeZenmlWitness] = dir, version, witness

		killZenctlDuringExec(t, c)
		tokens := witnessedTokens(t, witness)
		creds := "config.yaml"
		if version == "0.85.0" {
			creds = "credentials.yaml"
		}
		if data, _ := os.ReadFile(filepath.Join(dir, creds)); !strings.Contains(string(data), tokens[0]) {
			t.Fatalf("%s: the killed zenctl's token is not in %s to begin with:\n%s", version, creds, data)
		}
		noTokenLeft(t, filepath.Join(c.dir, "config"), tokens)

		// The next exec uses another zenml directory, whose child writes
		// nothing where the first token is.
		c.env["ZENML_CONFIG_PATH"] = t.TempDir()
		r := c.mustRun("", "exec", "--", "zenml", "stack", "list")
		if r.stderr != "" {
			t.Errorf("%s: stderr: %q", version, r.stderr)
		}
		noTokenLeft(t, dir, tokens)
		theirLoginIntact(t, dir)
		if entries, _ := os.ReadDir(filepath.Join(c.dir, "config", "exec-pending")); len(entries) != 0 {
			t.Errorf("%s: pending records left: %v", version, entries)
		}
	}
}

// killZenctlDuringExec runs `zenctl exec -- zenml --wait-for-signal`,
// SIGKILLs zenctl once the child has written its token, then ends the
// orphaned child.
func killZenctlDuringExec(t *testing.T, c *cli) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := c.command(ctx, "", "exec", "--", "zenml", "--wait-for-signal")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	group := cmd.Process.Pid
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "ready\n" {
		_ = syscall.Kill(-group, syscall.SIGKILL)
		t.Fatalf("the command did not start: %q, %v\nstderr: %s", line, err, stderr.String())
	}
	_ = cmd.Process.Kill()
	// The child outlives zenctl in its process group, and holds the
	// stderr that Wait waits for.
	_ = syscall.Kill(-group, syscall.SIGKILL)
	_ = cmd.Wait()
	for syscall.Kill(-group, 0) == nil {
		if ctx.Err() != nil {
			t.Fatal("the orphaned child does not end")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
