package serviceaccount

import (
	"context"
	"fmt"
	"strconv"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/zenctl/zenctl/internal/cmd/factory"
	"github.com/zenctl/zenctl/internal/iostreams"
	"github.com/zenctl/zenctl/internal/output"
)

// APIKeyListOptions are the inputs of `api-key SA list`.
type APIKeyListOptions struct {
	Factory *factory.Factory
	IO      *iostreams.IOStreams

	ServiceAccount string
	Name           string
	Active         *bool
	Page           int
	Size           int
	Output         string
}

// NewCmdAPIKeyList builds `zenctl service-account api-key SA list`.
func NewCmdAPIKeyList(f *factory.Factory, runF func(*APIKeyListOptions) error) *cobra.Command {
	opts := &APIKeyListOptions{Factory: f, IO: f.IOStreams}
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
			last_rotated, retain_period_minutes, used_by_this_client.
		`),
		Example: heredoc.Doc(`
			$ zenctl service-account api-key ci-bot list
			$ zenctl sa api-key ci-bot list --active true -o json
		`),
		Args: saArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ServiceAccount = args[0]
			opts.Active = active.ptr()
			if _, err := listParams(opts.Page, opts.Size, opts.Name, opts.Active); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return runAPIKeyList(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Name, "name", "", "Only keys with this name (or filter, e.g. startswith:ci-)")
	cmd.Flags().Var(active, "active", "Only active (true) or inactive (false) keys")
	cmd.Flags().IntVar(&opts.Page, "page", 1, "Page `number`")
	cmd.Flags().IntVar(&opts.Size, "size", 20, "Page size (1-10000)")
	factory.AddOutputFlag(cmd, &opts.Output)
	return cmd
}

func runAPIKeyList(ctx context.Context, opts *APIKeyListOptions) error {
	format, err := opts.Factory.OutputFormat(opts.Output)
	if err != nil {
		return err
	}
	params, _ := listParams(opts.Page, opts.Size, opts.Name, opts.Active)
	kc, err := newKeyContext(ctx, opts.Factory, opts.ServiceAccount)
	if err != nil {
		return err
	}
	page, err := kc.client.ListAPIKeys(ctx, kc.sa.ID, params)
	if err != nil {
		return err
	}
	current := currentAPIKeyID(opts.Factory, kc.target)
	view := ListView[APIKeyView]{Items: []APIKeyView{}, Page: page.Index, Size: page.MaxSize, TotalPages: page.TotalPages, Total: page.Total}
	for i := range page.Items {
		view.Items = append(view.Items, viewAPIKey(kc.sa, &page.Items[i], current))
	}
	return output.Print(opts.IO, format, view, func() error {
		if len(view.Items) == 0 {
			fmt.Fprintf(opts.IO.ErrOut, "No API keys found for service account %s.\n", iostreams.Escape(kc.sa.Name))
			return nil
		}
		tty := opts.IO.IsStdoutTTY()
		t := output.NewTable(opts.IO, "NAME", "ID", "STATUS", "LAST LOGIN", "LAST ROTATED", "DESCRIPTION")
		t.TruncateFirst("DESCRIPTION")
		t.Abbreviate("ID", 8)
		for _, k := range view.Items {
			name := k.Name
			if tty && k.UsedByThisClient {
				// Only on a terminal: piped rows keep the bare name for scripts.
				name += " (this client)"
			}
			t.AddRow(name, k.ID, statusText(k.Active), tableTime(opts.IO, k.LastLogin, "never"), tableTime(opts.IO, k.LastRotated, "never"), k.Description)
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
	Factory *factory.Factory
	IO      *iostreams.IOStreams

	ServiceAccount string
	Key            string
	Output         string
}

// NewCmdAPIKeyDescribe builds `zenctl service-account api-key SA describe`.
func NewCmdAPIKeyDescribe(f *factory.Factory, runF func(*APIKeyDescribeOptions) error) *cobra.Command {
	opts := &APIKeyDescribeOptions{Factory: f, IO: f.IOStreams}
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
			retain_period_minutes, used_by_this_client.
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
	factory.AddOutputFlag(cmd, &opts.Output)
	return cmd
}

func runAPIKeyDescribe(ctx context.Context, opts *APIKeyDescribeOptions) error {
	format, err := opts.Factory.OutputFormat(opts.Output)
	if err != nil {
		return err
	}
	kc, err := newKeyContext(ctx, opts.Factory, opts.ServiceAccount)
	if err != nil {
		return err
	}
	key, err := resolveAPIKey(ctx, kc, opts.Key)
	if err != nil {
		return err
	}
	v := viewAPIKey(kc.sa, key, currentAPIKeyID(opts.Factory, kc.target))
	return output.Print(opts.IO, format, v, func() error {
		d := output.NewDescribe(opts.IO)
		d.Add("Name", v.Name)
		d.Add("ID", v.ID)
		d.Add("Service account", fmt.Sprintf("%s (%s)", v.ServiceAccount, v.ServiceAccountID))
		d.Add("Status", statusText(v.Active))
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
