package config

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"

	"github.com/zenctl/zenctl/internal/atomicfile"
)

// LockServer takes a cross-process lock for one server, waiting until ctx
// is done, so that parallel zenctl processes refresh its token one at a
// time (the second finds a fresh token and reuses it). The lock file is
// <dir>/locks/<first 16 hex of sha256(url)>.lock: URLs are not file names.
func LockServer(ctx context.Context, dir, serverURL string) (unlock func(), err error) {
	locks := filepath.Join(dir, "locks")
	if err := atomicfile.EnsureDir(locks); err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(serverURL))
	return atomicfile.Lock(ctx, filepath.Join(locks, hex.EncodeToString(sum[:])[:16]+".lock"))
}
