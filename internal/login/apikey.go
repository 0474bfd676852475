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

// CurrentAPIKeyID is the id of the API key this client logs in to the
// target with, or "" when it uses no API key. Rotation keeps a key's id,
// so this tells whether a rotation cuts off this client's own login.
func (m *Manager) CurrentAPIKeyID(t *Target) string {
	key := ""
	if t.FromEnv {
		key = m.Env().StoreAPIKey
	} else if secret, ok := t.Secret(); ok {
		key = secret.APIKey
	}
	if key == "" {
		return ""
	}
	id, err := zenml.DecodeAPIKeyID(key)
	if err != nil {
		return ""
	}
	return id
}

// APIKeyIDOf is the id of the API key this client logs in with as the
// named service account: the key of that account's stored login on the
// target's server, else of the target's own login. A key rotated or
// deactivated under an account stored beside the one in use cuts off that
// login as surely as the active one's.
func (m *Manager) APIKeyIDOf(t *Target, serviceAccount string) string {
	if t.Server != nil && t.AccountName() != serviceAccount {
		if a := t.Server.Account(serviceAccount); a != nil && a.AuthMethod == config.AuthAPIKey {
			if other, err := m.withAccount(t, a); err == nil {
				return m.CurrentAPIKeyID(other)
			}
		}
	}
	return m.CurrentAPIKeyID(t)
}

// ErrKeySuperseded means a rotated key no longer logs in when this
// client comes to store it: another rotation of the same key came after.
var ErrKeySuperseded = errors.New("a later rotation of the key has superseded it")

// AdoptAPIKey stores a service account's new API key for that account on
// the target's server, adding the account if it is not stored yet. The
// key is checked and stored under the server's lock, so that of two
// rotations adopted at once the later one is stored: the earlier finds
// its key superseded (ErrKeySuperseded) and leaves the stored one. A key
// of a deactivated service account cannot be checked; it is stored all
// the same (Saved.Inactive says why), since the key it replaces is dead
// too. Any other failure leaves every stored login as it was. The active
// account changes only if it is the one whose key this is.
func (m *Manager) AdoptAPIKey(ctx context.Context, t *Target, key string) (*zenml.User, Saved, error) {
	if t.FromEnv {
		return nil, Saved{}, errors.New("cannot store the new key: the credentials come from ZENML_STORE_* variables; update ZENML_STORE_API_KEY instead")
	}
	client, err := m.NewClient(t.URL, t.TLS, nil)
	if err != nil {
		return nil, Saved{}, err
	}
	if err := m.migrate(); err != nil {
		return nil, Saved{}, err
	}
	unlock, err := m.Lock(ctx, t.URL)
	if err != nil {
		return nil, Saved{}, err
	}
	defer unlock()
	user, secret, inactive, err := verifyAdoptedKey(ctx, client, t, key)
	if err != nil {
		return nil, Saved{}, err
	}
	var store credentials.SecretStore
	if a := t.Server.Account(user.Name); a != nil && a.AuthMethod != config.AuthNone {
		store, err = m.StoreOf(a)
	} else {
		store, err = m.NewStore()
	}
	if err != nil {
		return nil, Saved{}, err
	}
	saved, err := m.saveLocked(ctx, Login{
		URL: t.URL, Account: user.Name, Type: AccountType(user), Method: config.AuthAPIKey,
		Secret: secret, Store: store, ServerID: t.Server.TrustedServerID(t.Account), KeepActiveServer: true, KeepActiveAccount: user.Name != t.AccountName(),
	})
	saved.Inactive = inactive
	return user, saved, err
}

// verifyAdoptedKey logs in with a new key and asks who it is. A whole
// service account deactivated is no reason to keep its dead old key: the
// new one is then returned untried, with inactive saying why.
func verifyAdoptedKey(ctx context.Context, client *zenml.Client, t *Target, key string) (*zenml.User, credentials.Secret, string, error) {
	unchanged := func(err error) error {
		return fmt.Errorf("the new key does not log in to %s (the stored logins were left unchanged): %w", t.URL, err)
	}
	secret, err := client.Exchange(ctx, credentials.Secret{APIKey: key}, time.Now())
	if d, ok := zenml.DeactivatedBy(err); ok && d.WholeAccount() && d.What != "user" {
		user := &zenml.User{Name: d.Name, Body: zenml.UserBody{IsServiceAccount: true}}
		return user, credentials.Secret{APIKey: key}, "service account " + d.Name + " is deactivated", nil
	}
	if errors.Is(err, zenml.ErrUnauthorized) {
		if _, ok := zenml.DeactivatedBy(err); !ok {
			return nil, credentials.Secret{}, "", fmt.Errorf("%w; the stored logins were left unchanged", ErrKeySuperseded)
		}
	}
	if err != nil {
		return nil, credentials.Secret{}, "", unchanged(err)
	}
	user, err := client.WithTokens(zenml.StaticToken(secret.AccessToken)).CurrentUser(ctx)
	if err != nil {
		return nil, credentials.Secret{}, "", unchanged(err)
	}
	return user, secret, "", nil
}
