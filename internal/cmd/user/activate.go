package user

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/zenctl/zenctl/internal/cmd/cmdargs"
	"github.com/zenctl/zenctl/internal/cmd/factory"
	"github.com/zenctl/zenctl/internal/iostreams"
	"github.com/zenctl/zenctl/internal/login"
	"github.com/zenctl/zenctl/internal/prompt"
	"github.com/zenctl/zenctl/pkg/zenml"
)

// ActivateOptions are the inputs of `zenctl user activate`.
type ActivateOptions struct {
	IO       *iostreams.IOStreams
	Prompter prompt.Prompter
	// Client is unauthenticated: the activation token is the credential.
	Client AnonymousClientFunc

	User       string
	TokenStdin bool
}

// NewCmdActivate builds `zenctl user activate`.
func NewCmdActivate(f *factory.Factory, runF func(*ActivateOptions) error) *cobra.Command {
	opts := &ActivateOptions{IO: f.IOStreams, Prompter: f.Prompter, Client: anonymousClient(f)}
	cmd := &cobra.Command{
		Use:   "activate NAME_OR_ID",
		Short: "Activate a user with its activation token and set its password",
		Long: heredoc.Doc(`
			Activate an invited or deactivated user: present the activation
			token from 'zenctl user create' or 'zenctl user deactivate' and
			choose the user's new password. No login is needed: the token is
			the credential, and it works once.

			On a terminal both are asked without echo (the password twice).
			With --activation-token-stdin, stdin holds the token on its first
			line and the new password on its second.

			Activation revives the tokens and devices the user had before a
			deactivation: deactivating blocked them, it did not revoke them.
		`),
		Example: heredoc.Doc(`
			$ zenctl user activate ann
			$ printf '%s\n%s\n' "$TOKEN" "$NEW_PASSWORD" | zenctl user activate ann --activation-token-stdin
		`),
		Args: cmdargs.ExactArgs("NAME_OR_ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.User = args[0]
			if runF != nil {
				return runF(opts)
			}
			return runActivate(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.TokenStdin, "activation-token-stdin", false, "Read the token (line 1) and the new password (line 2) from stdin")
	return cmd
}

func runActivate(ctx context.Context, opts *ActivateOptions) error {
	r, err := newSecretReader(opts.IO, opts.Prompter, opts.TokenStdin, "--activation-token-stdin")
	if err != nil {
		return err
	}
	token, err := r.secret("Activation token")
	if err != nil {
		return err
	}
	pw, err := r.newPassword("New password for " + opts.User)
	if err != nil {
		return err
	}
	client, serverURL, err := opts.Client()
	if err != nil {
		return err
	}
	u, err := client.ActivateUser(ctx, opts.User, token, pw)
	if err != nil {
		return activationError(err, opts.User)
	}
	cs := opts.IO.ErrColorScheme()
	fmt.Fprintf(opts.IO.ErrOut, "%s Activated user %s; log in with: zenctl login %s --username %s%s\n",
		cs.SuccessIcon(), cs.Bold(iostreams.OneLine(u.Name)), serverURL, login.ShellWord(u.Name), login.PlaceholderNote(u.Name))
	fmt.Fprintln(opts.IO.ErrOut, "  Tokens and devices the user had before a deactivation work again.")
	return nil
}

// activationError explains the server's answers to a bad token: a 401 is a
// wrong token, a 422 "hash could not be identified" one already used (or a
// user with no pending activation). Neither is "log in again" (exit 4),
// so the server's error is not wrapped.
func activationError(err error, name string) error {
	var zerr *zenml.Error
	if !errors.As(err, &zerr) {
		return err
	}
	switch zerr.StatusCode {
	case http.StatusUnauthorized:
		return fmt.Errorf("the activation token is wrong (%s); an admin makes a new one with: zenctl user deactivate %s", zerr.Message, login.ShellArg(name))
	case http.StatusUnprocessableEntity:
		return fmt.Errorf("the activation token was already used, or the user has no pending activation; an admin makes a new one with: zenctl user deactivate %s", login.ShellArg(name))
	}
	return err
}
