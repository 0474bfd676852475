package audit

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/zenctl/zenctl/internal/cmd/durationflag"
	"github.com/zenctl/zenctl/internal/cmd/factory"
	"github.com/zenctl/zenctl/internal/config"
	"github.com/zenctl/zenctl/internal/exitcode"
	"github.com/zenctl/zenctl/internal/iostreams"
	"github.com/zenctl/zenctl/internal/output"
	"github.com/zenctl/zenctl/internal/prompt"
	"github.com/zenctl/zenctl/pkg/zenml"
)

// `zenctl audit --key FILE` answers "whose key is this?" for a ZENKEY_
// that turned up in a log or a chat. The key carries its record's id
// (zenml-api.md §10); only that id is used: the secret is never sent, and
// no login is made with it.

// maxKeyFileSize bounds what is read: a log excerpt, not a whole disk.
const maxKeyFileSize = 16 << 20

func addKeyFlag(cmd *cobra.Command, opts *Options) {
	cmd.Flags().StringVar(&opts.KeyFile, "key", "", "Find the owner of the API key in this `FILE` ('-': standard input); the key never leaves this machine")
	_ = cmd.MarkFlagFilename("key")
	cmd.Flags().StringVar(&opts.LeakedBefore, "leaked-before", "", "With --key: the leaked key was seen by this `TIME` (RFC 3339, or a duration ago: 2h); default: FILE's modification time")
}

// KeyOwner is the -o json|yaml shape of audit --key.
type KeyOwner struct {
	KeyID          string       `json:"key_id"`
	KeyName        string       `json:"key_name"`
	ServiceAccount OwnerAccount `json:"service_account"`
	Active         bool         `json:"active"`
	Status         string       `json:"status"`
	// CanLogIn: the key and its service account are both active, so its
	// current secret logs in. Whether the leaked one still does is
	// LeakedSecretCanLogIn: a rotation gave the key a new secret.
	CanLogIn bool `json:"can_log_in"`
	// LeakedSecretCanLogIn is null when zenctl cannot tell: the key was
	// rotated, and the leak may be newer than the rotation (or too close
	// to it to trust two clocks), or the rotation's retain period is open.
	LeakedSecretCanLogIn *bool `json:"leaked_secret_can_log_in"`
	// LeakedBefore is a time the leaked secret existed by: --leaked-before,
	// else the key file's modification time; null for standard input.
	LeakedBefore *zenml.Time `json:"leaked_before"`
	Created      zenml.Time  `json:"created"`
	LastLogin    *zenml.Time `json:"last_login"`
	LastRotated  *zenml.Time `json:"last_rotated"`
	// OldSecretValidUntil is when the secret the last rotation replaced
	// stops, for a rotation with --retain; null otherwise.
	OldSecretValidUntil *zenml.Time `json:"old_secret_valid_until"`
	// KeyCutShort: the key found was incomplete (a log cut it), but its id
	// was whole.
	KeyCutShort  bool          `json:"key_cut_short,omitempty"`
	StopCommands []StopCommand `json:"stop_commands"`

	// leakedBeforeFrom says where LeakedBefore came from, for people.
	leakedBeforeFrom string
}

// OwnerAccount is the service account a key belongs to.
type OwnerAccount struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Active bool   `json:"active"`
}

// StopCommand is one lever against the key, with what it does.
type StopCommand struct {
	Effect  string `json:"effect"`
	Command string `json:"command"`
}

func validateKeyMode(opts *Options) error {
	if opts.KeyFile == "" && opts.LeakedBefore != "" {
		return exitcode.Usagef("--leaked-before goes with --key FILE: it says when that key was seen")
	}
	if opts.KeyFile == "" {
		return nil
	}
	if opts.Filters.any() {
		return exitcode.Usagef("--key looks up one key: it takes no --unused-for, --not-rotated-for or --inactive")
	}
	if strings.HasPrefix(opts.KeyFile, zenml.APIKeyPrefix) {
		// Do not echo it: it is the secret.
		return exitcode.Usagef("--key takes a file holding the key, never the key itself (it would stay in the shell history); use --key - and paste it on standard input")
	}
	return nil
}

