package main

import (
	"os"
	"strconv"
	"time"

	"github.com/zenctl/zenctl/internal/apiclient"
	"github.com/zenctl/zenctl/internal/cmd/auth"
	"github.com/zenctl/zenctl/internal/cmd/device"
	"github.com/zenctl/zenctl/internal/credentials"
	"github.com/zenctl/zenctl/internal/interrupt"
)

// The zenctl processes these tests start are this test binary (see
// runAsZenctl), so the waits that exist for people and for real servers —
// retry backoff, the device flow's polling, the keyring timeout, the grace
// after a signal — are shortened here, in the child, from variables the
// parent passes; the released binary has no such knob. A test that
// measures "within the keyring timeout" or "within the grace" measures it
// against the value it passed.
const (
	// e2eRetryBaseDelayEnv: the first retry backoff (a Go duration).
	e2eRetryBaseDelayEnv = "ZENCTL_E2E_RETRY_BASE_DELAY"
	// e2ePollScaleEnv: the device flow's clock scale (a float; 0.02 makes
	// the server's 1 s interval 20 ms and its deadline likewise).
	e2ePollScaleEnv = "ZENCTL_E2E_POLL_SCALE"
	// e2eKeyringTimeoutEnv: the bound on each keyring call.
	e2eKeyringTimeoutEnv = "ZENCTL_E2E_KEYRING_TIMEOUT"
	// e2eSignalGraceEnv: interrupt.Grace.
	e2eSignalGraceEnv = "ZENCTL_E2E_SIGNAL_GRACE"
)

// fakeServerTimings are what every zenctl process started against the
// fake gets: the tests count retries and polls, they do not time them.
var fakeServerTimings = map[string]string{
	e2eRetryBaseDelayEnv: "2ms",
	e2ePollScaleEnv:      "0.02",
}

// shortenWaits applies the timings the parent passed; it runs in the
// child before zenctl's main.
func shortenWaits() {
	if d, ok := envDuration(e2eRetryBaseDelayEnv); ok {
		apiclient.RetryBaseDelay = d
	}
	if d, ok := envDuration(e2eKeyringTimeoutEnv); ok {
		credentials.DefaultKeyringTimeout = d
	}
	if d, ok := envDuration(e2eSignalGraceEnv); ok {
		interrupt.Grace = d
	}
	if v := os.Getenv(e2ePollScaleEnv); v != "" {
		scale, err := strconv.ParseFloat(v, 64)
		if err != nil || scale <= 0 {
			panic(e2ePollScaleEnv + ": " + v)
		}
		auth.DefaultPollScale = scale
		device.DefaultPickupPollInterval = time.Duration(float64(device.DefaultPickupPollInterval) * scale)
	}
	for _, name := range []string{e2eRetryBaseDelayEnv, e2ePollScaleEnv, e2eKeyringTimeoutEnv, e2eSignalGraceEnv} {
		os.Unsetenv(name) // not passed on to what zenctl exec runs
	}
}

func envDuration(name string) (time.Duration, bool) {
	v := os.Getenv(name)
	if v == "" {
		return 0, false
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		panic(name + ": " + v) // a mistake in a test
	}
	return d, true
}
