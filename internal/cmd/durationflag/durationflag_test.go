package durationflag

import (
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
)

func TestParse(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"0s": 0, "45s": 45 * time.Second, "90m": 90 * time.Minute, "8h": 8 * time.Hour, "7d": 7 * Day,
		"1d12h": 36 * time.Hour, "1h30m": 90 * time.Minute, "2d3h4m5s": 2*Day + 3*time.Hour + 4*time.Minute + 5*time.Second,
		" 30d ": 30 * Day,
	} {
		if got, err := Parse(in); err != nil || got != want {
			t.Errorf("Parse(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "soon", "-1d", "-5m", "d", "3x", "1.5h", "5ms", "1h1d", "1h1h", "1h30", "+5m", "1 h",
		"99999999999999999999d", "106752d", "106751d24h"} {
		if d, err := Parse(in); err == nil {
			t.Errorf("Parse(%q) = %v, accepted", in, d)
		}
	}
	if _, err := Parse("60"); err != ErrNoUnit {
		t.Errorf("Parse(60) = %v, want ErrNoUnit", err)
	}
}

func TestFormatRoundTrips(t *testing.T) {
	for _, d := range []time.Duration{time.Second, 90 * time.Minute, 36 * time.Hour, 7 * Day, 2*Day + 5*time.Second} {
		if got, err := Parse(Format(d)); err != nil || got != d {
			t.Errorf("Parse(Format(%v)) = %v, %v", d, got, err)
		}
	}
	if Format(36*time.Hour) != "1d12h" || Format(0) != "0s" {
		t.Errorf("Format: %q %q", Format(36*time.Hour), Format(0))
	}
}

// Every duration flag takes d, h, m and s; a bare number only where the
// zenml CLI has the flag with that unit, and elsewhere the refusal names
// the units.
func TestValue(t *testing.T) {
	var minutes, seconds int
	var dur time.Duration
	retain, expires, age := NewOrNumber(&minutes, time.Minute), New(&seconds, time.Second), NewDuration(&dur)
	for _, c := range []struct {
		v    *Value
		in   string
		want time.Duration
	}{
		{retain, "60", time.Hour}, {retain, "1h", time.Hour}, {retain, "90m", 90 * time.Minute}, {retain, "1d", Day}, {retain, "0", 0},
		{expires, "7d", 7 * Day}, {expires, "30m", 30 * time.Minute}, {expires, "1h30m", 90 * time.Minute}, {expires, "45s", 45 * time.Second},
		{age, "90d", 90 * Day}, {age, "1d12h", 36 * time.Hour}, {age, "0s", 0},
	} {
		if err := c.v.Set(c.in); err != nil {
			t.Errorf("Set(%q): %v", c.in, err)
			continue
		}
		got := dur
		switch c.v {
		case retain:
			got = time.Duration(minutes) * time.Minute
		case expires:
			got = time.Duration(seconds) * time.Second
		}
		if got != c.want {
			t.Errorf("Set(%q) = %v, want %v", c.in, got, c.want)
		}
	}
	for _, c := range []struct {
		v        *Value
		in, want string
	}{
		{expires, "60", "60 has no unit: write 60s, 60m, 60h or 60d"},
		{age, "90", "90 has no unit: write 90s, 90m, 90h or 90d"},
		{expires, "soon", "want a number with a unit — d, h, m or s —"},
		{retain, "soon", "or a number of minutes"},
		{retain, "90s", "want a whole number of minutes, not 90s"},
		{age, "-1d", "cannot be negative"},
	} {
		err := c.v.Set(c.in)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Set(%q) = %v, want %q", c.in, err, c.want)
		}
	}
}

func TestStringIsTypable(t *testing.T) {
	n, d := 3600, 36*time.Hour
	for v, want := range map[*Value]string{
		New(&n, time.Second): "1h", NewDuration(&d): "1d12h", NewOrNumber(new(int), time.Minute): "0",
	} {
		if got := v.String(); got != want {
			t.Errorf("String() = %q, want %q", got, want)
		}
	}
}

func TestCompleteOffersExamplesNotFiles(t *testing.T) {
	cmd := &cobra.Command{Use: "x", Run: func(*cobra.Command, []string) {}}
	var d time.Duration
	cmd.Flags().Var(NewDuration(&d), "for", "")
	Complete(cmd, "for", "30d", "1d12h")
	fn, ok := cmd.GetFlagCompletionFunc("for")
	if !ok {
		t.Fatal("no completion registered")
	}
	got, directive := fn(cmd, nil, "")
	if strings.Join(got, "|") != "30d\t30 days|1d12h\t1 day 12 hours" {
		t.Errorf("completions = %q", got)
	}
	if directive&cobra.ShellCompDirectiveNoFileComp == 0 {
		t.Errorf("directive %v offers files", directive)
	}
}

// A positive flag refuses zero as not positive, not as lacking a unit.
func TestPositiveRefusesZero(t *testing.T) {
	var n int
	for _, s := range []string{"0", "00", "0s", "0d0h"} {
		if err := New(&n, time.Second).Positive().Set(s); err == nil || err.Error() != "must be positive, e.g. 10m or 1h" {
			t.Errorf("%q: %v", s, err)
		}
	}
	if err := New(&n, time.Second).Positive().Set("90s"); err != nil || n != 90 {
		t.Errorf("90s: %v, %d", err, n)
	}
}