// leakedBefore is the time the leaked secret is known to have existed by,
// and where that came from. A file held the secret when it was last
// written, so its modification time bounds the secret's age; a key pasted
// on standard input gives no such bound.
func leakedBefore(opts *Options, now time.Time) (*time.Time, string, error) {
	if s := strings.TrimSpace(opts.LeakedBefore); s != "" {
		if at, err := time.Parse(time.RFC3339, s); err == nil {
			return &at, "--leaked-before", nil
		}
		ago, err := durationflag.Parse(s)
		if err != nil {
			return nil, "", exitcode.Usagef("--leaked-before %q is neither a time (2026-12-08T09:30:00Z) nor a duration ago (2h, 3d)", iostreams.OneLine(s))
		}
		at := now.Add(-ago)
		return &at, "as --leaked-before says", nil
	}
	if opts.KeyFile == "-" {
		return nil, "", nil
	}
	info, err := os.Stat(opts.KeyFile)
	if err != nil {
		return nil, "", nil
	}
	at := info.ModTime()
	return &at, "when " + iostreams.OneLine(opts.KeyFile) + " was written", nil
}

var zenKeyInText = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(zenml.APIKeyPrefix + `[A-Za-z0-9+/]+={0,2}`) })

// keyIDFromFile finds the one API key in the file (a bare key, or a log
// excerpt with the key in it) and returns its id.
func keyIDFromFile(opts *Options) (id string, cutShort bool, err error) {
	name := opts.KeyFile
	var r io.Reader = opts.IO.In
	if name == "-" && opts.IO.CanPrompt() && opts.Prompter != nil {
		// Pasted at a terminal: read one line without echo, so the key
		// does not join the scrollback.
		line, err := opts.Prompter.Password("Paste the API key, or the line holding it (hidden)")
		switch {
		case errors.Is(err, prompt.ErrCancelled):
			return "", false, exitcode.ErrCancelled
		case err != nil:
			return "", false, fmt.Errorf("reading the key: %w", err)
		}
		r = strings.NewReader(line)
	} else if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return "", false, fmt.Errorf("reading the key: %w", err)
		}
		defer f.Close()
		r = f
	} else {
		name = "standard input"
	}
	data, err := io.ReadAll(io.LimitReader(r, maxKeyFileSize))
	if err != nil {
		return "", false, fmt.Errorf("reading the key from %s: %w", name, err)
	}
	ids := map[string]bool{}
	var firstErr error
	for _, key := range zenKeyInText().FindAllString(string(data), -1) {
		id, cut, err := keyID(key)
		if err != nil {
			firstErr = err
			continue
		}
		ids[strings.ToLower(id)] = true
		cutShort = cutShort || cut
	}
	switch {
	case len(ids) > 1:
		return "", false, fmt.Errorf("%s holds %d different API keys: put the one to look up alone in a file", name, len(ids))
	case len(ids) == 0 && firstErr != nil:
		return "", false, fmt.Errorf("the key in %s: %w", name, firstErr)
	case len(ids) == 0:
		return "", false, fmt.Errorf("%s holds no API key (a ZenML API key starts with %s)", name, zenml.APIKeyPrefix)
	}
	for id := range ids {
		return id, cutShort, nil
	}
	return "", false, nil
}

