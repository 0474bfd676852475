package credentials

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

// helperEnv selects what TestHelperProcess does when the test binary is
// re-executed as a child process.
const helperEnv = "ZENCTL_CREDENTIALS_TEST_HELPER"

// TestHelperProcess is not a test: it is the body of child processes that
// other tests start (os.Args[0] -test.run=^TestHelperProcess$).
func TestHelperProcess(t *testing.T) {
	switch os.Getenv(helperEnv) {
	case "":
		t.Skip("helper process only")
	case "file-writer":
		// Each child writes its own servers, racing the other children.
		dir, id := os.Getenv("HELPER_DIR"), os.Getenv("HELPER_ID")
		n, _ := strconv.Atoi(os.Getenv("HELPER_N"))
		st := NewFileStore(dir)
		for i := range n {
			server := fmt.Sprintf("https://proc-%s-%d.example.com:8080/p", id, i)
			if err := st.Set(server, Secret{APIKey: "key-" + id}); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(3)
			}
		}
		os.Exit(0)
	case "open":
		// Open with whatever DBUS_SESSION_BUS_ADDRESS the parent set; prints
		// the outcome on one line.
		start := time.Now()
		st, err := Open(Options{
			Explicit: os.Getenv("HELPER_EXPLICIT") == "1",
			Dir:      os.Getenv("HELPER_DIR"),
			Warn:     os.Stderr,
			RecordFallback: func(m Mode) error {
				fmt.Fprintln(os.Stderr, "recorded", m)
				return nil
			},
		})
		el := time.Since(start).Round(time.Millisecond)
		if err != nil {
			fmt.Printf("error %s %v\n", el, err)
		} else {
			fmt.Printf("store %s %s\n", el, st.Kind())
		}
		os.Exit(0)
	default:
		t.Fatalf("unknown helper %q", os.Getenv(helperEnv))
	}
}

func helperCmd(t *testing.T, name string, env ...string) *exec.Cmd {
	t.Helper()
	return helperCmdContext(context.Background(), name, env...)
}

// helperCmdContext is helperCmd killed when ctx ends, for children that
// might hang if the code under test regressed.
func helperCmdContext(ctx context.Context, name string, env ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHelperProcess$")
	// GORACE: the race detector otherwise sleeps a second as a helper exits.
	cmd.Env = append(os.Environ(), append([]string{helperEnv + "=" + name, "GORACE=atexit_sleep_ms=0"}, env...)...)
	return cmd
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
