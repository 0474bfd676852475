package serviceaccount

import (
	"context"
	"fmt"
	"strconv"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/zenctl/zenctl/internal/cmd/factory"
	"github.com/zenctl/zenctl/internal/cmd/outputflag"
	"github.com/zenctl/zenctl/internal/cmd/paging"
	"github.com/zenctl/zenctl/internal/iostreams"
	"github.com/zenctl/zenctl/internal/login"
	"github.com/zenctl/zenctl/internal/output"
	"github.com/zenctl/zenctl/pkg/zenml"
)

// APIKeyListOptions are the inputs of `api-key SA list`.
type APIKeyListOptions struct {
	IO *iostreams.IOStreams
	// Client authenticates as the command's server and account.
	Client func(context.Context) (*zenml.Client, *factory.Target, error)
	// Logins tells which key this client logs in with.
	Logins func() (*login.Manager, error)
	Format func(flagValue string) (output.Format, error)

	ServiceAccount string
	Name           string
	Active         *bool
	Paging         paging.Flags
	Output         string
	sizeSet        bool
}

// NewCmdAPIKeyList builds `zenctl service-account api-key SA list`.
func NewCmdAPIKeyList(f *factory.Factory, runF func(*APIKeyListOptions) error) *cobra.Command {
	opts := &APIKeyListOptions{IO: f.IOStreams, Client: f.AuthenticatedClient, Logins: f.Logins, Format: f.OutputFormat}
	active := newBoolArg(false)
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List API keys",
		Long: heredoc.Doc(`
			List the service account's API keys with their status, last login
			and last rotation: after an incident, this shows which keys still
			work and whether a leaked one has been used.

			On a terminal, the key this client logs in with is marked. Piped,
			the table is tab-separated without a header.

			-o json prints {"items": [...], "page", "size", "total_pages",
			"total"}; each item has id, name, active, description,
			service_account_id, service_account, created, updated, last_login,
			last_rotated, retain_period_minutes, used_by_this_client,
			effective_active (false when the key or its service account is
			deactivated). With --all or --limit it is one document holding
			every item listed, as a single page.

			STATUS says "active (account inactive)" for an active key of a
			deactivated service account: it cannot log in.
		`),
		Example: heredoc.Doc(`
			$ zenctl service-account api-key ci-bot list
			$ zenctl sa api-key ci-bot list --active true -o json
		`),
		Args: saArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ServiceAccount = args[0]
			opts.Active = active.ptr()
			opts.sizeSet = cmd.Flags().Changed("size")
			if err := opts.Paging.Validate(cmd); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return runAPIKeyList(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Name, "name", "", "Only keys with this `NAME` (or filter, e.g. startswith:ci-)")
	cmd.Flags().Var(active, "active", "Only active (true) or inactive (false) keys")
	opts.Paging.AddPaged(cmd, "API key")
	outputflag.Add(cmd, &opts.Output)
	return cmd
}

func runAPIKeyList(ctx context.Context, opts *APIKeyListOptions) error {
	format, err := opts.Format(opts.Output)
	if err != nil {
		return err
	}
	params := listParams(opts.Paging.Page, opts.Paging.Size, opts.Name, opts.Active)
	kc, err := newKeyContext(ctx, opts.Client, opts.ServiceAccount)
	if err != nil {
		return err
	}
	current := currentAPIKeyID(opts.Logins, kc.target, kc.sa.Name)
	t := output.NewTable(opts.IO, "NAME", "ID", "STATUS", "LAST LOGIN", "LAST ROTATED", "DESCRIPTION")
	t.TruncateFirst("DESCRIPTION")
	t.KeepWhole("STATUS")
	t.Abbreviate("ID", 8)
	view := ListView[APIKeyView]{Items: []APIKeyView{}}
	add := func(k *zenml.APIKey) {
		v := viewAPIKey(kc.sa, k, current)
		view.Items = append(view.Items, v)
		name := v.Name
		if opts.IO.IsStdoutTTY() && v.UsedByThisClient {
			// Only on a terminal: piped rows keep the bare name for scripts.
			name += " (this client)"
		}
		t.AddRow(name, v.ID, keyStatusText(v), tableTime(opts.IO, v.LastLogin, "never"), tableTime(opts.IO, v.LastRotated, "never"), v.Description)
	}
	if opts.Paging.Walks() {
		if format == output.FormatTable {
			t.Stream()
		}
		params.Size = opts.Paging.PageSize(opts.sizeSet)
		for k, err := range paging.Take(kc.client.AllAPIKeys(ctx, kc.sa.ID, params), opts.Paging.Limit) {
			if err != nil {
				return err
			}
			add(&k)
		}
		view.Page, view.Size, view.TotalPages, view.Total = 1, len(view.Items), 1, len(view.Items)
	} else {
		page, err := kc.client.ListAPIKeys(ctx, kc.sa.ID, params)
		if err != nil {
			return err
		}
		for i := range page.Items {
			add(&page.Items[i])
		}
		view.Page, view.Size, view.TotalPages, view.Total = page.Index, page.MaxSize, page.TotalPages, page.Total
	}
	return output.Print(opts.IO, format, view, func() error {
		if len(view.Items) == 0 {
			fmt.Fprintf(opts.IO.ErrOut, "No API keys found for service account %s.\n", iostreams.Escape(kc.sa.Name))
			return nil
		}
		if err := t.Render(); err != nil {
			return err
		}
		pageFooter(opts.IO, view.Page, view.TotalPages, view.Total, "API keys")
		return nil
	})
}

