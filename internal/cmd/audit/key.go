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

	"github.com/spf13/cobra"

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
}

// KeyOwner is the -o json|yaml shape of audit --key.
type KeyOwner struct {
	KeyID          string       `json:"key_id"`
	KeyName        string       `json:"key_name"`
	ServiceAccount OwnerAccount `json:"service_account"`
	Active         bool         `json:"active"`
	Status         string       `json:"status"`
	// CanLogIn: the key and its service account are both active, so
	// whoever holds the key can log in with it.
	CanLogIn    bool        `json:"can_log_in"`
	Created     zenml.Time  `json:"created"`
	LastLogin   *zenml.Time `json:"last_login"`
	LastRotated *zenml.Time `json:"last_rotated"`
	// KeyCutShort: the key found was incomplete (a log cut it), but its id
	// was whole.
	KeyCutShort  bool          `json:"key_cut_short,omitempty"`
	StopCommands []StopCommand `json:"stop_commands"`
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

var zenKeyInText = regexp.MustCompile(zenml.APIKeyPrefix + `[A-Za-z0-9+/]+={0,2}`)

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
	for _, key := range zenKeyInText.FindAllString(string(data), -1) {
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
var idAtStart = regexp.MustCompile(`^\{\s*"id"\s*:\s*"([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})"`)

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
	m := idAtStart.FindSubmatch(data)
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
	keyID, cutShort, err := keyIDFromFile(opts)
	if err != nil {
		return err
	}
	client, target, err := opts.Client(ctx)
	if err != nil {
		return err
	}
	c := &collector{ios: opts.IO, client: client, now: opts.Now().UTC()}
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
	if err := output.Print(opts.IO, format, owner, func() error { return printKeyOwner(opts.IO, owner) }); err != nil {
		return err
	}
	if opts.ExitStatus && owner.CanLogIn {
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
		c.progress("Searching the service accounts for key %s (page %d)…", keyID[:8], page)
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

var plainName = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._@-]*$`)

// shellRef names an object in a command to paste: its name when that is a
// plain word, else its id, so no name from the server can bend the command.
func shellRef(name, id string) string {
	if plainName.MatchString(name) {
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

func printKeyOwner(ios *iostreams.IOStreams, o KeyOwner) error {
	cs := ios.ErrColorScheme()
	switch {
	case o.CanLogIn:
		fmt.Fprintf(ios.ErrOut, "%s This key is active: whoever holds it can log in as %s.\n", cs.FailureIcon(), o.ServiceAccount.Name)
	case !o.ServiceAccount.Active:
		fmt.Fprintf(ios.ErrOut, "%s The service account is deactivated: this key cannot log in.\n", cs.SuccessIcon())
	default:
		fmt.Fprintf(ios.ErrOut, "%s The key is deactivated: it cannot log in.\n", cs.SuccessIcon())
	}
	if o.KeyCutShort {
		fmt.Fprintf(ios.ErrOut, "%s The key found was cut short; its id was whole.\n", cs.WarningIcon())
	}
	d := output.NewDescribe(ios)
	d.Add("Service account", fmt.Sprintf("%s (%s, %s)", o.ServiceAccount.Name, o.ServiceAccount.ID, activeText(o.ServiceAccount.Active)))
	d.Add("Key", o.KeyName)
	d.Add("Key ID", o.KeyID)
	d.Add("Status", o.Status)
	d.Add("Can log in", yesNo(o.CanLogIn))
	d.Add("Created", output.FieldTime(ios, o.Created.Time, "unknown"))
	d.Add("Last used", ownerTime(ios, o.LastLogin, "never"))
	d.Add("Last rotated", ownerTime(ios, o.LastRotated, "never"))
	if err := d.Render(); err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString("\nTo stop it:\n")
	for _, c := range o.StopCommands {
		fmt.Fprintf(&b, "  # %s\n  %s\n", c.Effect, c.Command)
	}
	_, err := io.WriteString(ios.Out, b.String())
	return err
}

func ownerTime(ios *iostreams.IOStreams, t *zenml.Time, none string) string {
	if t == nil {
		return none
	}
	return output.FieldTime(ios, t.Time, none)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
