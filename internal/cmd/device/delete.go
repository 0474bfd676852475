package device

import (
	"context"
	"fmt"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/zenctl/zenctl/internal/cmd/cmdargs"
	"github.com/zenctl/zenctl/internal/cmd/factory"
	"github.com/zenctl/zenctl/internal/iostreams"
	"github.com/zenctl/zenctl/internal/prompt"
)

// DeleteOptions are the inputs of `zenctl device delete`.
type DeleteOptions struct {
	IO       *iostreams.IOStreams
	Prompter prompt.Prompter
	Client   ClientFunc

	Device string
	Yes    bool
}

// NewCmdDelete builds `zenctl device delete`.
func NewCmdDelete(f *factory.Factory, runF func(*DeleteOptions) error) *cobra.Command {
	opts := &DeleteOptions{IO: f.IOStreams, Prompter: f.Prompter, Client: f.AuthenticatedClient}
	cmd := &cobra.Command{
		Use:   "delete ID",
		Short: "Delete a device: its tokens die for good",
		Long: heredoc.Doc(`
			Delete one of your devices. Its tokens stop working and its client
			id is refused; the machine can only come back through a new device
			login, which you would have to verify again.

			Asks first on a terminal; in scripts it needs --yes.
		`),
		Example: heredoc.Doc(`
			$ zenctl device delete 3f2a9c
			$ zenctl device delete 3f2a9c --yes
		`),
		Args: cmdargs.ExactArgs("ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Device = args[0]
			if runF != nil {
				return runF(opts)
			}
			return runDelete(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "Delete without asking")
	return cmd
}

func runDelete(ctx context.Context, opts *DeleteOptions) error {
	cs := opts.IO.ErrColorScheme()
	client, target, err := opts.Client(ctx)
	if err != nil {
		return err
	}
	d, err := resolve(ctx, client, opts.Device)
	if err != nil {
		return err
	}
	v := view(d, thisDeviceClientID(target))
	endsOwnSession := v.ThisMachine && loggedInWithDevice(target)
	question := fmt.Sprintf("Delete device %s? Its tokens stop working for good.", label(v))
	if endsOwnSession {
		question = fmt.Sprintf("%s is this machine's own session: deleting it logs this client out of %s. Delete it?", label(v), target.URL)
	}
	if err := prompt.ConfirmOrYes(opts.IO, opts.Prompter, opts.Yes, question); err != nil {
		return err
	}
	if err := client.DeleteDevice(ctx, d.ID); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "%s Deleted device %s\n", cs.SuccessIcon(), label(v))
	fmt.Fprintln(opts.IO.ErrOut, "  Its tokens stop working and its client id is refused; only a new, verified device login brings it back.")
	if endsOwnSession {
		fmt.Fprintf(opts.IO.ErrOut, "%s This client is logged out of %s; run `zenctl login %s` again\n", cs.WarningIcon(), target.URL, target.URL)
	}
	return nil
}
