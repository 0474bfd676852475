package serviceaccount

import (
	"context"
	"errors"
	"fmt"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/zenctl/zenctl/internal/cmd/cmdargs"
	"github.com/zenctl/zenctl/internal/cmd/factory"
	"github.com/zenctl/zenctl/internal/config"
	"github.com/zenctl/zenctl/internal/exitcode"
	"github.com/zenctl/zenctl/internal/interrupt"
	"github.com/zenctl/zenctl/internal/iostreams"
	"github.com/zenctl/zenctl/internal/login"
	"github.com/zenctl/zenctl/internal/output"
	"github.com/zenctl/zenctl/pkg/zenml"
)

// CreateOptions are the inputs of `zenctl service-account create`.
type CreateOptions struct {
	IO *iostreams.IOStreams
	// Client authenticates as the command's server and account.
	Client func(context.Context) (*zenml.Client, *factory.Target, error)
	// Logins is the login layer: which key this client logs in with, and
	// where a new key is stored.
	Logins func() (*login.Manager, error)

	Name         string
	Description  string
	CreateAPIKey bool
	SetAPIKey    bool
	OutputFile   string
	Output       string
}

// KeyResult is a new key in -o json output. Key is null when the key went
// to --output-file instead.
type KeyResult struct {
	Name    string  `json:"name"`
	ID      string  `json:"id"`
	Key     *string `json:"key"`
	KeyFile string  `json:"key_file,omitempty"`
}

// CreateResult is `service-account create -o json`.
type CreateResult struct {
	ServiceAccount ServiceAccountView `json:"service_account"`
	APIKey         *KeyResult         `json:"api_key"`
}

// defaultKeyName and defaultKeyDescription are what the zenml CLI gives
// the key it creates with a service account.
const (
	defaultKeyName        = "default"
	defaultKeyDescription = "Default API key."
)

// NewCmdCreate builds `zenctl service-account create`.
func NewCmdCreate(f *factory.Factory, runF func(*CreateOptions) error) *cobra.Command {
	opts := &CreateOptions{IO: f.IOStreams, Client: f.AuthenticatedClient, Logins: f.Logins}
	createKey := newBoolArg(true)
	cmd := &cobra.Command{
		Use:   "create NAME",
		Short: "Create a service account and its first API key",
		Long: heredoc.Doc(`
			Create an active service account and, unless --create-api-key=false,
			an API key named "default" for it.

			The key is printed once, alone on stdout, so that
			KEY=$(zenctl service-account create NAME) captures it; the server
			never shows it again. --output-file writes it to a new file readable
			only by you instead (an existing file is never overwritten).
			--set-api-key also makes this client log in with the new key.

			With -o json the output is
			{"service_account": {...}, "api_key": {"name", "id", "key"}}.
		`),
		Example: heredoc.Doc(`
			$ KEY=$(zenctl service-account create ci-bot -d "CI pipelines")
			$ zenctl service-account create ci-bot --output-file ci-bot.key
			$ zenctl service-account create ci-bot --create-api-key=false
			$ zenctl service-account create ci-bot -o json | jq -r .api_key.key
		`),
		Args: cmdargs.ExactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name = args[0]
			opts.CreateAPIKey = *createKey.value
			if !opts.CreateAPIKey && (opts.SetAPIKey || opts.OutputFile != "") {
				return exitcode.Usagef("--set-api-key and --output-file need a key: drop --create-api-key=false")
			}
			if _, err := formatArg(opts.Output); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return runCreate(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Description, "description", "d", "", "Description `TEXT` of the service account")
	cmd.Flags().Var(createKey, "create-api-key", "Also create an API key named \"default\"")
	cmd.Flags().BoolVar(&opts.SetAPIKey, "set-api-key", false, "Make this client log in with the new key")
	// The api-key commands call it --set-key; accept that spelling here
	// too rather than fail on it.
	cmd.Flags().BoolVar(&opts.SetAPIKey, "set-key", false, "Same as --set-api-key")
	_ = cmd.Flags().MarkHidden("set-key")
	cmd.Flags().StringVar(&opts.OutputFile, "output-file", "", "Write the key to this new `FILE` (mode 0600) instead of stdout")
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "", "Output `FORMAT`: json or yaml (default: the bare key)")
	return cmd
}

