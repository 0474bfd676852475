package execenv

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/zenctl/zenctl/internal/cmd/factory"
	"github.com/zenctl/zenctl/internal/config"
	"github.com/zenctl/zenctl/internal/exitcode"
	"github.com/zenctl/zenctl/internal/iostreams"
	"github.com/zenctl/zenctl/internal/login"
	"github.com/zenctl/zenctl/internal/output"
)

// Exit statuses of a command that never ran, as POSIX shells report them.
const (
	statusNotFound     = 127
	statusCannotInvoke = 126
)

// ExecOptions are the inputs of `zenctl exec`.
type ExecOptions struct {
	source
	// Command is COMMAND and its arguments.
	Command []string
	// ZenctlDir is zenctl's own config directory, where exec records the
	// tokens it has not taken back yet.
	ZenctlDir func() (string, error)
}

// NewCmdExec builds `zenctl exec`.
func NewCmdExec(f *factory.Factory, runF func(*ExecOptions) error) *cobra.Command {
	opts := &ExecOptions{source: newSource(f, os.Environ), ZenctlDir: func() (string, error) { return config.DirFrom(f.Env) }}
	cmd := &cobra.Command{
		Use:   "exec [flags] -- COMMAND [ARG...]",
		Short: "Run a command with a short-lived token for the server",
		Long: heredoc.Doc(`
			Run COMMAND with the selected server's URL and a freshly minted,
			short-lived token in its environment, where the zenml Python client
			and SDK (and anything else that reads ZENML_STORE_*) find them:

			  ZENML_STORE_URL          the server's URL
			  ZENML_STORE_API_TOKEN    the token, valid for --expires-in (default 1h)
			  ZENML_STORE_VERIFY_SSL   false or a CA bundle's path, when the server needs it
			  DISABLE_CREDENTIALS_DISK_CACHING=true, so zenml 0.70+ keeps the token off disk

			Any other ZENML_STORE_* variable of zenctl's environment is removed:
			the API key or password of the login never reaches COMMAND.

			The zenml client copies the token into its config directory anyway
			(0.58: config.yaml, 0.85: credentials.yaml, readable by everyone).
			Once COMMAND has ended, however it ended, zenctl removes that token
			from those two files of the zenml config directory
			(ZENML_CONFIG_PATH, else the platform's default) and leaves
			everything else as COMMAND left it; another file there that holds
			the token (a log) is named in a warning, not edited. Should zenctl
			be killed meanwhile, the next exec removes the token first: exec
			records a hash of it in zenctl's config directory until it is gone.

			COMMAND gets zenctl's stdin, stdout and stderr; SIGINT, SIGTERM,
			SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 and SIGWINCH sent to zenctl are
			passed on to it. zenctl exits with COMMAND's status, or 128+N when
			signal N killed it; 127 when COMMAND is not found. Failures before
			COMMAND starts exit 1, or 4 when a login is needed, and COMMAND does
			not run.

			The token is minted by a second zenctl process ('zenctl env -o
			json'), so the zenctl that waits for COMMAND never reads the login's
			key or password; on Linux it also makes itself non-dumpable, so that
			other processes of the same user cannot read its memory or
			environment while COMMAND runs.

			The server bounds the lifetime (7 days by default) and says so when
			--expires-in asks for more. Servers before ZenML 0.71 count it in
			whole minutes, and for a password login they return the session's
			own token; zenctl warns on stderr when that happens.

			The token cannot be renewed: a command that runs longer than
			--expires-in needs a longer one, or an API key of its own.
		`),
		Example: heredoc.Doc(`
			$ zenctl exec -- zenml pipeline runs list
			$ zenctl exec --expires-in 8h -- python train.py
			$ zenctl exec --server https://staging.zenml.example.com -- pytest tests/integration
		`),
		Args: execArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Command = args
			if runF != nil {
				return runF(opts)
			}
			return runExec(cmd.Context(), opts)
		},
	}
	opts.addLifetimeFlag(cmd)
	// Flags end at the command's name, so that `exec ls -la` is about
	// the missing --, not an unknown flag -l.
	cmd.Flags().SetInterspersed(false)
	return cmd
}

// execArgs wants -- and a command after it; words before -- are the
// command's own, so it says where -- goes rather than "unknown flag".
func execArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 && cmd.ArgsLenAtDash() != 0 {
		// `exec ls -la`: the command's own flags are not zenctl's.
		words := make([]string, len(args))
		for i, a := range args {
			words[i] = login.ShellWord(a)
		}
		return exitcode.Usagef("put -- before the command: zenctl exec -- %s", strings.Join(words, " "))
	}
	if cmd.ArgsLenAtDash() != 0 || len(args) == 0 {
		return exitcode.Usagef("expected -- and a command after it: usage: %s", cmd.UseLine())
	}
	return nil
}

