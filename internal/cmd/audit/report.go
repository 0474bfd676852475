package audit

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/zenctl/zenctl/internal/iostreams"
	"github.com/zenctl/zenctl/internal/output"
	"github.com/zenctl/zenctl/pkg/zenml"
)

// Entry kinds, in report order.
const (
	KindServiceAccount = "service-account"
	KindAPIKey         = "api-key"
	KindUser           = "user"
	KindDevice         = "device"
)

// Entry is one line of the report. Times the server does not know for a
// kind (a user's last login, a device's rotation) are null.
type Entry struct {
	Kind string `json:"kind"`
	ID   string `json:"id"`
	Name string `json:"name"`
	// ServiceAccount names the owner of an API key.
	ServiceAccount string      `json:"service_account,omitempty"`
	Active         bool        `json:"active"`
	Status         string      `json:"status"`
	Created        zenml.Time  `json:"created"`
	LastLogin      *zenml.Time `json:"last_login"`
	LastRotated    *zenml.Time `json:"last_rotated"`
	AgeSeconds     int64       `json:"age_seconds"`
	// UsageKnown: the server records when keys and devices were last used
	// (a service account's is its keys' latest); not users'.
	usageKnown bool
}

// Filters select entries; every given filter must hold. An unset duration
// is nil.
type Filters struct {
	UnusedFor     *time.Duration `json:"unused_for,omitempty"`
	NotRotatedFor *time.Duration `json:"not_rotated_for,omitempty"`
	Inactive      bool           `json:"inactive,omitempty"`
}

func (f Filters) any() bool { return f.UnusedFor != nil || f.NotRotatedFor != nil || f.Inactive }

// matches applies the filters. A filter about something the server does
// not record for the entry's kind excludes it: an audit must not report
// "unused" what it cannot know.
func (f Filters) matches(e Entry, now time.Time) bool {
	if f.Inactive && e.Active {
		return false
	}
	if f.UnusedFor != nil {
		if !e.usageKnown {
			return false
		}
		if e.LastLogin != nil && now.Sub(e.LastLogin.Time) < *f.UnusedFor {
			return false
		}
	}
	if f.NotRotatedFor != nil {
		if e.Kind != KindAPIKey {
			return false
		}
		since := e.Created.Time
		if e.LastRotated != nil {
			since = e.LastRotated.Time
		}
		if now.Sub(since) < *f.NotRotatedFor {
			return false
		}
	}
	return true
}

// collector reads everything the caller may see, page by page, with a
// progress line on a terminal.
type collector struct {
	ios    *iostreams.IOStreams
	client *zenml.Client
	now    time.Time
	// skipped lists what the caller may not read, for a note on stderr.
	skipped []string
}

func (c *collector) progress(format string, args ...any) {
	c.ios.StartProgress(fmt.Sprintf(format, args...))
}

func (c *collector) entry(e Entry) Entry {
	e.AgeSeconds = int64(c.now.Sub(e.Created.Time) / time.Second)
	e.Name = iostreams.OneLine(e.Name)
	e.ServiceAccount = iostreams.OneLine(e.ServiceAccount)
	return e
}

func (c *collector) serviceAccounts(ctx context.Context) ([]Entry, error) {
	var out []Entry
	for page := 1; ; page++ {
		c.progress("Reading service accounts (page %d)…", page)
		p, err := c.client.ListServiceAccounts(ctx, zenml.ListParams{Page: page, Size: zenml.MaxPageSize})
		if err != nil {
			return nil, err
		}
		for i := range p.Items {
			sa := &p.Items[i]
			c.progress("Reading the API keys of %s…", iostreams.OneLine(sa.Name))
			var keys []zenml.APIKey
			for k, err := range c.client.AllAPIKeys(ctx, sa.ID, zenml.ListParams{Hydrate: true}) {
				if err != nil {
					return nil, err
				}
				keys = append(keys, k)
			}
			out = append(out, c.accountEntries(sa, keys)...)
		}
		if p.Index >= p.TotalPages || len(p.Items) == 0 {
			return out, nil
		}
	}
}

// accountEntries is a service account followed by its keys; the account
// counts as used when any of its keys was.
func (c *collector) accountEntries(sa *zenml.ServiceAccount, keys []zenml.APIKey) []Entry {
	account := Entry{Kind: KindServiceAccount, ID: sa.ID, Name: sa.Name, Active: sa.Body.Active,
		Status: activeText(sa.Body.Active), Created: sa.Body.Created, usageKnown: true}
	var entries []Entry
	for _, k := range keys {
		e := Entry{Kind: KindAPIKey, ID: k.ID, Name: k.Name, ServiceAccount: sa.Name, Active: k.Body.Active,
			Status: activeText(k.Body.Active), Created: k.Body.Created, usageKnown: true}
		if m := k.Metadata; m != nil {
			e.LastLogin, e.LastRotated = set(m.LastLogin), set(m.LastRotated)
		}
		if e.LastLogin != nil && (account.LastLogin == nil || e.LastLogin.After(account.LastLogin.Time)) {
			account.LastLogin = e.LastLogin
		}
		entries = append(entries, c.entry(e))
	}
	return append([]Entry{c.entry(account)}, entries...)
}

