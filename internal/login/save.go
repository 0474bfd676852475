package login

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/zenctl/zenctl/internal/config"
	"github.com/zenctl/zenctl/internal/credentials"
	"github.com/zenctl/zenctl/pkg/zenml"
)

// Login is a login that succeeded, to be stored.
type Login struct {
	URL  string
	Info *zenml.ServerInfo // nil keeps the server facts recorded before
	// Account is the identity the server reported for the new token.
	Account string
	Type    string // config.Account*
	Method  string // config.Auth*
	Secret  credentials.Secret
	// TLS, when set, is recorded for the server.
	TLS            *TLS
	DeviceClientID string
	// Store receives the secret (Manager.NewStore); nil for AuthNone.
	Store credentials.SecretStore
	// ServerID, when Info is nil, is the id of the server the secret came
	// from (an adopted key: the one the rotating account trusts).
	ServerID string
	// KeepActiveServer leaves the active server as it is (an import, a
	// key adopted for an account); otherwise this server becomes active.
	KeepActiveServer bool
	// KeepActiveAccount leaves the server's active account as it is (a key
	// adopted for another account than the one in use); otherwise this
	// account becomes active. A server without an active account gets
	// this one either way.
	KeepActiveAccount bool
}

// Saved says what a save changed, for the command's message.
type Saved struct {
	// Added is true when the account was not stored on the server before.
	Added bool
	// PreviousAccount is the server's active account before, if another.
	PreviousAccount string
	Location        string
	// Inactive, for an adopted key, says why it could not be tried: the
	// key works once the account is active again.
	Inactive string
}

// AccountType is the config.Account* of a user the server reported.
func AccountType(u *zenml.User) string {
	if u.Body.IsServiceAccount {
		return config.AccountServiceAccount
	}
	return config.AccountUser
}

// Save stores a login under the server's lock: the secret first, then the
// record, then — when the account's secret moved to another store — the
// old copy is deleted, only now that exactly one other exists.
func (m *Store) Save(ctx context.Context, l Login) (Saved, error) {
	if err := m.migrate(); err != nil {
		return Saved{}, err
	}
	unlock, err := m.Lock(ctx, l.URL)
	if err != nil {
		return Saved{}, err
	}
	defer unlock()
	return m.saveLocked(ctx, l)
}

// saveLocked is Save with the server's lock held by the caller.
func (m *Store) saveLocked(ctx context.Context, l Login) (Saved, error) {
	defer writing(ctx, "the login of "+l.Account+" on "+l.URL)()
	key, err := m.secretKey(l.URL, l.Account)
	if err != nil {
		return Saved{}, err
	}
	if l.Store != nil {
		if err := l.Store.Set(key, l.Secret); err != nil {
			return Saved{}, err
		}
	}
	var saved Saved
	var before *config.Account
	m.mu.Lock()
	fallback := m.fallback
	m.mu.Unlock()
	err = m.update(func(c *config.Config) error {
		if fallback != "" && l.Store != nil && l.Store.Kind() == string(fallback) {
			c.Storage = string(fallback) // so later commands do not probe a dead keyring again
		}
		s := upsertServer(c, l)
		if old := s.Account(l.Account); old != nil {
			copied := *old
			before = &copied
		}
		saved.Added = before == nil
		if s.ActiveAccount != "" && s.ActiveAccount != l.Account && s.Account(s.ActiveAccount) != nil {
			saved.PreviousAccount = s.ActiveAccount
		}
		a := config.Account{Name: l.Account, Type: l.Type, AuthMethod: l.Method, LastLogin: time.Now().UTC()}
		if before != nil {
			a.LegacySecretKey = before.LegacySecretKey
		}
		// The secret was just exchanged with the server that answers now.
		a.ServerID = s.ServerID
		if l.Info == nil && l.ServerID != "" {
			a.ServerID = l.ServerID
		}
		supersedeLegacyLogin(s, &a)
		if l.Store != nil {
			a.SecretStore = l.Store.Kind()
			if !l.Secret.ExpiresAt.IsZero() {
				at := l.Secret.ExpiresAt.UTC()
				a.TokenExpiresAt = &at
			}
		}
		s.UpsertAccount(a)
		if !l.KeepActiveAccount || s.Active() == nil {
			s.ActiveAccount = l.Account
		}
		if !l.KeepActiveServer {
			c.ActiveServer = l.URL
		}
		return nil
	})
	if err != nil {
		return Saved{}, err
	}
	m.showFallbackNotice(l.Store, fallback)
	switch {
	case l.Store != nil:
		saved.Location = l.Store.Location()
		if before != nil && before.SecretStore != "" && before.SecretStore != l.Store.Kind() {
			m.deleteOldCopy(before, key)
		}
	case before != nil && before.AuthMethod != config.AuthNone:
		// The server stopped using authentication: the account's secret
		// serves nothing now, and no record names it any more.
		m.deleteOldCopy(before, key)
	}
	return saved, nil
}

// supersedeLegacyLogin drops a login of the layout before accounts that
// could not be moved: the account saved now replaces it, and its keyring
// entry, if any, goes with this account's logout --clear.
func supersedeLegacyLogin(s *config.Server, a *config.Account) {
	if !s.HasLegacyLogin() {
		return
	}
	if s.LegacySecretStore != string(credentials.ModeFile) {
		a.LegacySecretKey = s.URL
	}
	s.LegacyAuthMethod, s.LegacyAccount, s.LegacyAccountType, s.LegacySecretStore = "", "", "", ""
	s.LegacyTokenExpiresAt, s.LegacyLastLogin = nil, time.Time{}
}

