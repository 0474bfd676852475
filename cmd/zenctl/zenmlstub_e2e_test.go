//go:build unix

package main

import (
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// fakeZenml (the test binary run with fakeZenmlArg) stands in for the
// zenml Python client, which the tests put first on the PATH as `zenml`:
// it writes into its config directory exactly what the real 0.58.2 and
// 0.85.0 clients write when handed a token (shared/zenml-api.md §10),
// whatever DISABLE_CREDENTIALS_DISK_CACHING says — the worst case.

// Variables the tests give the fake zenml.
const (
	// fakeZenmlVersion: "0.58.2" or "0.85.0" (the default).
	fakeZenmlVersion = "ZENCTL_E2E_FAKE_ZENML_VERSION"
	// fakeZenmlWitness: a file outside the config directory where it
	// appends the token it wrote, so a test knows what to look for.
	fakeZenmlWitness = "ZENCTL_E2E_FAKE_ZENML_WITNESS"
	// fakeZenmlBarrier: DIR:N — after writing, wait until N fake zenml
	// processes have written (concurrent execs).
	fakeZenmlBarrier = "ZENCTL_E2E_FAKE_ZENML_BARRIER"
	// fakeZenmlLock: a file the fake zenml processes lock around their
	// writes, so that they do not lose each other's entries.
	fakeZenmlLock = "ZENCTL_E2E_FAKE_ZENML_LOCK"
)

// installFakeZenml puts a `zenml` script first on c's PATH that runs the
// fake zenml.
func installFakeZenml(t *testing.T, c *cli) {
	t.Helper()
	bin := t.TempDir()
	script := "#!/bin/sh\nexec '" + zenctlBinary + "' " + fakeZenmlArg + " \"$@\"\n"
	if err := os.WriteFile(filepath.Join(bin, "zenml"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	c.env["PATH"] = bin + string(os.PathListSeparator) + os.Getenv("PATH")
}

// fakeZenml is the main of the fake zenml client. With --wait-for-signal
// it prints "ready" once it has written and exits 128+N on signal N.
func fakeZenml(args []string) int {
	waits := len(args) > 0 && args[0] == "--wait-for-signal"
	var signals chan os.Signal
	if waits {
		signals = make(chan os.Signal, 1)
		signal.Notify(signals, syscall.SIGHUP, syscall.SIGTERM, syscall.SIGINT, syscall.SIGQUIT)
	}
	if err := fakeZenmlWrite(); err != nil {
		fmt.Fprintln(os.Stderr, "fake zenml:", err)
		return 1
	}
	fakeZenmlAwaitOthers()
	if !waits {
		return 0
	}
	fmt.Println("ready")
	sig := <-signals
	return 128 + int(sig.(syscall.Signal))
}

func fakeZenmlDir() string {
	if d := os.Getenv("ZENML_CONFIG_PATH"); d != "" {
		return d
	}
	if d := os.Getenv("XDG_CONFIG_HOME"); d != "" {
		return filepath.Join(d, "zenml")
	}
	return filepath.Join(os.Getenv("HOME"), ".config", "zenml")
}

func fakeZenmlWrite() error {
	dir := fakeZenmlDir()
	token, url := os.Getenv("ZENML_STORE_API_TOKEN"), os.Getenv("ZENML_STORE_URL")
	if err := os.MkdirAll(filepath.Join(dir, "local_stores"), 0o755); err != nil {
		return err
	}
	if lock := os.Getenv(fakeZenmlLock); lock != "" {
		f, err := os.OpenFile(lock, os.O_CREATE|os.O_RDWR, 0o600)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := lockExclusive(f); err != nil {
			return err
		}
	}
	version := os.Getenv(fakeZenmlVersion)
	if version == "" {
		version = "0.85.0"
	}
	cfg := readYAMLMap(filepath.Join(dir, "config.yaml"))
	setDefault(cfg, "active_stack_id", "1cfb740b-5e3c-4a73-9d5c-0c1f1f3f2a11")
	setDefault(cfg, "analytics_opt_in", true)
	setDefault(cfg, "user_id", "4db420e3-2b6c-4f2b-8a4e-3d7c6a1c9f00")
	cfg["version"] = version
	store := map[string]any{"http_timeout": 30, "type": "rest", "url": url, "verify_ssl": true}
	if version == "0.58.2" {
		setDefault(cfg, "active_workspace_name", "default")
		store["api_token"] = token
	} else {
		setDefault(cfg, "active_project_id", "2a0e1c64-7d0a-4b7e-9c1a-6c1b6f1e0d22")
	}
	cfg["store"] = store
	if err := writeYAMLMap(filepath.Join(dir, "config.yaml"), cfg); err != nil {
		return err
	}
	if version != "0.58.2" {
		path := filepath.Join(dir, "credentials.yaml")
		creds := readYAMLMap(path)
		entry, _ := creds[url].(map[string]any)
		if entry == nil {
			entry = map[string]any{}
		}
		entry["api_token"] = map[string]any{"access_token": token}
		entry["url"] = url
		creds[url] = entry
		if err := writeYAMLMap(path, creds); err != nil {
			return err
		}
	}
	if w := os.Getenv(fakeZenmlWitness); w != "" {
		f, err := os.OpenFile(w, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = fmt.Fprintln(f, token)
		return err
	}
	return nil
}

// fakeZenmlAwaitOthers holds this process until the others of the barrier
// have written too, so that their tokens are in the files at once.
func fakeZenmlAwaitOthers() {
	spec := os.Getenv(fakeZenmlBarrier)
	dir, nText, ok := strings.Cut(spec, ":")
	if !ok {
		return
	}
	n, _ := strconv.Atoi(nText)
	_ = os.WriteFile(filepath.Join(dir, strconv.Itoa(os.Getpid())), nil, 0o600)
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if entries, _ := os.ReadDir(dir); len(entries) >= n {
			return
		}
	}
}

func readYAMLMap(path string) map[string]any {
	m := map[string]any{}
	if data, err := os.ReadFile(path); err == nil {
		_ = yaml.Unmarshal(data, &m)
	}
	if m == nil {
		m = map[string]any{}
	}
	return m
}

// writeYAMLMap writes as the Python client does: open(path, "w"), so an
// existing file keeps its mode and a new one gets 0666 less the umask.
func writeYAMLMap(path string, m map[string]any) error {
	data, err := yaml.Marshal(m)
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o666)
}

func setDefault(m map[string]any, key string, v any) {
	if _, ok := m[key]; !ok {
		m[key] = v
	}
}