// APIKeyDescribeOptions are the inputs of `api-key SA describe`.
type APIKeyDescribeOptions struct {
	IO *iostreams.IOStreams
	// Client authenticates as the command's server and account.
	Client func(context.Context) (*zenml.Client, *factory.Target, error)
	// Logins tells which key this client logs in with.
	Logins func() (*login.Manager, error)
	Format func(flagValue string) (output.Format, error)

	ServiceAccount string
	Key            string
	Output         string
}

// NewCmdAPIKeyDescribe builds `zenctl service-account api-key SA describe`.
func NewCmdAPIKeyDescribe(f *factory.Factory, runF func(*APIKeyDescribeOptions) error) *cobra.Command {
	opts := &APIKeyDescribeOptions{IO: f.IOStreams, Client: f.AuthenticatedClient, Logins: f.Logins, Format: f.OutputFormat}
	cmd := &cobra.Command{
		Use:     "describe KEY_NAME_OR_ID",
		Aliases: []string{"view"},
		Short:   "Show an API key",
		Long: heredoc.Doc(`
			Show an API key: status, description, when it last logged in and was
			last rotated, and whether this client logs in with it. The key's
			secret is never shown: the server keeps only a hash of it.

			-o json fields: id, name, active, description, service_account_id,
			service_account, created, updated, last_login, last_rotated,
			retain_period_minutes, used_by_this_client, effective_active.
		`),
		Example: heredoc.Doc(`
			$ zenctl service-account api-key ci-bot describe default
			$ zenctl sa api-key ci-bot describe default -o json
		`),
		Args: saArgs("KEY_NAME_OR_ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ServiceAccount, opts.Key = args[0], args[1]
			if runF != nil {
				return runF(opts)
			}
			return runAPIKeyDescribe(cmd.Context(), opts)
		},
	}
	outputflag.Add(cmd, &opts.Output)
	return cmd
}

func runAPIKeyDescribe(ctx context.Context, opts *APIKeyDescribeOptions) error {
	format, err := opts.Format(opts.Output)
	if err != nil {
		return err
	}
	kc, err := newKeyContext(ctx, opts.Client, opts.ServiceAccount)
	if err != nil {
		return err
	}
	key, err := resolveAPIKey(ctx, kc, opts.Key)
	if err != nil {
		return err
	}
	v := viewAPIKey(kc.sa, key, currentAPIKeyID(opts.Logins, kc.target, kc.sa.Name))
	return output.Print(opts.IO, format, v, func() error {
		d := output.NewDescribe(opts.IO)
		d.Add("Name", v.Name)
		d.Add("ID", v.ID)
		d.Add("Service account", fmt.Sprintf("%s (%s)", v.ServiceAccount, v.ServiceAccountID))
		d.Add("Status", keyStatusText(v))
		d.Add("Description", v.Description)
		d.Add("Created", fieldTime(opts.IO, &v.Created, ""))
		d.Add("Updated", fieldTime(opts.IO, &v.Updated, ""))
		d.Add("Last login", fieldTime(opts.IO, v.LastLogin, "never"))
		d.Add("Last rotated", fieldTime(opts.IO, v.LastRotated, "never"))
		d.Add("Retain period", strconv.Itoa(v.RetainPeriodMinutes)+" minutes")
		if v.UsedByThisClient {
			d.Add("Used by this client", "yes")
		}
		return d.Render()
	})
}
