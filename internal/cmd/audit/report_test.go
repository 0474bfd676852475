package audit

import (
	"testing"
	"time"

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
