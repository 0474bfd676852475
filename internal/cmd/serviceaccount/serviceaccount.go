// Package serviceaccount holds `zenctl service-account` (alias sa) and its
// `api-key` subgroup: service accounts, their API keys, and the rotation and
// deactivation commands that incident response depends on.
package serviceaccount

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/zenctl/zenctl/internal/cmd/factory"
	"github.com/zenctl/zenctl/internal/exitcode"
	"github.com/zenctl/zenctl/internal/iostreams"
	"github.com/zenctl/zenctl/internal/login"
	"github.com/zenctl/zenctl/internal/output"
	"github.com/zenctl/zenctl/pkg/zenml"
)

// NewCmdServiceAccount builds `zenctl service-account` and its subcommands.
func NewCmdServiceAccount(f *factory.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "service-account <command>",
		Aliases: []string{"sa"},
		Short:   "Manage service accounts and their API keys",
		Long: heredoc.Doc(`
			Create, inspect, change and delete service accounts, and manage their
			API keys with 'zenctl service-account api-key SA <command>'.

			A service account is named by its name, its full id, or a unique
			prefix of its id, as in the zenml CLI.

			For a leaked key, see 'zenctl service-account api-key --help' and the
			incident playbook (docs/guides/incident-playbook.md in the source,
			https://github.com/zenctl/zenctl/blob/main/docs/guides/incident-playbook.md):
			deactivating the service account stops every key and token of it at
			once; deactivating a key stops the key and its sessions; rotate only
			replaces its secret.
		`),
		Example: heredoc.Doc(`
			$ KEY=$(zenctl service-account create ci-bot)
			$ zenctl sa list --active true
			$ zenctl sa deactivate ci-bot
			$ zenctl sa api-key ci-bot rotate default
		`),
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(NewCmdCreate(f, nil), NewCmdList(f, nil))
	for _, c := range []*cobra.Command{
		NewCmdDescribe(f, nil), NewCmdUpdate(f, nil), NewCmdActivate(f, nil), NewCmdDeactivate(f, nil), NewCmdDelete(f, nil),
	} {
		c.ValidArgsFunction = completeServiceAccountArg(f.AuthenticatedClient)
		cmd.AddCommand(c)
	}
	apiKey := NewCmdAPIKey(f)
	apiKey.ValidArgsFunction = completeAPIKeyArgs(f.AuthenticatedClient, apiKey)
	cmd.AddCommand(apiKey)
	return cmd
}

// clientFunc returns a client authenticated as the command's server and
// account (factory.AuthenticatedClient); loginsFunc the login layer
// (factory.Logins). Commands hold these rather than the factory.
type (
	clientFunc = func(context.Context) (*zenml.Client, *factory.Target, error)
	loginsFunc = func() (*login.Manager, error)
)

// boolArg is a boolean flag that takes a value, as the zenml CLI's BOOL
// options do: `--active false` must work, which pflag's own bool flags
// would read as `--active` followed by a stray argument.
type boolArg struct {
	value *bool
	set   bool
}

func newBoolArg(dflt bool) *boolArg { return &boolArg{value: &dflt} }

func (b *boolArg) String() string {
	if b == nil || b.value == nil {
		return ""
	}
	return strconv.FormatBool(*b.value)
}

func (b *boolArg) Set(s string) error {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "yes", "y", "1", "on":
		v := true
		b.value = &v
	case "false", "no", "n", "0", "off":
		v := false
		b.value = &v
	default:
		return errors.New("want true or false")
	}
	b.set = true
	return nil
}

func (b *boolArg) Type() string { return "true|false" }

// ptr is the value if the flag was given, else nil.
// changeFlags are the --name, --description and --active flags of the
// update commands; only the ones given are sent.
type changeFlags struct {
	name, description string
	active            *boolArg
}

func (c *changeFlags) bind(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&c.name, "name", "n", "", "New `NAME`")
	cmd.Flags().StringVarP(&c.description, "description", "d", "", "New `TEXT` of the description")
	cmd.Flags().Var(c.active, "active", "Activate (true) or deactivate (false)")
}

