package output

import (
	"testing"
	"time"
)

func TestRelativeAndHumanTimes(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 55, 0, 0, time.UTC)
	for _, c := range []struct {
		at   time.Time
		want string
	}{
		{now.Add(time.Second), "just now (12:55 UTC)"},
		{now.Add(20 * time.Second), "in 20 s (12:55 UTC)"},
		{now.Add(-19 * time.Second), "19 s ago (12:54 UTC)"},
		{now.Add(42 * time.Minute), "in 42 min (13:37 UTC)"},
		{now.Add(9*time.Minute + 58*time.Second), "in 10 min (13:04 UTC)"},
		{now.Add(-3 * time.Hour), "3 hours ago (09:55 UTC)"},
		{now.Add(-3 * 24 * time.Hour), "3 days ago (2026-11-27 12:55 UTC)"},
		{now.Add(-400 * 24 * time.Hour), "13 months ago (2025-10-26 12:55 UTC)"},
		{now.Add(-3 * 365 * 24 * time.Hour), "3 years ago (2023-12-01 12:55 UTC)"},
	} {
		if got := HumanTime(c.at, now); got != c.want {
			t.Errorf("HumanTime(%s) = %q, want %q", c.at, got, c.want)
		}
	}
	if got := AbsoluteTime(time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("CET", 3600))); got != "2026-01-02 02:04 UTC" {
		t.Errorf("AbsoluteTime = %q", got)
	}
}
