// The benchmarks run on Linux (bench/run.sh); signals and rusage are Unix.

//go:build unix

// Command measure is bench/run.sh's stand-in for hyperfine and GNU time:
// it runs a command repeatedly and prints medians, and it reads medians
// out of a hyperfine JSON export.
//
//	measure run [-n 30] [-warmup 3] -- CMD [ARGS...]
//	    runs CMD (stdin /dev/null, stdout discarded) -warmup times
//	    unmeasured and -n times measured; prints
//	    "median_ms=… min_ms=… max_ms=… rss_median_kb=… rss_max_kb=…"
//	    (peak RSS from getrusage of each child). Exits 1 if any run fails.
//	measure hyperfine FILE...
//	    prints "median_ms=…" for each command of hyperfine --export-json
//	    files, in order; with several files (rounds of the same commands)
//	    the median is over the runs of all rounds.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	switch os.Args[1] {
	case "run":
		os.Exit(runCmd(os.Args[2:]))
	case "hyperfine":
		os.Exit(hyperfineCmd(os.Args[2:]))
	}
	usage()
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: measure run [-n N] [-warmup W] -- CMD [ARGS...] | measure hyperfine FILE...")
	os.Exit(2)
}

func runCmd(args []string) int {
	fs := flag.NewFlagSet("run", flag.ExitOnError)
	n := fs.Int("n", 30, "measured runs")
	warmup := fs.Int("warmup", 3, "unmeasured runs first")
	_ = fs.Parse(args)
	argv := fs.Args()
	if len(argv) == 0 || *n < 1 {
		usage()
	}
	var wall []float64
	var rss []int64
	for i := range *warmup + *n {
		ms, kb, err := once(argv)
		if err != nil {
			fmt.Fprintf(os.Stderr, "measure: %v\n", err)
			return 1
		}
		if i >= *warmup {
			wall = append(wall, ms)
			rss = append(rss, kb)
		}
	}
	slices.Sort(wall)
	slices.Sort(rss)
	fmt.Printf("median_ms=%.3f min_ms=%.3f max_ms=%.3f rss_median_kb=%d rss_max_kb=%d\n",
		medianF(wall), wall[0], wall[len(wall)-1], rss[len(rss)/2], rss[len(rss)-1])
	return 0
}

// once runs argv and returns its wall time in ms and its peak RSS in KiB
// (Linux reports ru_maxrss in KiB).
func once(argv []string) (float64, int64, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	elapsed := time.Since(start)
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %v: %s", argv[0], err, bytes.TrimSpace(stderr.Bytes()))
	}
	var kb int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		kb = ru.Maxrss
	}
	return float64(elapsed.Microseconds()) / 1000, kb, nil
}

func medianF(sorted []float64) float64 {
	m := len(sorted) / 2
	if len(sorted)%2 == 1 {
		return sorted[m]
	}
	return (sorted[m-1] + sorted[m]) / 2
}

func hyperfineCmd(files []string) int {
	if len(files) == 0 {
		usage()
	}
	var times [][]float64 // per command, seconds
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			fmt.Fprintf(os.Stderr, "measure: %v\n", err)
			return 1
		}
		var export struct {
			Results []struct {
				Times []float64 `json:"times"`
			} `json:"results"`
		}
		if err := json.Unmarshal(data, &export); err != nil {
			fmt.Fprintf(os.Stderr, "measure: %s: %v\n", file, err)
			return 1
		}
		for i, r := range export.Results {
			if i == len(times) {
				times = append(times, nil)
			}
			times[i] = append(times[i], r.Times...)
		}
	}
	for _, t := range times {
		if len(t) == 0 {
			fmt.Fprintln(os.Stderr, "measure: no runs recorded")
			return 1
		}
		slices.Sort(t)
		fmt.Printf("median_ms=%.3f\n", medianF(t)*1000)
	}
	return 0
}