// idAtStart is the JSON a key's encoding starts with: its id comes first.
var idAtStart = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^\{\s*"id"\s*:\s*"([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})"`)
})

// keyID decodes the key's id. A key a log cut short still names its id
// when the cut falls after it, since the id leads the encoded JSON.
func keyID(key string) (id string, cutShort bool, err error) {
	if id, err := zenml.DecodeAPIKeyID(key); err == nil {
		return id, false, nil
	}
	raw := strings.TrimRight(strings.TrimPrefix(key, zenml.APIKeyPrefix), "=")
	raw = raw[:len(raw)-len(raw)%4]
	data, err := base64.StdEncoding.DecodeString(raw)
	if err != nil {
		return "", false, errors.New("not a ZenML API key: malformed encoding")
	}
	m := idAtStart().FindSubmatch(data)
	if m == nil {
		return "", false, errors.New("not a ZenML API key, or cut short before its id")
	}
	return string(m[1]), true, nil
}

func runKeyOwner(ctx context.Context, opts *Options) error {
	format, err := opts.OutputFormat(opts.Output)
	if err != nil {
		return err
	}
	now := opts.Now().UTC()
	seenBy, seenFrom, err := leakedBefore(opts, now)
	if err != nil {
		return err
	}
	keyID, cutShort, err := keyIDFromFile(opts)
	if err != nil {
		return err
	}
	client, target, err := opts.Client(ctx)
	if err != nil {
		return err
	}
	c := &collector{ios: opts.IO, client: client, now: now}
	account, key, read, err := findKey(ctx, c, keyID)
	opts.IO.StopProgress()
	if err != nil {
		return err
	}
	for _, s := range c.skipped {
		fmt.Fprintf(opts.IO.ErrOut, "%s Not searched: %s\n", opts.IO.ErrColorScheme().WarningIcon(), s)
	}
	if key == nil {
		return fmt.Errorf("API key %s belongs to no service account this account may see (%d service accounts searched on %s)", keyID, read, target.URL)
	}
	owner := keyOwner(c, account, key, target)
	owner.KeyCutShort = cutShort
	if seenBy != nil {
		owner.LeakedBefore, owner.leakedBeforeFrom = &zenml.Time{Time: *seenBy}, seenFrom
	}
	judgeLeakedSecret(&owner, retainPeriod(key), now)
	if err := output.Print(opts.IO, format, owner, func() error { return printKeyOwner(opts.IO, owner, now) }); err != nil {
		return err
	}
	// A rotation the leak may postdate proves nothing: exit 3 unless the
	// leaked secret is known to be dead, so a script's "the levers held"
	// check never passes on a guess.
	if opts.ExitStatus && (owner.LeakedSecretCanLogIn == nil || *owner.LeakedSecretCanLogIn) {
		return exitcode.ErrFindings
	}
	return nil
}

// findKey walks the service accounts and their keys as the audit does,
// and stops at the key with this id. Accounts whose keys the caller may
// not list are noted and passed over.
func findKey(ctx context.Context, c *collector, keyID string) (*zenml.ServiceAccount, *zenml.APIKey, int, error) {
	read := 0
	for page := 1; ; page++ {
		c.progress("Searching the service accounts for key %s (page %d)…", iostreams.ShortID(keyID), page)
		p, err := c.client.ListServiceAccounts(ctx, zenml.ListParams{Page: page, Size: zenml.MaxPageSize})
		if err != nil {
			return nil, nil, read, err
		}
		for i := range p.Items {
			sa := &p.Items[i]
			read++
			c.progress("Searching the API keys of %s…", iostreams.OneLine(sa.Name))
			var keys []zenml.APIKey
			var err error
			for k, listErr := range c.client.AllAPIKeys(ctx, sa.ID, zenml.ListParams{Hydrate: true}) {
				if err = listErr; err != nil {
					break
				}
				keys = append(keys, k)
			}
			if errors.Is(err, zenml.ErrForbidden) {
				c.skipped = append(c.skipped, "the keys of "+iostreams.OneLine(sa.Name)+" (your account may not list them)")
				continue
			}
			if err != nil {
				return nil, nil, read, err
			}
			for j := range keys {
				if strings.EqualFold(keys[j].ID, keyID) {
					return sa, &keys[j], read, nil
				}
			}
		}
		if p.Index >= p.TotalPages || len(p.Items) == 0 {
			return nil, nil, read, nil
		}
	}
}

func keyOwner(c *collector, sa *zenml.ServiceAccount, key *zenml.APIKey, target *factory.Target) KeyOwner {
	entries := c.accountEntries(sa, []zenml.APIKey{*key})
	acct, k := entries[0], entries[1]
	o := KeyOwner{
		KeyID: k.ID, KeyName: k.Name, Active: k.Active, Status: k.Status,
		ServiceAccount: OwnerAccount{ID: acct.ID, Name: acct.Name, Active: acct.Active},
		CanLogIn:       k.Active && acct.Active, Created: k.Created, LastLogin: k.LastLogin, LastRotated: k.LastRotated,
	}
	saRef, keyRef := shellRef(sa.Name, sa.ID), shellRef(key.Name, key.ID)
	scope := targetFlags(target)
	o.StopCommands = []StopCommand{
		{"stops the key, and the sessions opened with it, at once", "zenctl service-account api-key " + saRef + " deactivate " + keyRef + scope},
		{"gives the key a new secret; the leaked one stops at once (for a key still in use)", "zenctl service-account api-key " + saRef + " rotate " + keyRef + " --retain 0" + scope},
		{"stops the service account: all its keys and tokens, API tokens included", "zenctl service-account deactivate " + saRef + scope},
	}
	return o
}

var plainName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._@-]*$`) })

