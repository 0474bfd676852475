//go:build !unix

package atomicfile

import (
	"io/fs"
	"os"
)

// openNoFollow opens path. Windows has no O_NOFOLLOW; its per-user profile
// directory is what keeps other users out.
func openNoFollow(path string, flag int, perm fs.FileMode) (*os.File, error) {
	return os.OpenFile(path, flag, perm)
}

// checkOwnerAndMode has nothing to check where modes do not carry
// ownership and write permissions (ACLs do, on Windows).
func checkOwnerAndMode(string, fs.FileInfo, string) error { return nil }
