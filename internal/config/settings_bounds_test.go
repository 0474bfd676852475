package config

import (
	"strings"
	"testing"
	"time"
)

// TestHTTPTimeoutIsBounded: a timeout too large for a Duration once
// wrapped to a fraction of a second; every value out of range is refused.
func TestHTTPTimeoutIsBounded(t *testing.T) {
	for raw, want := range map[string]time.Duration{
		"86400":       24 * time.Hour,
		"24h":         24 * time.Hour,
		"18446744074": 0,
		"86401":       0,
		"100000h":     0,
		"0":           0,
	} {
		clearEnv(t)
		t.Setenv("ZENCTL_HTTP_TIMEOUT", raw)
		s, err := ResolveSettings(NewViper(nil, nil))
		switch {
		case want == 0 && (err == nil || !strings.Contains(err.Error(), "from 1 to 86400")):
			t.Errorf("%s: want a refusal naming the range, got %v (%v)", raw, err, s.HTTPTimeout)
		case want != 0 && (err != nil || s.HTTPTimeout != want):
			t.Errorf("%s: got %v, %v", raw, s.HTTPTimeout, err)
		}
	}
}
