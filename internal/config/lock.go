package config

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"
	"time"

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
	return lockServer(ctx, locks, serverURL, ServerLockTimeout)
}

func lockServer(ctx context.Context, locks, serverURL string, timeout time.Duration) (unlock func(), err error) {
	sum := sha256.Sum256([]byte(serverURL))
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return atomicfile.Lock(ctx, filepath.Join(locks, hex.EncodeToString(sum[:])[:16]+".lock"))
}

// ServerLockTimeout bounds the wait for a server's lock. Its holder renews
// a token: a login exchange (30 s timeout by default, more with
// ZENCTL_HTTP_TIMEOUT, plus retries with backoff after quick failures) and
// a keyring write; a longer wait means that process is stuck (or suspended
// with Ctrl-Z), and an error beats a silent hang. A token that still works
// does not wait this long: see zenml.Session.
const ServerLockTimeout = 5 * time.Minute
