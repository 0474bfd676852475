package factory

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/zenctl/zenctl/internal/config"
	"github.com/zenctl/zenctl/internal/credentials"
	"github.com/zenctl/zenctl/pkg/zenml"
)

// CurrentAPIKeyID is the id of the API key this client logs in to target
// with, or "" when it uses no API key. Rotation keeps a key's id, so this
// tells whether a rotation cuts off this client's own login.
func (f *Factory) CurrentAPIKeyID(target *Target) string {
	key := ""
	switch {
	case target.FromEnv:
		key = f.Env().StoreAPIKey
	case target.Store != nil:
		if secret, err := target.Store.Get(target.URL); err == nil {
			key = secret.APIKey
		}
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

// AdoptAPIKey makes this client log in to target with key from now on.
// It first checks that the key logs in, then replaces the stored secret in
// one write, so a failure leaves the previous login intact.
func (f *Factory) AdoptAPIKey(ctx context.Context, target *Target, key string) (*zenml.User, error) {
	if target.FromEnv {
		return nil, errors.New("cannot store the new key: the credentials come from ZENML_STORE_* variables; update ZENML_STORE_API_KEY instead")
	}
	login, err := f.NewClient(target.URL, f.TLSFor(target.URL, target.Server), nil)
	if err != nil {
		return nil, err
	}
	tok, err := login.LoginAPIKey(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("the new key does not log in to %s (the stored login was left unchanged): %w", target.URL, err)
	}
	user, err := login.WithTokens(zenml.StaticToken(tok.AccessToken)).CurrentUser(ctx)
	if err != nil {
		return nil, fmt.Errorf("the new key does not log in to %s (the stored login was left unchanged): %w", target.URL, err)
	}
	expiresAt, lifetime := zenml.TokenExpiry(tok.AccessToken, tok.ExpiresIn, time.Now())
	secret := credentials.Secret{APIKey: key, AccessToken: tok.AccessToken, ExpiresAt: expiresAt, Lifetime: int64(lifetime / time.Second)}

	unlock, err := config.LockServer(ctx, f.dir, target.URL)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if err := target.Store.Set(target.URL, secret); err != nil {
		return nil, err
	}
	err = f.UpdateConfig(func(c *config.Config) error {
		s := config.Server{URL: target.URL}
		if cur := c.Server(target.URL); cur != nil {
			s = *cur
		}
		s.AuthMethod = config.AuthAPIKey
		s.Account, s.AccountType = user.Name, config.AccountUser
		if user.Body.IsServiceAccount {
			s.AccountType = config.AccountServiceAccount
		}
		s.SecretStore = target.Store.Kind()
		c.UpsertServer(s)
		return nil
	})
	return user, err
}
