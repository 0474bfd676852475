package serviceaccount

import (
	"context"
	"fmt"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/zenctl/zenctl/internal/cmd/cmdargs"
	"github.com/zenctl/zenctl/internal/cmd/factory"
	"github.com/zenctl/zenctl/internal/iostreams"
	"github.com/zenctl/zenctl/internal/login"
	"github.com/zenctl/zenctl/internal/prompt"
	"github.com/zenctl/zenctl/pkg/zenml"
)

// DeleteOptions are the inputs of `zenctl service-account delete`.
type DeleteOptions struct {
	IO       *iostreams.IOStreams
	Prompter prompt.Prompter
	// Client authenticates as the command's server and account.
	Client func(context.Context) (*zenml.Client, *factory.Target, error)
	// Logins tells whether this client logs in as the account.
	Logins func() (*login.Manager, error)

	ServiceAccount string
	Yes            bool
}

// NewCmdDelete builds `zenctl service-account delete`.
func NewCmdDelete(f *factory.Factory, runF func(*DeleteOptions) error) *cobra.Command {
	opts := &DeleteOptions{IO: f.IOStreams, Prompter: f.Prompter, Client: f.AuthenticatedClient, Logins: f.Logins}
	cmd := &cobra.Command{
		Use:   "delete NAME_OR_ID",
		Short: "Delete a service account and all its API keys",
		Long: heredoc.Doc(`
			Delete a service account. Its API keys are deleted with it, and
			tokens issued to it stop working.

			On a terminal it asks first; elsewhere it needs --yes. The server
			refuses to delete an account that owns other resources: deactivate
			it instead.
		`),
		Example: heredoc.Doc(`
			$ zenctl service-account delete ci-bot
			$ zenctl sa delete ci-bot --yes
		`),
		Args: cmdargs.ExactArgs("NAME_OR_ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ServiceAccount = args[0]
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
	// Resolve first, so the question names the account that will go, and a
	// typo fails before anyone is asked anything.
	sa, err := resolveServiceAccount(ctx, client, opts.ServiceAccount)
	if err != nil {
		return err
	}
	question := fmt.Sprintf("Delete service account %s (%s) and all its API keys?", sa.Name, sa.ID)
	if err := prompt.ConfirmOrYes(opts.IO, opts.Prompter, opts.Yes, question); err != nil {
		return err
	}
	self := selfServiceAccount(ctx, opts.Logins, client, target, sa.ID)
	if err := client.DeleteServiceAccount(ctx, sa.ID); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "%s Deleted service account %s and its API keys\n", cs.SuccessIcon(), cs.Bold(iostreams.EscapeLine(sa.Name)))
	switch {
	case self:
		fmt.Fprintf(opts.IO.ErrOut, "%s This client logged in to %s as %s; log in again with another account\n", cs.WarningIcon(), target.URL, iostreams.Escape(sa.Name))
	case storedBeside(target, sa.Name):
		fmt.Fprintf(opts.IO.ErrOut, "%s This client's stored login of %s on %s no longer works: `zenctl logout %s --account %s --clear` removes it\n",
			cs.WarningIcon(), iostreams.EscapeLine(sa.Name), target.URL, target.URL, shownWord(sa.Name))
	}
	return nil
}
