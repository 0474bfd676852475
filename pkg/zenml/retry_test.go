package zenml

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

// retryRecorder collects the RetryEvents of a client.
type retryRecorder struct {
	mu     sync.Mutex
	events []RetryEvent
}

func (r *retryRecorder) record(ev RetryEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, ev)
}

func (r *retryRecorder) all() []RetryEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]RetryEvent(nil), r.events...)
}

// A server asking for a long wait must not hold the caller beyond the
// request timeout, and the wait is reported, never silent.
func TestRetryAfterIsCappedAtTheTimeoutAndReported(t *testing.T) {
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	fake.InjectFault("GET /api/v1/current-user", zenmltest.Fault{Status: http.StatusTooManyRequests, Times: 1,
		Header: http.Header{"Retry-After": {"100000"}}})
	var rec retryRecorder
	c := adminClient(t, fake, Options{Timeout: 300 * time.Millisecond, OnRetry: rec.record})
	start := time.Now()
	if _, err := c.CurrentUser(context.Background()); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("waited %s", d)
	}
	evs := rec.all()
	if len(evs) != 1 {
		t.Fatalf("retry events %+v", evs)
	}
	ev := evs[0]
	if ev.Wait != 300*time.Millisecond || ev.RetryAfter != 100000*time.Second || ev.Server != fake.URL() || ev.Reason != "HTTP 429" {
		t.Errorf("event %+v", ev)
	}
}

func TestRetryAfterAsAnHTTPDate(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		header   string
		wantWait time.Duration
		asked    time.Duration
	}{
		{now.Add(90 * time.Second).Format(http.TimeFormat), 200 * time.Millisecond, 90 * time.Second},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, 0},
		{"0", 0, 0},
	} {
		fake := zenmltest.NewTest(t, zenmltest.Options{})
		fake.InjectFault("GET /api/v1/current-user", zenmltest.Fault{Status: http.StatusServiceUnavailable, Times: 1,
			Header: http.Header{"Retry-After": {tc.header}}})
		var rec retryRecorder
		c := adminClient(t, fake, Options{Timeout: 200 * time.Millisecond, OnRetry: rec.record, Now: func() time.Time { return now }})
		if _, err := c.CurrentUser(context.Background()); err != nil {
			t.Fatal(err)
		}
		if evs := rec.all(); len(evs) != 1 || evs[0].Wait != tc.wantWait || evs[0].RetryAfter != tc.asked {
			t.Errorf("Retry-After %q: events %+v, want wait %s asked %s", tc.header, evs, tc.wantWait, tc.asked)
		}
	}
}

// The *Error of a 429 says how long the server wants the caller to wait.
func TestErrorCarriesRetryAfter(t *testing.T) {
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	fake.InjectFault("GET /api/v1/current-user", zenmltest.Fault{Status: http.StatusTooManyRequests,
		Header: http.Header{"Retry-After": {"7"}}})
	_, err := adminClient(t, fake, Options{MaxRetries: -1}).CurrentUser(context.Background())
	var apiErr *Error
	if !errors.As(err, &apiErr) || apiErr.RetryAfter != 7*time.Second || !errors.Is(err, ErrRateLimited) {
		t.Fatalf("err = %#v", err)
	}
	if n := fake.Count("GET /api/v1/current-user"); n != 1 {
		t.Errorf("MaxRetries -1: %d attempts", n)
	}
}

// failingTransport fails the first n requests with err, then passes them on.
type failingTransport struct {
	mu    sync.Mutex
	n     int
	err   error
	calls int
	next  http.RoundTripper
}

func (f *failingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	f.mu.Lock()
	f.calls++
	fail := f.calls <= f.n
	f.mu.Unlock()
	if fail {
		return nil, f.err
	}
	return f.next.RoundTrip(req)
}

// Only what another attempt can fix is retried: a DNS failure or a TLS
// failure would only fail again, later.
func TestRetriesOnlyWhatARetryCanFix(t *testing.T) {
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	opErr := func(errno error) error {
		return &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", errno)}
	}
	for _, tc := range []struct {
		name  string
		err   error
		retry bool
	}{
		{"refused", &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}, true},
		{"reset", opErr(syscall.ECONNRESET), true},
		{"dns", &net.DNSError{Err: "no such host", Name: "zenml.invalid", IsNotFound: true}, false},
		{"dns temporary", &net.DNSError{Err: "server misbehaving", Name: "zenml.invalid", IsTemporary: true}, false},
		{"not tls", errors.New("http: server gave HTTP response to HTTPS client"), false},
		{"other", errors.New("something odd"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ft := &failingTransport{n: 1, err: tc.err, next: http.DefaultTransport}
			var rec retryRecorder
			c := adminClient(t, fake, Options{Transport: ft, OnRetry: rec.record})
			_, err := c.CurrentUser(context.Background())
			if got := len(rec.all()) > 0; got != tc.retry {
				t.Errorf("retried = %v, want %v (err %v)", got, tc.retry, err)
			}
			if tc.retry && err != nil {
				t.Errorf("not retried to success: %v", err)
			}
			if !tc.retry && err == nil {
				t.Error("no error")
			}
		})
	}
}

// A plain-http server reached with https:// is a TLS failure, typed, and
// not retried.
func TestPlainHTTPServerOverHTTPS(t *testing.T) {
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	var rec retryRecorder
	c := newTestClient(t, strings.Replace(fake.URL(), "http://", "https://", 1), Options{OnRetry: rec.record})
	_, err := c.Info(context.Background())
	var tlsErr *TLSError
	if !errors.As(err, &tlsErr) || tlsErr.Problem != TLSNotTLS {
		t.Fatalf("err = %#v", err)
	}
	if evs := rec.all(); len(evs) != 0 {
		t.Errorf("retried a TLS failure: %+v", evs)
	}
}
