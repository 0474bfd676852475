package device

import (
	"context"
	"fmt"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/zenctl/zenctl/internal/cmd/cmdargs"
	"github.com/zenctl/zenctl/internal/cmd/factory"
	"github.com/zenctl/zenctl/internal/cmd/outputflag"
	"github.com/zenctl/zenctl/internal/cmd/paging"
	"github.com/zenctl/zenctl/internal/iostreams"
	"github.com/zenctl/zenctl/internal/output"
	"github.com/zenctl/zenctl/pkg/zenml"
)

// ListOptions are the inputs of `zenctl device list`.
type ListOptions struct {
	IO           *iostreams.IOStreams
	Client       ClientFunc
	OutputFormat func(flag string) (output.Format, error)

	Current bool
	Paging  paging.Flags
	Output  string
}

// NewCmdList builds `zenctl device list`.
func NewCmdList(f *factory.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{IO: f.IOStreams, Client: f.AuthenticatedClient, OutputFormat: f.OutputFormat}
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List your authorized devices",
		Long: heredoc.Doc(`
			List every device-flow session of your account, all pages, with its
			status (pending, verified, active, locked), host, OS, IP address,
			last use and expiry. The row of this machine is marked with *;
			--current shows only that one.

			-o json prints {"items": [...]}; each item has id, client_id, status,
			hostname, os, ip_address, trusted, created, updated, expires,
			last_login, failed_auth_attempts, this_machine.
		`),
		Example: heredoc.Doc(`
			$ zenctl device list
			$ zenctl device list --current -o json
		`),
		Args: cmdargs.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := opts.Paging.Validate(cmd); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return runList(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Current, "current", false, "Only this machine's own device-flow session")
	opts.Paging.AddWalk(cmd, "device")
	outputflag.Add(cmd, &opts.Output)
	return cmd
}

// ListView is the -o json|yaml shape of device list.
type ListView struct {
	Items []View `json:"items"`
}

func runList(ctx context.Context, opts *ListOptions) error {
	format, err := opts.OutputFormat(opts.Output)
	if err != nil {
		return err
	}
	client, target, err := opts.Client(ctx)
	if err != nil {
		return err
	}
	thisClient := thisDeviceClientID(target)
	t := output.NewTable(opts.IO, "", "ID", "STATUS", "HOSTNAME", "OS", "IP", "LAST LOGIN", "EXPIRES", "TRUSTED")
	t.Abbreviate("ID", 8)
	t.TruncateFirst("HOSTNAME", "OS")
	t.KeepWhole("STATUS")
	if format == output.FormatTable {
		t.Stream()
	}
	list := ListView{Items: []View{}}
	devices := client.AllDevices(ctx, zenml.ListParams{Hydrate: true, Size: opts.Paging.PageSize(false)})
	for d, err := range devices {
		if err != nil {
			return err
		}
		v := view(&d, thisClient)
		if opts.Current && !v.ThisMachine {
			continue
		}
		list.Items = append(list.Items, v)
		mark := ""
		if v.ThisMachine {
			mark = "*"
		}
		t.AddRow(mark, v.ID, v.Status, v.Hostname, v.OS, v.IPAddress, timeCell(opts.IO, v.LastLogin, "never"),
			timeCell(opts.IO, v.Expires, "never"), yesNo(v.Trusted))
		if opts.Paging.Limit > 0 && len(list.Items) >= opts.Paging.Limit {
			break
		}
	}
	return output.Print(opts.IO, format, list, func() error {
		if len(list.Items) == 0 {
			fmt.Fprintln(opts.IO.ErrOut, noDevicesText(opts.Current, thisClient))
			return nil
		}
		return t.Render()
	})
}

func noDevicesText(current bool, thisClient string) string {
	switch {
	case current && thisClient == "":
		return "This machine has not used the device flow with this server (zenctl login --device)."
	case current:
		return "This machine's device-flow session is not among your devices: it was deleted, or verified by another account."
	}
	return "No authorized devices: your account verified no device-flow login."
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// timeCell is a time in a table: relative on a terminal, RFC 3339 when
// piped.
func timeCell(ios *iostreams.IOStreams, t *zenml.Time, none string) string {
	if t == nil {
		return none
	}
	return output.TableTime(ios, t.Time, none)
}

// timeField is a time in describe output: relative and absolute on a
// terminal, RFC 3339 when piped.
func timeField(ios *iostreams.IOStreams, t *zenml.Time, none string) string {
	if t == nil {
		return none
	}
	return output.FieldTime(ios, t.Time, none)
}
