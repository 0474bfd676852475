package atomicfile

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const helperEnv = "ZENCTL_ATOMICFILE_TEST_HELPER"

// TestHelperProcess is the body of child processes started by other tests.
func TestHelperProcess(t *testing.T) {
	if os.Getenv(helperEnv) != "crash-mid-write" {
		t.Skip("helper process only")
	}
	path := os.Getenv("HELPER_PATH")
	// Hold the lock with a half-written temp file, then wait to be killed:
	// the state a writer is in when it dies before the rename.
	_ = Update(path, 0o600, func(old []byte, _ bool) ([]byte, error) {
		f, err := os.CreateTemp(filepath.Dir(path), tempPrefix(path)+"*")
		if err != nil {
			return nil, err
		}
		_, _ = f.WriteString(`{"half": `)
		fmt.Println("writing")
		time.Sleep(time.Minute)
		return nil, errors.New("not killed")
	})
	os.Exit(1)
}

func TestCrashBeforeRenameKeepsOldFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	must(t, Update(path, 0o600, func([]byte, bool) ([]byte, error) { return []byte(`{"v": 1}`), nil }))

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), helperEnv+"=crash-mid-write", "HELPER_PATH="+path, "GORACE=atexit_sleep_ms=0")
	out, err := cmd.StdoutPipe()
	must(t, err)
	must(t, cmd.Start())
	sc := bufio.NewScanner(out)
	for sc.Scan() && sc.Text() != "writing" {
	}
	must(t, cmd.Process.Kill())
	_ = cmd.Wait()

	if data, _ := os.ReadFile(path); string(data) != `{"v": 1}` {
		t.Fatalf("file after crash: %q", data)
	}
	// The dead writer's lock is gone with it, and its temp file is removed
	// by the next writer.
	must(t, Update(path, 0o600, func(old []byte, exists bool) ([]byte, error) {
		if !exists || string(old) != `{"v": 1}` {
			t.Errorf("next writer saw %q", old)
		}
		return []byte(`{"v": 2}`), nil
	}))
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Fatalf("temp file %s left behind", e.Name())
		}
	}
}

func TestWriteFileMode(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "f")
	must(t, os.WriteFile(path, []byte("old"), 0o644))
	must(t, WriteFile(path, []byte("new"), 0o600))
	fi, err := os.Stat(path)
	must(t, err)
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %o", fi.Mode().Perm())
	}
}

func TestUpdateFnErrorLeavesFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "f")
	must(t, os.WriteFile(path, []byte("old"), 0o600))
	boom := errors.New("boom")
	if err := Update(path, 0o600, func([]byte, bool) ([]byte, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Fatalf("got %v", err)
	}
	if data, _ := os.ReadFile(path); string(data) != "old" {
		t.Fatalf("file changed: %q", data)
	}
}

func TestLockCancelled(t *testing.T) {
	t.Parallel()
	lock := filepath.Join(t.TempDir(), "x.lock")
	unlock, err := Lock(context.Background(), lock)
	must(t, err)
	defer unlock()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Lock(ctx, lock); err == nil || !strings.Contains(err.Error(), "interrupted") {
		t.Fatalf("got %v", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
