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
	"github.com/zenctl/zenctl/pkg/zenml"
)

// UpdateOptions are the inputs of `zenctl service-account update`,
// `activate` and `deactivate`.
type UpdateOptions struct {
	IO *iostreams.IOStreams
	// Client authenticates as the command's server and account.
	Client func(context.Context) (*zenml.Client, *factory.Target, error)
	// Logins tells whether this client logs in as the account.
	Logins func() (*login.Manager, error)

	ServiceAccount string
	Name           *string
	Description    *string
	Active         *bool
}

// NewCmdUpdate builds `zenctl service-account update`.
func NewCmdUpdate(f *factory.Factory, runF func(*UpdateOptions) error) *cobra.Command {
	opts := &UpdateOptions{IO: f.IOStreams, Client: f.AuthenticatedClient, Logins: f.Logins}
	changes := &changeFlags{active: newBoolArg(false)}
	cmd := &cobra.Command{
		Use:   "update NAME_OR_ID",
		Short: "Rename, describe, activate or deactivate a service account",
		Long: heredoc.Doc(`
			Change a service account's name, description or status. Only the
			fields given are changed.

			--active false has the same effect as 'deactivate': its API keys and
			every token already issued to it stop working at once.
		`),
		Example: heredoc.Doc(`
			$ zenctl service-account update ci-bot --name ci-runner
			$ zenctl sa update ci-bot -d "Nightly pipelines"
			$ zenctl sa update ci-bot --active false
		`),
		Args: cmdargs.ExactArgs("NAME_OR_ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ServiceAccount = args[0]
			var err error
			if opts.Name, opts.Description, opts.Active, err = changes.collect(cmd); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return runUpdate(cmd.Context(), opts)
		},
	}
	changes.bind(cmd)
	return cmd
}

// NewCmdActivate builds `zenctl service-account activate`.
func NewCmdActivate(f *factory.Factory, runF func(*UpdateOptions) error) *cobra.Command {
	return newCmdSetActive(f, runF, true)
}

// NewCmdDeactivate builds `zenctl service-account deactivate`.
func NewCmdDeactivate(f *factory.Factory, runF func(*UpdateOptions) error) *cobra.Command {
	return newCmdSetActive(f, runF, false)
}

func newCmdSetActive(f *factory.Factory, runF func(*UpdateOptions) error, active bool) *cobra.Command {
	opts := &UpdateOptions{IO: f.IOStreams, Client: f.AuthenticatedClient, Logins: f.Logins, Active: &active}
	cmd := &cobra.Command{
		Use:   "activate NAME_OR_ID",
		Short: "Let a deactivated service account log in again",
		Long: heredoc.Doc(`
			Activate a service account: its active API keys log in again, and
			tokens issued to it before it was deactivated work again too.
		`),
		Example: heredoc.Doc(`
			$ zenctl service-account activate ci-bot
		`),
		Args: cmdargs.ExactArgs("NAME_OR_ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ServiceAccount = args[0]
			if runF != nil {
				return runF(opts)
			}
			return runUpdate(cmd.Context(), opts)
		},
	}
	if !active {
		cmd.Use = "deactivate NAME_OR_ID"
		cmd.Short = "Stop a service account and all its keys and tokens now"
		cmd.Long = heredoc.Doc(`
			Deactivate a service account. This takes effect at once: none of its
			API keys can log in, and every token already issued to it is
			rejected from the next request on. Nothing is deleted; 'activate'
			undoes it (and revives those tokens).

			This is the fastest way to cut off a leaked key's account.
		`)
		cmd.Example = heredoc.Doc(`
			$ zenctl service-account deactivate ci-bot
		`)
	}
	return cmd
}

func runUpdate(ctx context.Context, opts *UpdateOptions) error {
	cs := opts.IO.ErrColorScheme()
	client, target, err := opts.Client(ctx)
	if err != nil {
		return err
	}
	sa, err := resolveServiceAccount(ctx, client, opts.ServiceAccount)
	if err != nil {
		return err
	}
	deactivating := opts.Active != nil && !*opts.Active
	self := deactivating && selfServiceAccount(ctx, opts.Logins, client, target, sa.ID)
	upd := zenml.ServiceAccountUpdate{Name: opts.Name, Description: opts.Description, Active: opts.Active}
	updated, err := client.UpdateServiceAccount(ctx, sa.ID, upd)
	if err != nil {
		return err
	}
	switch {
	case deactivating:
		fmt.Fprintf(opts.IO.ErrOut, "%s Deactivated service account %s: from now on none of its API keys can log in, and every token already issued to it is rejected\n",
			cs.SuccessIcon(), cs.Bold(iostreams.EscapeLine(updated.Name)))
		if self {
			fmt.Fprintf(opts.IO.ErrOut, "%s This client logs in to %s as %s, so its own requests are rejected now too\n", cs.WarningIcon(), target.URL, iostreams.Escape(updated.Name))
			fmt.Fprintf(opts.IO.ErrOut, "  Undo from another login (an admin's): `zenctl service-account activate %s`\n", saWord(updated.Name, updated.ID))
		} else {
			if storedBeside(target, sa.Name) {
				fmt.Fprintf(opts.IO.ErrOut, "%s This client's stored login of %s on %s is rejected now too\n", cs.WarningIcon(), iostreams.EscapeLine(sa.Name), target.URL)
			}
			fmt.Fprintf(opts.IO.ErrOut, "  Undo with `zenctl service-account activate %s`\n", saWord(updated.Name, updated.ID))
		}
	case opts.Active != nil && *opts.Active && opts.Name == nil && opts.Description == nil:
		fmt.Fprintf(opts.IO.ErrOut, "%s Activated service account %s\n", cs.SuccessIcon(), cs.Bold(iostreams.EscapeLine(updated.Name)))
	default:
		fmt.Fprintf(opts.IO.ErrOut, "%s Updated service account %s\n", cs.SuccessIcon(), cs.Bold(iostreams.EscapeLine(updated.Name)))
	}
	return nil
}
