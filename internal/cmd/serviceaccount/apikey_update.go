package serviceaccount

import (
	"context"
	"fmt"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/zenctl/zenctl/internal/cmd/factory"
	"github.com/zenctl/zenctl/internal/iostreams"
	"github.com/zenctl/zenctl/internal/login"
	"github.com/zenctl/zenctl/internal/prompt"
	"github.com/zenctl/zenctl/pkg/zenml"
)

// APIKeyUpdateOptions are the inputs of `api-key SA update`, `activate`
// and `deactivate`.
type APIKeyUpdateOptions struct {
	IO *iostreams.IOStreams
	// Client authenticates as the command's server and account.
	Client func(context.Context) (*zenml.Client, *factory.Target, error)
	// Logins tells which key this client logs in with.
	Logins func() (*login.Manager, error)

	ServiceAccount string
	Key            string
	Name           *string
	Description    *string
	Active         *bool
}

// NewCmdAPIKeyUpdate builds `zenctl service-account api-key SA update`.
func NewCmdAPIKeyUpdate(f *factory.Factory, runF func(*APIKeyUpdateOptions) error) *cobra.Command {
	opts := &APIKeyUpdateOptions{IO: f.IOStreams, Client: f.AuthenticatedClient, Logins: f.Logins}
	changes := &changeFlags{active: newBoolArg(false)}
	cmd := &cobra.Command{
		Use:   "update KEY_NAME_OR_ID",
		Short: "Rename, describe, activate or deactivate an API key",
		Long: heredoc.Doc(`
			Change an API key's name, description or status. Only the fields
			given are changed; the key's status is always sent as it is, because
			a ZenML 0.58 server re-activates a key when an update leaves it out.

			--active false has the same effect as 'deactivate'.
		`),
		Example: heredoc.Doc(`
			$ zenctl service-account api-key ci-bot update default --name legacy
			$ zenctl sa api-key ci-bot update default --active false
		`),
		Args: saArgs("KEY_NAME_OR_ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ServiceAccount, opts.Key = args[0], args[1]
			var err error
			if opts.Name, opts.Description, opts.Active, err = changes.collect(cmd); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return runAPIKeyUpdate(cmd.Context(), opts)
		},
	}
	changes.bind(cmd)
	return cmd
}

// NewCmdAPIKeyActivate builds `zenctl service-account api-key SA activate`.
func NewCmdAPIKeyActivate(f *factory.Factory, runF func(*APIKeyUpdateOptions) error) *cobra.Command {
	return newCmdAPIKeySetActive(f, runF, true)
}

// NewCmdAPIKeyDeactivate builds `zenctl service-account api-key SA deactivate`.
func NewCmdAPIKeyDeactivate(f *factory.Factory, runF func(*APIKeyUpdateOptions) error) *cobra.Command {
	return newCmdAPIKeySetActive(f, runF, false)
}

func newCmdAPIKeySetActive(f *factory.Factory, runF func(*APIKeyUpdateOptions) error, active bool) *cobra.Command {
	opts := &APIKeyUpdateOptions{IO: f.IOStreams, Client: f.AuthenticatedClient, Logins: f.Logins, Active: &active}
	cmd := &cobra.Command{
		Use:   "activate KEY_NAME_OR_ID",
		Short: "Let a deactivated API key log in again",
		Long: heredoc.Doc(`
			Activate an API key. Tokens obtained with it before it was
			deactivated work again too: if the key leaked, rotate or delete it
			rather than just reactivating it.
		`),
		Example: heredoc.Doc(`
			$ zenctl service-account api-key ci-bot activate default
		`),
		Args: saArgs("KEY_NAME_OR_ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ServiceAccount, opts.Key = args[0], args[1]
			if runF != nil {
				return runF(opts)
			}
			return runAPIKeyUpdate(cmd.Context(), opts)
		},
	}
	if !active {
		cmd.Use = "deactivate KEY_NAME_OR_ID"
		cmd.Short = "Stop an API key and the sessions obtained with it, now"
		cmd.Long = heredoc.Doc(`
			Deactivate an API key. This takes effect at once: the key can no
			longer log in, and every session token obtained by logging in with
			it is rejected from the next request on. Nothing is deleted;
			'activate' undoes it (and revives those tokens).

			API tokens minted from such a session ('zenctl token',
			/api_token) stay valid until they expire: only deactivating the
			service account stops them. For a key that may have been used,
			deactivate the service account (see the incident playbook).
		`)
		cmd.Example = heredoc.Doc(`
			$ zenctl service-account api-key ci-bot deactivate default
		`)
	}
	return cmd
}

