package login

import "github.com/zenctl/zenctl/internal/config"

// ResolveAccount is ResolveServer for one named stored account of the
// server, whichever is active: `status --all` checks every stored login,
// since a deactivated user or a rotated-away key of an account that is not
// the active one fails just the same when it is used.
func (m *Manager) ResolveAccount(serverURL string, source config.Setting, name string) (*Target, error) {
	cfg, unmoved, err := m.migratedConfig(serverURL, source)
	if err != nil {
		return unmoved, err
	}
	t, err := m.resolver().AccountTarget(cfg, serverURL, source, name)
	if err != nil {
		return nil, err
	}
	return m.withSecretStore(t)
}
