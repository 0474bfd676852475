package user

import (
	"context"
	"fmt"
	"strings"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/zenctl/zenctl/internal/cmd/cmdargs"
	"github.com/zenctl/zenctl/internal/cmd/factory"
	"github.com/zenctl/zenctl/internal/exitcode"
	"github.com/zenctl/zenctl/internal/iostreams"
	"github.com/zenctl/zenctl/pkg/zenml"
)

// UpdateOptions are the inputs of `zenctl user update`.
type UpdateOptions struct {
	IO     *iostreams.IOStreams
	Client ClientFunc

	User     string
	FullName *string
	Email    *string
	Admin    *bool
}

// NewCmdUpdate builds `zenctl user update`.
func NewCmdUpdate(f *factory.Factory, runF func(*UpdateOptions) error) *cobra.Command {
	opts := &UpdateOptions{IO: f.IOStreams, Client: f.AuthenticatedClient}
	var fullName, email string
	var admin bool
	cmd := &cobra.Command{
		Use:   "update NAME_OR_ID",
		Short: "Change a user's full name, email or admin status",
		Long: heredoc.Doc(`
			Change what the server lets you change:
			  yourself:      --full-name, --email
			  another user:  --full-name, --admin true|false (admins only)
			The server refuses the rest (your own admin status, another user's
			email) with its reason. A field it accepts but silently drops is
			reported as not changed.

			To (de)activate a user use 'zenctl user deactivate' and 'activate';
			passwords change with 'zenctl user change-password' (one's own) or
			the activation flow (others').
		`),
		Example: heredoc.Doc(`
			$ zenctl user update ann --full-name "Ann Lee"
			$ zenctl user update ann --admin=false
			$ zenctl user update ann --email ann@example.com   # logged in as ann
		`),
		Args: cmdargs.ExactArgs("NAME_OR_ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.User = args[0]
			if cmd.Flags().Changed("full-name") {
				opts.FullName = &fullName
			}
			if cmd.Flags().Changed("email") {
				opts.Email = &email
			}
			if cmd.Flags().Changed("admin") {
				opts.Admin = &admin
			}
			if opts.FullName == nil && opts.Email == nil && opts.Admin == nil {
				return exitcode.Usagef("nothing to change: give --full-name, --email or --admin")
			}
			if runF != nil {
				return runF(opts)
			}
			return runUpdate(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&fullName, "full-name", "", "New full `NAME`")
	cmd.Flags().StringVar(&email, "email", "", "New `EMAIL` (your own only)")
	cmd.Flags().BoolVar(&admin, "admin", false, "Make the user an admin (--admin) or not (--admin=false)")
	return cmd
}

func runUpdate(ctx context.Context, opts *UpdateOptions) error {
	client, _, err := opts.Client(ctx)
	if err != nil {
		return err
	}
	u, err := resolve(ctx, client, opts.User)
	if err != nil {
		return err
	}
	upd := zenml.UserUpdate{FullName: opts.FullName, Email: opts.Email, IsAdmin: opts.Admin}
	var after *zenml.User
	if self := isSelf(ctx, client, u); self && opts.Admin == nil {
		// Only /current-user applies one's own email; PUT /users/{id} drops
		// it without an error.
		if _, err = client.UpdateCurrentUser(ctx, upd); err == nil {
			after, err = client.CurrentUser(ctx)
		}
	} else {
		after, err = client.UpdateUser(ctx, u.ID, upd)
	}
	if err != nil {
		return err
	}
	return reportUpdate(opts.IO, opts, view(after))
}

// reportUpdate says which of the requested changes the answer shows, and
// which the server silently dropped.
func reportUpdate(ios *iostreams.IOStreams, opts *UpdateOptions, v View) error {
	var done, dropped []string
	check := func(field string, asked bool, applied bool) {
		switch {
		case !asked:
		case applied:
			done = append(done, field)
		default:
			dropped = append(dropped, field)
		}
	}
	check("full name", opts.FullName != nil, opts.FullName != nil && v.FullName == *opts.FullName)
	check("email", opts.Email != nil, opts.Email != nil && v.Email == *opts.Email)
	check("admin", opts.Admin != nil, opts.Admin != nil && v.Admin == *opts.Admin)
	cs := ios.ErrColorScheme()
	name := cs.Bold(iostreams.OneLine(v.Name))
	if len(done) > 0 {
		fmt.Fprintf(ios.ErrOut, "%s Updated %s of user %s\n", cs.SuccessIcon(), strings.Join(done, ", "), name)
	}
	if len(dropped) > 0 {
		fmt.Fprintf(ios.ErrOut, "%s Not changed: the server ignored the %s of user %s\n", cs.WarningIcon(), strings.Join(dropped, ", "), name)
		return exitcode.ErrSilent
	}
	return nil
}
