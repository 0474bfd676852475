// Package build holds the version stamped into release binaries.
package build

import (
	"runtime/debug"
	"strings"
)

// Set by the release build's ldflags (see .goreleaser.yaml).
var (
	Version = ""
	Commit  = ""
	Date    = ""
)

// Info is the version, commit and build date, falling back to the module
// build info that `go install` records when ldflags did not set them.
func Info() (version, commit, date string) {
	version, commit, date = Version, Commit, Date
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return orDefault(version, "dev"), commit, date
	}
	if version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		version = strings.TrimPrefix(bi.Main.Version, "v")
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			if commit == "" {
				commit = s.Value
			}
		case "vcs.time":
			if date == "" {
				date = s.Value
			}
		}
	}
	return orDefault(version, "dev"), commit, date
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
