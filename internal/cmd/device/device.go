// Package device holds `zenctl device` (alias authorized-device): the
// device-flow sessions of the logged-in user, and the levers for a lost
// laptop — lock, unlock, delete.
package device

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/zenctl/zenctl/internal/cmd/factory"
	"github.com/zenctl/zenctl/internal/config"
	"github.com/zenctl/zenctl/internal/iostreams"
	"github.com/zenctl/zenctl/pkg/zenml"
)

// ClientFunc returns an authenticated client and the login it uses.
type ClientFunc func(ctx context.Context) (*zenml.Client, *factory.Target, error)

// NewCmdDevice builds `zenctl device` and its subcommands.
func NewCmdDevice(f *factory.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "device <command>",
		Aliases: []string{"authorized-device", "devices"},
		Short:   "Manage the device-flow sessions of your account (a lost laptop)",
		Long: heredoc.Doc(`
			List, inspect, lock, unlock and delete the authorized devices of the
			account you are logged in with: every machine that logged in with the
			device flow (zenctl login --device, zenml login) and was verified by
			this account. The server shows each user only the devices they
			verified, admins included.

			A device is named by its id or a unique prefix of it. The device of
			this machine is marked in the list (--current shows only it).

			For a lost laptop: 'zenctl device lock ID' stops its tokens at once
			and refuses a new login from it; 'unlock' makes the same tokens work
			again; 'delete' ends them for good.

			For a machine without a browser: 'zenctl device approve LINK'
			approves, from here, the device login it started.
		`),
		Example: heredoc.Doc(`
			$ zenctl device list
			$ zenctl device lock 3f2a9c
			$ zenctl device delete 3f2a9c --yes
			$ zenctl device approve 'https://zenml.example.com/devices/verify?device_id=…&user_code=…'
		`),
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(NewCmdList(f, nil), NewCmdDescribe(f, nil), NewCmdLock(f, nil), NewCmdUnlock(f, nil), NewCmdDelete(f, nil), NewCmdApprove(f, nil))
	addDeviceCompletion(cmd, f.AuthenticatedClient)
	return cmd
}

// thisDeviceClientID is the OAuth client id this machine's device-flow
// logins use on the target server, "" when it never used the device flow
// there. It is the one place that knows where the login keeps it.
func thisDeviceClientID(t *factory.Target) string {
	if t == nil || t.Server == nil {
		return ""
	}
	return t.Server.DeviceClientID
}

// loggedInWithDevice reports whether this client's current login is a
// device-flow session, which locking or deleting its device ends.
func loggedInWithDevice(t *factory.Target) bool {
	return t != nil && t.AuthMethod == config.AuthDevice
}

// View is a device in JSON and YAML output: zenctl's own flat field names,
// the same for every server version.
type View struct {
	ID                 string      `json:"id"`
	ClientID           string      `json:"client_id"`
	Status             string      `json:"status"`
	Hostname           string      `json:"hostname"`
	OS                 string      `json:"os"`
	IPAddress          string      `json:"ip_address"`
	Trusted            bool        `json:"trusted"`
	Created            zenml.Time  `json:"created"`
	Updated            zenml.Time  `json:"updated"`
	Expires            *zenml.Time `json:"expires"`
	LastLogin          *zenml.Time `json:"last_login"`
	FailedAuthAttempts int         `json:"failed_auth_attempts"`
	ZenMLVersion       string      `json:"zenml_version,omitempty"`
	// ThisMachine marks the device-flow session of this zenctl.
	ThisMachine bool `json:"this_machine"`
}

func view(d *zenml.AuthorizedDevice, thisClientID string) View {
	v := View{
		ID: d.ID, ClientID: d.Body.ClientID, Status: d.Body.Status, Hostname: text(d.Body.Hostname), OS: text(d.Body.OS),
		IPAddress: text(d.Body.IPAddress), Trusted: d.Body.TrustedDevice, Created: d.Body.Created, Updated: d.Body.Updated,
		Expires: d.Body.Expires, ThisMachine: thisClientID != "" && strings.EqualFold(thisClientID, d.Body.ClientID),
	}
	if m := d.Metadata; m != nil {
		v.LastLogin, v.FailedAuthAttempts, v.ZenMLVersion = m.LastLogin, m.FailedAuthAttempts, text(m.ZenMLVersion)
	}
	return v
}

func text(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// resolve finds one of the caller's devices by id or unique id prefix. A
// miss names the caller's devices, which are few, so a mistyped id is easy
// to correct.
func resolve(ctx context.Context, client *zenml.Client, ref string) (*zenml.AuthorizedDevice, error) {
	d, err := client.ResolveDevice(ctx, ref)
	if !errors.Is(err, zenml.ErrNotFound) {
		return d, err
	}
	var yours []string
	for dev, listErr := range client.AllDevices(ctx, zenml.ListParams{}) {
		if listErr != nil {
			break
		}
		yours = append(yours, fmt.Sprintf("%s (%s)", iostreams.ShortID(dev.ID), iostreams.OneLine(text(dev.Body.Hostname))))
	}
	sort.Strings(yours)
	switch {
	case len(yours) == 0:
		return nil, fmt.Errorf("no device %q: your account has no authorized devices", ref)
	case len(yours) > 5:
		yours = append(yours[:5], "…")
	}
	return nil, fmt.Errorf("no device %q among yours: %s; `zenctl device list` shows them", ref, strings.Join(yours, ", "))
}

func label(v View) string {
	host := iostreams.OneLine(v.Hostname)
	if host == "" {
		host = "unknown host"
	}
	return fmt.Sprintf("%s (%s)", v.ID, host)
}
