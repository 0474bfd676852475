package serviceaccount

import (
	"context"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/zenctl/zenctl/internal/cmd/cmdargs"
	"github.com/zenctl/zenctl/internal/cmd/factory"
	"github.com/zenctl/zenctl/internal/cmd/outputflag"
	"github.com/zenctl/zenctl/internal/iostreams"
	"github.com/zenctl/zenctl/internal/output"
	"github.com/zenctl/zenctl/pkg/zenml"
)

// DescribeOptions are the inputs of `zenctl service-account describe`.
type DescribeOptions struct {
	IO *iostreams.IOStreams
	// Client authenticates as the command's server and account.
	Client func(context.Context) (*zenml.Client, *factory.Target, error)
	Format func(flagValue string) (output.Format, error)

	ServiceAccount string
	Output         string
}

// NewCmdDescribe builds `zenctl service-account describe`.
func NewCmdDescribe(f *factory.Factory, runF func(*DescribeOptions) error) *cobra.Command {
	opts := &DescribeOptions{IO: f.IOStreams, Client: f.AuthenticatedClient, Format: f.OutputFormat}
	cmd := &cobra.Command{
		Use:     "describe NAME_OR_ID",
		Aliases: []string{"view"},
		Short:   "Show a service account",
		Long: heredoc.Doc(`
			Show a service account: its id, status, description and dates.

			NAME_OR_ID is a name, a full id, or a unique prefix of an id. Its
			API keys are listed by 'zenctl service-account api-key NAME list'.

			-o json fields: id, name, active, description, created, updated.
		`),
		Example: heredoc.Doc(`
			$ zenctl service-account describe ci-bot
			$ zenctl sa describe 3f2a -o json
		`),
		Args: cmdargs.ExactArgs("NAME_OR_ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ServiceAccount = args[0]
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
	format, err := opts.Format(opts.Output)
	if err != nil {
		return err
	}
	client, _, err := opts.Client(ctx)
	if err != nil {
		return err
	}
	sa, err := resolveServiceAccount(ctx, client, opts.ServiceAccount)
	if err != nil {
		return err
	}
	v := viewServiceAccount(sa)
	return output.Print(opts.IO, format, v, func() error {
		d := output.NewDescribe(opts.IO)
		d.Add("Name", v.Name)
		d.Add("ID", v.ID)
		d.Add("Status", statusText(v.Active))
		d.Add("Description", v.Description)
		d.Add("Created", fieldTime(opts.IO, &v.Created, ""))
		d.Add("Updated", fieldTime(opts.IO, &v.Updated, ""))
		return d.Render()
	})
}