func runCreate(ctx context.Context, opts *CreateOptions) error {
	cs := opts.IO.ErrColorScheme()
	format, _ := formatArg(opts.Output)

	client, target, err := opts.Client(ctx)
	if err != nil {
		return err
	}
	if opts.SetAPIKey && target.FromEnv {
		return fmt.Errorf("--set-api-key cannot store the key: the credentials come from ZENML_STORE_* variables")
	}
	file, err := createKeyFile(opts.OutputFile)
	if err != nil {
		return err
	}
	defer file.finish()

	req := zenml.ServiceAccountRequest{Name: opts.Name, Active: true}
	if opts.Description != "" {
		req.Description = &opts.Description
	}
	sa, err := client.CreateServiceAccount(ctx, req)
	if errors.Is(err, zenml.ErrConflict) {
		return existingAccountError(ctx, client, opts.Name, err)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "%s Created service account %s (%s)\n", cs.SuccessIcon(), cs.Bold(iostreams.EscapeLine(sa.Name)), iostreams.Escape(sa.ID))
	result := CreateResult{ServiceAccount: viewServiceAccount(sa)}
	if !opts.CreateAPIKey {
		if format != output.FormatTable {
			return output.Print(opts.IO, format, result, nil)
		}
		return nil
	}

	// The account exists; its key is not asked for after a signal, and
	// once asked for it is not abandoned (see newKeyRisk).
	if ctx.Err() != nil {
		fmt.Fprintf(opts.IO.ErrOut, "%s Interrupted before the API key was created: `zenctl service-account api-key %s create %s` adds one\n",
			cs.WarningIcon(), login.ShellWordOr(sa.Name, sa.ID), defaultKeyName)
		return exitcode.ErrCancelled
	}
	crit := interrupt.Begin(ctx, newKeyRisk(sa, defaultKeyName))
	defer crit.End()
	if file != nil {
		crit.OnAbandon(file.abandon)
	}
	desc := defaultKeyDescription
	key, err := client.CreateAPIKey(crit.Context(), sa.ID, zenml.APIKeyRequest{Name: defaultKeyName, Description: &desc})
	if err != nil {
		return fmt.Errorf("service account %s was created, but not its API key: %w; create one with `zenctl service-account api-key %s create %s`",
			iostreams.EscapeLine(sa.Name), err, login.ShellWordOr(sa.Name, sa.ID), defaultKeyName)
	}
	result.APIKey = &KeyResult{Name: key.Name, ID: key.ID}
	if err := deliverCreated(crit, opts.IO, file, format, key.Secret(), result, result.APIKey, sa); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "%s Created API key %s\n", cs.SuccessIcon(), cs.Bold(iostreams.EscapeLine(key.Name)))
	newKeyNotice(opts.IO, file, target, 1, !opts.SetAPIKey)
	if opts.SetAPIKey {
		crit.SetRisk(unstoredRisk(target.URL, true))
		return adopt(crit.Context(), opts.IO, opts.Logins, target, key.Secret())
	}
	return nil
}

// existingAccountError is the error for creating an account whose name is
// taken, with commands for the existing account, which name it by its id
// where the name would not paste.
func existingAccountError(ctx context.Context, client *zenml.Client, name string, err error) error {
	id := login.NamePlaceholder
	if sa, rerr := client.ResolveServiceAccount(ctx, name); rerr == nil {
		id = sa.ID
	}
	return fmt.Errorf("%w; `zenctl service-account describe %s` shows it, `zenctl service-account api-key %s create NAME` adds a key",
		err, saWord(name, id), saWord(name, id))
}

// newKeyRisk is what abandoning the creation of a key may leave behind: a
// key on the server whose secret nobody has seen. Rotating it gives it a
// secret that is shown.
func newKeyRisk(sa *zenml.ServiceAccount, key string) interrupt.Risk {
	return interrupt.Risk{
		Happened: iostreams.Escape("the server may have created API key " + key + " of service account " + sa.Name + ", whose secret was never shown"),
		Recover:  "To get a secret for it: zenctl service-account api-key " + saWord(sa.Name, sa.ID) + " rotate " + lastWord(key) + " (or delete it)",
	}
}

