package serviceaccount

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/zenctl/zenctl/internal/cmd/durationflag"
	"github.com/zenctl/zenctl/internal/cmd/factory"
	"github.com/zenctl/zenctl/internal/exitcode"
	"github.com/zenctl/zenctl/internal/interrupt"
	"github.com/zenctl/zenctl/internal/iostreams"
	"github.com/zenctl/zenctl/internal/login"
	"github.com/zenctl/zenctl/internal/output"
	"github.com/zenctl/zenctl/pkg/zenml"
)

// APIKeyRotateOptions are the inputs of `api-key SA rotate`.
type APIKeyRotateOptions struct {
	IO *iostreams.IOStreams
	// Client authenticates as the command's server and account.
	Client func(context.Context) (*zenml.Client, *factory.Target, error)
	// Logins is the login layer: which key this client logs in with, and
	// where a new key is stored.
	Logins func() (*login.Manager, error)

	ServiceAccount string
	Key            string
	All            bool
	Retain         int
	SetKey         bool
	OutputFile     string
	Output         string
}

// RotateResult is one rotated key in -o json output: an object for a
// single rotation, an array of them for --all.
type RotateResult struct {
	Name string `json:"name"`
	ID   string `json:"id"`
	// Key is null when the key went to --output-file.
	Key     *string `json:"key"`
	KeyFile string  `json:"key_file,omitempty"`
	// PreviousKeyValidUntil is when the replaced secret stops working
	// (RFC 3339, UTC), or null when it stopped at once.
	PreviousKeyValidUntil *string `json:"previous_key_valid_until"`
}

// maxRetainMinutes bounds --retain: a year is longer than any handover,
// and the bound keeps the end time (and the server's integer column) from
// overflowing into the past.
const maxRetainMinutes = 366 * 24 * 60

