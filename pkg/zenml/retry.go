package zenml

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/google/uuid"
)

// DefaultMaxRetries is how many times a request that may be retried is
// sent again when Options.MaxRetries is 0.
const DefaultMaxRetries = 3

// DefaultRetryBaseDelay is the first backoff delay when
// Options.RetryBaseDelay is 0; each retry doubles it, with jitter.
const DefaultRetryBaseDelay = 250 * time.Millisecond

// RetryEvent describes a retry about to happen, for progress output.
type RetryEvent struct {
	// Server is the server's URL, as ServerURL returns it.
	Server  string
	Method  string
	Path    string
	Attempt int
	// Wait is how long the client waits before the retry.
	Wait time.Duration
	// RetryAfter is the wait the server asked for in a Retry-After header
	// (0 when it sent none). Wait is RetryAfter capped at Options.Timeout:
	// a server asking for more would otherwise hold the caller silently.
	RetryAfter time.Duration
	// Reason says what failed, e.g. "HTTP 503" or "connection refused".
	Reason string
}

func (c *Client) doWithRetries(ctx context.Context, r request, token string) (*http.Response, []byte, error) {
	idempotencyKey := ""
	if r.method == http.MethodPost && r.auth {
		// One key per logical request, reused by its retries, so a 0.93
		// server replays the first result instead of creating twice.
		idempotencyKey = uuid.NewString()
	}
	for attempt := 0; ; attempt++ {
		resp, body, err := c.attempt(ctx, r, token, idempotencyKey)
		retry, reason := c.shouldRetry(r, resp, err)
		if !retry || attempt >= c.opts.MaxRetries || c.opts.MaxRetries < 0 {
			if err != nil {
				return nil, nil, newRequestError(r, err, c.opts.Timeout)
			}
			return resp, body, nil
		}
		wait, asked := c.backoff(attempt, resp)
		if c.opts.OnRetry != nil {
			c.opts.OnRetry(RetryEvent{Server: c.ServerURL(), Method: r.method, Path: r.path, Attempt: attempt + 1,
				Wait: wait, RetryAfter: asked, Reason: reason})
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			// The caller's deadline, not the per-request limit.
			return nil, nil, newRequestError(r, ctx.Err(), 0)
		case <-timer.C:
		}
	}
}

// shouldRetry retries only what another attempt can fix: a connection
// refused or reset, a busy or unreachable upstream (429, 502, 503, 504,
// 408). A DNS failure, a TLS failure, a timeout or a 500 would fail the
// same way again, only later.
func (c *Client) shouldRetry(r request, resp *http.Response, err error) (bool, string) {
	// A create that may have been processed is safe to repeat only where
	// the server replays results by Idempotency-Key (0.93); elsewhere a
	// repeat would answer "already exists" for an entity the first
	// attempt created.
	ambiguousCreate := r.method == http.MethodPost && r.auth && versionAtLeast(c.ServerVersion(), 0, 93) != versionYes
	if err != nil {
		switch {
		case errors.Is(err, syscall.ECONNREFUSED):
			// It never reached the server, so even a request that is not
			// idempotent is safe to send again.
			return r.retryable || r.method == http.MethodPost, describeTransportError(err)
		case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
			errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			// A connection the server dropped, perhaps a kept-alive one it
			// had closed, perhaps after processing the request.
			if asTLSError(err) != nil || ambiguousCreate {
				return false, ""
			}
			return r.retryable, describeTransportError(err)
		}
		return false, ""
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		// The server refused the request without processing it.
		return r.retryable, fmt.Sprintf("HTTP %d", resp.StatusCode)
	case http.StatusRequestTimeout, http.StatusBadGateway, http.StatusGatewayTimeout:
		if ambiguousCreate {
			return false, ""
		}
		return r.retryable, fmt.Sprintf("HTTP %d", resp.StatusCode)
	}
	return false, ""
}

// backoff returns the wait before the next attempt and the wait the server
// asked for. A Retry-After is honoured up to the request timeout: waiting
// longer than a request may take would stall the caller for a server's
// say-so.
func (c *Client) backoff(attempt int, resp *http.Response) (wait, asked time.Duration) {
	if resp != nil {
		if d, ok := retryAfter(resp.Header, c.opts.Now()); ok {
			return min(d, c.opts.Timeout), d
		}
	}
	d := c.opts.RetryBaseDelay << min(attempt, 16)
	// Jitter keeps parallel clients from retrying in lockstep.
	return d/2 + rand.N(d/2+1), 0
}

// maxRetryAfter bounds a Retry-After so that the arithmetic cannot
// overflow; waits are capped far lower by the request timeout.
const maxRetryAfter = 366 * 24 * time.Hour

// retryAfter reads a Retry-After header: a number of seconds or an HTTP
// date (RFC 9110, section 10.2.3). A date in the past means no wait.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	s := strings.TrimSpace(h.Get("Retry-After"))
	if s == "" {
		return 0, false
	}
	if secs, err := strconv.ParseUint(s, 10, 64); err == nil {
		if secs > uint64(maxRetryAfter/time.Second) {
			return maxRetryAfter, true
		}
		return time.Duration(secs) * time.Second, true
	}
	if at, err := http.ParseTime(s); err == nil {
		return min(max(at.Sub(now), 0), maxRetryAfter), true
	}
	return 0, false
}
