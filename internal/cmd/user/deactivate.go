package user

import (
	"context"
	"fmt"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/zenctl/zenctl/internal/cmd/cmdargs"
	"github.com/zenctl/zenctl/internal/cmd/factory"
	"github.com/zenctl/zenctl/internal/iostreams"
	"github.com/zenctl/zenctl/internal/login"
)

// DeactivateOptions are the inputs of `zenctl user deactivate`.
type DeactivateOptions struct {
	IO     *iostreams.IOStreams
	Client ClientFunc

	User   string
	Output string
}

// NewCmdDeactivate builds `zenctl user deactivate`.
func NewCmdDeactivate(f *factory.Factory, runF func(*DeactivateOptions) error) *cobra.Command {
	opts := &DeactivateOptions{IO: f.IOStreams, Client: f.AuthenticatedClient}
	cmd := &cobra.Command{
		Use:   "deactivate NAME_OR_ID",
		Short: "Deactivate a user: all its tokens and devices stop at once",
		Long: heredoc.Doc(`
			Deactivate a user (admins only, not yourself). Every token and
			device session of the user gets 401 at once and its password no
			longer logs in.

			It blocks, it does not revoke: 'zenctl user activate' with the
			activation token printed here (once, on stdout) revives the same
			tokens and devices. To end them for good, delete the user.
		`),
		Example: "$ zenctl user deactivate ann > ann-activation.token",
		Args:    cmdargs.ExactArgs("NAME_OR_ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.User = args[0]
			if _, err := formatArg(opts.Output); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return runDeactivate(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "", "Output `FORMAT`: json or yaml (default: the bare activation token)")
	return cmd
}

func runDeactivate(ctx context.Context, opts *DeactivateOptions) error {
	format, _ := formatArg(opts.Output)
	client, _, err := opts.Client(ctx)
	if err != nil {
		return err
	}
	u, err := resolve(ctx, client, opts.User)
	if err != nil {
		return err
	}
	u, token, err := client.DeactivateUser(ctx, u.ID)
	if err != nil {
		return err
	}
	cs := opts.IO.ErrColorScheme()
	fmt.Fprintf(opts.IO.ErrOut, "%s Deactivated user %s: its tokens and devices get 401 from now on\n", cs.SuccessIcon(), cs.Bold(iostreams.OneLine(u.Name)))
	fmt.Fprintf(opts.IO.ErrOut, "%s Nothing is revoked: activating the user again revives the same tokens and devices; `zenctl user delete %s` ends them for good\n",
		cs.WarningIcon(), login.ShellWordOr(u.Name, u.ID))
	return printActivation(opts.IO, format, TokenView{View: view(u), ActivationToken: token}, u.Name)
}