func runAPIKeyUpdate(ctx context.Context, opts *APIKeyUpdateOptions) error {
	cs := opts.IO.ErrColorScheme()
	kc, err := newKeyContext(ctx, opts.Client, opts.ServiceAccount)
	if err != nil {
		return err
	}
	key, err := resolveAPIKey(ctx, kc, opts.Key)
	if err != nil {
		return err
	}
	// Resolving fetched the key, so its current status is at hand: sending
	// it keeps a 0.58 server from re-activating a deactivated key.
	upd := zenml.APIKeyUpdate{Name: opts.Name, Description: opts.Description, Active: key.Body.Active}
	if opts.Active != nil {
		upd.Active = *opts.Active
	}
	updated, err := kc.client.UpdateAPIKey(ctx, kc.sa.ID, key.ID, upd)
	if err != nil {
		return err
	}
	self := currentAPIKeyID(opts.Logins, kc.target, kc.sa.Name) == key.ID
	switch {
	case opts.Active != nil && !*opts.Active:
		fmt.Fprintf(opts.IO.ErrOut, "%s Deactivated API key %s of service account %s: from now on it cannot log in, and session tokens obtained with it are rejected\n",
			cs.SuccessIcon(), cs.Bold(updated.Name), iostreams.Escape(kc.sa.Name))
		fmt.Fprintf(opts.IO.ErrOut, "  API tokens minted from those sessions stay valid until they expire; `zenctl service-account deactivate %s` stops them too\n", saWord(kc.sa.Name, kc.sa.ID))
		if self && !kc.target.FromEnv && kc.target.AccountName() != kc.sa.Name {
			fmt.Fprintf(opts.IO.ErrOut, "%s This client's stored login of %s on %s logs in with this key: it is rejected now too\n", cs.WarningIcon(), iostreams.EscapeLine(kc.sa.Name), kc.target.URL)
			fmt.Fprintf(opts.IO.ErrOut, "  Undo with `zenctl service-account api-key %s activate %s`\n", saWord(kc.sa.Name, kc.sa.ID), saWord(updated.Name, updated.ID))
		} else if self {
			// The undo needs a working login, which this one no longer is.
			fmt.Fprintf(opts.IO.ErrOut, "%s This client logs in to %s with this key, so its own requests are rejected now too\n", cs.WarningIcon(), kc.target.URL)
			fmt.Fprintf(opts.IO.ErrOut, "  Undo from another login (an admin's, or another key's): `zenctl service-account api-key %s activate %s`\n", saWord(kc.sa.Name, kc.sa.ID), saWord(updated.Name, updated.ID))
		} else {
			fmt.Fprintf(opts.IO.ErrOut, "  Undo with `zenctl service-account api-key %s activate %s`\n", saWord(kc.sa.Name, kc.sa.ID), saWord(updated.Name, updated.ID))
		}
	case opts.Active != nil && *opts.Active && opts.Name == nil && opts.Description == nil:
		fmt.Fprintf(opts.IO.ErrOut, "%s Activated API key %s of service account %s\n", cs.SuccessIcon(), cs.Bold(updated.Name), iostreams.Escape(kc.sa.Name))
	default:
		fmt.Fprintf(opts.IO.ErrOut, "%s Updated API key %s of service account %s\n", cs.SuccessIcon(), cs.Bold(updated.Name), iostreams.Escape(kc.sa.Name))
	}
	return nil
}

// APIKeyDeleteOptions are the inputs of `api-key SA delete`.
type APIKeyDeleteOptions struct {
	IO       *iostreams.IOStreams
	Prompter prompt.Prompter
	// Client authenticates as the command's server and account.
	Client func(context.Context) (*zenml.Client, *factory.Target, error)
	// Logins tells which key this client logs in with.
	Logins func() (*login.Manager, error)

	ServiceAccount string
	Key            string
	Yes            bool
}

// NewCmdAPIKeyDelete builds `zenctl service-account api-key SA delete`.
func NewCmdAPIKeyDelete(f *factory.Factory, runF func(*APIKeyDeleteOptions) error) *cobra.Command {
	opts := &APIKeyDeleteOptions{IO: f.IOStreams, Prompter: f.Prompter, Client: f.AuthenticatedClient, Logins: f.Logins}
	cmd := &cobra.Command{
		Use:   "delete KEY_NAME_OR_ID",
		Short: "Delete an API key and the sessions obtained with it",
		Long: heredoc.Doc(`
			Delete an API key. Session tokens obtained by logging in with it
			stop working, for good: unlike deactivation, this cannot be undone.
			API tokens minted from those sessions ('zenctl token', /api_token)
			stay valid until they expire; only deactivating the service
			account stops them.

			On a terminal it asks first; elsewhere it needs --yes.
		`),
		Example: heredoc.Doc(`
			$ zenctl service-account api-key ci-bot delete old-key
			$ zenctl sa api-key ci-bot delete old-key --yes
		`),
		Args: saArgs("KEY_NAME_OR_ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ServiceAccount, opts.Key = args[0], args[1]
			if runF != nil {
				return runF(opts)
			}
			return runAPIKeyDelete(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "Delete without asking")
	return cmd
}

func runAPIKeyDelete(ctx context.Context, opts *APIKeyDeleteOptions) error {
	cs := opts.IO.ErrColorScheme()
	kc, err := newKeyContext(ctx, opts.Client, opts.ServiceAccount)
	if err != nil {
		return err
	}
	key, err := resolveAPIKey(ctx, kc, opts.Key)
	if err != nil {
		return err
	}
	question := fmt.Sprintf("Delete API key %s (%s) of service account %s?", key.Name, key.ID, kc.sa.Name)
	if err := prompt.ConfirmOrYes(opts.IO, opts.Prompter, opts.Yes, question); err != nil {
		return err
	}
	if err := kc.client.DeleteAPIKey(ctx, kc.sa.ID, key.ID); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "%s Deleted API key %s of service account %s; session tokens obtained with it no longer work\n", cs.SuccessIcon(), cs.Bold(key.Name), iostreams.Escape(kc.sa.Name))
	fmt.Fprintf(opts.IO.ErrOut, "  API tokens minted from those sessions stay valid until they expire; `zenctl service-account deactivate %s` stops them too\n", saWord(kc.sa.Name, kc.sa.ID))
	if currentAPIKeyID(opts.Logins, kc.target, kc.sa.Name) == key.ID {
		fmt.Fprintf(opts.IO.ErrOut, "%s This client logged in to %s with this key; log in again with another key\n", cs.WarningIcon(), kc.target.URL)
	}
	return nil
}
