package login

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/zenctl/zenctl/internal/config"
	"github.com/zenctl/zenctl/internal/credentials"
	"github.com/zenctl/zenctl/internal/exitcode"
	"github.com/zenctl/zenctl/internal/iostreams"
	"github.com/zenctl/zenctl/pkg/zenml"
)

// Every way in runs the same sequence: resolve which stored login applies
// (Resolve, ResolveServer), obtain a secret (the command asks the user; a
// stored one comes from ExchangeStored), exchange it (zenml.Client.Exchange),
// then Complete: check who the token is and save under the server's lock.

// Obtained is a secret a login has just exchanged, before it is checked
// and stored.
type Obtained struct {
	Secret credentials.Secret
	Method string // config.Auth*
	// ClientID is the device flow's client id, kept for the next flow.
	ClientID string
}

// Completion is what Complete stores besides the secret.
type Completion struct {
	URL  string
	Info *zenml.ServerInfo
	TLS  *TLS
	// Store receives the secret (NewStore).
	Store credentials.SecretStore
}

// Complete checks the new token of a login — the server must say whom it
// belongs to — and saves the login under the server's lock; nothing is
// stored when the check fails.
func (m *Manager) Complete(ctx context.Context, client *zenml.Client, c Completion, o Obtained) (*zenml.User, Saved, error) {
	user, err := client.WithTokens(zenml.StaticToken(o.Secret.AccessToken)).CurrentUser(ctx)
	if err != nil {
		return nil, Saved{}, fmt.Errorf("logged in, but %s rejected the new token: %w", c.URL, err)
	}
	if want := m.Settings.Account; want.Source == config.SourceFlag && want.Value != user.Name {
		m.notify().Warn(fmt.Sprintf("--account %s, but these credentials are %s's: stored as %s",
			iostreams.EscapeLine(want.Value), iostreams.EscapeLine(user.Name), iostreams.EscapeLine(user.Name)))
	}
	saved, err := m.Save(ctx, Login{
		URL: c.URL, Info: c.Info, Account: user.Name, Type: AccountType(user), Method: o.Method,
		Secret: o.Secret, TLS: c.TLS, DeviceClientID: o.ClientID, Store: c.Store,
	})
	return user, saved, err
}

// StillLoggedIn checks a stored login over the given TLS settings; an
// expired token is renewed on the way (after the server's identity check).
func (m *Manager) StillLoggedIn(ctx context.Context, t *Target, tls TLS) (*zenml.User, error) {
	client, err := m.ClientFor(ctx, t, tls)
	if err != nil {
		return nil, err
	}
	return client.CurrentUser(ctx)
}

// ExchangeStored exchanges the target's stored API key or password for a
// new token, saying on say what it sends. rejected, when set, says what
// the user must give again: the server refused the secret, or the store
// could not produce it.
func (m *Manager) ExchangeStored(ctx context.Context, client *zenml.Client, t *Target, say io.Writer) (secret credentials.Secret, rejected string, err error) {
	stored, err := t.Store.Get(t.SecretKey)
	switch {
	case errors.Is(err, credentials.ErrNotFound):
		return credentials.Secret{}, "no credentials are stored for it", nil
	case StoreUnreadable(err):
		// A keyring that hangs or stays locked must not be a dead end:
		// the secret can still be given again.
		return credentials.Secret{}, "the stored credentials cannot be read: " + err.Error(), nil
	case err != nil:
		return credentials.Secret{}, "", err
	}
	var what string
	switch {
	case t.AuthMethod == config.AuthAPIKey && stored.APIKey != "":
		fmt.Fprintf(say, "Logging in with the stored API key\n")
		what, stored = "API key", credentials.Secret{APIKey: stored.APIKey}
	case t.AuthMethod == config.AuthPassword && stored.Username != "":
		fmt.Fprintf(say, "Logging in as %s with the stored password\n", iostreams.EscapeLine(stored.Username))
		what, stored = "password", credentials.Secret{Username: stored.Username, Password: stored.Password}
	default:
		return credentials.Secret{}, "the stored credentials are incomplete", nil
	}
	if err := VerifyServer(ctx, client, t.Server); err != nil {
		return credentials.Secret{}, "", err
	}
	secret, err = client.Exchange(ctx, stored, time.Now())
	if err == nil || !errors.Is(err, zenml.ErrUnauthorized) || Deactivated(err) != nil {
		return secret, "", ExchangeError(client.ServerURL(), what, err)
	}
	return credentials.Secret{}, "the server rejected the stored " + what + ": " + errorMessage(err), nil
}