func (c *collector) users(ctx context.Context) ([]Entry, error) {
	c.progress("Reading users…")
	if me, err := c.client.CurrentUser(ctx); err == nil && me.Body.IsAdmin != nil && !*me.Body.IsAdmin {
		// The server answers a non-admin with their own user alone, as if
		// there were no others: say so rather than report "all users".
		c.skipped = append(c.skipped, "other users (only an admin sees them; this report has yours)")
	}
	var out []Entry
	for u, err := range c.client.AllUsers(ctx, zenml.ListParams{}) {
		if errors.Is(err, zenml.ErrForbidden) {
			c.skipped = append(c.skipped, "users (your account may not list them)")
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		out = append(out, c.entry(Entry{Kind: KindUser, ID: u.ID, Name: u.Name, Active: u.Body.Active,
			Status: activeText(u.Body.Active), Created: u.Body.Created}))
	}
	return out, nil
}

func (c *collector) devices(ctx context.Context) ([]Entry, error) {
	c.progress("Reading your devices…")
	var out []Entry
	for d, err := range c.client.AllDevices(ctx, zenml.ListParams{Hydrate: true}) {
		if err != nil {
			return nil, err
		}
		e := Entry{Kind: KindDevice, ID: d.ID, Name: hostOf(d), Active: d.Body.Status == zenml.DeviceStatusActive,
			Status: d.Body.Status, Created: d.Body.Created, usageKnown: true}
		if d.Metadata != nil {
			e.LastLogin = set(d.Metadata.LastLogin)
		}
		out = append(out, c.entry(e))
	}
	return out, nil
}

func hostOf(d zenml.AuthorizedDevice) string {
	if d.Body.Hostname != nil && *d.Body.Hostname != "" {
		return *d.Body.Hostname
	}
	return "device " + d.Body.ClientID
}

func set(t *zenml.Time) *zenml.Time {
	if t == nil || t.IsZero() {
		return nil
	}
	return t
}

func activeText(active bool) string {
	if active {
		return "active"
	}
	return "inactive"
}

func printTable(ios *iostreams.IOStreams, r Report, now time.Time) error {
	if len(r.Items) == 0 {
		what := "Nothing to report."
		if r.Filters.any() {
			what = fmt.Sprintf("Nothing matches (%d read).", r.Total)
		}
		fmt.Fprintln(ios.ErrOut, what)
		return nil
	}
	t := pipedTable(ios, r.Items)
	if ios.IsStdoutTTY() {
		t = terminalTable(ios, r.Items, now)
	}
	if err := t.Render(); err != nil {
		return err
	}
	if r.Filters.any() {
		fmt.Fprintf(ios.ErrOut, "%d of %d match.\n", r.Matched, r.Total)
	}
	return nil
}

// pipedTable is the report for scripts, its columns and formats as they
// have always been: full kind words, days, and the age.
func pipedTable(ios *iostreams.IOStreams, items []Entry) *output.Table {
	t := output.NewTable(ios, "KIND", "NAME", "ID", "STATUS", "CREATED", "LAST LOGIN", "LAST ROTATED", "AGE")
	for _, e := range items {
		t.AddRow(e.Kind, qualifiedName(e), e.ID, e.Status, e.Created.UTC().Format("2006-01-02"),
			lastLogin(e, dayOf), timeOr(e.LastRotated, rotatedNone(e), dayOf), age(time.Duration(e.AgeSeconds)*time.Second))
	}
	return t
}

// tableForm is one way to show the report on a terminal. The forms go
// from the most shown to the least, each showing no more of any column
// than the one before, so a wider terminal never shows less. KIND stays
// in every form: without it user `default` reads like a service account.
type tableForm struct {
	fullIDs, absolute bool
	// dropped are columns left out, rather than cut under their header.
	dropped []string
	// nameWidth, when set, is the width an API key's name is fitted to by
	// cutting the start of its owner's: "…ingestion/default".
	nameWidth int
}

var tableForms = []tableForm{
	{fullIDs: true, absolute: true},
	{absolute: true},
	{},
	{dropped: []string{"CREATED"}},
}

// terminalTable is the first form of the report that fits the terminal
// whole; or else the last with the owners of API keys cut from their
// start, so that the key's own name stays whole; and whatever still does
// not fit is cut by the table's own policy. At 80 columns a person reads
// relative times ("5 min ago") and short kinds, and at 200 the ids and
// times in full.
func terminalTable(ios *iostreams.IOStreams, items []Entry, now time.Time) *output.Table {
	ids := make([]string, len(items))
	names := 0
	for i, e := range items {
		ids[i] = e.ID
		names = max(names, ansi.StringWidth(qualifiedName(e)))
	}
	short := output.UniquePrefixWidth(ids, 8)
	var t *output.Table
	for _, form := range tableForms {
		t = form.table(ios, items, now, short)
		if t.Fits() {
			return t
		}
	}
	form := tableForms[len(tableForms)-1]
	form.nameWidth = names - t.Overflow()
	return form.table(ios, items, now, short)
}

func (f tableForm) table(ios *iostreams.IOStreams, items []Entry, now time.Time, shortID int) *output.Table {
	when := func(t time.Time) string { return output.RelativeTime(t, now) }
	if f.absolute {
		when = func(t time.Time) string { return output.HumanTime(t, now) }
	}
	columns := []string{"KIND", "NAME", "ID", "STATUS", "CREATED", "LAST LOGIN", "LAST ROTATED"}
	columns = slices.DeleteFunc(columns, func(c string) bool { return slices.Contains(f.dropped, c) })
	t := output.NewTable(ios, columns...)
	t.KeepWhole("KIND", "STATUS")
	for _, e := range items {
		id := e.ID
		if !f.fullIDs {
			id = ansi.Truncate(id, shortID, "")
		}
		name := qualifiedName(e)
		if f.nameWidth > 0 {
			name = fittedName(e, f.nameWidth)
		}
		cells := map[string]string{"KIND": shortKind[e.Kind], "NAME": name, "ID": id, "STATUS": e.Status,
			"CREATED": when(e.Created.Time), "LAST LOGIN": lastLogin(e, when), "LAST ROTATED": timeOr(e.LastRotated, rotatedNone(e), when)}
		row := make([]string, len(columns))
		for i, c := range columns {
			row[i] = cells[c]
		}
		t.AddRow(row...)
	}
	return t
}

// fittedName is qualifiedName in at most width columns, the owner's name
// cut from its start ("…ingestion/default"), else shown as "…/default",
// else left out: the key's own name is what the row is about, KIND says
// it is a key, and its owner is the account on a row above. Only a key
// name that does not fit alone is left longer, for the table to cut.
// An account's own name is cut from its start too ("…release-workflow"):
// one rule for the column, and the end is where such names differ
// (…-production-eu-west-1, …-staging-eu-west-1).
func fittedName(e Entry, width int) string {
	full := qualifiedName(e)
	over := ansi.StringWidth(full) - width
	if over <= 0 {
		return full
	}
	if e.ServiceAccount == "" {
		if width < 2 {
			return full
		}
		return ansi.TruncateLeft(full, over+1, "…")
	}
	owner := e.ServiceAccount
	if over+1 < ansi.StringWidth(owner) {
		// One more than over: the "…" takes a column of its own.
		return ansi.TruncateLeft(owner, over+1, "…") + "/" + e.Name
	}
	if elided := "…/" + e.Name; ansi.StringWidth(elided) <= width {
		return elided
	}
	return e.Name
}

// shortKind is an entry's kind in a terminal's narrow column.
var shortKind = map[string]string{KindServiceAccount: "sa", KindAPIKey: "key", KindUser: "user", KindDevice: "device"}

// qualifiedName is an API key under its service account, "ci-bot/default".
func qualifiedName(e Entry) string {
	if e.ServiceAccount != "" {
		return e.ServiceAccount + "/" + e.Name
	}
	return e.Name
}

func dayOf(t time.Time) string { return t.UTC().Format("2006-01-02") }

func lastLogin(e Entry, format func(time.Time) string) string {
	if !e.usageKnown {
		return "-"
	}
	return timeOr(e.LastLogin, "never", format)
}

func rotatedNone(e Entry) string {
	if e.Kind == KindAPIKey {
		return "never"
	}
	return "-"
}

func timeOr(t *zenml.Time, none string, format func(time.Time) string) string {
	if t == nil {
		return none
	}
	return format(t.Time)
}

// age is a whole number of days, or hours under two days.
func age(d time.Duration) string {
	if d < 48*time.Hour {
		return fmt.Sprintf("%dh", int(d/time.Hour))
	}
	return fmt.Sprintf("%dd", int(d/(24*time.Hour)))
}
