package durationflag

import (
	"testing"
	"time"
)

func TestDurationOrNumber(t *testing.T) {
	var minutes, seconds int
	m, s := New(&minutes, time.Minute), New(&seconds, time.Second)
	for _, c := range []struct {
		v    *Value
		in   string
		want int
		dst  *int
	}{
		{m, "60", 60, &minutes}, {m, "1h", 60, &minutes}, {m, "90m", 90, &minutes},
		{s, "3600", 3600, &seconds}, {s, "30m", 1800, &seconds}, {s, "1h30m", 5400, &seconds},
	} {
		if err := c.v.Set(c.in); err != nil || *c.dst != c.want {
			t.Errorf("Set(%q) = %d, %v; want %d", c.in, *c.dst, err, c.want)
		}
	}
	for _, bad := range []string{"90s", "soon", "1.5"} {
		if err := m.Set(bad); err == nil {
			t.Errorf("minutes: Set(%q) accepted", bad)
		}
	}
}
