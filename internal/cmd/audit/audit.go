// Package audit holds `zenctl audit`: one report of every service account
// and API key (and the users and devices the caller may see), with the
// filters an on-call engineer or a scheduled job asks: what is unused, what
// was never rotated, what is switched off.
package audit

import (
	"context"
	"fmt"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/zenctl/zenctl/internal/cmd/cmdargs"
	"github.com/zenctl/zenctl/internal/cmd/durationflag"
	"github.com/zenctl/zenctl/internal/cmd/factory"
	"github.com/zenctl/zenctl/internal/cmd/outputflag"
	"github.com/zenctl/zenctl/internal/exitcode"
	"github.com/zenctl/zenctl/internal/iostreams"
	"github.com/zenctl/zenctl/internal/output"
	"github.com/zenctl/zenctl/internal/prompt"
	"github.com/zenctl/zenctl/pkg/zenml"
)

// Options are the inputs of `zenctl audit`.
type Options struct {
	IO           *iostreams.IOStreams
	Client       func(ctx context.Context) (*zenml.Client, *factory.Target, error)
	OutputFormat func(flag string) (output.Format, error)
	Now          func() time.Time
	// Prompter reads a key pasted at a terminal (--key -) without echo.
	Prompter prompt.Prompter

	Filters    Filters
	ExitStatus bool
	Output     string
	// KeyFile holds an API key to find the owner of (audit --key).
	KeyFile string
	// LeakedBefore is --leaked-before: a time the leaked key was seen by.
	LeakedBefore string
}

// NewCmdAudit builds `zenctl audit`.
func NewCmdAudit(f *factory.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Client: f.AuthenticatedClient, OutputFormat: f.OutputFormat, Now: time.Now, Prompter: f.Prompter}
	var unused, notRotated time.Duration
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Report every service account, API key, user and device, and what is stale",
		Long: heredoc.Doc(`
			Read every page of service accounts and their API keys, the users
			your account may list and your own authorized devices, and print
			one report: status, created, last login, last rotated, age.

			Filters (all given must hold):
			  --unused-for D       never used, or not used for D (keys, devices,
			                       and service accounts by their keys' last use;
			                       the server records no last login for users)
			  --not-rotated-for D  API keys not rotated (or created) for D
			  --inactive           deactivated accounts and keys, locked devices
			D is 30d, 12h, 1d12h, 90m, 0s ...

			--exit-status exits 3 when anything matches (0 when nothing does),
			for a scheduled CI job. Progress shows on a terminal only.

			-o json prints {"generated_at", "filters", "total", "matched",
			"items": [...]}; each item has kind, id, name, service_account,
			active, status, created, last_login, last_rotated, age_seconds.

			A leaked key: --key FILE reads the ZENKEY_ in FILE ('-' for standard
			input; a log excerpt holding it will do), takes only the id the key
			carries, and finds its service account the same way. The secret is
			never sent anywhere and no login is made with it. It prints the
			owner, the key's name, id, status and dates, and the commands that
			stop it; --exit-status exits 3 while the leaked secret may still log
			in. After a rotation that is decided by time: a secret seen before
			the rotation (--leaked-before TIME; by default FILE's modification
			time) no longer logs in once the rotation's retain period is over.
			A key of no service account this account may see exits 1. -o json
			prints {"key_id", "key_name", "service_account", "active",
			"status", "can_log_in", "leaked_secret_can_log_in",
			"leaked_before", "created", "last_login", "last_rotated",
			"old_secret_valid_until", "stop_commands"}.
		`),
		Example: heredoc.Doc(`
			$ zenctl audit
			$ zenctl audit --unused-for 90d --not-rotated-for 90d
			$ zenctl audit --inactive -o json | jq -r '.items[].id'
			$ zenctl audit --not-rotated-for 180d --exit-status || notify-team
			$ zenctl audit --key leaked-line.txt
			$ pbpaste | zenctl audit --key - --exit-status
		`),
		Args: cmdargs.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			// Unset means no filter, which is not the same as 0s.
			if cmd.Flags().Changed("unused-for") {
				opts.Filters.UnusedFor = &unused
			}
			if cmd.Flags().Changed("not-rotated-for") {
				opts.Filters.NotRotatedFor = &notRotated
			}
			if err := validateKeyMode(opts); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			if opts.KeyFile != "" {
				return runKeyOwner(cmd.Context(), opts)
			}
			return runAudit(cmd.Context(), opts)
		},
	}
	cmd.Flags().Var(durationflag.NewDuration(&unused), "unused-for", "Only what was never used or not used for this `DURATION` (30d, 12h, 1d12h)")
	cmd.Flags().Var(durationflag.NewDuration(&notRotated), "not-rotated-for", "Only API keys not rotated for this `DURATION` (90d, 180d)")
	durationflag.Complete(cmd, "unused-for", "1d", "30d", "90d", "180d")
	durationflag.Complete(cmd, "not-rotated-for", "30d", "90d", "180d", "365d")
	cmd.Flags().BoolVar(&opts.Filters.Inactive, "inactive", false, "Only deactivated accounts and keys, and locked devices")
	cmd.Flags().BoolVar(&opts.ExitStatus, "exit-status", false, "Exit 3 when anything matches (with --key: while the leaked secret may log in)")
	addKeyFlag(cmd, opts)
	outputflag.Add(cmd, &opts.Output)
	return cmd
}

// Report is the -o json|yaml shape of the audit.
type Report struct {
	GeneratedAt zenml.Time `json:"generated_at"`
	Filters     Filters    `json:"filters"`
	// Total counts everything read, Matched what passed the filters.
	Total   int     `json:"total"`
	Matched int     `json:"matched"`
	Items   []Entry `json:"items"`
}

func runAudit(ctx context.Context, opts *Options) error {
	format, err := opts.OutputFormat(opts.Output)
	if err != nil {
		return err
	}
	client, _, err := opts.Client(ctx)
	if err != nil {
		return err
	}
	now := opts.Now().UTC()
	all, skipped, err := collect(ctx, opts.IO, client, now)
	if err != nil {
		return err
	}
	report := Report{GeneratedAt: zenml.Time{Time: now}, Filters: opts.Filters, Total: len(all), Items: []Entry{}}
	for _, e := range all {
		if opts.Filters.matches(e, now) {
			report.Items = append(report.Items, e)
		}
	}
	report.Matched = len(report.Items)
	for _, s := range skipped {
		fmt.Fprintf(opts.IO.ErrOut, "%s Not included: %s\n", opts.IO.ErrColorScheme().WarningIcon(), s)
	}
	if err := output.Print(opts.IO, format, report, func() error { return printTable(opts.IO, report, now) }); err != nil {
		return err
	}
	if opts.ExitStatus && report.Matched > 0 {
		return exitcode.ErrFindings
	}
	return nil
}

func collect(ctx context.Context, ios *iostreams.IOStreams, client *zenml.Client, now time.Time) ([]Entry, []string, error) {
	c := &collector{ios: ios, client: client, now: now}
	defer ios.StopProgress()
	var all []Entry
	for _, read := range []func(context.Context) ([]Entry, error){c.serviceAccounts, c.users, c.devices} {
		entries, err := read(ctx)
		if err != nil {
			return nil, nil, err
		}
		all = append(all, entries...)
	}
	return all, c.skipped, nil
}
