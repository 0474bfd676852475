package main

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/zenctl/zenctl/internal/atomicfile"
)

// The zenctl processes are this test binary (see runAsZenctl). Built with
// the race detector, every one of them spends about 20 ms of CPU starting
// the detector; the suite starts some 800 of them, and that was half of its
// time. So, under the race detector, most of them run a copy of this test
// binary built without it: the same code, the same TestMain, a few
// milliseconds each. The processes whose goroutines race with each other —
// those a test interrupts with a signal (cli.start) and zenctl exec's —
// still run this binary, under the detector; the packages' own tests run
// the rest of the code under it in-process.
var (
	// zenctlBinary runs most zenctl processes.
	zenctlBinary string
	// raceBinary runs those that test signals; this test binary.
	raceBinary string
)

// findBinaries sets zenctlBinary and raceBinary; the returned func removes
// what it built.
func findBinaries() (cleanup func(), err error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	zenctlBinary, raceBinary = exe, exe
	if !raceDetector {
		return func() {}, nil
	}
	dir, err := os.MkdirTemp("", "zenctl-e2e")
	if err != nil {
		return nil, err
	}
	cleanup = func() { os.RemoveAll(dir) }
	path, err := buildWithoutRaceDetector(dir)
	if err != nil {
		// Slower, not wrong: say so and go on with this binary.
		fmt.Fprintf(os.Stderr, "cmd/zenctl tests: %v; the zenctl processes run under the race detector\n", err)
		return cleanup, nil
	}
	zenctlBinary = path
	return cleanup, nil
}

// buildWithoutRaceDetector builds this package's test binary without the
// race detector into dir. The build goes to a directory kept between runs
// (per user and checkout), where the go command skips the link when
// nothing changed; each run then works on its own copy, so a concurrent
// run that rebuilds cannot swap the program under it.
func buildWithoutRaceDetector(dir string) (string, error) {
	// go test puts the go command that runs it first in PATH.
	goTool, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("no go command to build a zenctl without the race detector: %v", err)
	}
	path := filepath.Join(dir, "zenctl.test")
	build := func(out string) error {
		cmd := exec.Command(goTool, "test", "-c", "-o", out, ".")
		cmd.Env = append(os.Environ(), "GOFLAGS=") // not -race from the environment
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("building a zenctl without the race detector: %v\n%s", err, out)
		}
		return nil
	}
	kept, unlock, err := keptBuildDir()
	if err != nil {
		return path, build(path) // no reuse, same result
	}
	defer unlock()
	if err := build(filepath.Join(kept, "zenctl.test")); err != nil {
		return "", err
	}
	return path, copyExecutable(filepath.Join(kept, "zenctl.test"), path)
}

// keptBuildDir is the directory kept between runs, locked.
func keptBuildDir() (string, func(), error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", nil, err
	}
	sum := sha256.Sum256([]byte(wd))
	kept := filepath.Join(os.TempDir(), fmt.Sprintf("zenctl-e2e-%d-%x", os.Getuid(), sum[:8]))
	if err := atomicfile.EnsureDir(kept); err != nil {
		return "", nil, err
	}
	if err := atomicfile.CheckDir(kept); err != nil {
		return "", nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	unlock, err := atomicfile.Lock(ctx, filepath.Join(kept, "lock"))
	if err != nil {
		return "", nil, err
	}
	return kept, unlock, nil
}

func copyExecutable(from, to string) error {
	data, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, data, 0o700)
}
