package config

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const helperEnv = "ZENCTL_CONFIG_TEST_HELPER"

// TestHelperProcess is the body of child processes started by other tests.
func TestHelperProcess(t *testing.T) {
	switch os.Getenv(helperEnv) {
	case "":
		t.Skip("helper process only")
	case "update":
		dir, id := os.Getenv("HELPER_DIR"), os.Getenv("HELPER_ID")
		n, _ := strconv.Atoi(os.Getenv("HELPER_N"))
		for i := range n {
			err := Update(dir, func(c *Config) error {
				c.UpsertServer(Server{URL: fmt.Sprintf("https://p%s-%d.example.com:8080/a.b", id, i), ServerName: id})
				return nil
			})
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(3)
			}
		}
		os.Exit(0)
	case "hold-lock":
		unlock, err := LockServer(context.Background(), os.Getenv("HELPER_DIR"), os.Getenv("HELPER_URL"), nil)
		if err != nil {
			fmt.Println("error", err)
			os.Exit(3)
		}
		fmt.Println("locked")
		time.Sleep(300 * time.Millisecond)
		unlock()
		os.Exit(0)
	default:
		t.Fatalf("unknown helper %q", os.Getenv(helperEnv))
	}
}

func helperCmd(name string, env ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	// GORACE: the race detector otherwise sleeps a second as a helper exits.
	cmd.Env = append(os.Environ(), append([]string{helperEnv + "=" + name, "GORACE=atexit_sleep_ms=0"}, env...)...)
	return cmd
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestDirFrom(t *testing.T) {
	t.Parallel()
	d, err := DirFrom(func(k string) string {
		if k == "ZENCTL_CONFIG_DIR" {
			return "/x/zen"
		}
		return ""
	})
	if err != nil || d != "/x/zen" {
		t.Fatalf("ZENCTL_CONFIG_DIR: %q, %v", d, err)
	}
}

func TestDirHonoursXDG(t *testing.T) {
	if runtime.GOOS == "darwin" || runtime.GOOS == "windows" {
		t.Skip("XDG_CONFIG_HOME is a Unix convention")
	}
	t.Setenv("ZENCTL_CONFIG_DIR", "")
	t.Setenv("XDG_CONFIG_HOME", "/xdg/conf")
	if d, err := Dir(); err != nil || d != "/xdg/conf/zenctl" {
		t.Fatalf("Dir = %q, %v", d, err)
	}
	t.Setenv("ZENCTL_CONFIG_DIR", "/elsewhere")
	if d, err := Dir(); err != nil || d != "/elsewhere" {
		t.Fatalf("ZENCTL_CONFIG_DIR must win: %q, %v", d, err)
	}
}

func TestLoadMissingIsEmpty(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "none")
	c, err := Load(dir)
	if err != nil || c.ActiveServer != "" || len(c.Servers) != 0 {
		t.Fatalf("%+v, %v", c, err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatal("Load must not create the dir")
	}
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "zenctl")
	exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	no := false
	servers := []Server{
		{
			URL: "http://127.0.0.1:8237/prefix.v1.2", ServerID: "7c9f0a1e-0000-4000-8000-000000000001", ServerName: "default",
			ServerVersion: "0.93.0", DeviceClientID: "0b8a2a64-5f45-4c1f-9a8e-000000000002", VerifySSL: &no,
			CACertPath: "/etc/ca.pem", ActiveAccount: "default",
			Accounts: []Account{{Name: "default", Type: AccountUser, AuthMethod: AuthDevice,
				TokenExpiresAt: &exp, SecretStore: "keyring", LastLogin: exp.Add(-time.Hour)}},
		},
		{URL: "https://zenml.example.com", Accounts: []Account{{Name: "ci", AuthMethod: AuthAPIKey, Type: AccountServiceAccount, SecretStore: "file"}}},
	}
	must(t, Update(dir, func(c *Config) error {
		c.ActiveServer = servers[0].URL
		c.Storage, c.Output, c.HTTPTimeout = "file", "json", 12
		for _, s := range servers {
			c.UpsertServer(s)
		}
		return nil
	}))
	c, err := Load(dir)
	must(t, err)
	if c.ActiveServer != servers[0].URL || c.Storage != "file" || c.Output != "json" || c.HTTPTimeout != 12 {
		t.Fatalf("settings: %+v", c)
	}
	if !reflect.DeepEqual(c.Servers, servers) {
		t.Fatalf("servers:\n got %+v\nwant %+v", c.Servers, servers)
	}
	if got := c.ServerURLs(); !reflect.DeepEqual(got, []string{servers[0].URL, servers[1].URL}) {
		t.Fatalf("ServerURLs %v", got)
	}
	// The URL is a value, never a key, in the file itself.
	data, _ := os.ReadFile(Path(dir))
	if !strings.Contains(string(data), "url: http://127.0.0.1:8237/prefix.v1.2\n") {
		t.Fatalf("file:\n%s", data)
	}
	for _, p := range []string{dir, Path(dir)} {
		fi, err := os.Stat(p)
		must(t, err)
		want := os.FileMode(0o600)
		if fi.IsDir() {
			want = 0o700
		}
		if fi.Mode().Perm() != want {
			t.Fatalf("%s mode %o, want %o", p, fi.Mode().Perm(), want)
		}
	}
}

