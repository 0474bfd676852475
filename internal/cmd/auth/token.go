package auth

import (
	"context"
	"fmt"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/zenctl/zenctl/internal/cmd/cmdargs"
	"github.com/zenctl/zenctl/internal/cmd/durationflag"
	"github.com/zenctl/zenctl/internal/cmd/factory"
	"github.com/zenctl/zenctl/internal/config"
	"github.com/zenctl/zenctl/internal/exitcode"
	"github.com/zenctl/zenctl/internal/iostreams"
	"github.com/zenctl/zenctl/internal/login"
	"github.com/zenctl/zenctl/internal/output"
	"github.com/zenctl/zenctl/pkg/zenml"
)

// TokenOptions are the inputs of `zenctl token`.
type TokenOptions struct {
	IO *iostreams.IOStreams
	// Client authenticates as the command's server and account.
	Client    func(context.Context) (*zenml.Client, *factory.Target, error)
	ExpiresIn int
	Output    string
}

// TokenResult is `zenctl token -o json`.
type TokenResult struct {
	Token     string  `json:"token"`
	ExpiresIn *int64  `json:"expires_in"`
	ExpiresAt *string `json:"expires_at"`
	Server    string  `json:"server"`
}

// NewCmdToken builds `zenctl token`.
func NewCmdToken(f *factory.Factory, runF func(*TokenOptions) error) *cobra.Command {
	opts := &TokenOptions{IO: f.IOStreams, Client: f.AuthenticatedClient}
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Print a short-lived API token",
		Long: heredoc.Doc(`
			Mint a short-lived API token for the current account and print it
			on stdout, followed by a newline and nothing else.

			The token is a new one from the server (GET /api/v1/api_token), not
			the session's own token; it expires after --expires-in (a duration
			such as 30m, 8h or 1d; default 1h). The server bounds the lifetime
			(7 days by default) and says so when --expires-in asks for more.
			The session is renewed first if needed.

			Servers older than ZenML 0.71 count the lifetime in whole minutes
			(it is rounded up), and for a session from a password login they
			return the session's own token, whatever the lifetime; zenctl warns
			on stderr when that happens.
		`),
		Example: heredoc.Doc(`
			$ curl -H "Authorization: Bearer $(zenctl token)" "$URL/api/v1/current-user"
			$ zenctl token --expires-in 10m -o json
		`),
		Args: cmdargs.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Output != "" {
				if _, err := output.ParseFormat(opts.Output); err != nil {
					return exitcode.Usagef("%v", err)
				}
			}
			if runF != nil {
				return runF(opts)
			}
			return runToken(cmd.Context(), opts)
		},
	}
	opts.ExpiresIn = 3600
	cmd.Flags().VarP(durationflag.New(&opts.ExpiresIn, time.Second).Positive(), "expires-in", "e", "Token lifetime: a `DURATION` such as 30m, 8h or 1d (the server sets the maximum, 7d by default)")
	durationflag.Complete(cmd, "expires-in", "10m", "1h", "8h", "1d", "7d")
	// Unlike other commands, token ignores ZENCTL_OUTPUT: scripts rely on
	// $(zenctl token) being the bare token.
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "", "Output `FORMAT`: json or yaml for the token with its expiry (default: the bare token)")
	return cmd
}

func runToken(ctx context.Context, opts *TokenOptions) error {
	client, target, err := opts.Client(ctx)
	if err != nil {
		return err
	}
	if target.AuthMethod == config.AuthNone {
		// Never an empty line that a script would put after "Bearer".
		return fmt.Errorf("%s does not use authentication (NO_AUTH): it issues no tokens and needs none; send requests without an Authorization header", target.URL)
	}
	tok, err := client.APIToken(ctx, time.Duration(opts.ExpiresIn)*time.Second)
	if err != nil {
		return login.MintError(ctx, client, target, err)
	}
	if tok.SessionToken || tok.ExpiresAt.IsZero() {
		cs := opts.IO.ErrColorScheme()
		expiry := "never expires"
		if !tok.ExpiresAt.IsZero() {
			expiry = "expires " + output.HumanTime(tok.ExpiresAt, time.Now())
		}
		what := "a token that " + expiry
		if tok.SessionToken {
			what = "the session's own token instead of a new one; it " + expiry
		}
		fmt.Fprintf(opts.IO.ErrOut, "%s %s returned %s, not in %d seconds\n", cs.WarningIcon(), target.URL, what, opts.ExpiresIn)
	}
	format, _ := output.ParseFormat(opts.Output)
	if opts.Output == "" || format == output.FormatTable {
		_, err := fmt.Fprintln(opts.IO.Out, tok.Token)
		return err
	}
	res := TokenResult{Token: tok.Token, Server: target.URL}
	if !tok.ExpiresAt.IsZero() {
		secs := int64(time.Until(tok.ExpiresAt).Round(time.Second) / time.Second)
		// exp is in whole seconds and the request took a moment: a token
		// that expires when asked reports the lifetime asked for, not a
		// random 3599 a script comparing with 3600 would trip over.
		if d := secs - int64(opts.ExpiresIn); d >= -2 && d <= 0 {
			secs = int64(opts.ExpiresIn)
		}
		at := tok.ExpiresAt.UTC().Format(time.RFC3339)
		res.ExpiresIn, res.ExpiresAt = &secs, &at
	}
	return output.Print(opts.IO, format, res, nil)
}
