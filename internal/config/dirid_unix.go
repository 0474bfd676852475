//go:build unix

package config

import (
	"fmt"
	"os"
	"syscall"
)

// DirIdentity names a directory itself, not its path: a directory moved
// keeps it, a copy gets another. "" when it cannot be read.
func DirIdentity(dir string) string {
	fi, err := os.Stat(dir)
	if err != nil {
		return ""
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return fmt.Sprintf("%d:%d", st.Dev, st.Ino)
	}
	return "path:" + dir
}
