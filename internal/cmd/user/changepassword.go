package user

import (
	"context"
	"fmt"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/zenctl/zenctl/internal/cmd/cmdargs"
	"github.com/zenctl/zenctl/internal/cmd/factory"
	"github.com/zenctl/zenctl/internal/config"
	"github.com/zenctl/zenctl/internal/iostreams"
	"github.com/zenctl/zenctl/internal/login"
	"github.com/zenctl/zenctl/internal/prompt"
	"github.com/zenctl/zenctl/pkg/zenml"
)

// ChangePasswordOptions are the inputs of `zenctl user change-password`.
type ChangePasswordOptions struct {
	IO       *iostreams.IOStreams
	Prompter prompt.Prompter
	Client   ClientFunc
	Logins   func() (*login.Manager, error)

	PasswordStdin bool
}

// NewCmdChangePassword builds `zenctl user change-password`.
func NewCmdChangePassword(f *factory.Factory, runF func(*ChangePasswordOptions) error) *cobra.Command {
	opts := &ChangePasswordOptions{IO: f.IOStreams, Prompter: f.Prompter, Client: f.AuthenticatedClient, Logins: f.Logins}
	cmd := &cobra.Command{
		Use:   "change-password",
		Short: "Change your own password",
		Long: heredoc.Doc(`
			Change the password of the account you are logged in with: the
			current one, then the new one twice, all without echo; or
			--password-stdin with the current password on the first line and
			the new one on the second.

			The old password stops working at once, but sessions logged in with
			it keep working: the server revokes no token on a password change.
			To cut off a leaked session, an admin deactivates the user, or you
			lock its device ('zenctl device lock').

			Nobody can set another user's password: an admin deactivates the
			user and hands over the activation token instead.
		`),
		Example: heredoc.Doc(`
			$ zenctl user change-password
			$ printf '%s\n%s\n' "$OLD" "$NEW" | zenctl user change-password --password-stdin
		`),
		Args: cmdargs.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return runChangePassword(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.PasswordStdin, "password-stdin", false, "Read the current (line 1) and new (line 2) password from stdin")
	return cmd
}

func runChangePassword(ctx context.Context, opts *ChangePasswordOptions) error {
	r, err := newSecretReader(opts.IO, opts.Prompter, opts.PasswordStdin, "--password-stdin")
	if err != nil {
		return err
	}
	client, target, err := opts.Client(ctx)
	if err != nil {
		return err
	}
	me, err := client.CurrentUser(ctx)
	if err != nil {
		return err
	}
	if me.Body.IsServiceAccount {
		return fmt.Errorf("this client is logged in as service account %s, which has API keys, not a password; log in as a user", iostreams.OneLine(me.Name))
	}
	old, err := r.secret("Current password")
	if err != nil {
		return err
	}
	pw, err := r.newPassword("New password")
	if err != nil {
		return err
	}
	if _, err := client.UpdateCurrentUser(ctx, zenml.UserUpdate{Password: &pw, OldPassword: &old}); err != nil {
		return err
	}
	cs := opts.IO.ErrColorScheme()
	fmt.Fprintf(opts.IO.ErrOut, "%s Changed the password of %s; the old one no longer logs in\n", cs.SuccessIcon(), cs.Bold(iostreams.OneLine(me.Name)))
	fmt.Fprintf(opts.IO.ErrOut, "%s Sessions logged in before keep working: a password change revokes no token\n", cs.WarningIcon())
	rememberNewPassword(ctx, opts, target, me, pw)
	return nil
}

// rememberNewPassword keeps this client's password login working: its
// stored password is the old one, which no longer logs in.
func rememberNewPassword(ctx context.Context, opts *ChangePasswordOptions, target *factory.Target, me *zenml.User, pw string) {
	if target == nil || target.AuthMethod != config.AuthPassword || target.AccountName() != me.Name {
		return
	}
	m, err := opts.Logins()
	if err == nil {
		var stored bool
		if stored, err = m.UpdatePassword(ctx, target, pw); stored && err == nil {
			fmt.Fprintf(opts.IO.ErrOut, "  This client's stored login of %s now uses the new password\n", iostreams.EscapeLine(me.Name))
			return
		}
	}
	if err != nil {
		fmt.Fprintf(opts.IO.ErrOut, "%s Could not store the new password (%s); when zenctl asks to log in again: zenctl login %s --username %s%s\n",
			opts.IO.ErrColorScheme().WarningIcon(), iostreams.OneLine(err.Error()), target.URL, login.ShellWord(me.Name), login.PlaceholderNote(me.Name))
	}
}
