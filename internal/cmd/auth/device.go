package auth

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/zenctl/zenctl/internal/config"
	"github.com/zenctl/zenctl/internal/credentials"
	"github.com/zenctl/zenctl/internal/exitcode"
	"github.com/zenctl/zenctl/internal/iostreams"
	"github.com/zenctl/zenctl/internal/login"
	"github.com/zenctl/zenctl/pkg/zenml"
)

// maxPollFailures is how many polls in a row may fail with a server or
// network error before the device flow gives up.
const maxPollFailures = 5

// transientPollError reports whether a poll failed for a reason that the
// next poll may not meet: no answer, a 5xx, a 429. An answer that came but
// could not be used is not one: it may have spent the device code.
func transientPollError(err error) bool {
	var reqErr *zenml.RequestError
	return errors.As(err, &reqErr) || errors.Is(err, zenml.ErrServer) || errors.Is(err, zenml.ErrRateLimited)
}

// DefaultPollScale is the device flow's PollScale when LoginOptions
// leaves it 0. It is a variable only so that the end-to-end tests can
// shorten the flow in the zenctl processes they start (cmd/zenctl).
var DefaultPollScale = 1.0

// startsDeviceFlow reports whether obtainSecret will run the device flow
// for a server whose stored login came from the device flow too.
func startsDeviceFlow(opts *LoginOptions, existing *login.Target) bool {
	if opts.APIKey || opts.Username != "" || existing == nil || existing.AuthMethod != config.AuthDevice {
		return false
	}
	return existing.Server != nil && existing.Server.DeviceClientID != ""
}

// confirmDeviceRestart warns before a device flow that would end a device
// session that still works: the server resets this machine's device
// record as soon as the flow starts, so even a flow cancelled at once
// leaves the machine logged out. A terminal is asked; --yes skips that.
func confirmDeviceRestart(ctx context.Context, opts *LoginOptions, m *login.Manager, t *login.Target, tls login.TLS) error {
	if t.Unreadable != nil {
		return nil
	}
	if _, err := m.StillLoggedIn(ctx, t, tls); err != nil {
		return nil
	}
	fmt.Fprintf(opts.IO.ErrOut, "%s This machine's device session on %s still works; starting the device flow again ends it at once, even if you do not finish\n",
		opts.IO.ErrColorScheme().WarningIcon(), t.URL)
	if opts.Yes || !opts.IO.CanPrompt() {
		return nil
	}
	ok, err := opts.Prompter.Confirm("Start over", false)
	if err != nil {
		return promptError(err)
	}
	if !ok {
		return exitcode.ErrCancelled
	}
	return nil
}

// slowDownStep is what RFC 8628 asks a client to add to its polling
// interval on "slow_down".
const slowDownStep = 5 * time.Second

// deviceLogin runs the OAuth device flow: show the user a URL to approve
// this machine in the dashboard, then poll until they do.
//
// golang.org/x/oauth2's device flow was considered and not used: ZenML
// sends relative verification URIs, answers some failures with its own
// {"detail": ...} bodies rather than OAuth errors, and keeps saying
// "pending" after its deadline; and x/oauth2 would bypass this client's
// TLS settings, redaction in --debug and error classification.
func deviceLogin(ctx context.Context, opts *LoginOptions, client *zenml.Client, clientID string) (credentials.Secret, error) {
	da, err := client.StartDeviceAuthorization(ctx, clientID)
	if err != nil {
		var apiErr *zenml.Error
		if errors.As(err, &apiErr) && apiErr.StatusCode == 403 {
			return credentials.Secret{}, fmt.Errorf("%s does not support the device flow (%s); log in with --api-key or --username", client.ServerURL(), apiErr.Message)
		}
		return credentials.Secret{}, fmt.Errorf("starting the device flow: %w", err)
	}
	start := time.Now()
	if err := showVerificationURL(opts, client.ServerURL(), da); err != nil {
		return credentials.Secret{}, err
	}
	p := newDevicePoll(opts, client, clientID, da, start)
	if !opts.IO.IsStderrTTY() {
		// No spinner without a terminal: one line, so a log shows what the
		// command is waiting for and for how long at most.
		fmt.Fprintf(opts.IO.ErrOut, "Waiting up to %s for the device to be authorized...\n", humanDuration(p.expiresIn-time.Since(start)))
	}
	opts.IO.StartProgress("Waiting for the device to be authorized in the browser")
	defer opts.IO.StopProgress()
	return p.run(ctx, opts.IO)
}

// showVerificationURL tells the user where to authorize this device, and
// opens the page on a terminal unless --no-browser.
func showVerificationURL(opts *LoginOptions, serverURL string, da *zenml.DeviceAuthorization) error {
	errOut := opts.IO.ErrOut
	cs := opts.IO.ErrColorScheme()
	verifyURL := da.VerificationURIComplete
	if verifyURL == "" {
		verifyURL = da.VerificationURI
	}
	// The URL comes from the server: it must not reach the terminal with
	// escape sequences, nor make the OS open anything but a web page.
	verifyURL = iostreams.OneLine(verifyURL)
	if u, err := url.Parse(verifyURL); err != nil || u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%s sent a verification URL that is not a web address (%q); log in with --api-key or --username instead", serverURL, verifyURL)
	}
	fmt.Fprintf(errOut, "To log in, open this URL in a browser and authorize this device:\n\n  %s\n\n", verifyURL)
	fmt.Fprintf(errOut, "Check that the dashboard shows the code %s\n", cs.Bold(shortCode(iostreams.EscapeLine(da.UserCode))))
	// A headless machine has no browser: someone logged in elsewhere
	// approves it from their terminal.
	fmt.Fprintf(errOut, "No browser here? On a machine logged in to %s, run:\n\n  zenctl device approve %s\n\n", serverURL, login.ShellWordOr(verifyURL, "URL"))
	if !opts.NoBrowser && opts.IO.IsStderrTTY() && opts.Browser != nil {
		if err := opts.Browser.Open(verifyURL); err != nil {
			fmt.Fprintf(errOut, "%s Could not open a browser (%v); open the URL yourself\n", cs.WarningIcon(), err)
		}
	}
	return nil
}

