package auth

import (
	"context"
	"fmt"

	"github.com/zenctl/zenctl/internal/config"
	"github.com/zenctl/zenctl/internal/login"
	"github.com/zenctl/zenctl/pkg/zenml"
)

// noAuthUser is the user every request acts as on a server without
// authentication.
const noAuthUser = "default"

// saveNoAuthLogin records a server without authentication (NO_AUTH, as
// `zenml login --local` runs it): a login with no secret, since the server
// takes none and acts as its default user for whoever can reach it. A key
// or password given anyway is never read, let alone kept.
func saveNoAuthLogin(ctx context.Context, opts *LoginOptions, m *login.Manager, serverURL string, info *zenml.ServerInfo, p tlsPlan) error {
	cs, errOut := opts.IO.ErrColorScheme(), opts.IO.ErrOut
	if opts.APIKey || opts.Username != "" || opts.Device || opts.PasswordStdin {
		fmt.Fprintf(errOut, "%s %s does not use authentication: --api-key, --username and --device are not needed, and nothing was read or stored\n", cs.WarningIcon(), serverURL)
	}
	wasActive := activeServer(m) == serverURL
	tls := p.record
	if _, err := m.Save(ctx, login.Login{URL: serverURL, Info: info, Account: noAuthUser, Type: config.AccountUser,
		Method: config.AuthNone, TLS: &tls}); err != nil {
		return err
	}
	fmt.Fprintf(errOut, "%s %s does not use authentication (NO_AUTH): every request acts as user %s, an admin\n", cs.SuccessIcon(), serverURL, cs.Bold(noAuthUser))
	fmt.Fprintf(errOut, "  Anyone who can reach %s can do the same. Nothing secret was stored.\n", serverURL)
	if !wasActive {
		fmt.Fprintf(errOut, "  %s is now the active server\n", serverURL)
	}
	return nil
}
