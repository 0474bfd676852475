package serviceaccount

import (
	"context"
	"fmt"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/zenctl/zenctl/internal/cmd/factory"
	"github.com/zenctl/zenctl/internal/interrupt"
	"github.com/zenctl/zenctl/internal/iostreams"
	"github.com/zenctl/zenctl/internal/login"
	"github.com/zenctl/zenctl/pkg/zenml"
)

// APIKeyCreateOptions are the inputs of `api-key SA create`.
type APIKeyCreateOptions struct {
	IO *iostreams.IOStreams
	// Client authenticates as the command's server and account.
	Client func(context.Context) (*zenml.Client, *factory.Target, error)
	// Logins is the login layer: which key this client logs in with, and
	// where a new key is stored.
	Logins func() (*login.Manager, error)

	ServiceAccount string
	Name           string
	Description    string
	SetKey         bool
	OutputFile     string
	Output         string
}

// NewCmdAPIKeyCreate builds `zenctl service-account api-key SA create`.
func NewCmdAPIKeyCreate(f *factory.Factory, runF func(*APIKeyCreateOptions) error) *cobra.Command {
	opts := &APIKeyCreateOptions{IO: f.IOStreams, Client: f.AuthenticatedClient, Logins: f.Logins}
	cmd := &cobra.Command{
		Use:   "create NAME",
		Short: "Create an API key",
		Long: heredoc.Doc(`
			Create an API key for the service account.

			The key is printed once, alone on stdout; the server never shows it
			again. --output-file writes it to a new file readable only by you
			instead (an existing file is never overwritten). --set-key also makes
			this client log in with the new key. -o json gives
			{"name", "id", "key"}.
		`),
		Example: heredoc.Doc(`
			$ KEY=$(zenctl service-account api-key ci-bot create deploy)
			$ zenctl sa api-key ci-bot create deploy --output-file deploy.key
		`),
		Args: saArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ServiceAccount, opts.Name = args[0], args[1]
			if _, err := formatArg(opts.Output); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return runAPIKeyCreate(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Description, "description", "d", "", "Description `TEXT` of the key")
	cmd.Flags().BoolVar(&opts.SetKey, "set-key", false, "Make this client log in with the new key")
	cmd.Flags().StringVar(&opts.OutputFile, "output-file", "", "Write the key to this new `FILE` (mode 0600) instead of stdout")
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "", "Output `FORMAT`: json or yaml (default: the bare key)")
	return cmd
}

func runAPIKeyCreate(ctx context.Context, opts *APIKeyCreateOptions) error {
	cs := opts.IO.ErrColorScheme()
	format, _ := formatArg(opts.Output)
	kc, err := newKeyContext(ctx, opts.Client, opts.ServiceAccount)
	if err != nil {
		return err
	}
	if opts.SetKey && kc.target.FromEnv {
		return fmt.Errorf("--set-key cannot store the key: the credentials come from ZENML_STORE_* variables")
	}
	file, err := createKeyFile(opts.OutputFile)
	if err != nil {
		return err
	}
	defer file.finish()

	req := zenml.APIKeyRequest{Name: opts.Name}
	if opts.Description != "" {
		req.Description = &opts.Description
	}
	// The key's secret is shown once: a signal does not abandon the
	// request that creates it (see package interrupt).
	crit := interrupt.Begin(ctx, newKeyRisk(kc.sa, opts.Name))
	defer crit.End()
	if file != nil {
		crit.OnAbandon(file.abandon)
	}
	key, err := kc.client.CreateAPIKey(crit.Context(), kc.sa.ID, req)
	if err != nil {
		return err
	}
	res := &KeyResult{Name: key.Name, ID: key.ID}
	if err := deliverCreated(crit, opts.IO, file, format, key.Secret(), res, res, kc.sa); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "%s Created API key %s for service account %s\n", cs.SuccessIcon(), cs.Bold(key.Name), iostreams.Escape(kc.sa.Name))
	newKeyNotice(opts.IO, file, kc.target, 1, !opts.SetKey)
	if opts.SetKey {
		crit.SetRisk(unstoredRisk(kc.target.URL, true))
		return adopt(crit.Context(), opts.IO, opts.Logins, kc.target, key.Secret())
	}
	return nil
}
