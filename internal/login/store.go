package login

import (
	"context"
	"time"

	"github.com/zenctl/zenctl/internal/config"
	"github.com/zenctl/zenctl/internal/credentials"
	"github.com/zenctl/zenctl/pkg/zenml"
)

// The Manager's writes and config reads are its Store's; these keep the
// callers' API.

// SetConfig is Store.SetConfig.
func (m *Manager) SetConfig(cfg *config.Config) { m.store().SetConfig(cfg) }

// Config is Store.Config.
func (m *Manager) Config() (*config.Config, error) { return m.store().Config() }

// Save is Store.Save.
func (m *Manager) Save(ctx context.Context, l Login) (Saved, error) { return m.store().Save(ctx, l) }

func (m *Manager) saveLocked(ctx context.Context, l Login) (Saved, error) {
	return m.store().saveLocked(ctx, l)
}

// UpdateServer is Store.UpdateServer.
func (m *Manager) UpdateServer(ctx context.Context, t *Target, info *zenml.ServerInfo, tls TLS) error {
	return m.store().UpdateServer(ctx, t, info, tls)
}

// Move is Store.Move.
func (m *Manager) Move(ctx context.Context, t *Target, to credentials.SecretStore) error {
	return m.store().Move(ctx, t, to)
}

// UpdatePassword is Store.UpdatePassword.
func (m *Manager) UpdatePassword(ctx context.Context, t *Target, password string) (bool, error) {
	return m.store().UpdatePassword(ctx, t, password)
}

// StoredExpiry is Store.StoredExpiry.
func (m *Manager) StoredExpiry(serverURL string, a *config.Account) (time.Time, bool) {
	return m.store().StoredExpiry(serverURL, a)
}

// Logout is Store.Logout.
func (m *Manager) Logout(ctx context.Context, req Logout) (LoggedOut, error) {
	return m.store().Logout(ctx, req)
}

// ClearAll is Store.ClearAll.
func (m *Manager) ClearAll(ctx context.Context) (int, error) { return m.store().ClearAll(ctx) }

// Switch is Store.Switch.
func (m *Manager) Switch(serverURL, account string) error {
	return m.store().Switch(serverURL, account)
}

// Lock is Store.Lock.
func (m *Manager) Lock(ctx context.Context, serverURL string) (func(), error) {
	return m.store().Lock(ctx, serverURL)
}

// NewStore is Store.NewStore.
func (m *Manager) NewStore() (credentials.SecretStore, error) { return m.store().NewStore() }

// StoreOf is Store.StoreOf.
func (m *Manager) StoreOf(a *config.Account) (credentials.SecretStore, error) {
	return m.store().StoreOf(a)
}

func (m *Manager) secretKey(serverURL, account string) (string, error) {
	return m.store().secretKey(serverURL, account)
}

func (m *Manager) sayWaiting(serverURL string) func(holder int) {
	return m.store().sayWaiting(serverURL)
}

func (m *Manager) migrate() error { return m.store().migrate() }

// migrateErr is why serverURL's login of the older layout was not moved.
func (m *Manager) migrateErr(serverURL string) error { return m.store().migrateErrs[serverURL] }