func TestUnknownKeysSurvive(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	must(t, os.WriteFile(Path(dir), []byte("future_setting: 7\nservers:\n  - url: https://a\n    future_field: [1, 2]\n"), 0o600))
	must(t, Update(dir, func(c *Config) error {
		c.UpsertServer(Server{URL: "https://a", ServerName: "x"})
		c.UpsertServer(Server{URL: "https://b"})
		return nil
	}))
	data, _ := os.ReadFile(Path(dir))
	if !strings.Contains(string(data), "future_setting: 7") || !strings.Contains(string(data), "future_field:") {
		t.Fatalf("unknown keys lost:\n%s", data)
	}
}

func TestServerHelpers(t *testing.T) {
	t.Parallel()
	c := &Config{}
	c.UpsertServer(Server{URL: "https://a", ServerName: "one"})
	c.UpsertServer(Server{URL: "https://b"})
	c.UpsertServer(Server{URL: "https://a", ServerName: "two"})
	if len(c.Servers) != 2 || c.Server("https://a").ServerName != "two" {
		t.Fatalf("upsert: %+v", c.Servers)
	}
	c.Server("https://b").ActiveAccount = "x"
	if c.Servers[1].ActiveAccount != "x" {
		t.Fatal("Server must return a pointer into the config")
	}
	if c.Server("https://A") != nil || c.Server("https://a/") != nil {
		t.Fatal("URLs must compare verbatim")
	}
	c.ActiveServer = "https://a"
	if !c.RemoveServer("https://a") || c.ActiveServer != "" || c.Server("https://a") != nil {
		t.Fatalf("remove: %+v", c)
	}
	if c.RemoveServer("https://a") {
		t.Fatal("removed twice")
	}
}

func TestCorruptConfig(t *testing.T) {
	t.Parallel()
	for name, content := range map[string]string{
		"syntax":  "active_server: [unclosed\n",
		"type":    "servers:\n  url: not-a-list\n",
		"no-url":  "servers:\n  - server_name: x\n",
		"timeout": "http_timeout: soon\n",
	} {
		dir := t.TempDir()
		must(t, os.WriteFile(Path(dir), []byte(content), 0o600))
		_, err := Load(dir)
		if err == nil || !strings.Contains(err.Error(), Path(dir)) || !strings.Contains(err.Error(), "corrupt") ||
			!strings.Contains(err.Error(), "fix or remove it") || strings.Contains(err.Error(), "\n") {
			t.Fatalf("%s: Load: %v", name, err)
		}
		err = Update(dir, func(c *Config) error { c.Output = "json"; return nil })
		if err == nil || !strings.Contains(err.Error(), "corrupt") {
			t.Fatalf("%s: Update: %v", name, err)
		}
		if data, _ := os.ReadFile(Path(dir)); string(data) != content {
			t.Fatalf("%s: corrupt file was replaced", name)
		}
	}
}

func TestUpdateErrorWritesNothing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	must(t, Update(dir, func(c *Config) error { c.Output = "yaml"; return nil }))
	err := Update(dir, func(c *Config) error { c.Output = "json"; return fmt.Errorf("boom") })
	if err == nil || err.Error() != "boom" {
		t.Fatalf("got %v", err)
	}
	if c, _ := Load(dir); c.Output != "yaml" {
		t.Fatalf("failed update was written: %q", c.Output)
	}
}

func TestConcurrentUpdateGoroutines(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const n = 20
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- Update(dir, func(c *Config) error {
				c.UpsertServer(Server{URL: fmt.Sprintf("https://g%d.example.com", i)})
				return nil
			})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		must(t, err)
	}
	c, err := Load(dir)
	must(t, err)
	if len(c.Servers) != n {
		t.Fatalf("%d servers, want %d: %v", len(c.Servers), n, c.ServerURLs())
	}
}

func TestConcurrentUpdateProcesses(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const procs, per = 20, 5
	var wg sync.WaitGroup
	fails := make(chan string, procs)
	for p := range procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := helperCmd("update", "HELPER_DIR="+dir, fmt.Sprintf("HELPER_ID=%d", p), fmt.Sprintf("HELPER_N=%d", per)).CombinedOutput()
			if err != nil {
				fails <- fmt.Sprintf("proc %d: %v: %s", p, err, out)
			}
		}()
	}
	wg.Wait()
	close(fails)
	for f := range fails {
		t.Fatal(f)
	}
	c, err := Load(dir)
	must(t, err)
	for p := range procs {
		for i := range per {
			if c.Server(fmt.Sprintf("https://p%d-%d.example.com:8080/a.b", p, i)) == nil {
				t.Fatalf("lost p%d-%d (have %d servers)", p, i, len(c.Servers))
			}
		}
	}
}

