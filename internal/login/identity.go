package login

import (
	"context"
	"errors"
	"fmt"

	"github.com/zenctl/zenctl/internal/config"
	"github.com/zenctl/zenctl/internal/errhint"
	"github.com/zenctl/zenctl/internal/exitcode"
	"github.com/zenctl/zenctl/pkg/zenml"
)

// VerifyServer checks, before an account's stored API key or password is
// sent, that the server at the URL is the one that secret was given to:
// the id its /info reports must be the id recorded for the account (see
// zenml.CheckServerIdentity and docs/guides/security-model.md). Trust is
// per account: another account's login to a new server at the URL does
// not hand this one's secret to it. A server that does not answer /info
// gets nothing either, and neither does one that reports it no longer
// uses authentication (NO_AUTH): it needs no secret, so it gets none.
func VerifyServer(ctx context.Context, client *zenml.Client, s *config.Server, a *config.Account) error {
	if s == nil {
		return nil
	}
	info, err := client.Info(ctx)
	if err != nil {
		return err
	}
	if info.NoAuth() {
		return &exitcode.AuthError{Err: fmt.Errorf("%s no longer uses authentication (NO_AUTH): the stored secret was not sent, as it needs none; run `zenctl login %s` to record that",
			s.URL, s.URL)}
	}
	if s.TrustedServerID(a) == "" {
		return nil
	}
	return CheckIdentity(s, a, info)
}

// CheckIdentity is VerifyServer over an /info answer the caller has.
func CheckIdentity(s *config.Server, a *config.Account, info *zenml.ServerInfo) error {
	if s == nil {
		return nil
	}
	err := zenml.CheckServerIdentity(s.URL, s.TrustedServerID(a), info)
	var id *zenml.ServerIdentityError
	if a != nil && errors.As(err, &id) {
		return &exitcode.AuthError{Err: errhint.TrustAccount(id, LoginCommand(s, a))}
	}
	return IdentityError(err)
}

// IdentityError gives a zenml.ServerIdentityError exit code 4 and the
// advice that trusts the new server (errhint: status shows the error
// without main's pass); other errors pass as they are.
func IdentityError(err error) error {
	var id *zenml.ServerIdentityError
	if !errors.As(err, &id) {
		return err
	}
	return &exitcode.AuthError{Err: errhint.Add(id)}
}

// IdentityChanged reports whether the server recorded at serverURL had
// another id than the one info reports; nil when it is the same, or when
// nothing was recorded.
func (m *Manager) IdentityChanged(serverURL string, info *zenml.ServerInfo) *zenml.ServerIdentityError {
	cfg, err := m.Config()
	if err != nil {
		return nil
	}
	s := cfg.Server(serverURL)
	if s == nil {
		return nil
	}
	var id *zenml.ServerIdentityError
	errors.As(zenml.CheckServerIdentity(serverURL, s.ServerID, info), &id)
	return id
}

// Blocked is an account stored on a server whose secret was given to
// another server than the one that answers now: nothing of it is sent
// until it logs in again, with Command.
type Blocked struct {
	Account, Command string
}

// BlockedAccounts lists the accounts stored on serverURL that do not
// trust the server reporting info, except the named one (just logged in).
func (m *Manager) BlockedAccounts(serverURL, except string, info *zenml.ServerInfo) []Blocked {
	cfg, err := m.Config()
	if err != nil {
		return nil
	}
	s := cfg.Server(serverURL)
	if s == nil {
		return nil
	}
	var blocked []Blocked
	for i := range s.Accounts {
		a := &s.Accounts[i]
		if a.Name == except || a.AuthMethod == config.AuthNone {
			continue
		}
		if zenml.CheckServerIdentity(serverURL, s.TrustedServerID(a), info) != nil {
			blocked = append(blocked, Blocked{Account: a.Name, Command: LoginCommand(s, a)})
		}
	}
	return blocked
}