// collect returns the changes given on the command line, or a usage error
// when there are none.
func (c *changeFlags) collect(cmd *cobra.Command) (name, description *string, active *bool, err error) {
	if cmd.Flags().Changed("name") {
		if c.name == "" {
			return nil, nil, nil, exitcode.Usagef("--name cannot be empty")
		}
		name = &c.name
	}
	if cmd.Flags().Changed("description") {
		description = &c.description
	}
	active = c.active.ptr()
	if name == nil && description == nil && active == nil {
		return nil, nil, nil, exitcode.Usagef("nothing to change: give --name, --description or --active")
	}
	return name, description, active, nil
}

func (b *boolArg) ptr() *bool {
	if !b.set {
		return nil
	}
	return b.value
}

// ServiceAccountView is a service account in JSON and YAML output. The
// field names are zenctl's own, flat and stable, not the server's
// body/metadata envelope, which differs between server versions.
type ServiceAccountView struct {
	ID          string     `json:"id"`
	Name        string     `json:"name"`
	Active      bool       `json:"active"`
	Description string     `json:"description"`
	Created     zenml.Time `json:"created"`
	Updated     zenml.Time `json:"updated"`
}

func viewServiceAccount(sa *zenml.ServiceAccount) ServiceAccountView {
	return ServiceAccountView{ID: sa.ID, Name: sa.Name, Active: sa.Body.Active, Description: sa.Description(),
		Created: sa.Body.Created, Updated: sa.Body.Updated}
}

// APIKeyView is an API key in JSON and YAML output; it never holds the
// secret.
type APIKeyView struct {
	ID                  string      `json:"id"`
	Name                string      `json:"name"`
	Active              bool        `json:"active"`
	Description         string      `json:"description"`
	ServiceAccountID    string      `json:"service_account_id"`
	ServiceAccount      string      `json:"service_account"`
	Created             zenml.Time  `json:"created"`
	Updated             zenml.Time  `json:"updated"`
	LastLogin           *zenml.Time `json:"last_login"`
	LastRotated         *zenml.Time `json:"last_rotated"`
	RetainPeriodMinutes int         `json:"retain_period_minutes"`
	// UsedByThisClient marks the key zenctl itself logs in with.
	UsedByThisClient bool `json:"used_by_this_client"`
	// EffectiveActive is whether the key can log in: it and its service
	// account are both active. Active alone is the key's own flag.
	EffectiveActive bool `json:"effective_active"`
}

// keyStatusText is a key's status as the server applies it: an active
// key of a deactivated service account cannot log in.
func keyStatusText(v APIKeyView) string {
	if v.Active && !v.EffectiveActive {
		return "active (account inactive)"
	}
	return statusText(v.Active)
}

func viewAPIKey(sa *zenml.ServiceAccount, k *zenml.APIKey, currentKeyID string) APIKeyView {
	v := APIKeyView{ID: k.ID, Name: k.Name, Active: k.Body.Active, Description: k.Description(),
		ServiceAccountID: sa.ID, ServiceAccount: sa.Name, Created: k.Body.Created, Updated: k.Body.Updated,
		UsedByThisClient: currentKeyID != "" && currentKeyID == k.ID, EffectiveActive: k.Body.Active && sa.Body.Active}
	if m := k.Metadata; m != nil {
		v.LastLogin, v.LastRotated, v.RetainPeriodMinutes = nonZero(m.LastLogin), nonZero(m.LastRotated), m.RetainPeriodMinutes
	}
	return v
}

func nonZero(t *zenml.Time) *zenml.Time {
	if t == nil || t.IsZero() {
		return nil
	}
	return t
}

// ListView is a page of a list command in JSON and YAML output; the paging
// numbers let a script know whether to ask for --page N+1.
type ListView[T any] struct {
	Items      []T `json:"items"`
	Page       int `json:"page"`
	Size       int `json:"size"`
	TotalPages int `json:"total_pages"`
	Total      int `json:"total"`
}

// tableTime is a time in a table: relative on a terminal, RFC 3339 piped.
func tableTime(ios *iostreams.IOStreams, t *zenml.Time, none string) string {
	if t == nil {
		return none
	}
	return output.TableTime(ios, t.Time, none)
}

// fieldTime is a time in describe output: relative and absolute on a
// terminal, RFC 3339 piped.
func fieldTime(ios *iostreams.IOStreams, t *zenml.Time, none string) string {
	if t == nil {
		return none
	}
	return output.FieldTime(ios, t.Time, none)
}

func statusText(active bool) string {
	if active {
		return "active"
	}
	return "inactive"
}

