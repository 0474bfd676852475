// Package durationflag is a flag for a count of minutes or seconds that
// also takes a duration as people write it: --retain 1h means 60 minutes,
// --expires-in 30m 1800 seconds, and a plain number keeps its old
// meaning.
package durationflag

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Value sets *Target to a whole number of Units.
type Value struct {
	Target *int
	Unit   time.Duration
}

// New returns a flag value for target, counted in unit.
func New(target *int, unit time.Duration) *Value { return &Value{Target: target, Unit: unit} }

func (v *Value) unitName() string {
	switch v.Unit {
	case time.Minute:
		return "minutes"
	case time.Hour:
		return "hours"
	}
	return "seconds"
}

// Set takes "90" (Units) or a Go duration such as "1h30m".
func (v *Value) Set(s string) error {
	s = strings.TrimSpace(s)
	if n, err := strconv.Atoi(s); err == nil {
		*v.Target = n
		return nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("want a duration such as 30m or 8h, or a number of %s", v.unitName())
	}
	if d%v.Unit != 0 {
		return fmt.Errorf("want a whole number of %s, not %s", v.unitName(), s)
	}
	n := d / v.Unit
	if n > 1<<31 || n < -(1<<31) {
		return errors.New("too long")
	}
	*v.Target = int(n)
	return nil
}

func (v *Value) Type() string { return "duration" }

// String shows the value as it is best typed: whole hours or minutes as
// "1h" or "30m" (help's default reads "(default 1h)", not 3600), else the
// bare number in the flag's unit.
func (v *Value) String() string {
	if v == nil || v.Target == nil {
		return "0"
	}
	d := time.Duration(*v.Target) * v.Unit
	switch {
	case d > 0 && d%time.Hour == 0:
		return strconv.FormatInt(int64(d/time.Hour), 10) + "h"
	case d > 0 && d%time.Minute == 0 && v.Unit < time.Minute:
		return strconv.FormatInt(int64(d/time.Minute), 10) + "m"
	}
	return strconv.Itoa(*v.Target)
}
