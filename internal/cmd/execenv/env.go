package execenv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/zenctl/zenctl/internal/cmd/cmdargs"
	"github.com/zenctl/zenctl/internal/cmd/factory"
	"github.com/zenctl/zenctl/internal/exitcode"
	"github.com/zenctl/zenctl/internal/output"
)

// EnvOptions are the inputs of `zenctl env`.
type EnvOptions struct {
	source
	Shell  string
	Force  bool
	Output string
}

// EnvResult is `zenctl env -o json`.
type EnvResult struct {
	Variables map[string]string `json:"variables"`
	// Unset lists the ZENML_STORE_* variables of the environment that the
	// caller should remove.
	Unset     []string `json:"unset"`
	ExpiresAt *string  `json:"expires_at"`
}

// NewCmdEnv builds `zenctl env`.
func NewCmdEnv(f *factory.Factory, runF func(*EnvOptions) error) *cobra.Command {
	opts := &EnvOptions{source: newSource(f, os.Environ)}
	cmd := &cobra.Command{
		Use:   "env",
		Short: "Print shell code that sets a short-lived token for the server",
		Long: heredoc.Doc(`
			Print the variables 'zenctl exec' would set, as shell code for eval:
			the server's URL, a freshly minted token valid for --expires-in
			(default 1h), the TLS settings the server needs, and
			DISABLE_CREDENTIALS_DISK_CACHING=true; see 'zenctl help exec'. The
			ZENML_STORE_* variables of the current environment that it does not
			set, ZENML_STORE_API_KEY and ZENML_STORE_PASSWORD among them, are
			unset.

			--shell picks the syntax: sh (the default; also bash, zsh and
			others), fish, or powershell. -o json or yaml prints the variables
			and the names to unset as data instead.

			The output holds the token, so it is never printed to a terminal,
			where it would stay on the screen and in the scrollback, unless
			--force says so. Prefer 'zenctl exec', which keeps the token out of
			the shell altogether.

			env cannot clean up after the programs of the shell: each zenml run
			copies the token into its config directory (0.58: config.yaml, 0.85:
			credentials.yaml, readable by everyone), where it stays until it
			expires. DISABLE_CREDENTIALS_DISK_CACHING=true, which env sets,
			prevents that on zenml 0.85 and later; for any version, point
			ZENML_CONFIG_PATH at a throwaway directory and remove it when done.
			'zenctl exec' removes the copy itself once its command ends; the
			tokens env prints are not recorded, so no later exec removes them.
		`),
		Example: heredoc.Doc(`
			$ eval "$(zenctl env)"
			$ zenctl env --shell fish | source
			PS> zenctl env --shell powershell | Invoke-Expression
			$ zenctl env --expires-in 30m -o json
		`),
		Args: cmdargs.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := opts.validate(cmd.Flags().Changed("shell")); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return runEnv(cmd.Context(), opts)
		},
	}
	opts.addLifetimeFlag(cmd)
	cmd.Flags().StringVar(&opts.Shell, "shell", "sh", "Syntax of the output, a `SHELL`: "+strings.Join(shellNames(), ", "))
	cmd.Flags().BoolVar(&opts.Force, "force", false, "Print even when stdout is a terminal")
	// Like token, env ignores ZENCTL_OUTPUT: eval "$(zenctl env)" must get
	// shell code whatever the user's default format.
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "", "Output `FORMAT`: json or yaml for the variables as data (default: shell code)")
	_ = cmd.RegisterFlagCompletionFunc("shell", cobra.FixedCompletions(shellNames(), cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(output.Formats(), cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func (opts *EnvOptions) validate(shellSet bool) error {
	if _, ok := shells[opts.Shell]; !ok {
		return exitcode.Usagef("unknown shell %q: want one of %s", opts.Shell, strings.Join(shellNames(), ", "))
	}
	if opts.Output != "" {
		format, err := output.ParseFormat(opts.Output)
		if err != nil {
			return exitcode.Usagef("%v", err)
		}
		if shellSet && format != output.FormatTable {
			return exitcode.Usagef("--shell and --output %s do not go together: pick one", format)
		}
	}
	if opts.IO.IsStdoutTTY() && !opts.Force {
		return errors.New(`not printing a token to a terminal: run eval "$(zenctl env)", or add --force to show it`)
	}
	return nil
}

func runEnv(ctx context.Context, opts *EnvOptions) error {
	env, err := opts.storeEnv(ctx)
	if err != nil {
		return err
	}
	stale := env.stale(opts.Environ())
	format, _ := output.ParseFormat(opts.Output)
	if opts.Output == "" || format == output.FormatTable {
		return writeShell(opts.IO.Out, shells[opts.Shell], env, stale)
	}
	res := EnvResult{Variables: map[string]string{}, Unset: stale}
	if res.Unset == nil {
		res.Unset = []string{}
	}
	for _, v := range env.Set {
		res.Variables[v.Name] = v.Value
	}
	if !env.ExpiresAt.IsZero() {
		at := env.ExpiresAt.UTC().Format(time.RFC3339)
		res.ExpiresAt = &at
	}
	return output.Print(opts.IO, format, res, nil)
}

// shell is the syntax of one shell's assignments.
type shell struct {
	set   func(name, value string) string
	unset func(name string) string
}

var shells = map[string]shell{
	"sh": {
		set:   func(n, v string) string { return "export " + n + "=" + quoteSh(v) },
		unset: func(n string) string { return "unset " + n },
	},
	"fish": {
		set:   func(n, v string) string { return "set -gx " + n + " " + quoteFish(v) },
		unset: func(n string) string { return "set -e " + n },
	},
	"powershell": {
		set:   func(n, v string) string { return "$Env:" + n + " = " + quotePowerShell(v) },
		unset: func(n string) string { return "Remove-Item Env:" + n + " -ErrorAction SilentlyContinue" },
	},
}

func shellNames() []string {
	names := make([]string, 0, len(shells))
	for n := range shells {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func writeShell(w io.Writer, sh shell, env storeEnv, stale []string) error {
	var b strings.Builder
	for _, n := range stale {
		b.WriteString(sh.unset(n) + "\n")
	}
	for _, v := range env.Set {
		b.WriteString(sh.set(v.Name, v.Value) + "\n")
	}
	_, err := fmt.Fprint(w, b.String())
	return err
}

// quoteSh single-quotes s for POSIX shells, where nothing inside single
// quotes is special but the quote itself.
func quoteSh(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// quoteFish single-quotes s for fish, which also treats \ as an escape
// inside single quotes.
func quoteFish(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// quotePowerShell single-quotes s for PowerShell, which doubles a single
// quote — including the typographic ones it treats as quotes too.
func quotePowerShell(s string) string {
	return "'" + strings.NewReplacer("'", "''", "\u2018", "\u2018\u2018", "\u2019", "\u2019\u2019", "\u201a", "\u201a\u201a", "\u201b", "\u201b\u201b").Replace(s) + "'"
}