// NewCmdAPIKeyRotate builds `zenctl service-account api-key SA rotate`.
func NewCmdAPIKeyRotate(f *factory.Factory, runF func(*APIKeyRotateOptions) error) *cobra.Command {
	opts := &APIKeyRotateOptions{IO: f.IOStreams, Client: f.AuthenticatedClient, Logins: f.Logins}
	cmd := &cobra.Command{
		Use:   "rotate {KEY_NAME_OR_ID | --all}",
		Short: "Give API keys a new secret and print it",
		Long: heredoc.Doc(`
			Rotate an API key (or, with --all, every key of the service account):
			the server generates a new secret for the same key id, and zenctl
			prints it once on stdout. Nothing else goes to stdout, so
			KEY=$(... rotate NAME) captures it; --all prints one NAME<TAB>KEY
			line per key. --output-file writes the same to a new file readable
			only by you instead.

			By default the previous secret stops working at once. --retain 1h
			(or 60, in minutes) keeps it valid that much longer, for a handover
			without downtime; the exact end (UTC) is printed. Tokens already
			obtained with the previous secret keep working: to stop them,
			deactivate the key (or delete it, for good).

			If this client logs in with the rotated key, --set-key stores the
			new key after checking that it logs in, so the client keeps working;
			without it, zenctl warns that this client's own login will stop.
			With --set-key, the key of another service account is stored as
			that account's login on the server (added if missing), beside the
			account in use, which stays active; 'zenctl switch' picks it.

			-o json prints {"name", "id", "key", "previous_key_valid_until"},
			an array of them with --all.
		`),
		Example: heredoc.Doc(`
			# A leaked key: stop the old secret now and capture the new one
			$ NEW_KEY=$(zenctl service-account api-key ci-bot rotate default)

			# A planned rotation: keep the old secret valid for an hour
			$ zenctl sa api-key ci-bot rotate default --retain 1h --output-file ci-bot.key

			# Rotate the key this client logs in with, and keep the client working
			$ zenctl sa api-key ci-bot rotate default --set-key

			# Rotate every key of the account, into a new file only you can read
			$ zenctl sa api-key ci-bot rotate --all --output-file new-keys.tsv
		`),
		Args: saArgsUpTo("KEY_NAME_OR_ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ServiceAccount = args[0]
			if len(args) > 1 {
				opts.Key = args[1]
			}
			switch {
			case opts.All && opts.Key != "":
				return exitcode.Usagef("give either KEY_NAME_OR_ID or --all, not both")
			case !opts.All && opts.Key == "":
				return exitcode.Usagef("missing KEY_NAME_OR_ID (or --all to rotate every key)")
			case opts.Retain < 0 || opts.Retain > maxRetainMinutes:
				return exitcode.Usagef("--retain must be between 0 and %d minutes (a year), not %d", maxRetainMinutes, opts.Retain)
			}
			if _, err := formatArg(opts.Output); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return runAPIKeyRotate(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.All, "all", false, "Rotate every API key of the service account")
	// A bare number counts minutes, as in the zenml CLI's --retain.
	cmd.Flags().Var(durationflag.NewOrNumber(&opts.Retain, time.Minute), "retain", "Keep the previous secret valid for this `DURATION`: 90m, 2h, 1d or a number of minutes (default 0: it stops now)")
	durationflag.Complete(cmd, "retain", "0", "10m", "1h", "1d")
	cmd.Flags().BoolVar(&opts.SetKey, "set-key", false, "Make this client log in with the new key")
	cmd.Flags().StringVar(&opts.OutputFile, "output-file", "", "Write the new key(s) to this new `FILE` (mode 0600) instead of stdout")
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "", "Output `FORMAT`: json or yaml (default: the bare key)")
	return cmd
}

func runAPIKeyRotate(ctx context.Context, opts *APIKeyRotateOptions) error {
	errOut := opts.IO.ErrOut
	format, _ := formatArg(opts.Output)

	var queue *login.ServerQueue
	if opts.SetKey {
		// Said before the first request, so that a concurrent rotation of
		// the same key that holds the lock learns this one comes after.
		queue = queueForSetKey(ctx, opts)
		if queue != nil {
			defer queue.Leave()
		}
	}
	kc, err := newKeyContext(ctx, opts.Client, opts.ServiceAccount)
	if err != nil {
		return err
	}
	if opts.SetKey && kc.target.FromEnv {
		return fmt.Errorf("--set-key cannot store the new key: the credentials come from ZENML_STORE_* variables; rotate without --set-key and update ZENML_STORE_API_KEY")
	}
	current := currentAPIKeyID(opts.Logins, kc.target, kc.sa.Name)
	keys, err := keysToRotate(ctx, opts, kc, current)
	if err != nil {
		return err
	}
	if len(keys) == 0 {
		fmt.Fprintf(errOut, "Service account %s has no API keys; nothing rotated.\n", iostreams.Escape(kc.sa.Name))
		if format != output.FormatTable {
			return output.Print(opts.IO, format, []RotateResult{}, nil)
		}
		return nil
	}

	if queue != nil {
		// Rotation, check and save of the new key under the server's lock:
		// another zenctl's rotation of the key waits until this one's key
		// is stored, and is then the later one (stored last).
		release, err := queue.Hold(ctx)
		if err != nil {
			return err
		}
		defer release()
	}
	file, err := createKeyFile(opts.OutputFile)
	if file != nil {
		file.named = opts.All
	}
	if err != nil {
		return err
	}
	defer file.finish()

	// From the first rotation until the new keys are shown and stored, a
	// signal must not lose them: the server has already replaced the old
	// secrets (see package interrupt).
	crit := interrupt.Begin(ctx, interrupt.Risk{})
	defer crit.End()
	if file != nil {
		crit.OnAbandon(file.abandon)
	}
	r, err := rotateKeys(ctx, crit, opts, kc, keys, file, format, current)
	if err != nil {
		return err
	}
	r.queue = queue
	if len(r.results) == 0 && len(r.skipped) > 0 {
		return exitcode.ErrCancelled // nothing was rotated
	}
	if err := deliverRotated(crit, opts, kc, r, file, format); err != nil {
		return err
	}

	adoptErr := noticeAndStore(crit, opts, kc, r, file)
	if err := partialRotationError(opts, kc, r, len(keys)); err != nil {
		return err
	}
	return adoptErr
}

// partialRotationError says which keys were not rotated, when some were
// skipped (interrupted: exit 2) or failed.
func partialRotationError(opts *APIKeyRotateOptions, kc *keyContext, r *rotation, wanted int) error {
	if len(r.skipped) > 0 {
		fmt.Fprintf(opts.IO.ErrOut, "%s Interrupted: rotated %d of %d API keys of %s; not rotated: %s\n", opts.IO.ErrColorScheme().WarningIcon(), len(r.results), wanted, iostreams.Escape(kc.sa.Name), iostreams.Escape(strings.Join(r.skipped, ", ")))
		return exitcode.ErrCancelled
	}
	if len(r.failures) > 0 {
		return fmt.Errorf("rotated %d of %d API keys of %s; not rotated: %s", len(r.results), wanted, kc.sa.Name, strings.Join(r.failures, "; "))
	}
	return nil
}

// queueForSetKey announces a rotation with --set-key on the server's lock
// (login.ServerQueue), named by the key as the command line names it; nil
// when the login cannot be resolved (the command then fails on its own).
func queueForSetKey(ctx context.Context, opts *APIKeyRotateOptions) *login.ServerQueue {
	m, err := opts.Logins()
	if err != nil {
		return nil
	}
	t, err := m.Resolve(ctx)
	if err != nil || t.FromEnv {
		return nil
	}
	key := opts.Key
	if opts.All {
		key = "*"
	}
	return m.Queue(t.URL, "api key "+opts.ServiceAccount+"/"+key)
}

// storeSuperseded stores a new key that a rotation already queued by
// another zenctl process is about to supersede: it logs in now, and is
// kept should that rotation fail; but the key printed above is the
// loser, and the command says so.
func storeSuperseded(ctx context.Context, logins loginsFunc, target *factory.Target, key string) error {
	m, err := logins()
	if err == nil {
		_, _, err = m.AdoptAPIKey(ctx, target, key)
	}
	if err != nil && !errors.Is(err, login.ErrKeySuperseded) {
		return fmt.Errorf("the new key was issued, but this client could not store it: %w", err)
	}
	return fmt.Errorf("the new key was issued, but another zenctl process is rotating this key again: its rotation supersedes the key printed above, and this client will log in with that one's key (%w)", login.ErrKeySuperseded)
}

// deliverRotated finishes handing over the new secrets: the -o json/yaml
// document, then the key file under its name. A failure here, or one
// rotateKeys met while writing, comes after the server answered: it is
// reported with what was lost and how to recover (see undelivered).
func deliverRotated(crit *interrupt.Critical, opts *APIKeyRotateOptions, kc *keyContext, r *rotation, file *keyFile, format output.Format) error {
	lost := func(err error, delivered int) error {
		// Said once, here: a second signal has nothing left to add.
		crit.SetRisk(interrupt.Risk{})
		_ = file.finish()
		u := &undelivered{
			serviceAccount: kc.sa.Name, serviceAccountID: kc.sa.ID, retain: opts.Retain, until: r.until, dest: file.destination(),
			err: err, notRotated: r.skipped,
		}
		for i, res := range r.results {
			if i < delivered {
				u.delivered = append(u.delivered, res.Name)
			} else {
				u.keys = append(u.keys, res.Name)
			}
		}
		return u.report(opts.IO)
	}
	if r.deliveryErr != nil {
		if file != nil {
			// The file is written whole or not at all: none of it arrived.
			return lost(r.deliveryErr, 0)
		}
		return lost(r.deliveryErr, len(r.results)-1)
	}
	if format != output.FormatTable {
		var v any = r.results
		if !opts.All {
			v = r.results[0]
		}
		if err := output.Print(opts.IO, format, v, nil); err != nil {
			return lost(err, 0)
		}
	}
	if err := file.finish(); err != nil {
		if file.kept != "" {
			return err // the keys are safe, elsewhere; the error says where
		}
		return lost(err, 0)
	}
	return nil
}

// noticeAndStore says what was rotated once the new keys are out, and
// then, with --set-key, stores the new key this client logs in with (or
// the single key rotated), or else warns when this client's own key was
// rotated. It returns the error of storing the key.
func noticeAndStore(crit *interrupt.Critical, opts *APIKeyRotateOptions, kc *keyContext, r *rotation, file *keyFile) error {
	adoptKey := r.adoptKey
	if r.selfKey != "" {
		adoptKey = r.selfKey
	}
	if len(r.results) > 0 {
		// The warnings below say how to store the key when it is this
		// client's own; --set-key stores it.
		rotateNotice(opts.IO, kc, r.results, opts.Retain, r.until, file, r.inactive, !opts.SetKey && r.selfKey == "")
		crit.SetRisk(unstoredRisk(kc.target.URL, opts.SetKey && adoptKey != ""))
	}
	switch {
	case opts.SetKey && adoptKey != "" && r.queue != nil && r.queue.QueuedAfter():
		return storeSuperseded(crit.Context(), opts.Logins, kc.target, adoptKey)
	case opts.SetKey && adoptKey != "":
		return adopt(crit.Context(), opts.IO, opts.Logins, kc.target, adoptKey)
	case r.selfKey != "":
		ownKeyWarning(opts.IO, kc.target, opts.Retain, r.until, file)
	}
	return nil
}

// ownKeyWarning says, when this client logs in with a key just rotated
// without --set-key, when its stored key stops working and how to store
// the new one.
func ownKeyWarning(ios *iostreams.IOStreams, target *factory.Target, retain int, until time.Time, file *keyFile) {
	store := storeKeyCommand(target.URL, file)
	cs := ios.ErrColorScheme()
	errOut := ios.ErrOut
	switch {
	case target.FromEnv && retain == 0:
		fmt.Fprintf(errOut, "%s ZENML_STORE_API_KEY holds this key, which stopped working now: set it to the new key\n", cs.WarningIcon())
	case target.FromEnv:
		fmt.Fprintf(errOut, "%s ZENML_STORE_API_KEY holds this key, which stops working %s: set it to the new key before then\n", cs.WarningIcon(), output.HumanTime(until, time.Now()))
	case retain == 0:
		fmt.Fprintf(errOut, "%s This client logs in to %s with this key: the key it has stored stopped working now, so zenctl cannot log in again once its current token expires.\n",
			cs.WarningIcon(), target.URL)
		fmt.Fprintf(errOut, "  Store the new key: %s (or rotate with --set-key next time)\n", store)
	default:
		fmt.Fprintf(errOut, "%s This client logs in to %s with this key, which stops working %s.\n", cs.WarningIcon(), target.URL, output.HumanTime(until, time.Now()))
		fmt.Fprintf(errOut, "  Before then, store the new key: %s\n", store)
	}
}

// storeKeyCommand is the login that stores a new key from where rotate put
// it: a key file goes to login's stdin, so the key never reaches a
// terminal or a shell history.
func storeKeyCommand(serverURL string, file *keyFile) string {
	switch {
	case file == nil:
		return "zenctl login " + serverURL + " --api-key"
	case file.named:
		return "zenctl login " + serverURL + " --api-key, with the key of its line in " + login.ShellWord(file.path) + " (the second field)"
	}
	return "zenctl login " + serverURL + " --api-key < " + login.ShellWord(file.path)
}

// keysToRotate resolves the keys the command names, and refuses a
// --set-key that could not work, before anything is rotated.
func keysToRotate(ctx context.Context, opts *APIKeyRotateOptions, kc *keyContext, current string) ([]zenml.APIKey, error) {
	var keys []zenml.APIKey
	if opts.All {
		for k, err := range kc.client.AllAPIKeys(ctx, kc.sa.ID, zenml.ListParams{}) {
			if err != nil {
				return nil, err
			}
			keys = append(keys, k)
		}
	} else {
		key, err := resolveAPIKey(ctx, kc, opts.Key)
		if err != nil {
			return nil, err
		}
		keys = []zenml.APIKey{*key}
	}
	usesOne := false
	for _, k := range keys {
		usesOne = usesOne || k.ID == current
	}
	// Checked before anything is rotated: with --all there is only a key to
	// store if this client logs in with one of them.
	if opts.SetKey && opts.All && !usesOne {
		return nil, exitcode.Usagef("--set-key with --all stores the new key this client logs in with, but it uses none of %s's keys; rotate one key with --set-key instead", kc.sa.Name)
	}
	return keys, nil
}

// rotation is what rotateKeys did.
type rotation struct {
	results []RotateResult
	// failures are the keys the server did not rotate, with the reason;
	// skipped the keys not tried because a signal came first.
	failures, skipped []string
	// selfKey is the new secret of the key this client logs in with;
	// adoptKey the one --set-key stores for a single rotation.
	selfKey, adoptKey string
	until             time.Time
	// inactive names the rotated keys that are deactivated: their new
	// secret logs in only once they are activated.
	inactive []string
	// deliveryErr is the failed write of the last result's new secret.
	deliveryErr error
	// queue, with --set-key, holds the server's lock and tells whether
	// another rotation of the key to store waits for it.
	queue *login.ServerQueue
}

// rotateKeys rotates keys one by one, writing each new secret as soon as it
// exists (except for -o json/yaml, printed whole afterwards), so a failure
// later in --all cannot lose the keys rotated before it. A signal stops it
// after the rotation in flight, which is finished on crit's context.
func rotateKeys(ctx context.Context, crit *interrupt.Critical, opts *APIKeyRotateOptions, kc *keyContext, keys []zenml.APIKey, file *keyFile, format output.Format, current string) (*rotation, error) {
	r := &rotation{results: []RotateResult{}}
	var unshown []string
	for i, k := range keys {
		if ctx.Err() != nil {
			for _, rest := range keys[i:] {
				r.skipped = append(r.skipped, rest.Name)
			}
			break
		}
		crit.SetRisk(rotateRisk(kc.sa, append(unshown, k.Name)))
		rotated, err := kc.client.RotateAPIKey(iostreams.WithWaitLabel(crit.Context(), "Rotating API key "+iostreams.OneLine(k.Name)), kc.sa.ID, k.ID, time.Duration(opts.Retain)*time.Minute)
		if err == nil && rotated.Secret() == "" {
			err = fmt.Errorf("the server did not return the new key's value")
		}
		if err != nil {
			if !opts.All {
				return nil, err
			}
			// Keep going: during an incident every key rotated counts, and
			// the keys already rotated have been printed.
			r.failures = append(r.failures, fmt.Sprintf("%s: %v", k.Name, err))
			continue
		}
		secret := rotated.Secret()
		res := RotateResult{Name: k.Name, ID: k.ID}
		if opts.Retain > 0 {
			r.until = previousValidUntil(crit.Context(), kc, rotated, opts.Retain)
			s := r.until.Format(time.RFC3339)
			res.PreviousKeyValidUntil = &s
		}
		if file != nil || format == output.FormatTable {
			if err := writeKeyLine(keyWriter(file, opts.IO.Out), opts.All, k.Name, secret); err != nil {
				// The destination is gone (closed pipe, full disk): asking
				// for more new secrets would only lose them too.
				r.results = append(r.results, res)
				r.deliveryErr = err
				for _, rest := range keys[i+1:] {
					r.skipped = append(r.skipped, rest.Name)
				}
				return r, nil
			}
			res.KeyFile = file.name()
		} else {
			res.Key = &secret
			unshown = append(unshown, k.Name)
		}
		crit.SetRisk(rotateRisk(kc.sa, unshown))
		r.results = append(r.results, res)
		if !k.Body.Active {
			r.inactive = append(r.inactive, k.Name)
		}
		if k.ID == current {
			r.selfKey = secret
		}
		if !opts.All {
			r.adoptKey = secret
		}
	}
	return r, nil
}

// rotateRisk is what abandoning a rotation of the named keys may leave
// behind: secrets the server replaced and nobody has seen.
func rotateRisk(account *zenml.ServiceAccount, keys []string) interrupt.Risk {
	if len(keys) == 0 {
		return interrupt.Risk{}
	}
	serviceAccount := account.Name
	sa := login.ShellWordOr(account.Name, account.ID)
	fixes := make([]string, len(keys))
	for i, k := range keys {
		fixes[i] = fmt.Sprintf("zenctl service-account api-key %s rotate %s", sa, login.ShellArg(k))
	}
	what := "API key " + keys[0] + " of service account " + serviceAccount + ", whose new secret was"
	if len(keys) > 1 {
		what = "API keys " + strings.Join(keys, ", ") + " of service account " + serviceAccount + ", whose new secrets were"
	}
	return interrupt.Risk{
		Happened: iostreams.Escape("the server may have rotated " + what + " never shown; the previous secret stops working now (or after --retain)"),
		Recover:  iostreams.Escape("To recover, run as an account that still works: " + strings.Join(fixes, "; ")),
	}
}

// unstoredRisk is what abandoning the command after the new key was shown
// may leave behind: with --set-key, a client still holding the old key.
func unstoredRisk(serverURL string, storing bool) interrupt.Risk {
	if !storing {
		return interrupt.Risk{}
	}
	return interrupt.Risk{
		Happened: "the new key was shown above, but this client may not have stored it",
		Recover:  "To store it: zenctl login " + serverURL + " --api-key",
	}
}

// writeKeyLine writes a new key alone on its line, or as NAME<TAB>KEY when
// several keys are written.
func writeKeyLine(w io.Writer, named bool, name, secret string) error {
	var err error
	if named {
		// The name is the server's: a tab or newline in it would break the
		// NAME<TAB>KEY lines a script cuts, or forge one.
		_, err = fmt.Fprintf(w, "%s\t%s\n", iostreams.EscapeLine(name), secret)
	} else {
		_, err = fmt.Fprintln(w, secret)
	}
	if err != nil {
		return fmt.Errorf("writing the new key: %w", err)
	}
	return nil
}

// previousValidUntil is when the replaced secret stops working, by the
// server's clock: its record of the rotation time plus the retain period.
// The rotate answer carries no metadata, so the key is read back; failing
// that, the answer's update time or this machine's clock will do.
func previousValidUntil(ctx context.Context, kc *keyContext, rotated *zenml.APIKey, retain int) time.Time {
	at := time.Now().UTC()
	if !rotated.Body.Updated.IsZero() {
		at = rotated.Body.Updated.UTC()
	}
	if k, err := kc.client.GetAPIKey(ctx, kc.sa.ID, rotated.ID); err == nil && k.Metadata != nil && k.Metadata.LastRotated != nil && !k.Metadata.LastRotated.IsZero() {
		at = k.Metadata.LastRotated.UTC()
	}
	return at.Add(time.Duration(retain) * time.Minute).Truncate(time.Second)
}

// rotateNotice reports, on stderr and without any key, what was rotated,
// what happens to the previous secret and to tokens already issued.
func rotateNotice(ios *iostreams.IOStreams, kc *keyContext, results []RotateResult, retain int, until time.Time, file *keyFile, inactive []string, withLoginHint bool) {
	cs := ios.ErrColorScheme()
	errOut := ios.ErrOut
	if len(results) == 1 {
		fmt.Fprintf(errOut, "%s Rotated API key %s of service account %s\n", cs.SuccessIcon(), cs.Bold(results[0].Name), iostreams.Escape(kc.sa.Name))
	} else {
		names := make([]string, len(results))
		for i, r := range results {
			names[i] = r.Name
		}
		fmt.Fprintf(errOut, "%s Rotated %d API keys of service account %s: %s\n", cs.SuccessIcon(), len(results), iostreams.EscapeLine(kc.sa.Name), iostreams.EscapeLine(strings.Join(names, ", ")))
	}
	switch {
	case retain == 0 && len(results) == 1:
		fmt.Fprintln(errOut, "  The previous secret stopped working now: it can no longer log in.")
	case retain == 0:
		fmt.Fprintln(errOut, "  The previous secrets stopped working now: they can no longer log in.")
	case len(results) == 1:
		fmt.Fprintf(errOut, "  The previous secret remains valid for %s, until %s, then stops working.\n", minutesText(retain), output.AbsoluteTime(until))
	default:
		fmt.Fprintf(errOut, "  The previous secrets remain valid for %s, until about %s, then stop working.\n", minutesText(retain), output.AbsoluteTime(until))
	}
	switch {
	case !kc.sa.Body.Active:
		fmt.Fprintf(errOut, "%s Service account %s is deactivated: no new secret logs in until `zenctl service-account activate %s`\n", cs.WarningIcon(), iostreams.Escape(kc.sa.Name), saWord(kc.sa.Name, kc.sa.ID))
		withLoginHint = false
	case len(inactive) == 1 && len(results) == 1:
		fmt.Fprintf(errOut, "%s The key is deactivated: the new secret logs in only after `zenctl service-account api-key %s activate %s`\n",
			cs.WarningIcon(), saWord(kc.sa.Name, kc.sa.ID), lastWord(inactive[0]))
		withLoginHint = false
	default:
		fmt.Fprintln(errOut, "  Tokens already obtained with a previous secret still work: `deactivate` the key to stop its sessions now, or `delete` it to stop them for good;")
		fmt.Fprintf(errOut, "  API tokens minted from those sessions stop only with `zenctl service-account deactivate %s`.\n", saWord(kc.sa.Name, kc.sa.ID))
		if len(inactive) > 0 {
			fmt.Fprintf(errOut, "%s Deactivated, so their new secrets log in only once activated (`zenctl service-account api-key %s activate KEY`): %s\n",
				cs.WarningIcon(), saWord(kc.sa.Name, kc.sa.ID), iostreams.Escape(strings.Join(inactive, ", ")))
		}
	}
	newKeyNotice(ios, file, kc.target, len(results), withLoginHint)
}

// minutesText is a --retain period as people say it: "90 minutes", "2 hours".
func minutesText(m int) string {
	switch {
	case m%(24*60) == 0:
		return plural(m/(24*60), "day")
	case m%60 == 0:
		return plural(m/60, "hour")
	}
	return plural(m, "minute")
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}
