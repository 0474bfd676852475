package serviceaccount

import (
	"context"
	"fmt"

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

// ListOptions are the inputs of `zenctl service-account list`.
type ListOptions struct {
	IO *iostreams.IOStreams
	// Client authenticates as the command's server and account.
	Client func(context.Context) (*zenml.Client, *factory.Target, error)
	Format func(flagValue string) (output.Format, error)

	Name   string
	Active *bool
	Paging paging.Flags
	Output string
	// sizeSet: --size was given, and sets the page size of --all too.
	sizeSet bool
}

// NewCmdList builds `zenctl service-account list`.
func NewCmdList(f *factory.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{IO: f.IOStreams, Client: f.AuthenticatedClient, Format: f.OutputFormat}
	active := newBoolArg(false)
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List service accounts",
		Long: heredoc.Doc(`
			List service accounts, one page at a time (--page, --size), or
			every one with --all, or the first N with --limit N.

			--name takes a name or a ZenML filter such as startswith:ci- or
			contains:bot. On a terminal the table has a header; piped, it is
			tab-separated without one.

			-o json prints {"items": [...], "page", "size", "total_pages",
			"total"}; each item has id, name, active, description, created,
			updated. With --all or --limit it is one document holding every
			item listed, as a single page.
		`),
		Example: heredoc.Doc(`
			$ zenctl service-account list
			$ zenctl sa list --active false
			$ zenctl sa list --name startswith:ci- -o json | jq -r '.items[].name'
			$ zenctl sa list --all | cut -f1
		`),
		Args: cmdargs.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Active = active.ptr()
			opts.sizeSet = cmd.Flags().Changed("size")
			if err := opts.Paging.Validate(cmd); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return runList(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Name, "name", "", "Only accounts with this `NAME` (or filter, e.g. startswith:ci-)")
	cmd.Flags().Var(active, "active", "Only active (true) or inactive (false) accounts")
	opts.Paging.AddPaged(cmd, "service account")
	outputflag.Add(cmd, &opts.Output)
	return cmd
}

func runList(ctx context.Context, opts *ListOptions) error {
	format, err := opts.Format(opts.Output)
	if err != nil {
		return err
	}
	params := listParams(opts.Paging.Page, opts.Paging.Size, opts.Name, opts.Active)
	client, _, err := opts.Client(ctx)
	if err != nil {
		return err
	}
	t := output.NewTable(opts.IO, "NAME", "ID", "STATUS", "DESCRIPTION", "CREATED")
	t.TruncateFirst("DESCRIPTION", "CREATED")
	t.KeepWhole("STATUS", "CREATED")
	t.Abbreviate("ID", 8)
	addRow := func(sa ServiceAccountView) {
		t.AddRow(sa.Name, sa.ID, statusText(sa.Active), sa.Description, tableTime(opts.IO, &sa.Created, ""))
	}
	view := ListView[ServiceAccountView]{Items: []ServiceAccountView{}}
	if opts.Paging.Walks() {
		if format == output.FormatTable {
			t.Stream()
		}
		params.Size = opts.Paging.PageSize(opts.sizeSet)
		for sa, err := range paging.Take(client.AllServiceAccounts(ctx, params), opts.Paging.Limit) {
			if err != nil {
				return err
			}
			view.Items = append(view.Items, viewServiceAccount(&sa))
			addRow(view.Items[len(view.Items)-1])
		}
		view.Page, view.Size, view.TotalPages, view.Total = 1, len(view.Items), 1, len(view.Items)
	} else {
		page, err := client.ListServiceAccounts(ctx, params)
		if err != nil {
			return err
		}
		view = ListView[ServiceAccountView]{Items: []ServiceAccountView{}, Page: page.Index, Size: page.MaxSize, TotalPages: page.TotalPages, Total: page.Total}
		for i := range page.Items {
			view.Items = append(view.Items, viewServiceAccount(&page.Items[i]))
			addRow(view.Items[i])
		}
	}
	return output.Print(opts.IO, format, view, func() error {
		if len(view.Items) == 0 {
			fmt.Fprintln(opts.IO.ErrOut, "No service accounts found.")
			return nil
		}
		if err := t.Render(); err != nil {
			return err
		}
		pageFooter(opts.IO, view.Page, view.TotalPages, view.Total, "service accounts")
		return nil
	})
}
