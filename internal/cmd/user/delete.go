package user

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

// DeleteOptions are the inputs of `zenctl user delete`.
type DeleteOptions struct {
	IO       *iostreams.IOStreams
	Prompter prompt.Prompter
	Client   ClientFunc

	User string
	Yes  bool
}

// NewCmdDelete builds `zenctl user delete`.
func NewCmdDelete(f *factory.Factory, runF func(*DeleteOptions) error) *cobra.Command {
	opts := &DeleteOptions{IO: f.IOStreams, Prompter: f.Prompter, Client: f.AuthenticatedClient}
	cmd := &cobra.Command{
		Use:   "delete NAME_OR_ID",
		Short: "Delete a user with its devices; its tokens die",
		Long: heredoc.Doc(`
			Delete a user (admins only). Its devices are deleted with it and
			every token it had stops working for good. The server refuses to
			delete the account you are logged in with, the last admin, and a
			user that owns other resources (deactivate those instead).

			Asks first on a terminal; in scripts it needs --yes.
		`),
		Example: "$ zenctl user delete ann --yes",
		Args:    cmdargs.ExactArgs("NAME_OR_ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.User = args[0]
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
	client, _, err := opts.Client(ctx)
	if err != nil {
		return err
	}
	u, err := resolve(ctx, client, opts.User)
	if err != nil {
		return err
	}
	name := iostreams.OneLine(u.Name)
	question := fmt.Sprintf("Delete user %s (%s) and its devices?", name, u.ID)
	if isSelf(ctx, client, u) {
		question = fmt.Sprintf("%s is the account this client is logged in with. Delete it?", name)
	}
	if err := prompt.ConfirmOrYes(opts.IO, opts.Prompter, opts.Yes, question); err != nil {
		return err
	}
	if err := client.DeleteUser(ctx, u.ID); err != nil {
		return err
	}
	cs := opts.IO.ErrColorScheme()
	fmt.Fprintf(opts.IO.ErrOut, "%s Deleted user %s and its devices; its tokens stop working\n", cs.SuccessIcon(), cs.Bold(name))
	return nil
}
