package user

import (
	"context"
	"fmt"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/zenctl/zenctl/internal/cmd/cmdargs"
	"github.com/zenctl/zenctl/internal/cmd/factory"
	"github.com/zenctl/zenctl/internal/exitcode"
	"github.com/zenctl/zenctl/internal/iostreams"
	"github.com/zenctl/zenctl/internal/login"
	"github.com/zenctl/zenctl/internal/output"
	"github.com/zenctl/zenctl/internal/prompt"
	"github.com/zenctl/zenctl/pkg/zenml"
)

// CreateOptions are the inputs of `zenctl user create`.
type CreateOptions struct {
	IO       *iostreams.IOStreams
	Prompter prompt.Prompter
	Client   ClientFunc

	Name           string
	FullName       string
	Admin          bool
	PromptPassword bool
	PasswordStdin  bool
	Output         string
}

// NewCmdCreate builds `zenctl user create`.
func NewCmdCreate(f *factory.Factory, runF func(*CreateOptions) error) *cobra.Command {
	opts := &CreateOptions{IO: f.IOStreams, Prompter: f.Prompter, Client: f.AuthenticatedClient}
	cmd := &cobra.Command{
		Use:   "create NAME",
		Short: "Create a user, with a password or as an invitation",
		Long: heredoc.Doc(`
			Create a user (admins only).

			Without a password the user is invited: it stays inactive and the
			server answers with an activation token, which is printed once on
			stdout and cannot be shown again. Hand it to the person, who runs
			'zenctl user activate NAME' to choose a password.

			With --prompt-password (hidden, asked twice) or --password-stdin the
			user is active at once. Passwords are never taken from the command
			line.

			-o json prints the user and, for an invitation, activation_token.
		`),
		Example: heredoc.Doc(`
			$ TOKEN=$(zenctl user create ann --full-name "Ann Lee")
			$ zenctl user create bot-admin --admin --password-stdin < pw.txt
		`),
		Args: cmdargs.ExactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name = args[0]
			if opts.PromptPassword && opts.PasswordStdin {
				return exitcode.Usagef("--prompt-password and --password-stdin exclude each other")
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
	cmd.Flags().StringVar(&opts.FullName, "full-name", "", "The person's full `NAME`")
	cmd.Flags().BoolVar(&opts.Admin, "admin", false, "Make the user an admin")
	cmd.Flags().BoolVar(&opts.PromptPassword, "prompt-password", false, "Set a password now, asked twice without echo")
	cmd.Flags().BoolVar(&opts.PasswordStdin, "password-stdin", false, "Set a password now, read from the first line of stdin")
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "", "Output `FORMAT`: json or yaml (default: the bare activation token)")
	return cmd
}

// TokenView is a user with the activation token the server showed once.
type TokenView struct {
	View
	ActivationToken string `json:"activation_token,omitempty"`
}

func runCreate(ctx context.Context, opts *CreateOptions) error {
	format, _ := formatArg(opts.Output)
	req := zenml.UserRequest{Name: opts.Name, FullName: opts.FullName, IsAdmin: opts.Admin}
	if opts.PromptPassword || opts.PasswordStdin {
		r, err := newSecretReader(opts.IO, opts.Prompter, opts.PasswordStdin, "--password-stdin")
		if err != nil {
			return err
		}
		pw, err := r.newPassword("Password for " + opts.Name)
		if err != nil {
			return err
		}
		req.Password = &pw
	}
	client, _, err := opts.Client(ctx)
	if err != nil {
		return err
	}
	u, token, err := client.CreateUser(ctx, req)
	if err != nil {
		return err
	}
	cs := opts.IO.ErrColorScheme()
	fmt.Fprintf(opts.IO.ErrOut, "%s Created user %s (%s)\n", cs.SuccessIcon(), cs.Bold(iostreams.OneLine(u.Name)), u.ID)
	return printActivation(opts.IO, format, TokenView{View: view(u), ActivationToken: token}, u.Name)
}

// printActivation prints a user whose answer carried an activation token:
// the bare token on stdout (like a new API key, so $(...) captures it), the
// advice on stderr.
func printActivation(ios *iostreams.IOStreams, format output.Format, v TokenView, name string) error {
	if v.ActivationToken == "" {
		if format == output.FormatTable {
			return nil
		}
		return output.Print(ios, format, v, nil)
	}
	if format != output.FormatTable {
		if err := output.Print(ios, format, v, nil); err != nil {
			return err
		}
	} else {
		fmt.Fprintln(ios.Out, v.ActivationToken)
	}
	went, warning, lost := activationTokenWent(ios, format)
	if lost {
		fmt.Fprintf(ios.ErrOut, "%s `zenctl user deactivate %s` gives a new one.\n", went, login.ShellWordOr(name, v.ID))
		return nil
	}
	fmt.Fprintf(ios.ErrOut, "%s With it, %s chooses a password:\n  zenctl user activate %s\n",
		went, iostreams.EscapeLine(name), login.ShellWordOr(name, v.ID))
	if warning != "" {
		fmt.Fprintln(ios.ErrOut, warning)
	}
	return nil
}

// formatArg parses -o of the commands that print a secret once. They ignore
// ZENCTL_OUTPUT on purpose: TOKEN=$(zenctl user create ann) must capture
// the bare token whatever the user's default format is.
func formatArg(s string) (output.Format, error) {
	if s == "" {
		return output.FormatTable, nil
	}
	format, err := output.ParseFormat(s)
	if err != nil {
		return "", exitcode.Usagef("%v", err)
	}
	return format, nil
}
