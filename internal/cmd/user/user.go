// Package user holds `zenctl user`: the levers for a person who left or a
// password that leaked — create and invite, (de)activate, change passwords,
// delete — done the way the real server does them.
package user

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/zenctl/zenctl/internal/cmd/factory"
	"github.com/zenctl/zenctl/internal/iostreams"
	"github.com/zenctl/zenctl/pkg/zenml"
)

// ClientFunc returns an authenticated client and the login it uses.
type ClientFunc func(ctx context.Context) (*zenml.Client, *factory.Target, error)

// AnonymousClientFunc returns a client without credentials for the
// selected server, and that server's URL.
type AnonymousClientFunc func() (*zenml.Client, string, error)

// NewCmdUser builds `zenctl user` and its subcommands.
func NewCmdUser(f *factory.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "user <command>",
		Aliases: []string{"users"},
		Short:   "Manage users: invite, deactivate, change passwords (a person left)",
		Long: heredoc.Doc(`
			Manage the server's user accounts. Without RBAC (the open-source
			server) only admins list, create, change, deactivate and delete
			other users; everyone may change their own full name, email and
			password.

			A person left or a password leaked: 'zenctl user deactivate NAME'
			blocks every token and device of the user at once (reactivation
			revives them: it blocks, it does not revoke); 'zenctl user delete'
			ends them for good. Changing a password stops the old password but
			not the sessions logged in with it.

			A user is named by its name, its full id, or a unique id prefix.
		`),
		Example: heredoc.Doc(`
			$ TOKEN=$(zenctl user create ann)          # invite: prints an activation token
			$ zenctl user activate ann                  # ann sets a password with it
			$ zenctl user deactivate ann > ann.token
			$ zenctl user change-password
		`),
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(NewCmdList(f, nil), NewCmdDescribe(f, nil), NewCmdCreate(f, nil), NewCmdUpdate(f, nil),
		NewCmdActivate(f, nil), NewCmdDeactivate(f, nil), NewCmdDelete(f, nil), NewCmdChangePassword(f, nil))
	addUserCompletion(cmd, f.AuthenticatedClient)
	return cmd
}

// anonymousClient builds a client without credentials: activation is how
// a user without a working login gets one.
func anonymousClient(f *factory.Factory) AnonymousClientFunc {
	return func() (*zenml.Client, string, error) {
		m, err := f.Logins()
		if err != nil {
			return nil, "", err
		}
		serverURL, _, err := m.ServerURL()
		if err != nil {
			return nil, "", err
		}
		cfg, err := m.Config()
		if err != nil {
			return nil, "", err
		}
		client, err := f.NewClient(serverURL, m.TLSFor(serverURL, cfg.Server(serverURL)), nil)
		return client, serverURL, err
	}
}

// View is a user in JSON and YAML output: zenctl's own flat field names,
// the same for every server version.
type View struct {
	ID       string     `json:"id"`
	Name     string     `json:"name"`
	FullName string     `json:"full_name"`
	Active   bool       `json:"active"`
	Admin    bool       `json:"admin"`
	Created  zenml.Time `json:"created"`
	Updated  zenml.Time `json:"updated"`
	// Email is only known for oneself: the server hides it elsewhere.
	Email string `json:"email,omitempty"`
}

func view(u *zenml.User) View {
	v := View{ID: u.ID, Name: u.Name, FullName: u.Body.FullName, Active: u.Body.Active,
		Admin: u.Body.IsAdmin != nil && *u.Body.IsAdmin, Created: u.Body.Created, Updated: u.Body.Updated}
	if u.Metadata != nil {
		v.Email = u.Metadata.Email
	}
	return v
}

func statusText(active bool) string {
	if active {
		return "active"
	}
	return "inactive"
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// resolve finds a user by name, id or id prefix. A miss names the closest
// names the caller may see, so a typo is one edit away from working.
func resolve(ctx context.Context, client *zenml.Client, ref string) (*zenml.User, error) {
	u, err := client.ResolveUser(ctx, ref)
	if !errors.Is(err, zenml.ErrNotFound) {
		return u, err
	}
	var names []string
	for other, listErr := range client.AllUsers(ctx, zenml.ListParams{}) {
		if listErr != nil {
			break
		}
		names = append(names, other.Name)
	}
	if near := closest(ref, names, 3); len(near) > 0 {
		return nil, fmt.Errorf("no user %q; closest: %s", ref, strings.Join(near, ", "))
	}
	return nil, fmt.Errorf("no user %q; `zenctl user list` shows the users you may see", ref)
}

// closest returns up to n names that contain ref, start like it, or are a
// few edits away from it, nearest first.
func closest(ref string, names []string, n int) []string {
	type scored struct {
		name  string
		score int
	}
	lref := strings.ToLower(ref)
	var hits []scored
	for _, name := range names {
		lname := strings.ToLower(name)
		d := editDistance(lref, lname)
		switch {
		case strings.HasPrefix(lname, lref) || strings.Contains(lname, lref):
			d = 0
		case d > max(2, len(ref)/3):
			continue
		}
		hits = append(hits, scored{iostreams.OneLine(name), d})
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].score < hits[j].score })
	var out []string
	for i := 0; i < len(hits) && i < n; i++ {
		out = append(out, hits[i].name)
	}
	return out
}

// editDistance is the Levenshtein distance of two short strings.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur := make([]int, len(rb)+1)
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(rb)]
}

// isSelf reports whether u is the account this client is logged in as; a
// failure to tell counts as "no" (the server refuses self-harm anyway).
func isSelf(ctx context.Context, client *zenml.Client, u *zenml.User) bool {
	me, err := client.CurrentUser(ctx)
	return err == nil && me.ID == u.ID
}
