package user

import (
	"context"
	"fmt"
	"strconv"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/zenctl/zenctl/internal/cmd/cmdargs"
	"github.com/zenctl/zenctl/internal/cmd/factory"
	"github.com/zenctl/zenctl/internal/cmd/outputflag"
	"github.com/zenctl/zenctl/internal/cmd/paging"
	"github.com/zenctl/zenctl/internal/iostreams"
	"github.com/zenctl/zenctl/internal/output"
	"github.com/zenctl/zenctl/pkg/zenml"
)

// ListOptions are the inputs of `zenctl user list`.
type ListOptions struct {
	IO           *iostreams.IOStreams
	Client       ClientFunc
	OutputFormat func(flag string) (output.Format, error)

	Name     string
	Inactive bool
	Paging   paging.Flags
	Output   string
}

// NewCmdList builds `zenctl user list`.
func NewCmdList(f *factory.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{IO: f.IOStreams, Client: f.AuthenticatedClient, OutputFormat: f.OutputFormat}
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List users",
		Long: heredoc.Doc(`
			List every user, all pages (--limit N: the first N). Without RBAC a
			non-admin sees only itself. Piped, rows are printed as the pages
			arrive.

			-o json prints {"items": [...]}; each item has id, name, full_name,
			active, admin, created, updated.
		`),
		Example: heredoc.Doc(`
			$ zenctl user list
			$ zenctl user list --inactive -o json | jq -r '.items[].name'
		`),
		Args: cmdargs.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := opts.Paging.Validate(cmd); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return runList(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Name, "name", "", "Only users with this `NAME` (or filter, e.g. startswith:ann)")
	opts.Paging.AddWalk(cmd, "user")
	cmd.Flags().BoolVar(&opts.Inactive, "inactive", false, "Only deactivated or not yet activated users")
	outputflag.Add(cmd, &opts.Output)
	return cmd
}

// ListView is the -o json|yaml shape of user list.
type ListView struct {
	Items []View `json:"items"`
}

func runList(ctx context.Context, opts *ListOptions) error {
	format, err := opts.OutputFormat(opts.Output)
	if err != nil {
		return err
	}
	client, target, err := opts.Client(ctx)
	if err != nil {
		return err
	}
	params := zenml.ListParams{Filters: map[string]string{}}
	if opts.Name != "" {
		params.Filters["name"] = opts.Name
	}
	if opts.Inactive {
		params.Filters["active"] = strconv.FormatBool(false)
	}
	params.Size = opts.Paging.PageSize(false)
	t := output.NewTable(opts.IO, "NAME", "ID", "STATUS", "ADMIN", "FULL NAME", "CREATED")
	t.Abbreviate("ID", 8)
	t.TruncateFirst("FULL NAME")
	t.KeepWhole("STATUS")
	if format == output.FormatTable {
		t.Stream()
	}
	list := ListView{Items: []View{}}
	var first zenml.User
	for u, err := range paging.Take(client.AllUsers(ctx, params), opts.Paging.Limit) {
		if err != nil {
			return err
		}
		if len(list.Items) == 0 {
			first = u
		}
		v := view(&u)
		list.Items = append(list.Items, v)
		t.AddRow(v.Name, v.ID, statusText(v.Active), yesNo(v.Admin), v.FullName, output.TableTime(opts.IO, v.Created.Time, ""))
	}
	if len(list.Items) == 1 && onlyYourself(opts, target, &first) {
		fmt.Fprintf(opts.IO.ErrOut, "%s Only your own user is listed: without RBAC the server shows the other users to admins only (--account ADMIN acts as an admin account stored for this server)\n",
			opts.IO.ErrColorScheme().WarningIcon())
	}
	return output.Print(opts.IO, format, list, func() error {
		if len(list.Items) == 0 {
			fmt.Fprintln(opts.IO.ErrOut, "No users found.")
			return nil
		}
		return t.Render()
	})
}

// onlyYourself reports whether an unfiltered list shows just the caller, a
// non-admin: the server answers a non-admin with its own user alone, and a
// list of one would otherwise read as a server with one user.
func onlyYourself(opts *ListOptions, target *factory.Target, u *zenml.User) bool {
	if opts.Name != "" || opts.Inactive || opts.Paging.Limit == 1 {
		return false
	}
	if u.Body.IsAdmin == nil || *u.Body.IsAdmin {
		return false // an admin sees everyone; 0.58 does not say who is one
	}
	return target == nil || target.Account == nil || target.Account.Name == u.Name
}

// DescribeOptions are the inputs of `zenctl user describe`.
type DescribeOptions struct {
	IO           *iostreams.IOStreams
	Client       ClientFunc
	OutputFormat func(flag string) (output.Format, error)

	User   string
	Output string
}

// NewCmdDescribe builds `zenctl user describe`.
func NewCmdDescribe(f *factory.Factory, runF func(*DescribeOptions) error) *cobra.Command {
	opts := &DescribeOptions{IO: f.IOStreams, Client: f.AuthenticatedClient, OutputFormat: f.OutputFormat}
	cmd := &cobra.Command{
		Use:     "describe NAME_OR_ID",
		Aliases: []string{"view"},
		Short:   "Show a user",
		Long: heredoc.Doc(`
			Show a user: id, status, admin, full name and dates; for yourself
			also your email. Non-admins may only see themselves.
		`),
		Example: "$ zenctl user describe ann -o json",
		Args:    cmdargs.ExactArgs("NAME_OR_ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.User = args[0]
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
	format, err := opts.OutputFormat(opts.Output)
	if err != nil {
		return err
	}
	client, _, err := opts.Client(ctx)
	if err != nil {
		return err
	}
	u, err := resolve(ctx, client, opts.User)
	if err != nil {
		return err
	}
	// Only /current-user shows an email, so ask it when this is oneself.
	if me, err := client.CurrentUser(ctx); err == nil && me.ID == u.ID {
		u = me
	}
	v := view(u)
	return output.Print(opts.IO, format, v, func() error {
		d := output.NewDescribe(opts.IO)
		d.Add("Name", v.Name)
		d.Add("ID", v.ID)
		d.Add("Full name", v.FullName)
		d.Add("Status", statusText(v.Active))
		d.Add("Admin", yesNo(v.Admin))
		if v.Email != "" {
			d.Add("Email", v.Email)
		}
		d.Add("Created", output.FieldTime(opts.IO, v.Created.Time, ""))
		d.Add("Updated", output.FieldTime(opts.IO, v.Updated.Time, ""))
		return d.Render()
	})
}