func runExec(ctx context.Context, opts *ExecOptions) error {
	// From here on the same user's other processes cannot read zenctl's
	// memory (the token) or environment (a ZENML_STORE_API_KEY) (Linux).
	if err := forbidMemoryReads(); err != nil {
		fmt.Fprintf(opts.IO.ErrOut, "%s cannot keep other processes out of zenctl's memory: %v\n", opts.IO.ErrColorScheme().WarningIcon(), err)
	}
	opts.sweepPending()
	name := opts.Command[0]
	path, err := exec.LookPath(name)
	if err != nil {
		return notStarted(name, err)
	}
	// The child needs only the token: another zenctl process mints it, so
	// this one, which lives as long as the child, never holds the login's
	// key or password.
	env, err := opts.mintedEnv(ctx)
	if err != nil {
		return err
	}
	// Not exec.CommandContext: a Ctrl-C that cancels ctx is the command's
	// to handle; zenctl only passes it on.
	cmd := exec.Command(path)
	cmd.Args = opts.Command
	cmd.Env = env.childEnviron(opts.Environ())
	cmd.Stdin, cmd.Stdout, cmd.Stderr = opts.IO.In, opts.IO.Out, opts.IO.ErrFile()
	sweep := newTokenSweep(zenmlConfigDir(cmd.Env), env.token())
	record := opts.recordPending(sweep, env.ExpiresAt)
	status, err := runForwardingSignals(ctx, cmd, func() {
		failures := sweep.run()
		reportSweep(opts.IO, "the command", failures, env.ExpiresAt)
		if editable(failures) {
			record.release()
		} else {
			record.done()
		}
	})
	if err != nil {
		return notStarted(name, err)
	}
	if status != 0 {
		return &exitcode.PassThrough{Code: status}
	}
	return nil
}

// sweepPending takes back, first, the tokens of earlier execs whose
// zenctl was killed before it could (see pending.go).
func (opts *ExecOptions) sweepPending() {
	dir, err := opts.ZenctlDir()
	if err != nil {
		return
	}
	sweepPending(dir, time.Now(), func(failures []sweepFailure, expiresAt time.Time) {
		reportSweep(opts.IO, "an earlier command (its zenctl exec was killed)", failures, expiresAt)
	})
}

// recordPending records the child's token until it is taken back; without
// a record only a zenctl killed meanwhile would leave it behind, so a
// failure is a warning.
func (opts *ExecOptions) recordPending(sweep *tokenSweep, expiresAt time.Time) *pending {
	if sweep == nil {
		return nil
	}
	dir, err := opts.ZenctlDir()
	var record *pending
	if err == nil {
		record, err = recordPending(dir, sweep, expiresAt)
	}
	if err != nil {
		fmt.Fprintf(opts.IO.ErrOut, "%s cannot record the token for a later clean-up (%s): if zenctl is killed, the token may stay in %s\n",
			opts.IO.ErrColorScheme().WarningIcon(), iostreams.OneLine(err.Error()), iostreams.Escape(sweep.dir))
	}
	return record
}

// reportSweep says which files still hold the token whose command was
// given, and until when it works; a sweep that left nothing says nothing.
func reportSweep(ios *iostreams.IOStreams, whose string, failures []sweepFailure, expiresAt time.Time) {
	if len(failures) == 0 {
		return
	}
	until := "until it expires"
	if !expiresAt.IsZero() {
		until = "until " + output.AbsoluteTime(expiresAt)
	}
	for _, f := range failures {
		fmt.Fprintf(ios.ErrOut, "%s The token zenctl minted for %s is still in %s (%s), and works %s: remove it from that file\n",
			ios.ErrColorScheme().WarningIcon(), whose, iostreams.Escape(f.path), iostreams.OneLine(f.err.Error()), until)
	}
}

// notStarted is the error for a command that could not be run, with the
// status a shell would give it.
func notStarted(name string, err error) error {
	var execErr *exec.Error
	switch {
	case errors.Is(err, exec.ErrNotFound), errors.Is(err, fs.ErrNotExist):
		return &exitcode.PassThrough{Code: statusNotFound, Err: fmt.Errorf("%s: command not found", name)}
	case errors.Is(err, exec.ErrDot):
		return &exitcode.PassThrough{Code: statusNotFound, Err: fmt.Errorf("%s is only in the current directory, which PATH names relatively; run ./%s", name, name)}
	case errors.Is(err, fs.ErrPermission):
		return &exitcode.PassThrough{Code: statusCannotInvoke, Err: fmt.Errorf("%s: permission denied", name)}
	case errors.As(err, &execErr):
		err = execErr.Err
	}
	return &exitcode.PassThrough{Code: statusCannotInvoke, Err: fmt.Errorf("cannot run %s: %w", name, err)}
}
