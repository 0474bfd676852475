package audit

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/zenctl/zenctl/internal/iostreams"
	"github.com/zenctl/zenctl/pkg/zenml"
)

func TestFiltersNeedWhatTheServerRecords(t *testing.T) {
	now := time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *zenml.Time { return &zenml.Time{Time: now.Add(-d)} }
	day := 24 * time.Hour
	key := Entry{Kind: KindAPIKey, Active: true, Created: *at(100 * day), LastLogin: at(2 * day), usageKnown: true}
	user := Entry{Kind: KindUser, Active: true, Created: *at(100 * day)}
	d := func(x time.Duration) *time.Duration { return &x }
	for _, c := range []struct {
		f     Filters
		e     Entry
		match bool
	}{
		{Filters{}, user, true},
		{Filters{UnusedFor: d(day)}, key, true},
		{Filters{UnusedFor: d(3 * day)}, key, false},
		{Filters{UnusedFor: d(0)}, user, false}, // no last login recorded for users
		{Filters{NotRotatedFor: d(90 * day)}, key, true},
		{Filters{NotRotatedFor: d(90 * day)}, Entry{Kind: KindAPIKey, Created: *at(100 * day), LastRotated: at(day)}, false},
		{Filters{NotRotatedFor: d(0)}, user, false},
		{Filters{Inactive: true}, key, false},
		{Filters{Inactive: true, UnusedFor: d(day)}, Entry{Kind: KindDevice, usageKnown: true}, true},
	} {
		if got := c.f.matches(c.e, now); got != c.match {
			t.Errorf("%+v matches %+v = %v, want %v", c.f, c.e, got, c.match)
		}
	}
}

