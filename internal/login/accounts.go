package login

import "github.com/zenctl/zenctl/internal/config"

// ResolveAccount is ResolveServer for one named stored account of the
// server, whichever is active: `status --all` checks every stored login,
// since a deactivated user or a rotated-away key of an account that is not
// the active one fails just the same when it is used.
func (m *Manager) ResolveAccount(serverURL string, source config.Setting, name string) (*Target, error) {
	if err := m.migrate(); err != nil {
		return nil, err
	}
	if err := m.migrateErrs[serverURL]; err != nil {
		return m.unmovedTarget(serverURL, source, err), err
	}
	cfg, err := m.Config()
	if err != nil {
		return nil, err
	}
	s := cfg.Server(serverURL)
	if s == nil {
		return nil, m.notLoggedIn(serverURL, false)
	}
	a := s.Account(name)
	if a == nil {
		return nil, UnknownAccountError(s, name, "the config file")
	}
	t := &Target{URL: serverURL, URLSource: source, Server: s, TLS: m.TLSFor(serverURL, s),
		Account: a, AccountSource: config.SourceConfig, AuthMethod: a.AuthMethod}
	if a.AuthMethod == config.AuthNone {
		return t, nil
	}
	if t.Store, err = m.StoreOf(a); err != nil {
		t.Unreadable = err
		return t, err
	}
	t.SecretKey, err = m.secretKey(serverURL, a.Name)
	return t, err
}
