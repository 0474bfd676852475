package login

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/zenctl/zenctl/internal/config"
)

// HoldServer takes the server's lock for a stretch that makes a secret on
// the server and stores it — `api-key rotate --set-key`: the rotation,
// the check of the new key and its save — so that another zenctl's
// rotation of the same key cannot fall between them. Checking the key
// under the lock is not enough: a rotation that comes after the check
// kills the key this process then stores and reports as working. With
// the rotation inside the lock, two rotations run one after the other,
// and the key stored is always that of the later.
//
// intent names what the stretch makes (one API key). While this process
// waits for the lock, a file beside it says so, so that the holder with
// the same intent learns that a later one is queued (QueuedAfter) and can
// say its key is about to be superseded.
//
// Within the stretch, this manager's own takes of that lock (a token
// renewal of the command's client, the save) pass through: they are the
// stretch's own work, and waiting for themselves would never end.
func (m *Manager) HoldServer(ctx context.Context, serverURL, intent string) (release func(), err error) {
	var nonce [8]byte
	_, _ = rand.Read(nonce[:])
	queued := m.queuePrefix(serverURL, intent) + strconv.Itoa(os.Getpid()) + "-" + hex.EncodeToString(nonce[:])
	if err := config.EnsureDir(filepath.Dir(queued)); err != nil {
		return nil, err
	}
	_ = os.WriteFile(queued, nil, 0o600) // best effort: only a notice depends on it
	unlock, err := m.Lock(ctx, serverURL)
	_ = os.Remove(queued)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	if m.held == nil {
		m.held = map[string]bool{}
	}
	m.held[serverURL] = true
	m.mu.Unlock()
	return func() {
		m.mu.Lock()
		delete(m.held, serverURL)
		m.mu.Unlock()
		unlock()
	}, nil
}

// QueuedAfter reports whether another process waits for the server's lock
// to do what intent names (HoldServer) — its rotation of the key will
// supersede the one this process holds. A file older than the lock's
// timeout is a process that died waiting, and is ignored.
func (m *Manager) QueuedAfter(serverURL, intent string) bool {
	// This process's own file went when it took the lock: any left is
	// another's.
	files, _ := filepath.Glob(m.queuePrefix(serverURL, intent) + "*")
	for _, f := range files {
		if fi, err := os.Stat(f); err == nil && time.Since(fi.ModTime()) < config.ServerLockTimeout {
			return true
		}
	}
	return false
}

func (m *Manager) queuePrefix(serverURL, intent string) string {
	sum := sha256.Sum256([]byte(serverURL + "\x00" + intent))
	return filepath.Join(m.Dir, "locks", "queued-"+hex.EncodeToString(sum[:8])+"-")
}

func (m *Manager) holding(serverURL string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.held[serverURL]
}
