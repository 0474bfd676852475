// Package apiclient builds zenctl's API clients: the transport settings
// every command shares (timeout, User-Agent, TLS, debug tracing) and what
// a person sees while a request runs — what it waits for, each retry, and
// a warning before a password or API key crosses the network in the clear.
// Which server, account and secret to use belongs to internal/login.
package apiclient

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/zenctl/zenctl/internal/atomicfile"
	"github.com/zenctl/zenctl/internal/iostreams"
	"github.com/zenctl/zenctl/internal/login"
	"github.com/zenctl/zenctl/pkg/zenml"
)

// Builder builds the API clients of one command (one process).
type Builder struct {
	IO      *iostreams.IOStreams
	Version string
	Timeout time.Duration
	// Debug traces each request to stderr, secrets redacted.
	Debug bool
	// retryBaseDelay, when set, replaces RetryBaseDelay for this builder's
	// clients: a test that retries need not wait out the real backoff.
	retryBaseDelay time.Duration

	mu     sync.Mutex
	warned map[string]bool // servers already warned about plain http
}

// RetryBaseDelay is the first retry backoff of every client; 0 is
// pkg/zenml's default. A variable so that end-to-end tests shorten it in
// the zenctl processes they start.
var RetryBaseDelay time.Duration

// New returns a client for serverURL; tokens may be nil for
// unauthenticated calls. It has login.ClientFunc's shape.
func (b *Builder) New(serverURL string, tls login.TLS, tokens zenml.TokenSource) (*zenml.Client, error) {
	ca, err := caBundle(tls.CACert)
	if err != nil {
		return nil, err
	}
	retryDelay := RetryBaseDelay
	if b.retryBaseDelay > 0 {
		retryDelay = b.retryBaseDelay
	}
	opts := zenml.Options{
		Timeout:            b.Timeout,
		RetryBaseDelay:     retryDelay,
		UserAgent:          UserAgent(b.Version),
		SourceContext:      "cli",
		Tokens:             tokens,
		InsecureSkipVerify: tls.InsecureSkipVerify,
		CACert:             ca,
		OnRequest:          b.onRequest,
		OnRetry:            b.showRetry,
	}
	if b.Debug {
		opts.Debug = iostreams.EscapeWriter(b.IO.ErrOut)
	}
	return zenml.NewClient(serverURL, opts)
}

// caBundle is a CA bundle given as a path (--ssl-ca-cert, recorded at
// login, or ZENML_STORE_VERIFY_SSL) read once, as PEM text, and only when
// no other user can have written it: whoever can rewrite it can intercept
// the next login or renewal, key included. Every client is built here, so
// no command trusts a bundle unchecked. PEM text is used as it is.
func caBundle(value string) (string, error) {
	if value == "" || strings.Contains(value, "-----BEGIN") {
		return value, nil
	}
	data, err := atomicfile.ReadTrustedFile(value)
	var unsafe *atomicfile.UnsafeError
	switch {
	case errors.As(err, &unsafe):
		unsafe.Path = "the CA bundle " + unsafe.Path
		return "", unsafe
	case err != nil:
		return "", fmt.Errorf("reading CA certificate: %w", err)
	case !strings.Contains(string(data), "-----BEGIN"):
		// As PEM text it would be taken for a path.
		return "", fmt.Errorf("no PEM certificate found in %s", value)
	}
	return string(data), nil
}

func (b *Builder) onRequest(ctx context.Context, r zenml.RequestInfo) func() {
	if r.Secret != "" {
		b.WarnPlainHTTP(r.Server, r.Secret)
	}
	return b.showWait(ctx, r)
}