// shellRef names an object in a command to paste: its name when that is a
// plain word, else its id, so no name from the server can bend the command.
func shellRef(name, id string) string {
	if plainName().MatchString(name) {
		return name
	}
	return id
}

// targetFlags repeats the --server and --account this audit was given, so
// the printed commands act where the key was found.
func targetFlags(t *factory.Target) string {
	var s string
	if t.URLSource.Source == config.SourceFlag {
		s += " --server " + t.URL
	}
	if name := t.AccountName(); t.AccountSource == config.SourceFlag && name != "" {
		s += " --account " + shellRef(name, name)
	}
	return s
}

func retainPeriod(key *zenml.APIKey) time.Duration {
	if key.Metadata == nil {
		return 0
	}
	return time.Duration(key.Metadata.RetainPeriodMinutes) * time.Minute
}

// clockSkewMargin is how much earlier than the rotation the leak's time
// must be for the leaked secret to count as the replaced one. The two
// times come from different clocks, a file's modification time (or a
// person's log) and the server's, and a file written right after a
// rotation can sort before it by a few milliseconds, or by minutes of
// skew: a security tool must not clear a live key on that. An explicit
// --leaked-before gets the same margin: it too is read off some clock
// other than the server's. Within the margin the verdict is unknown; a
// second rotation makes the leak clearly older.
const clockSkewMargin = 5 * time.Minute

// leakOrder says where the leak falls against the last rotation:
// -1 clearly before it, +1 clearly after it, 0 too close to tell or
// unknown.
func leakOrder(o *KeyOwner) int {
	switch {
	case o.LeakedBefore == nil || o.LastRotated == nil:
		return 0
	case o.LeakedBefore.Before(o.LastRotated.Add(-clockSkewMargin)):
		return -1
	case o.LeakedBefore.After(o.LastRotated.Add(clockSkewMargin)):
		return 1
	}
	return 0
}

// retainOpen: the rotation kept the replaced secret, and it still logs in.
func retainOpen(o *KeyOwner, now time.Time) bool {
	return o.OldSecretValidUntil != nil && now.Before(o.OldSecretValidUntil.Time)
}

// judgeLeakedSecret decides whether the leaked secret still logs in. The
// server keeps no old secret to compare with, and the key names only its
// id, so beyond the facts (deactivated: no; never rotated: the leaked
// secret is the current one) this reasons on times: a rotation replaces
// the secret, and the replaced one stops when the rotation's retain period
// ends. A time only bounds when the secret existed, so "yes" from a time
// would be a guess: it stays unknown (null), and people are told "may".
func judgeLeakedSecret(o *KeyOwner, retain time.Duration, now time.Time) {
	yes, no := true, false
	switch {
	case !o.CanLogIn:
		o.LeakedSecretCanLogIn = &no
		return
	case o.LastRotated == nil:
		o.LeakedSecretCanLogIn = &yes
		return
	}
	if retain > 0 {
		o.OldSecretValidUntil = &zenml.Time{Time: o.LastRotated.Add(retain)}
	}
	if !retainOpen(o, now) && leakOrder(o) < 0 {
		o.LeakedSecretCanLogIn = &no
	}
}

// untilTime is a deadline for a person: the moment first, then how far.
func untilTime(t, now time.Time) string {
	return output.AbsoluteTime(t) + " (" + output.RelativeTime(t, now) + ")"
}