// Issue 22 item 3: the report is readable at 80 columns (relative times,
// short kinds, no header cut) and shows ids and absolute times where
// there is room.
func TestReportTableAtEachWidth(t *testing.T) {
	now := time.Date(2026, 12, 8, 3, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *zenml.Time { return &zenml.Time{Time: now.Add(-d)} }
	day := 24 * time.Hour
	items := []Entry{
		{Kind: KindServiceAccount, ID: "0b8e8d0a-1b2c-4d5e-8f90-123456789abc", Name: "ci-bot", Active: true, Status: "active",
			Created: *at(40 * day), LastLogin: at(5 * time.Minute), usageKnown: true},
		{Kind: KindAPIKey, ID: "7f3e2a10-9c8b-4a7d-b6e5-0123456789ab", Name: "nightly-deploy", ServiceAccount: "ci-bot", Active: true,
			Status: "active", Created: *at(11 * time.Minute), LastLogin: at(5 * time.Minute), usageKnown: true},
		{Kind: KindUser, ID: "c0ffee00-1111-4222-8333-444455556666", Name: "default", Active: true, Status: "active", Created: *at(3 * day)},
		{Kind: KindDevice, ID: "deadbeef-1111-4222-8333-444455556666", Name: "build-host-17", Status: "locked",
			Created: *at(400 * day), usageKnown: true},
	}
	render := func(width int) string {
		ios, _, out, _ := iostreams.Test()
		ios.SetStdoutTTY(true)
		ios.SetColorEnabled(false)
		ios.SetTerminalWidth(width)
		if err := printTable(ios, Report{Items: items}, now); err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
	for _, width := range []int{80, 100, 200} {
		out := render(width)
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if strings.Contains(lines[0], "…") {
			t.Errorf("%d columns: a header is cut:\n%s", width, out)
		}
		for _, l := range lines {
			if len([]rune(l)) > width {
				t.Errorf("%d columns: line of %d:\n%s", width, len([]rune(l)), out)
			}
		}
		for _, want := range []string{"5 min ago", "ci-bot/nightly-deploy", "never", "sa ", "key ", "device "} {
			if width >= 100 || want != "sa " && want != "key " && want != "device " {
				if !strings.Contains(out, want) {
					t.Errorf("%d columns: no %q:\n%s", width, want, out)
				}
			}
		}
		if strings.Contains(out, "service-account") || strings.Contains(out, "0h") {
			t.Errorf("%d columns: long kind or an age in hours:\n%s", width, out)
		}
	}
	if out := render(80); !strings.Contains(out, "0b8e8d0a  ") || !strings.Contains(out, "11 min ago") && !strings.Contains(out, "LAST ROTATED") {
		t.Errorf("80 columns: ids cut to a prefix, times relative:\n%s", out)
	}
	if out := render(200); !strings.Contains(out, "0b8e8d0a-1b2c-4d5e-8f90-123456789abc") || !strings.Contains(out, "40 days ago (2026-10-29 03:00 UTC)") {
		t.Errorf("200 columns: full ids and absolute times:\n%s", out)
	}
	// Piped, the columns and formats scripts read are unchanged.
	ios, _, out, _ := iostreams.Test()
	if err := printTable(ios, Report{Items: items[1:2]}, now); err != nil {
		t.Fatal(err)
	}
	if want := "api-key\tci-bot/nightly-deploy\t7f3e2a10-9c8b-4a7d-b6e5-0123456789ab\tactive\t2026-12-08\t2026-12-08\tnever\t0h\n"; out.String() != want {
		t.Errorf("piped:\n%q\nwant\n%q", out.String(), want)
	}
}

// New-user review item 1: with a long service account name, 80 and 100
// columns keep KIND, and the owner of a key gives way before the key's
// own name is cut.
func TestReportKeepsKindAndKeyNames(t *testing.T) {
	now := time.Date(2026, 12, 8, 3, 0, 0, 0, time.UTC)
	created := zenml.Time{Time: now.Add(-time.Hour)}
	items := []Entry{
		{Kind: KindServiceAccount, ID: "0b8e8d0a-1b2c-4d5e-8f90-123456789abc", Name: "data-platform-nightly-ingestion",
			Active: true, Status: "active", Created: created, usageKnown: true},
		{Kind: KindAPIKey, ID: "7f3e2a10-9c8b-4a7d-b6e5-0123456789ab", Name: "default", ServiceAccount: "data-platform-nightly-ingestion",
			Active: true, Status: "active", Created: created, usageKnown: true},
		{Kind: KindAPIKey, ID: "8f3e2a10-9c8b-4a7d-b6e5-0123456789ab", Name: "prod", ServiceAccount: "data-platform-nightly-ingestion",
			Active: true, Status: "active", Created: created, usageKnown: true},
		{Kind: KindUser, ID: "c0ffee00-1111-4222-8333-444455556666", Name: "default", Active: true, Status: "active", Created: created},
	}
	for _, width := range []int{80, 100, 200} {
		ios, _, out, _ := iostreams.Test()
		ios.SetStdoutTTY(true)
		ios.SetColorEnabled(false)
		ios.SetTerminalWidth(width)
		if err := printTable(ios, Report{Items: items}, now); err != nil {
			t.Fatal(err)
		}
		screen := out.String()
		lines := strings.Split(strings.TrimSuffix(screen, "\n"), "\n")
		if !strings.HasPrefix(lines[0], "KIND ") || !strings.HasPrefix(lines[4], "user ") {
			t.Errorf("%d columns: no KIND:\n%s", width, screen)
		}
		for _, l := range lines {
			if len([]rune(l)) > width {
				t.Errorf("%d columns: line of %d:\n%s", width, len([]rune(l)), screen)
			}
		}
		for _, key := range []string{"/default ", "/prod "} {
			if !strings.Contains(screen, key) {
				t.Errorf("%d columns: key name %q cut:\n%s", width, key, screen)
			}
		}
		if width >= 100 && !strings.Contains(screen, "data-platform-nightly-ingestion/default") {
			t.Errorf("%d columns: the owner was cut with room:\n%s", width, screen)
		}
	}
}

func TestFittedNameCutsTheOwnerFromItsStart(t *testing.T) {
	key := Entry{Kind: KindAPIKey, Name: "default", ServiceAccount: "data-platform-nightly-ingestion"}
	for width, want := range map[int]string{
		60: "data-platform-nightly-ingestion/default",
		39: "data-platform-nightly-ingestion/default",
		38: "…ta-platform-nightly-ingestion/default",
		18: "…ingestion/default",
		10: "…n/default",
		9:  "…/default",
		8:  "default",
		3:  "default",
	} {
		if got := fittedName(key, width); got != want {
			t.Errorf("width %d: %q, want %q", width, got, want)
		}
	}
	if got := fittedName(Entry{Kind: KindServiceAccount, Name: "data-platform-nightly-ingestion"}, 10); got != "…ingestion" {
		t.Errorf("an account's own name is cut from its start like a key's owner: %q", got)
	}
}

// Tester's report: at 80 columns an account row lost its name's end while
// the key row below was cut from its start. Both keep their ends now.
func TestReportCutsAccountAndKeyNamesFromTheStart(t *testing.T) {
	now := time.Date(2026, 12, 8, 3, 0, 0, 0, time.UTC)
	created := zenml.Time{Time: now.Add(-time.Hour)}
	var items []Entry
	for n, sa := range []string{"github-actions-release-workflow", "terraform-deployer-production-eu-west-1"} {
		items = append(items,
			Entry{Kind: KindServiceAccount, ID: fmt.Sprintf("%d0b8e8d0-1b2c-4d5e-8f90-123456789abc", n), Name: sa,
				Active: true, Status: "active", Created: created, usageKnown: true},
			Entry{Kind: KindAPIKey, ID: fmt.Sprintf("%d7f3e2a1-9c8b-4a7d-b6e5-0123456789ab", n), Name: "default", ServiceAccount: sa,
				Active: true, Status: "active", Created: created, usageKnown: true})
	}
	for _, width := range []int{80, 100, 120} {
		ios, _, out, _ := iostreams.Test()
		ios.SetStdoutTTY(true)
		ios.SetColorEnabled(false)
		ios.SetTerminalWidth(width)
		if err := printTable(ios, Report{Items: items}, now); err != nil {
			t.Fatal(err)
		}
		screen := out.String()
		for _, l := range strings.Split(strings.TrimSuffix(screen, "\n"), "\n") {
			if len([]rune(l)) > width {
				t.Errorf("%d columns: line of %d:\n%s", width, len([]rune(l)), screen)
			}
		}
		for _, end := range []string{"release-workflow ", "release-workflow/default ", "eu-west-1 ", "eu-west-1/default "} {
			if !strings.Contains(screen, end) {
				t.Errorf("%d columns: no %q, a name's end was cut:\n%s", width, end, screen)
			}
		}
		if strings.Contains(screen, "…  ") {
			t.Errorf("%d columns: a name cut at its end:\n%s", width, screen)
		}
	}
}