// WarnPlainHTTP says, once per server and process, that secret (e.g.
// "password", "credentials") is about to cross the network unencrypted,
// when it is: plain http to another machine. On a terminal or not: a
// script's log is where someone will look for why a key leaked. Loopback
// stays quiet.
func (b *Builder) WarnPlainHTTP(serverURL, secret string) {
	if !zenml.SentInClear(serverURL) {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.warned[serverURL] {
		return
	}
	if b.warned == nil {
		b.warned = map[string]bool{}
	}
	b.warned[serverURL] = true
	fmt.Fprintf(b.IO.ErrOut, "%s %s uses plain http: your %s will cross the network unencrypted\n",
		b.IO.ErrColorScheme().WarningIcon(), iostreams.SafeURL(serverURL), secret)
}

// showRetry says a retry in a line rather than a spinner: the command's
// own output follows on the same stream and must not mix with one. On a
// terminal one line says a request is being retried, not one per attempt:
// the spinner shows the short waits after it. A long wait is said also off
// a terminal, with its length: a server's Retry-After must not hold a
// script silently.
func (b *Builder) showRetry(ev zenml.RetryEvent) {
	long := ev.Wait >= time.Second || ev.RetryAfter >= time.Second
	if !long && (!b.IO.IsStderrTTY() || ev.Attempt > 1) {
		return
	}
	reason := ev.Reason
	if ev.RetryAfter > ev.Wait {
		reason += fmt.Sprintf(" (the server asked to wait %s)", ev.RetryAfter)
	}
	next := "retrying"
	if long {
		next = fmt.Sprintf("retrying in %s (attempt %d)", ev.Wait.Round(100*time.Millisecond), ev.Attempt+1)
	}
	fmt.Fprintf(b.IO.ErrOut, "%s %s %s %s: %s; %s\n",
		b.IO.ErrColorScheme().WarningIcon(), ev.Server, ev.Method, ev.Path, reason, next)
}

// showWait says, on a terminal, what a request that takes long waits for:
// the command's words when it gave some (iostreams.WithWaitLabel), else
// what the request does.
func (b *Builder) showWait(ctx context.Context, r zenml.RequestInfo) func() {
	return b.IO.Wait(waitLabel(iostreams.WaitLabel(ctx), r))
}

func waitLabel(label string, r zenml.RequestInfo) string {
	switch {
	case label != "" && r.Page > 1:
		return fmt.Sprintf("%s (page %d)", label, r.Page)
	case label != "":
		return label
	case r.Path == "/api/v1/info":
		return "Connecting to " + r.Server
	case r.Path == "/api/v1/login":
		return "Logging in to " + r.Server
	case r.Path == "/api/v1/current-user":
		return "Checking the login on " + r.Server
	case r.Page > 1:
		return fmt.Sprintf("Fetching page %d from %s", r.Page, r.Server)
	}
	return "Waiting for " + r.Server
}

// UserAgent is "zenctl/VERSION Host/HOSTNAME OS/OS": the Host/ and OS/
// pairs are those of the zenml client's User-Agent, which a ZenML server
// parses into the device record its dashboard shows, so that an admin
// can tell machines apart; it ignores the pairs it does not know, such
// as zenctl's own.
func UserAgent(version string) string {
	ua := "zenctl/" + uaWord(version)
	if host, err := os.Hostname(); err == nil && host != "" {
		ua += " Host/" + uaWord(host)
	}
	return ua + " OS/" + osName(runtime.GOOS)
}

// uaWord keeps a value to one printable word: the server splits the
// header on spaces.
func uaWord(s string) string {
	return strings.Map(func(r rune) rune {
		if r <= ' ' || r == 0x7f || r > 0x7e {
			return '_'
		}
		return r
	}, s)
}

// osName is GOOS as Python's platform.system() names it, the zenml
// client's OS/ value.
func osName(goos string) string {
	switch goos {
	case "linux":
		return "Linux"
	case "darwin":
		return "Darwin"
	case "windows":
		return "Windows"
	case "freebsd":
		return "FreeBSD"
	case "openbsd":
		return "OpenBSD"
	case "netbsd":
		return "NetBSD"
	}
	return goos
}