// upsertServer records the server facts of a login and returns the
// record, which aliases c.
func upsertServer(c *config.Config, l Login) *config.Server {
	s := c.Server(l.URL)
	if s == nil {
		c.UpsertServer(config.Server{URL: l.URL})
		s = c.Server(l.URL)
	}
	if l.Info != nil {
		s.SetServerID(l.Info.ID)
		s.ServerName, s.ServerVersion = l.Info.Name, l.Info.Version
		s.AuthScheme = l.Info.AuthScheme
	}
	if l.DeviceClientID != "" {
		s.DeviceClientID = l.DeviceClientID
	}
	if l.TLS != nil {
		recordTLS(s, *l.TLS)
	}
	return s
}

func recordTLS(s *config.Server, t TLS) {
	s.CACertPath = t.CACert
	s.VerifySSL = nil
	if t.InsecureSkipVerify {
		off := false
		s.VerifySSL = &off
	}
}

// deleteOldCopy removes an account's secret from the store that held it
// before it moved; a copy left behind is said, since it may be a plain file.
func (m *Store) deleteOldCopy(before *config.Account, key string) {
	old, err := m.StoreOf(before)
	if err == nil {
		err = old.Delete(key)
	}
	if err != nil && !errors.Is(err, credentials.ErrNotFound) {
		m.notify().Warn(fmt.Sprintf("The old copy of the credentials of %s (in the %s store) could not be deleted: %v",
			credentials.Describe(key), before.SecretStore, err))
	}
}

// UpdateServer records facts of a working login that need no new secret:
// the server's version and TLS settings, and that it is active.
func (m *Store) UpdateServer(ctx context.Context, t *Target, info *zenml.ServerInfo, tls TLS) error {
	// Under the server's lock like every other write of a login: a logout
	// running meanwhile must not see its server come back.
	unlock, err := m.Lock(ctx, t.URL)
	if err != nil {
		return err
	}
	defer unlock()
	return m.update(func(c *config.Config) error {
		s := c.Server(t.URL)
		if s == nil {
			return fmt.Errorf("%s is no longer stored", t.URL)
		}
		if info != nil {
			s.SetServerID(info.ID)
			s.ServerName, s.ServerVersion, s.AuthScheme = info.Name, info.Version, info.AuthScheme
			if t.Account != nil {
				// Its login was just checked against this server.
				if a := s.Account(t.Account.Name); a != nil {
					a.ServerID = info.ID
				}
			}
		}
		recordTLS(s, tls)
		if t.Account != nil {
			s.ActiveAccount = t.Account.Name
		}
		c.ActiveServer = t.URL
		return nil
	})
}

// Move moves a working login's secret to another store: copy, record,
// then delete the old copy, all under the server's lock so that a renewal
// cannot write to the old store between.
func (m *Store) Move(ctx context.Context, t *Target, to credentials.SecretStore) error {
	unlock, err := m.Lock(ctx, t.URL)
	if err != nil {
		return err
	}
	defer unlock()
	defer writing(ctx, "the move of the login of "+t.describe())()
	secret, err := t.Store.Get(t.SecretKey)
	if err != nil {
		return fmt.Errorf("cannot read the credentials of %s from %s to move them (%v); log in again instead: `%s`",
			t.describe(), t.Store.Location(), err, LoginCommand(t.Server, t.Account))
	}
	if err := to.Set(t.SecretKey, secret); err != nil {
		return err
	}
	before := *t.Account
	err = m.update(func(c *config.Config) error {
		if s := c.Server(t.URL); s != nil {
			if a := s.Account(t.Account.Name); a != nil {
				a.SecretStore = to.Kind()
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	m.deleteOldCopy(&before, t.SecretKey)
	return nil
}

// UpdatePassword stores a user's new password in the target's login, so
// that the next renewal logs in with it; the token stays (a password
// change revokes none). It does nothing for another kind of login.
func (m *Store) UpdatePassword(ctx context.Context, t *Target, password string) (bool, error) {
	if t.FromEnv || t.AuthMethod != config.AuthPassword || t.Store == nil {
		return false, nil
	}
	unlock, err := m.Lock(ctx, t.URL)
	if err != nil {
		return false, err
	}
	defer unlock()
	defer writing(ctx, "the new password of "+t.describe())()
	secret, err := t.Store.Get(t.SecretKey)
	if err != nil {
		return false, err
	}
	secret.Password = password
	return true, t.Store.Set(t.SecretKey, secret)
}

// StoredExpiry is when an account's stored access token expires, read
// from its secret store: renewals keep it there, and config.yaml's
// token_expires_at, written at login, is not rewritten by each of them.
// ok is false when the store cannot say (the caller falls back to the
// recorded time); a zero time means the token does not expire.
func (m *Store) StoredExpiry(serverURL string, a *config.Account) (at time.Time, ok bool) {
	if a == nil || a.AuthMethod == config.AuthNone {
		return time.Time{}, false
	}
	store, err := m.StoreOf(a)
	if err != nil {
		return time.Time{}, false
	}
	key, err := m.secretKey(serverURL, a.Name)
	if err != nil {
		return time.Time{}, false
	}
	secret, err := store.Get(key)
	if err != nil || secret.AccessToken == "" {
		return time.Time{}, false
	}
	return secret.ExpiresAt, true
}