// emitNewKey writes a new key where it belongs: alone on a line on stdout,
// in the JSON/YAML document, or into the key file. res is the document and
// kr its key entry, which receives the key or the file name.
func emitNewKey(ios *iostreams.IOStreams, file *keyFile, format output.Format, secret string, res any, kr *KeyResult) error {
	if secret == "" {
		return fmt.Errorf("the server did not return the new key's value")
	}
	if file != nil {
		if _, err := fmt.Fprintln(file, secret); err != nil {
			return fmt.Errorf("writing the key file %s: %w", file.path, err)
		}
		kr.KeyFile = file.path
	} else {
		kr.Key = &secret
	}
	if format != output.FormatTable {
		return output.Print(ios, format, res, nil)
	}
	if file == nil {
		_, err := fmt.Fprintln(ios.Out, secret)
		return err
	}
	return nil
}

// newKeyNotice says, on stderr and without the key, where the key went and
// that it will not be shown again; with withLoginHint, how to log in with
// it (pointless when this client adopts the key, and wrong for a file of
// several keys, which `login --api-key` cannot read).
func newKeyNotice(ios *iostreams.IOStreams, file *keyFile, target *factory.Target, n int, withLoginHint bool) {
	serverURL := target.URL
	if target.AuthMethod == config.AuthNone {
		withLoginHint = false // a NO_AUTH server would ignore the key
	}
	keys, was, them := "key", "was", "it"
	if n > 1 {
		keys, was, them = "keys", "were", "them"
	}
	if file != nil {
		fmt.Fprintf(ios.ErrOut, "Wrote the new %s to %s (readable only by you).\n", keys, file.path)
	} else if ios.StdoutDiscarded() {
		fmt.Fprintf(ios.ErrOut, "%s The new %s %s written to /dev/null: %s %s lost, and the server will not show %s again; rotate to get a new secret, with --output-file to keep it\n",
			ios.ErrColorScheme().WarningIcon(), keys, was, them, was, them)
		return
	} else {
		fmt.Fprintf(ios.ErrOut, "The new %s %s printed on stdout. Store %s safely now: the server will not show %s again.\n", keys, was, them, them)
	}
	switch {
	case !withLoginHint || n != 1:
	case file != nil && file.named:
		// The line is NAME<TAB>KEY: only the key may reach login.
		fmt.Fprintf(ios.ErrOut, "To log in with it: cut -f2 %s | zenctl login %s --api-key\n", login.ShellWordOr(file.path, "FILE"), serverURL)
	default:
		fmt.Fprintln(ios.ErrOut, loginHint(serverURL, file.name()))
	}
}

// adopt makes this client log in with key. The key has already been shown
// or written, so a failure here loses nothing but the convenience.
func adopt(ctx context.Context, ios *iostreams.IOStreams, logins loginsFunc, target *factory.Target, key string) error {
	cs := ios.ErrColorScheme()
	m, err := logins()
	if err != nil {
		return err
	}
	user, saved, err := m.AdoptAPIKey(ctx, target, key)
	if errors.Is(err, login.ErrKeySuperseded) {
		return fmt.Errorf("the new key was issued, but another rotation of it came later: this key no longer logs in, and this client keeps the key stored by that rotation (%w)", err)
	}
	if err != nil {
		return fmt.Errorf("the new key was issued, but this client could not store it: %w", err)
	}
	name := iostreams.EscapeLine(user.Name)
	switch {
	case saved.Inactive != "":
		fmt.Fprintf(ios.ErrOut, "%s Stored the new key for account %s on %s, untried: %s; it works once the account is active again (zenctl service-account activate %s)\n",
			cs.WarningIcon(), cs.Bold(name), target.URL, iostreams.EscapeLine(saved.Inactive), saWord(user.Name, user.ID))
	case user.Name == target.AccountName():
		fmt.Fprintf(ios.ErrOut, "%s This client now logs in to %s as %s %s with the new key\n", cs.SuccessIcon(), target.URL, user.AccountType(), cs.Bold(name))
	case saved.Added:
		fmt.Fprintf(ios.ErrOut, "%s Added account %s on %s with the new key; active account: %s (unchanged; `zenctl switch --account %s` uses it)\n",
			cs.SuccessIcon(), cs.Bold(name), target.URL, iostreams.EscapeLine(target.AccountName()), login.ShellWord(user.Name))
	default:
		fmt.Fprintf(ios.ErrOut, "%s Stored the new key for account %s on %s; active account: %s (unchanged)\n",
			cs.SuccessIcon(), cs.Bold(name), target.URL, iostreams.EscapeLine(target.AccountName()))
	}
	return nil
}
