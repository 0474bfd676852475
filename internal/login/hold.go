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

// ServerQueue is a place in line for the server's lock, announced from
// the start of a command that will make a secret on the server and store
// it — `api-key rotate --set-key`: the rotation, the check of the new key
// and its save run under the lock (Hold), so that another zenctl's
// rotation of the same key cannot fall between them. Checking the key
// under the lock is not enough: a rotation that comes after the check
// kills the key this process then stores and reports as working. With
// the rotation inside the lock, two rotations run one after the other,
// and the key stored is always that of the later.
//
// The announcement is a file beside the lock naming the intent (one API
// key), written before the command's first request, so that a holder
// with the same intent learns that a later one is coming (QueuedAfter)
// and can say its key is about to be superseded.
type ServerQueue struct {
	m              *Manager
	url, file      string
	prefix, intent string
}

// Queue announces that this process will hold the server's lock for
// intent; Hold takes it, Leave withdraws.
func (m *Manager) Queue(serverURL, intent string) *ServerQueue {
	var nonce [8]byte
	_, _ = rand.Read(nonce[:])
	q := &ServerQueue{m: m, url: serverURL, intent: intent, prefix: m.queuePrefix(serverURL, intent)}
	q.file = q.prefix + strconv.Itoa(os.Getpid()) + "-" + hex.EncodeToString(nonce[:])
	if config.EnsureDir(filepath.Dir(q.file)) == nil {
		_ = os.WriteFile(q.file, nil, 0o600) // best effort: only a notice depends on it
	}
	return q
}

// Leave withdraws the announcement (the command ends without the lock).
func (q *ServerQueue) Leave() { _ = os.Remove(q.file) }

// Hold takes the server's lock and withdraws the announcement. Within the
// hold, this manager's own takes of that lock (a token renewal of the
// command's client, the save) pass through: they are the stretch's own
// work, and waiting for themselves would never end.
func (q *ServerQueue) Hold(ctx context.Context) (release func(), err error) {
	unlock, err := q.m.Lock(ctx, q.url)
	q.Leave()
	if err != nil {
		return nil, err
	}
	m := q.m.store()
	m.mu.Lock()
	if m.held == nil {
		m.held = map[string]bool{}
	}
	m.held[q.url] = true
	m.mu.Unlock()
	return func() {
		m.mu.Lock()
		delete(m.held, q.url)
		m.mu.Unlock()
		unlock()
	}, nil
}

// QueuedAfter reports, while the lock is held, whether another process
// announced the same intent — its rotation of the key will supersede the
// one this process holds. A file older than the lock's timeout is a
// process that died, and is ignored.
func (q *ServerQueue) QueuedAfter() bool {
	// This process's own file went when it took the lock: any left is
	// another's.
	files, _ := filepath.Glob(q.prefix + "*")
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

func (m *Store) holding(serverURL string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.held[serverURL]
}
