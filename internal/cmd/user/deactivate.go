package user

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strings"
	"unicode"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/zenctl/zenctl/internal/cmd/cmdargs"
	"github.com/zenctl/zenctl/internal/cmd/factory"
	"github.com/zenctl/zenctl/internal/exitcode"
	"github.com/zenctl/zenctl/internal/iostreams"
	"github.com/zenctl/zenctl/internal/login"
	"github.com/zenctl/zenctl/internal/output"
)

// DeactivateOptions are the inputs of `zenctl user deactivate`.
type DeactivateOptions struct {
	IO     *iostreams.IOStreams
	Client ClientFunc

	User   string
	Output string
	// OutputFile receives the activation token instead of stdout.
	OutputFile string
	// ShowToken prints the activation token on a terminal anyway.
	ShowToken bool
}

// NewCmdDeactivate builds `zenctl user deactivate`.
func NewCmdDeactivate(f *factory.Factory, runF func(*DeactivateOptions) error) *cobra.Command {
	opts := &DeactivateOptions{IO: f.IOStreams, Client: f.AuthenticatedClient}
	cmd := &cobra.Command{
		Use:   "deactivate NAME_OR_ID",
		Short: "Deactivate a user: all its tokens and devices stop at once",
		Long: heredoc.Doc(`
			Deactivate a user (admins only, not yourself). Every token and
			device session of the user gets 401 at once and its password no
			longer logs in.

			It blocks, it does not revoke: 'zenctl user activate' with the
			activation token this prints (once) revives the same tokens and
			devices. To end them for good, delete the user.

			The activation token is a secret you did not ask for, so it goes
			to stdout only when stdout is not a terminal, or to a new file
			readable by you only with --output-file; on a terminal zenctl
			refuses before deactivating anyone, unless --show-token. A file a
			shell redirect (> FILE) creates is readable by others (mode 0644,
			as the umask usually has it), which zenctl points out afterwards;
			prefer --output-file. Running deactivate again gives a new
			activation token.
		`),
		Example: heredoc.Doc(`
			$ zenctl user deactivate ann --output-file ann-activation.token
			$ zenctl user deactivate ann > ann-activation.token
		`),
		Args: cmdargs.ExactArgs("NAME_OR_ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.User = args[0]
			if _, err := formatArg(opts.Output); err != nil {
				return err
			}
			// Checked before the request: the server answers the token
			// once, and a deactivation is not undone by a refusal after it.
			if opts.IO.IsStdoutTTY() && opts.OutputFile == "" && !opts.ShowToken {
				return exitcode.Usagef("not printing %s's activation token, a secret, to the terminal: add --output-file FILE, redirect stdout (> %s.token), or add --show-token",
					iostreams.EscapeLine(opts.User), fileWord(opts.User))
			}
			if runF != nil {
				return runF(opts)
			}
			return runDeactivate(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "", "Output `FORMAT`: json or yaml (default: the bare activation token)")
	cmd.Flags().StringVar(&opts.OutputFile, "output-file", "", "Write the activation token to this new `FILE` (mode 0600) instead of stdout")
	cmd.Flags().BoolVar(&opts.ShowToken, "show-token", false, "Print the activation token even when stdout is a terminal")
	return cmd
}

func runDeactivate(ctx context.Context, opts *DeactivateOptions) error {
	format, _ := formatArg(opts.Output)
	client, _, err := opts.Client(ctx)
	if err != nil {
		return err
	}
	u, err := resolve(ctx, client, opts.User)
	if err != nil {
		return err
	}
	file, err := createTokenFile(opts.OutputFile)
	if err != nil {
		return err
	}
	u, token, err := client.DeactivateUser(ctx, u.ID)
	if err != nil {
		file.discard()
		return err
	}
	cs := opts.IO.ErrColorScheme()
	fmt.Fprintf(opts.IO.ErrOut, "%s Deactivated user %s: its tokens and devices get 401 from now on\n", cs.SuccessIcon(), cs.Bold(iostreams.OneLine(u.Name)))
	fmt.Fprintf(opts.IO.ErrOut, "%s Nothing is revoked: activating the user again revives the same tokens and devices; `zenctl user delete %s` ends them for good\n",
		cs.WarningIcon(), login.ShellWordOr(u.Name, u.ID))
	if file == nil {
		return printActivation(opts.IO, format, TokenView{View: view(u), ActivationToken: token}, u.Name)
	}
	if err := file.write(token); err != nil {
		return fmt.Errorf("%w; `zenctl user deactivate %s` again gives a new activation token", err, login.ShellWordOr(u.Name, u.ID))
	}
	if format != output.FormatTable {
		if err := output.Print(opts.IO, format, TokenView{View: view(u)}, nil); err != nil {
			return err
		}
	}
	fmt.Fprintf(opts.IO.ErrOut, "The activation token is in %s (readable by you only). With it, %s chooses a password:\n  zenctl user activate %s\n",
		iostreams.EscapeLine(opts.OutputFile), iostreams.EscapeLine(u.Name), login.ShellWordOr(u.Name, u.ID))
	return nil
}

// activationTokenWent says where an activation token printed on stdout
// went, so that the line after it is true for a terminal, a file and a
// pipe alike; lost is true for /dev/null, where "with it" is no advice.
// warning is for a file a shell redirect created readable by others, which
// --output-file avoids: it comes after the advice on using the token.
func activationTokenWent(ios *iostreams.IOStreams, format output.Format) (went, warning string, lost bool) {
	what := "The activation token"
	if format != output.FormatTable {
		what = "The output, with the activation token,"
	}
	if ios.IsStdoutTTY() {
		if format == output.FormatTable {
			return "The activation token above is shown only once.", "", false
		}
		return what + " is above; it is shown only once.", "", false
	}
	if ios.StdoutDiscarded() {
		return ios.ErrColorScheme().WarningIcon() + " " + what + " went to /dev/null: it is lost, and the server will not show it again.", "", true
	}
	f, ok := ios.Out.(*os.File)
	if !ok {
		return what + " went to stdout; it is shown only once.", "", false
	}
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return what + " went to stdout; it is shown only once.", "", false
	}
	went = what + " is in the file stdout went to; it is shown only once."
	if perm := fi.Mode().Perm(); runtime.GOOS != "windows" && perm&0o077 != 0 {
		warning = fmt.Sprintf("%s That file is readable by others (mode %04o): restrict it (chmod 600 FILE); --output-file FILE creates it readable by you only.",
			ios.ErrColorScheme().WarningIcon(), perm)
	}
	return went, warning, false
}

// fileWord is a name fit to suggest as a file name in a message.
func fileWord(name string) string {
	word := strings.Map(func(r rune) rune {
		if r == '-' || r == '_' || r == '.' || unicode.IsLetter(r) || unicode.IsDigit(r) {
			return r
		}
		return '-'
	}, name)
	if word == "" || strings.HasPrefix(word, "-") || strings.HasPrefix(word, ".") {
		return "activation"
	}
	return word
}
