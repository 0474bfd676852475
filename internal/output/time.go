package output

import (
	"fmt"
	"time"

	"github.com/zenctl/zenctl/internal/iostreams"
)

// AbsoluteTimeFormat is the one way human output writes a moment: to the
// minute, in UTC, which is what people compare with a log or an incident
// timeline. JSON and YAML keep RFC 3339.
const AbsoluteTimeFormat = "2006-01-02 15:04 UTC"

// AbsoluteTime writes t in AbsoluteTimeFormat.
func AbsoluteTime(t time.Time) string { return t.UTC().Format(AbsoluteTimeFormat) }

// RelativeTime says how far t is from now in the words people use:
// "just now", "42 min ago", "in 3 hours", "3 days ago".
func RelativeTime(t, now time.Time) string {
	d := t.Sub(now)
	future := d > 0
	if !future {
		d = -d
	}
	var amount string
	switch {
	case d < 2*time.Second:
		return "just now"
	case d < time.Minute:
		// A token 19 s from its expiry is not "just now".
		amount = fmt.Sprintf("%d s", int(d/time.Second))
	case d < time.Hour-30*time.Second:
		// Rounded: a key that stops working in 9m58s does so "in 10 min".
		amount = fmt.Sprintf("%d min", int(d.Round(time.Minute)/time.Minute))
	case d < 48*time.Hour:
		amount = plural(max(int(d.Round(time.Hour)/time.Hour), 1), "hour")
	case d < 60*24*time.Hour:
		amount = plural(int(d/(24*time.Hour)), "day")
	case d < 2*365*24*time.Hour:
		amount = plural(int(d/(30*24*time.Hour)), "month")
	default:
		amount = plural(int(d/(365*24*time.Hour)), "year")
	}
	if future {
		return "in " + amount
	}
	return amount + " ago"
}

// HumanTime is a moment for a person: relative, with the absolute time
// after it; the date is left out when it is today's.
// "in 42 min (13:37 UTC)", "3 days ago (2026-11-27 13:56 UTC)".
func HumanTime(t, now time.Time) string {
	abs := AbsoluteTime(t)
	if t.UTC().Format(time.DateOnly) == now.UTC().Format(time.DateOnly) {
		abs = t.UTC().Format("15:04 UTC")
	}
	return RelativeTime(t, now) + " (" + abs + ")"
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// TableTime is a time in a table cell: relative on a terminal ("3 days
// ago"), where columns must stay narrow and the describe command has the
// absolute time; RFC 3339 when piped, for scripts. A zero time is none.
func TableTime(ios *iostreams.IOStreams, t time.Time, none string) string {
	switch {
	case t.IsZero():
		return none
	case ios.IsStdoutTTY():
		return RelativeTime(t, time.Now())
	}
	return t.UTC().Format(time.RFC3339)
}

// FieldTime is a time in describe or status output: relative with the
// absolute time on a terminal, RFC 3339 when piped. A zero time is none.
func FieldTime(ios *iostreams.IOStreams, t time.Time, none string) string {
	switch {
	case t.IsZero():
		return none
	case ios.IsStdoutTTY():
		return HumanTime(t, time.Now())
	}
	return t.UTC().Format(time.RFC3339)
}
