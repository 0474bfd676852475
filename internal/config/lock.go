package config

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/zenctl/zenctl/internal/atomicfile"
)

// LockServer takes a cross-process lock for one server, waiting until ctx
// is done, so that parallel zenctl processes refresh its token one at a
// time (the second finds a fresh token and reuses it). The lock file is
// <dir>/locks/<first 16 hex of sha256(url)>.lock: URLs are not file names.
// When the lock is still held by another process after LockNoticeAfter,
// waiting (if not nil) is called once with that process's id (0 if
// unknown), so that a wait is never silent.
func LockServer(ctx context.Context, dir, serverURL string, waiting func(holder int)) (unlock func(), err error) {
	locks := filepath.Join(dir, "locks")
	if err := atomicfile.EnsureDir(locks); err != nil {
		return nil, err
	}
	path := lockPath(locks, serverURL)
	if waiting != nil {
		t := time.AfterFunc(LockNoticeAfter, func() { waiting(readHolder(path)) })
		defer t.Stop()
	}
	unlock, err = lockServer(ctx, locks, serverURL, ServerLockTimeout)
	if err == nil {
		// Who holds it, for the processes that will wait (see above).
		_ = atomicfile.WriteFile(path+".holder", []byte(strconv.Itoa(os.Getpid())), 0o600)
	}
	return unlock, err
}

// LockNoticeAfter is how long a wait for a server's lock goes unsaid.
var LockNoticeAfter = time.Second

func lockPath(locks, serverURL string) string {
	sum := sha256.Sum256([]byte(serverURL))
	return filepath.Join(locks, hex.EncodeToString(sum[:])[:16]+".lock")
}

// readHolder is the process id the lock's last holder wrote, or 0.
func readHolder(lockPath string) int {
	data, err := atomicfile.ReadFile(lockPath + ".holder")
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(data)))
	return pid
}

func lockServer(ctx context.Context, locks, serverURL string, timeout time.Duration) (unlock func(), err error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return atomicfile.Lock(ctx, lockPath(locks, serverURL))
}

// ServerLockTimeout bounds the wait for a server's lock. Its holder renews
// a token: a login exchange (30 s timeout by default, more with
// ZENCTL_HTTP_TIMEOUT, plus retries with backoff after quick failures) and
// a keyring write; a longer wait means that process is stuck (or suspended
// with Ctrl-Z), and an error beats a silent hang. A token that still works
// does not wait this long: see zenml.Session.
const ServerLockTimeout = 5 * time.Minute