// StoreUnreadable reports whether err is the secret store failing, not the
// server: a keyring that timed out, stayed locked or is not there.
func StoreUnreadable(err error) bool {
	return errors.Is(err, credentials.ErrKeyringTimeout) || errors.Is(err, credentials.ErrKeyringLocked) ||
		errors.Is(err, credentials.ErrKeyringUnavailable)
}

func errorMessage(err error) string {
	var apiErr *zenml.Error
	if errors.As(err, &apiErr) && apiErr.Message != "" {
		return apiErr.Message
	}
	return err.Error()
}

// ExchangeError explains a failed exchange of what ("API key",
// "password"); nil stays nil.
func ExchangeError(serverURL, what string, err error) error {
	if err == nil {
		return nil
	}
	if d := Deactivated(err); d != nil {
		return d
	}
	var apiErr *zenml.Error
	if errors.As(err, &apiErr) && apiErr.Kind == zenml.KindCredentials {
		return &exitcode.AuthError{Err: fmt.Errorf("%s rejected the %s: %s", serverURL, what, apiErr.Message)}
	}
	return fmt.Errorf("logging in to %s: %w", serverURL, err)
}

// Deactivated explains a rejection of valid credentials whose account is
// deactivated: no new login helps, only reactivating it, which takes an
// admin (or another account). nil when err is not that.
func Deactivated(err error) error {
	d, ok := zenml.DeactivatedBy(err)
	if !ok || !d.WholeAccount() {
		return nil
	}
	var reactivate string
	switch d.What {
	case "service account":
		reactivate = "zenctl service-account activate " + ShellWord(d.Name)
	case "user":
		reactivate = "zenctl user activate " + ShellWord(d.Name)
	default:
		reactivate = "zenctl service-account activate " + ShellWord(d.Name) + " (or zenctl user activate for a user)"
	}
	reactivate += PlaceholderNote(d.Name)
	var apiErr *zenml.Error
	errors.As(err, &apiErr)
	return &exitcode.AuthError{Err: fmt.Errorf("%s; logging in again cannot help until an admin reactivates it: %s",
		apiErr.Message, iostreams.Escape(reactivate))}
}

// StoredLogin is the stored login a new login to serverURL may reuse or
// replace: the account --account names, else the server's active one;
// nil when there is none to reuse. A login whose secret cannot be reached
// is returned with Unreadable set, so that login can say why it asks
// again. The URL counts as given on the command line: it is login's
// argument.
func (m *Manager) StoredLogin(serverURL string) (*Target, error) {
	cfg, err := m.Config()
	if err != nil {
		return nil, err
	}
	if s := cfg.Server(serverURL); s == nil || len(s.Accounts) == 0 && !s.HasLegacyLogin() {
		return nil, nil
	}
	t, err := m.ResolveServer(serverURL, config.Setting{Value: serverURL, Source: config.SourceFlag})
	if t != nil && t.Unreadable != nil {
		return t, nil
	}
	if err != nil {
		var authErr *exitcode.AuthError
		if errors.As(err, &authErr) || m.Settings.Account.Value == "" {
			return nil, nil // no account to reuse: a new login decides
		}
		return nil, err
	}
	if t.AuthMethod == config.AuthNone {
		return nil, nil
	}
	return t, nil
}

// CheckStored says whether a stored login still works, over the given TLS
// settings, renewing its token on the way. When it does not, rejected says
// why, if the server or the store refused it (the user must give the
// secret again); err is a deactivated account, which no new login helps;
// both are empty when the check failed otherwise (a new login decides).
func (m *Manager) CheckStored(ctx context.Context, t *Target, tls TLS) (user *zenml.User, rejected string, err error) {
	if t.Unreadable != nil {
		return nil, "the stored credentials cannot be read: " + t.Unreadable.Error(), nil
	}
	user, err = m.StillLoggedIn(ctx, t, tls)
	if err == nil {
		return user, "", nil
	}
	var reauth *zenml.ReauthRequiredError
	switch {
	case Deactivated(err) != nil:
		return nil, "", Deactivated(err)
	case errors.As(err, &reauth):
		return nil, reauth.Reason, nil
	case StoreUnreadable(err):
		// Asking the store again would wait out its timeout again.
		return nil, "the stored credentials cannot be read: " + err.Error(), nil
	}
	return nil, "", nil
}