func TestLockServerSerialises(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const url = "https://zenml.example.com:8080/a.b"
	unlock, err := LockServer(context.Background(), dir, url, nil)
	must(t, err)

	// A second holder waits; with a short deadline it gives up with a clear error.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := LockServer(ctx, dir, url, nil); err == nil || !strings.Contains(err.Error(), "another zenctl process") {
		t.Fatalf("second holder: %v", err)
	}
	// Other servers are independent.
	u2, err := LockServer(context.Background(), dir, "https://other.example.com", nil)
	must(t, err)
	u2()

	got := make(chan time.Time, 1)
	go func() {
		u, err := LockServer(context.Background(), dir, url, nil)
		if err != nil {
			t.Error(err)
			got <- time.Time{}
			return
		}
		got <- time.Now()
		u()
	}()
	time.Sleep(150 * time.Millisecond)
	released := time.Now()
	unlock()
	unlock() // idempotent
	if at := <-got; at.Before(released) {
		t.Fatal("second holder got the lock while the first held it")
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "locks"))
	for _, e := range entries {
		if !regexp.MustCompile(`^[0-9a-f]{16}\.lock(\.holder)?$`).MatchString(e.Name()) {
			t.Fatalf("lock file name %q", e.Name())
		}
	}
}

// A stuck holder (a process suspended with Ctrl-Z mid-renewal) makes
// others fail after the timeout even without a deadline of their own.
func TestLockServerWaitIsBounded(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const url = "https://zenml.example.com"
	unlock, err := LockServer(context.Background(), dir, url, nil)
	must(t, err)
	defer unlock()
	start := time.Now()
	_, err = lockServer(context.Background(), filepath.Join(dir, "locks"), url, 100*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "another zenctl process") {
		t.Fatalf("err = %v, want a timeout", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("gave up after %s", d)
	}
}

func TestLockServerAcrossProcesses(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const url = "http://127.0.0.1:8237"
	cmd := helperCmd("hold-lock", "HELPER_DIR="+dir, "HELPER_URL="+url)
	out, err := cmd.StdoutPipe()
	must(t, err)
	must(t, cmd.Start())
	buf := make([]byte, 7)
	if _, err := out.Read(buf); err != nil || string(buf) != "locked\n" {
		t.Fatalf("child: %q %v", buf, err)
	}
	start := time.Now()
	unlock, err := LockServer(context.Background(), dir, url, nil)
	must(t, err)
	unlock()
	if waited := time.Since(start); waited < 100*time.Millisecond {
		t.Fatalf("got the lock after %v while the child held it", waited)
	}
	must(t, cmd.Wait())
}

// A wait for a server's lock is said after LockNoticeAfter, naming the
// process that holds it.
func TestLockServerSaysWhoIsWaitedFor(t *testing.T) {
	dir := t.TempDir()
	const u = "https://zenml.example.com"
	defer func(d time.Duration) { LockNoticeAfter = d }(LockNoticeAfter)
	LockNoticeAfter = 20 * time.Millisecond
	unlock, err := LockServer(context.Background(), dir, u, nil)
	must(t, err)
	var said bytes.Buffer
	holder := make(chan int, 1)
	go func() {
		time.Sleep(200 * time.Millisecond)
		unlock()
	}()
	u2, err := LockServer(context.Background(), dir, u, func(pid int) {
		fmt.Fprint(&said, "waiting")
		holder <- pid
	})
	must(t, err)
	u2()
	select {
	case pid := <-holder:
		if pid != os.Getpid() {
			t.Errorf("holder pid %d, want %d", pid, os.Getpid())
		}
	default:
		t.Fatal("a 200 ms wait was not said")
	}
	// A lock that is free is taken without a word. The notice delay is
	// longer here: on a loaded machine taking even a free lock can outlast
	// 20 ms, and the point is that no wait is said once the lock is had.
	LockNoticeAfter = 500 * time.Millisecond
	u3, err := LockServer(context.Background(), dir, u, func(int) { t.Error("said a wait for a free lock") })
	must(t, err)
	time.Sleep(50 * time.Millisecond)
	u3()
}

// Two records of one account (or one server) would share one secret: a
// config that has them is refused, not used.
func TestDuplicateServersAndAccountsAreRefused(t *testing.T) {
	t.Parallel()
	for name, content := range map[string]string{
		"account twice": "servers:\n  - url: https://a\n    accounts:\n      - name: default\n      - name: default\n",
		"nameless":      "servers:\n  - url: https://a\n    accounts:\n      - type: user\n",
		"server twice":  "servers:\n  - url: https://a\n  - url: https://a\n",
	} {
		dir := t.TempDir()
		must(t, os.WriteFile(filepath.Join(dir, FileName), []byte(content), 0o600))
		if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "corrupt") {
			t.Errorf("%s: %v", name, err)
		}
	}
}