// devicePoll is the wait for the user to authorize the device: how often
// to ask, until when, and the polls that failed in a row.
type devicePoll struct {
	client               *zenml.Client
	clientID, deviceCode string
	// interval and expiresIn are the server's; scale turns them into waits
	// on this clock.
	interval, expiresIn time.Duration
	scale               float64
	// deadline is enforced here: the server keeps answering "pending"
	// after its own.
	deadline    time.Time
	failures    int
	lastFailure error // of the polls failing in a row, for the deadline message
}

func newDevicePoll(opts *LoginOptions, client *zenml.Client, clientID string, da *zenml.DeviceAuthorization, start time.Time) *devicePoll {
	p := &devicePoll{client: client, clientID: clientID, deviceCode: da.DeviceCode,
		interval: time.Duration(da.Interval) * time.Second, expiresIn: time.Duration(da.ExpiresIn) * time.Second, scale: opts.PollScale}
	if p.interval <= 0 {
		p.interval = 5 * time.Second
	}
	if p.expiresIn <= 0 {
		p.expiresIn = 5 * time.Minute
	}
	if p.scale <= 0 {
		p.scale = DefaultPollScale
	}
	p.deadline = start.Add(time.Duration(float64(p.expiresIn) * p.scale))
	return p
}

// run polls until the device is authorized, denied or out of time.
func (p *devicePoll) run(ctx context.Context, ios *iostreams.IOStreams) (credentials.Secret, error) {
	for {
		tok, err := p.client.LoginDevice(ctx, p.clientID, p.deviceCode)
		if err == nil {
			ios.StopProgress()
			return credentials.Secret{}.WithToken(tok, time.Now()), nil
		}
		if errors.Is(err, context.Canceled) || ctx.Err() != nil {
			return credentials.Secret{}, exitcode.ErrCancelled
		}
		if err := p.answer(err); err != nil {
			return credentials.Secret{}, err
		}
		if !time.Now().Before(p.deadline) {
			if p.lastFailure != nil {
				return credentials.Secret{}, fmt.Errorf("waiting for the device authorization until the deadline: %w", p.lastFailure)
			}
			return credentials.Secret{}, &exitcode.AuthError{Err: fmt.Errorf("the device was not authorized within %s; run `zenctl login %s` again", humanDuration(p.expiresIn), p.client.ServerURL())}
		}
		// The last wait is cut short so that one final poll lands on the deadline.
		wait := min(time.Duration(float64(p.interval)*p.scale), time.Until(p.deadline))
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return credentials.Secret{}, exitcode.ErrCancelled
		case <-timer.C:
		}
	}
}

// answer takes in a poll's failure: nil to poll again, else the error
// that ends the flow.
func (p *devicePoll) answer(err error) error {
	var apiErr *zenml.Error
	isAPIErr := errors.As(err, &apiErr)
	again := "run `zenctl login " + p.client.ServerURL() + "` again"
	switch {
	case transientPollError(err):
		// A server hiccup while the user is in the browser must not
		// throw the flow away: poll again, within reason.
		p.lastFailure = err
		if p.failures++; p.failures > maxPollFailures {
			return fmt.Errorf("waiting for the device authorization: %w (%d polls in a row failed)", err, p.failures)
		}
	case !isAPIErr:
		return fmt.Errorf("waiting for the device authorization: %w", err)
	case apiErr.OAuthError == "authorization_pending":
		p.failures, p.lastFailure = 0, nil
	case apiErr.OAuthError == "slow_down":
		p.interval += slowDownStep
	case apiErr.OAuthError == "access_denied":
		return &exitcode.AuthError{Err: errors.New("the device authorization was denied (the device is locked, or the code did not match); " + again)}
	case apiErr.OAuthError == "expired_token":
		return &exitcode.AuthError{Err: errors.New("the device code has expired or was already used; " + again)}
	case apiErr.OAuthError == "invalid_client":
		return &exitcode.AuthError{Err: errors.New("the server does not know this device (it may have been deleted or re-authorized elsewhere); " + again)}
	default:
		return fmt.Errorf("waiting for the device authorization: %w", err)
	}
	return nil
}

// shortCode shows the start of the user code, enough to compare with
// what the dashboard displays.
func shortCode(code string) string {
	if len(code) > 8 {
		return code[:8]
	}
	return code
}

// humanDuration says "5 minutes" where Duration.String says "5m0s".
func humanDuration(d time.Duration) string {
	d = d.Round(time.Second)
	unit := func(n int64, name string) string {
		if n == 1 {
			return "1 " + name
		}
		return fmt.Sprintf("%d %ss", n, name)
	}
	switch {
	case d >= time.Hour && d%time.Hour == 0:
		return unit(int64(d/time.Hour), "hour")
	case d >= time.Minute && d%time.Minute == 0:
		return unit(int64(d/time.Minute), "minute")
	case d >= time.Minute:
		return unit(int64(d/time.Minute), "minute") + " " + unit(int64(d%time.Minute/time.Second), "second")
	}
	return unit(int64(d/time.Second), "second")
}