// listParams builds a list request; paging.Flags has checked the numbers.
func listParams(page, size int, name string, active *bool) zenml.ListParams {
	p := zenml.ListParams{Page: page, Size: size, Hydrate: true, Filters: map[string]string{}}
	if name != "" {
		p.Filters["name"] = name
	}
	if active != nil {
		p.Filters["active"] = strconv.FormatBool(*active)
	}
	return p
}

// pageFooter tells a terminal user that more pages exist; scripts read the
// paging numbers from -o json instead.
func pageFooter(ios *iostreams.IOStreams, index, totalPages, total int, what string) {
	if totalPages > 1 {
		next := ""
		if index < totalPages {
			next = fmt.Sprintf("; --page %d for more, --all for every one", index+1)
		}
		fmt.Fprintf(ios.ErrOut, "Page %d of %d (%d %s)%s\n", index, totalPages, total, what, next)
	}
}

// currentAPIKeyID is the id of the API key this client logs in with as
// the service account (its own stored login on the server, or the one in
// use), or "".
func currentAPIKeyID(logins loginsFunc, target *factory.Target, serviceAccount string) string {
	m, err := logins()
	if err != nil {
		return ""
	}
	return m.APIKeyIDOf(target, serviceAccount)
}

// storedBeside reports whether this client keeps a login of the service
// account beside the one in use (an admin fixing the CI account): a change
// that cuts the account off cuts that login off too.
func storedBeside(target *factory.Target, name string) bool {
	return target != nil && target.Server != nil && target.AccountName() != name && target.Server.Account(name) != nil
}

// selfServiceAccount reports whether this client logs in as the service
// account, so a command that disables it can say that the client itself is
// cut off too. It must run before the change, while the login still works;
// a failure to tell is treated as "no".
func selfServiceAccount(ctx context.Context, logins loginsFunc, client *zenml.Client, target *factory.Target, saID string) bool {
	if currentAPIKeyID(logins, target, "") == "" {
		// Only an API key logs in as a service account.
		return false
	}
	user, err := client.CurrentUser(ctx)
	return err == nil && user.ID == saID
}

// formatArg parses the -o of create and rotate. These commands ignore
// ZENCTL_OUTPUT on purpose: `KEY=$(zenctl service-account create ci)` must
// yield the bare key whatever the user's default format is.
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

// loginHint is how to log in with a new key without the key ever reaching
// a terminal's scrollback or a shell history through this command.
func loginHint(serverURL, keyFile string) string {
	if keyFile != "" {
		return fmt.Sprintf("To log in with it: zenctl login %s --api-key < %s", serverURL, keyFile)
	}
	return fmt.Sprintf("To log in with it: zenctl login %s --api-key (paste the key at the prompt, or pipe it on stdin)", serverURL)
}

// resolveServiceAccount finds a service account by name, id or id prefix;
// a miss says where to look.
func resolveServiceAccount(ctx context.Context, client *zenml.Client, ref string) (*zenml.ServiceAccount, error) {
	sa, err := client.ResolveServiceAccount(ctx, ref)
	if errors.Is(err, zenml.ErrNotFound) {
		return nil, fmt.Errorf("%w; `zenctl service-account list` shows the service accounts", err)
	}
	return sa, err
}

// resolveAPIKey finds one of a service account's keys; a miss says where
// to look.
func resolveAPIKey(ctx context.Context, kc *keyContext, ref string) (*zenml.APIKey, error) {
	key, err := kc.client.ResolveAPIKey(ctx, kc.sa.ID, ref)
	if errors.Is(err, zenml.ErrNotFound) {
		return nil, fmt.Errorf("%w; `zenctl service-account api-key %s list` shows its keys", err, login.ShellWordOr(kc.sa.Name, kc.sa.ID))
	}
	return key, err
}

// shownWord is a name from the server as a shell word in a command shown
// to the user, escaped like any text from a server.
func shownWord(name string) string {
	return iostreams.Escape(login.ShellWord(name))
}

// saWord is a service account as the SA_NAME_OR_ID of a suggested command:
// its id where the name would not paste (a name starting with '-' reads as
// a flag there, since `--` cannot come before the account).
func saWord(name, id string) string {
	return iostreams.Escape(login.ShellWordOr(name, id))
}

// lastWord is a name as the last word of a suggested command: a name
// starting with '-' gets "--" before it, so that it is not read as a flag.
func lastWord(name string) string {
	return iostreams.Escape(login.ShellArg(name))
}
