package login

import (
	"context"
	"errors"

	"github.com/zenctl/zenctl/internal/config"
	"github.com/zenctl/zenctl/internal/errhint"
	"github.com/zenctl/zenctl/internal/exitcode"
	"github.com/zenctl/zenctl/pkg/zenml"
)

// VerifyServer checks, before a stored API key or password is sent, that
// the server at the URL is the one it was stored for: the id its /info
// reports must be the id recorded at login (see zenml.CheckServerIdentity
// and docs/guides/security-model.md). A server that does not answer /info
// gets nothing either.
func VerifyServer(ctx context.Context, client *zenml.Client, s *config.Server) error {
	if s == nil || s.ServerID == "" {
		return nil
	}
	info, err := client.Info(ctx)
	if err != nil {
		return err
	}
	return IdentityError(zenml.CheckServerIdentity(s.URL, s.ServerID, info))
}

// CheckIdentity is VerifyServer over an /info answer the caller has.
func CheckIdentity(s *config.Server, info *zenml.ServerInfo) error {
	if s == nil {
		return nil
	}
	return IdentityError(zenml.CheckServerIdentity(s.URL, s.ServerID, info))
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
