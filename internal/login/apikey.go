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

// AdoptAPIKey stores a service account's new API key for that account on
// the target's server, adding the account if it is not stored yet. It
// first checks that the key logs in, so a failure leaves every stored
// login as it was. The active account changes only if it is the one whose
// key this is.
func (m *Manager) AdoptAPIKey(ctx context.Context, t *Target, key string) (*zenml.User, Saved, error) {
	if t.FromEnv {
		return nil, Saved{}, errors.New("cannot store the new key: the credentials come from ZENML_STORE_* variables; update ZENML_STORE_API_KEY instead")
	}
	client, err := m.NewClient(t.URL, t.TLS, nil)
	if err != nil {
		return nil, Saved{}, err
	}
	tok, err := client.LoginAPIKey(ctx, key)
	if err != nil {
		return nil, Saved{}, fmt.Errorf("the new key does not log in to %s (the stored logins were left unchanged): %w", t.URL, err)
	}
	user, err := client.WithTokens(zenml.StaticToken(tok.AccessToken)).CurrentUser(ctx)
	if err != nil {
		return nil, Saved{}, fmt.Errorf("the new key does not log in to %s (the stored logins were left unchanged): %w", t.URL, err)
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
	expiresAt, lifetime := zenml.TokenExpiry(tok.AccessToken, tok.ExpiresIn, time.Now())
	saved, err := m.Save(ctx, Login{
		URL: t.URL, Account: user.Name, Type: AccountType(user), Method: config.AuthAPIKey,
		Secret: credentials.Secret{APIKey: key, AccessToken: tok.AccessToken, ExpiresAt: expiresAt, Lifetime: lifetime},
		Store:  store, KeepActiveServer: true, KeepActiveAccount: user.Name != t.AccountName(),
	})
	return user, saved, err
}
