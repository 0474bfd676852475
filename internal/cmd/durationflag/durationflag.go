// Package durationflag is the one grammar of every duration flag: whole
// days, hours, minutes and seconds, alone or combined, largest first
// ("7d", "1d12h", "90m", "1h30m", "45s"). A bare number is taken only by
// a flag the zenml CLI has with a unit (--retain counts minutes there);
// elsewhere it is refused with the units named, because "60" would be
// read as minutes by one person and seconds by the next.
package durationflag

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// Day is the d of "7d": 24 hours (no calendar, no DST).
const Day = 24 * time.Hour

// units are the letters of the grammar, largest first: a duration names
// each at most once, in this order.
var units = []struct {
	letter byte
	size   time.Duration
}{{'d', Day}, {'h', time.Hour}, {'m', time.Minute}, {'s', time.Second}}

// Grammar names the accepted form for messages.
// Its examples fit every flag, even a token lifetime the server caps at 7d.
const Grammar = "a number with a unit — d, h, m or s — or several largest first, e.g. 30m, 8h, 1d or 1d12h"

var (
	// ErrNoUnit is a bare number where a unit is needed.
	ErrNoUnit = errors.New("no unit")
	errSyntax = errors.New("not a duration")
	errLong   = errors.New("too long")
)

// Parse reads a duration in the grammar above. It never takes a bare
// number: that is ErrNoUnit, for the caller to explain.
func Parse(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errSyntax
	}
	if strings.HasPrefix(s, "-") {
		return 0, errors.New("a duration cannot be negative")
	}
	var total time.Duration
	next := 0 // index into units of the smallest unit still allowed
	for rest := s; rest != ""; {
		digits := len(rest) - len(strings.TrimLeft(rest, "0123456789"))
		if digits == 0 {
			return 0, errSyntax
		}
		if digits == len(rest) {
			if rest == s {
				return 0, ErrNoUnit
			}
			return 0, errSyntax // "1h30": the last number lacks its unit
		}
		n, err := strconv.ParseInt(rest[:digits], 10, 64)
		if err != nil {
			return 0, errLong
		}
		i := next
		for i < len(units) && units[i].letter != rest[digits] {
			i++
		}
		if i == len(units) {
			return 0, errSyntax // an unknown unit, or one out of order or twice
		}
		if n > int64((1<<63-1-total)/units[i].size) {
			return 0, errLong
		}
		total += time.Duration(n) * units[i].size
		next, rest = i+1, rest[digits+1:]
	}
	return total, nil
}

// Format writes d in the same grammar ("1d12h", "30m", "0s"), so what a
// help text or a message shows can be typed back.
func Format(d time.Duration) string {
	if d <= 0 {
		return "0s"
	}
	var b strings.Builder
	for _, u := range units {
		if n := d / u.size; n > 0 {
			b.WriteString(strconv.FormatInt(int64(n), 10))
			b.WriteByte(u.letter)
			d -= n * u.size
		}
	}
	if d > 0 { // below a second: only Go's own durations get here
		b.WriteString(d.String())
	}
	return b.String()
}

// Value is a pflag value in the grammar, stored either as a whole number
// of Unit in an int (what the server's API counts) or as a time.Duration.
type Value struct {
	count    *int
	duration *time.Duration
	unit     time.Duration
	// bare makes a number without a unit count in unit, as the zenml
	// CLI's flag of the same name does.
	bare bool
	// positive refuses zero, which would otherwise be told to take a unit.
	positive bool
}

// Positive makes v refuse zero ("0", "0s"): for a lifetime, where no unit
// makes zero valid.
func (v *Value) Positive() *Value {
	v.positive = true
	return v
}

// New is a flag stored as a whole number of unit in target; a bare
// number is refused.
func New(target *int, unit time.Duration) *Value { return &Value{count: target, unit: unit} }

// NewOrNumber is New that also takes a bare number, counted in unit: only
// for a flag the zenml CLI has with that unit (--retain: minutes).
func NewOrNumber(target *int, unit time.Duration) *Value {
	return &Value{count: target, unit: unit, bare: true}
}

// NewDuration is a flag stored as a time.Duration; a bare number is refused.
func NewDuration(target *time.Duration) *Value {
	return &Value{duration: target, unit: time.Second}
}

func unitName(unit time.Duration) string {
	switch unit {
	case Day:
		return "days"
	case time.Hour:
		return "hours"
	case time.Minute:
		return "minutes"
	}
	return "seconds"
}

// Set reads s; its errors follow "invalid value … for --flag: " and say
// what to type instead.
func (v *Value) Set(s string) error {
	s = strings.TrimSpace(s)
	if v.bare {
		if n, err := strconv.Atoi(s); err == nil {
			*v.count = n
			return nil
		}
	}
	d, err := Parse(s)
	switch {
	case v.positive && (err == nil && d == 0 || errors.Is(err, ErrNoUnit) && strings.Trim(s, "0") == ""):
		return errors.New("must be positive, e.g. 10m or 1h")
	case errors.Is(err, ErrNoUnit):
		return fmt.Errorf("%s has no unit: write %[1]ss, %[1]sm, %[1]sh or %[1]sd", s)
	case errors.Is(err, errSyntax) && v.bare:
		return fmt.Errorf("want %s, or a number of %s", Grammar, unitName(v.unit))
	case errors.Is(err, errSyntax):
		return fmt.Errorf("want %s", Grammar)
	case err != nil:
		return err
	case d%v.unit != 0:
		return fmt.Errorf("want a whole number of %s, not %s", unitName(v.unit), s)
	}
	if v.duration != nil {
		*v.duration = d
		return nil
	}
	n := d / v.unit
	if n > 1<<31-1 {
		return errLong
	}
	*v.count = int(n)
	return nil
}

// Type is the placeholder help shows when the usage names none.
func (v *Value) Type() string { return "duration" }

// String shows the value as it is best typed ("1h", not 3600); zero is
// "0", which pflag leaves out of help as the zero value.
func (v *Value) String() string {
	var d time.Duration
	switch {
	case v == nil:
		return "0"
	case v.duration != nil:
		d = *v.duration
	case v.count != nil:
		d = time.Duration(*v.count) * v.unit
	}
	if d == 0 {
		return "0"
	}
	if d < 0 {
		return strconv.FormatInt(int64(d/v.unit), 10)
	}
	return Format(d)
}

// Complete makes the shell offer examples for the duration flag name, each
// with what it means, and never file names.
func Complete(cmd *cobra.Command, name string, examples ...string) {
	_ = cmd.RegisterFlagCompletionFunc(name, func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
		out := make([]cobra.Completion, 0, len(examples))
		for _, e := range examples {
			d, err := Parse(e)
			if err != nil { // a bare "0" of a flag that takes numbers
				out = append(out, cobra.CompletionWithDesc(e, "none"))
				continue
			}
			out = append(out, cobra.CompletionWithDesc(e, spelled(d)))
		}
		return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveKeepOrder
	})
}

// spelled says a duration in words for a completion's description.
func spelled(d time.Duration) string {
	if d == 0 {
		return "none"
	}
	var parts []string
	for _, u := range units {
		if n := d / u.size; n > 0 {
			name := strings.TrimSuffix(unitName(u.size), "s")
			if n > 1 {
				name += "s"
			}
			parts = append(parts, strconv.FormatInt(int64(n), 10)+" "+name)
			d -= n * u.size
		}
	}
	return strings.Join(parts, " ")
}