// verdict is the one-line answer on stderr: can the leaked secret log in?
func verdict(o KeyOwner, cs *iostreams.ColorScheme, now time.Time) string {
	account := iostreams.EscapeLine(o.ServiceAccount.Name)
	switch {
	case !o.ServiceAccount.Active:
		return cs.SuccessIcon() + " The service account is deactivated: this key cannot log in."
	case !o.Active:
		return cs.SuccessIcon() + " The key is deactivated: it cannot log in."
	case o.LastRotated == nil:
		return fmt.Sprintf("%s This key is active and was never rotated: whoever holds it can log in as %s.", cs.FailureIcon(), account)
	}
	rotated := output.HumanTime(o.LastRotated.Time, now)
	switch {
	case retainOpen(&o, now):
		return fmt.Sprintf("%s The key was rotated %s, but the secret it had before stays valid until %s: the leaked secret may still log in as %s until then, "+
			"if it is that one or the current one (an older one does not).",
			cs.FailureIcon(), rotated, untilTime(o.OldSecretValidUntil.Time, now), account)
	case o.LeakedSecretCanLogIn != nil:
		return fmt.Sprintf("%s The leaked secret no longer logs in: it existed by %s, %s, before the key was rotated %s. The key itself is active, with its new secret.",
			cs.SuccessIcon(), output.HumanTime(o.LeakedBefore.Time, now), o.leakedBeforeFrom, rotated)
	}
	why := "the key came from standard input"
	switch order := leakOrder(&o); {
	case o.LeakedBefore != nil && order > 0:
		why = fmt.Sprintf("it existed by %s, %s, which is after the rotation", output.HumanTime(o.LeakedBefore.Time, now), o.leakedBeforeFrom)
	case o.LeakedBefore != nil:
		why = fmt.Sprintf("it existed by %s, %s, within %d minutes of the rotation: closer than two clocks can be trusted", output.HumanTime(o.LeakedBefore.Time, now),
			o.leakedBeforeFrom, int(clockSkewMargin/time.Minute))
	}
	return fmt.Sprintf("%s The key is active and was last rotated %s. A secret older than that no longer logs in; a newer one logs in as %s. "+
		"Which one leaked is unknown (%s): pass --leaked-before TIME, when the key was first seen.", cs.WarningIcon(), rotated, account, why)
}

// leakedSecretText is the "Leaked secret logs in" field: a fact as a
// fact, a guess from times as a guess.
func leakedSecretText(o KeyOwner, now time.Time) string {
	switch l := o.LeakedSecretCanLogIn; {
	case l != nil && *l:
		return "yes"
	case l != nil:
		return "no"
	case retainOpen(&o, now):
		return "may, until " + untilTime(o.OldSecretValidUntil.Time, now) + ", if it is the current or the replaced secret"
	case leakOrder(&o) > 0:
		return "probably: it existed after the last rotation"
	}
	return "unknown: it depends on when it leaked"
}

func printKeyOwner(ios *iostreams.IOStreams, o KeyOwner, now time.Time) error {
	cs := ios.ErrColorScheme()
	fmt.Fprintln(ios.ErrOut, verdict(o, cs, now))
	if o.KeyCutShort {
		fmt.Fprintf(ios.ErrOut, "%s The key found was cut short; its id was whole.\n", cs.WarningIcon())
	}
	leaked := leakedSecretText(o, now)
	current := "no"
	if o.CanLogIn {
		current = "yes, with its current secret"
	}
	fields := [][2]string{
		{"Service account", fmt.Sprintf("%s (%s, %s)", o.ServiceAccount.Name, o.ServiceAccount.ID, activeText(o.ServiceAccount.Active))},
		{"Key", o.KeyName}, {"Key ID", o.KeyID}, {"Status", o.Status},
		{"Can log in", current}, {"Leaked secret logs in", leaked},
		{"Created", humanTime(&o.Created, "unknown", now)},
		{"Last used", humanTime(o.LastLogin, "never", now)},
		{"Last rotated", humanTime(o.LastRotated, "never", now)},
	}
	if o.OldSecretValidUntil != nil {
		fields = append(fields, [2]string{"Old secret valid until", humanTime(o.OldSecretValidUntil, "", now)})
	}
	if o.LeakedBefore != nil {
		fields = append(fields, [2]string{"Leaked before", humanTime(o.LeakedBefore, "", now) + ", " + o.leakedBeforeFrom})
	}
	var b strings.Builder
	writeAligned(&b, fields)
	b.WriteString("\nTo stop it:\n")
	for _, c := range o.StopCommands {
		fmt.Fprintf(&b, "  # %s\n  %s\n", c.Effect, c.Command)
	}
	_, err := io.WriteString(ios.Out, b.String())
	return err
}

// writeAligned writes "Name:  value" lines with the values in one column,
// the same on a terminal and in a pipe, as `zenctl status` does: this form
// is for people, and -o json for scripts. The column is fixed, so that it
// stays put whichever optional fields show.
func writeAligned(b *strings.Builder, fields [][2]string) {
	for _, f := range fields {
		fmt.Fprintf(b, "%-23s %s\n", f[0]+":", iostreams.EscapeLine(f[1]))
	}
}

func humanTime(t *zenml.Time, none string, now time.Time) string {
	if t == nil || t.IsZero() {
		return none
	}
	return output.HumanTime(t.Time, now)
}
