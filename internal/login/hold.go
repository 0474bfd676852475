package login

import "context"

// HoldServer takes the server's lock for a stretch that makes a secret on
// the server and stores it — `api-key rotate --set-key`: the rotation,
// the check of the new key and its save — so that another zenctl's
// rotation of the same key cannot fall between them. Checking the key
// under the lock is not enough: a rotation that comes after the check
// kills the key this process then stores and reports as working. With
// the rotation inside the lock, two rotations run one after the other,
// and the key stored is always that of the later.
//
// Within the stretch, this manager's own takes of that lock (a token
// renewal of the command's client, the save) pass through: they are the
// stretch's own work, and waiting for themselves would never end.
func (m *Manager) HoldServer(ctx context.Context, serverURL string) (release func(), err error) {
	unlock, err := m.Lock(ctx, serverURL)
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

func (m *Manager) holding(serverURL string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.held[serverURL]
}
