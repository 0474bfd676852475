package device

import (
	"context"
	"strconv"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/zenctl/zenctl/internal/cmd/cmdargs"
	"github.com/zenctl/zenctl/internal/cmd/factory"
	"github.com/zenctl/zenctl/internal/cmd/outputflag"
	"github.com/zenctl/zenctl/internal/iostreams"
	"github.com/zenctl/zenctl/internal/output"
)

// DescribeOptions are the inputs of `zenctl device describe`.
type DescribeOptions struct {
	IO           *iostreams.IOStreams
	Client       ClientFunc
	OutputFormat func(flag string) (output.Format, error)

	Device string
	Output string
}

// NewCmdDescribe builds `zenctl device describe`.
func NewCmdDescribe(f *factory.Factory, runF func(*DescribeOptions) error) *cobra.Command {
	opts := &DescribeOptions{IO: f.IOStreams, Client: f.AuthenticatedClient, OutputFormat: f.OutputFormat}
	cmd := &cobra.Command{
		Use:     "describe ID",
		Aliases: []string{"view"},
		Short:   "Show one of your authorized devices",
		Long: heredoc.Doc(`
			Show a device: status, host, OS, IP address and location, last use,
			expiry, failed verification attempts, and whether it is this
			machine's session. ID is a full id or a unique prefix.
		`),
		Example: "$ zenctl device describe 3f2a9c",
		Args:    cmdargs.ExactArgs("ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Device = args[0]
			if runF != nil {
				return runF(opts)
			}
			return runDescribe(cmd.Context(), opts)
		},
	}
	outputflag.Add(cmd, &opts.Output)
	return cmd
}

func runDescribe(ctx context.Context, opts *DescribeOptions) error {
	format, err := opts.OutputFormat(opts.Output)
	if err != nil {
		return err
	}
	client, target, err := opts.Client(ctx)
	if err != nil {
		return err
	}
	d, err := resolve(ctx, client, opts.Device)
	if err != nil {
		return err
	}
	v := view(d, thisDeviceClientID(target))
	return output.Print(opts.IO, format, v, func() error {
		out := output.NewDescribe(opts.IO)
		out.Add("ID", v.ID)
		out.Add("Client ID", v.ClientID)
		out.Add("Status", v.Status)
		out.Add("This machine", yesNo(v.ThisMachine))
		out.Add("Hostname", v.Hostname)
		out.Add("OS", v.OS)
		out.Add("IP address", v.IPAddress)
		out.Add("Trusted", yesNo(v.Trusted))
		out.Add("Created", timeField(opts.IO, &v.Created, ""))
		out.Add("Last login", timeField(opts.IO, v.LastLogin, "never"))
		out.Add("Expires", timeField(opts.IO, v.Expires, "never"))
		out.Add("Failed attempts", strconv.Itoa(v.FailedAuthAttempts))
		if v.ZenMLVersion != "" {
			out.Add("ZenML version", v.ZenMLVersion)
		}
		return out.Render()
	})
}
