package auth

import (
	"context"
	"fmt"
	"strings"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/zenctl/zenctl/internal/cmd/factory"
	"github.com/zenctl/zenctl/internal/config"
	"github.com/zenctl/zenctl/internal/exitcode"
	"github.com/zenctl/zenctl/internal/iostreams"
	"github.com/zenctl/zenctl/pkg/zenml"
)

// LogoutOptions are the inputs of `zenctl logout`.
type LogoutOptions struct {
	Factory   *factory.Factory
	IO        *iostreams.IOStreams
	ServerURL string
	Clear     bool
	All       bool
}

// NewCmdLogout builds `zenctl logout`.
func NewCmdLogout(f *factory.Factory, runF func(*LogoutOptions) error) *cobra.Command {
	opts := &LogoutOptions{Factory: f, IO: f.IOStreams}
	cmd := &cobra.Command{
		Use:   "logout [SERVER_URL]",
		Short: "Log out of a ZenML server",
		Long: heredoc.Doc(`
			Log out of a ZenML server (the active one unless SERVER_URL is given).

			Logging out is local: the server is no longer active, but its stored
			credentials stay, so a later 'zenctl login SERVER_URL' needs no new
			login. --clear deletes the stored credentials too; --all acts on every
			server. Tokens already issued stay valid on the server until they
			expire: to revoke access, deactivate or delete the API key (rotating
			it leaves tokens already issued valid).
		`),
		Example: heredoc.Doc(`
			$ zenctl logout
			$ zenctl logout https://zenml.example.com --clear
			$ zenctl logout --all --clear
		`),
		Args:              factory.MaxArgs(1),
		ValidArgsFunction: f.CompleteServerURLArg,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.ServerURL = args[0]
			}
			if opts.All && opts.ServerURL != "" {
				return exitcode.Usagef("give either SERVER_URL or --all, not both")
			}
			if runF != nil {
				return runF(opts)
			}
			return runLogout(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Clear, "clear", false, "Also delete the stored credentials")
	cmd.Flags().BoolVar(&opts.All, "all", false, "Log out of every server")
	return cmd
}

// deleteSecret deletes a server's secret under the server's lock, so a
// token renewal running at the same time cannot write it back.
func deleteSecret(ctx context.Context, f *factory.Factory, s *config.Server) error {
	store, err := f.SecretStoreFor(s)
	if err != nil {
		return fmt.Errorf("deleting the credentials of %s: %w", s.URL, err)
	}
	unlock, err := f.LockServer(ctx, s.URL)
	if err != nil {
		return err
	}
	defer unlock()
	// The secret goes before the metadata, so a failure leaves nothing
	// orphaned that logout cannot find again.
	if err := store.Delete(s.URL); err != nil {
		return fmt.Errorf("deleting the credentials of %s: %w", s.URL, err)
	}
	return nil
}

func runLogout(ctx context.Context, opts *LogoutOptions) error {
	f := opts.Factory
	cs := opts.IO.ErrColorScheme()
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	var targets []string
	switch {
	case opts.All:
		targets = cfg.ServerURLs()
		if len(targets) == 0 {
			fmt.Fprintln(opts.IO.ErrOut, "Not logged in to any server.")
			return nil
		}
	default:
		raw := opts.ServerURL
		if raw == "" {
			raw = f.ServerFlag
		}
		if raw == "" {
			raw = cfg.ActiveServer
		}
		if raw == "" {
			// After a plain logout no server is active, yet its
			// credentials stay: --clear must still be able to reach them.
			stored := cfg.ServerURLs()
			switch {
			case len(stored) == 0:
				return fmt.Errorf("not logged in to any server; nothing to log out of")
			case len(stored) == 1 && opts.Clear:
				raw = stored[0]
			case opts.Clear:
				return exitcode.Usagef("no server is active: name one, e.g. `zenctl logout %s --clear`, or use --all (stored: %s)", stored[0], strings.Join(stored, ", "))
			default:
				return fmt.Errorf("no server is active; the stored credentials of %s stay until `zenctl logout SERVER_URL --clear`", strings.Join(stored, ", "))
			}
		}
		u, err := zenml.NormalizeServerURL(raw)
		if err != nil {
			return err
		}
		if cfg.Server(u) == nil {
			return fmt.Errorf("not logged in to %s; `zenctl status --all` lists the servers zenctl knows", u)
		}
		targets = []string{u}
	}

	for _, u := range targets {
		if opts.Clear {
			if err := deleteSecret(ctx, f, cfg.Server(u)); err != nil {
				return err
			}
		}
	}
	err = f.UpdateConfig(func(c *config.Config) error {
		for _, u := range targets {
			if c.ActiveServer == u {
				c.ActiveServer = ""
			}
			if opts.Clear {
				c.RemoveServer(u)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, u := range targets {
		if opts.Clear {
			fmt.Fprintf(opts.IO.ErrOut, "%s Logged out of %s and deleted its stored credentials\n", cs.SuccessIcon(), u)
		} else {
			// The server is no longer active, so the hint must name it.
			fmt.Fprintf(opts.IO.ErrOut, "%s Logged out of %s; its credentials stay stored (`zenctl logout %s --clear` deletes them)\n", cs.SuccessIcon(), u, u)
		}
	}
	fmt.Fprintln(opts.IO.ErrOut, "Tokens already issued stay valid on the server until they expire.")
	return nil
}
