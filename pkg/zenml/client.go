package zenml

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/google/uuid"
)

// DefaultTimeout bounds every request unless Options.Timeout says otherwise.
const DefaultTimeout = 30 * time.Second

// MaxResponseBytes bounds how much of a response body the client reads; the
// answers of the endpoints this client calls are a few kilobytes.
const MaxResponseBytes = 8 << 20

// Options configure a Client. The zero value is usable.
type Options struct {
	// Timeout bounds each request attempt; 0 means DefaultTimeout.
	Timeout time.Duration
	// UserAgent is sent on every request; "" means "zenctl".
	UserAgent string
	// Tokens authenticates requests; nil sends none.
	Tokens TokenSource
	// InsecureSkipVerify turns off TLS certificate verification.
	InsecureSkipVerify bool
	// CACert is a PEM bundle file path, or PEM text, trusted in addition to
	// the system roots.
	CACert string
	// MaxRetries is how many times a safe request is retried; 0 means 3, a
	// negative value disables retries.
	MaxRetries int
	// RetryBaseDelay is the first backoff delay; 0 means 250ms.
	RetryBaseDelay time.Duration
	// OnRetry, when set, is told about every retry (for progress output).
	OnRetry func(RetryEvent)
	// Debug, when set, receives a trace of every request and response with
	// secrets redacted.
	Debug io.Writer
	// Transport replaces the base HTTP transport (tests, proxies).
	Transport http.RoundTripper
	// Now replaces the clock (tests).
	Now func() time.Time
}

// RetryEvent describes a retry about to happen.
type RetryEvent struct {
	Method  string
	Path    string
	Attempt int
	Wait    time.Duration
	Reason  string
}

// Client talks to one ZenML server. It is safe for concurrent use.
type Client struct {
	base   *url.URL
	http   *http.Client
	opts   Options
	tokens TokenSource
	// version is shared with the copies WithTokens makes (same server),
	// and written by Info while requests read it.
	version *atomic.Pointer[string]
}

// NewClient returns a client for the server at serverURL, which may include
// a path prefix (a server mounted under /zenml).
func NewClient(serverURL string, opts Options) (*Client, error) {
	base, err := NormalizeServerURL(serverURL)
	if err != nil {
		return nil, err
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.UserAgent == "" {
		opts.UserAgent = "zenctl"
	}
	if opts.MaxRetries == 0 {
		opts.MaxRetries = 3
	}
	if opts.RetryBaseDelay <= 0 {
		opts.RetryBaseDelay = 250 * time.Millisecond
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	transport := opts.Transport
	if transport == nil {
		t, err := newTransport(opts)
		if err != nil {
			return nil, err
		}
		transport = t
	}
	if opts.Debug != nil {
		transport = &debugTransport{next: transport, w: opts.Debug}
	}
	u, _ := url.Parse(base)
	c := &Client{base: u, opts: opts, tokens: opts.Tokens, version: new(atomic.Pointer[string])}
	c.http = &http.Client{
		// No cookie jar: the password grant sets an auth cookie that the server
		// prefers over the Authorization header, so a stale one would win.
		Jar:       nil,
		Transport: transport,
		// Per-attempt timeouts come from the request context instead, so a
		// retry gets a fresh budget.
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 5 {
				return errors.New("stopped after 5 redirects")
			}
			// Never carry credentials to another host, nor from https to
			// plain http: not the bearer token, and not a request body,
			// which for a login is the form with the password or API key.
			first := via[0].URL
			if req.URL.Host != first.Host || first.Scheme == "https" && req.URL.Scheme != "https" {
				if req.Body != nil && req.Body != http.NoBody {
					return &redirectError{method: via[0].Method, path: first.Path, to: req.URL.Scheme + "://" + req.URL.Host}
				}
				req.Header.Del("Authorization")
			}
			return nil
		},
	}
	return c, nil
}

func newTransport(opts Options) (*http.Transport, error) {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 10
	if opts.InsecureSkipVerify || opts.CACert != "" {
		cfg := &tls.Config{MinVersion: tls.VersionTLS12}
		if opts.InsecureSkipVerify {
			cfg.InsecureSkipVerify = true
		}
		if opts.CACert != "" {
			pool, err := loadCertPool(opts.CACert)
			if err != nil {
				return nil, err
			}
			cfg.RootCAs = pool
		}
		t.TLSClientConfig = cfg
	}
	return t, nil
}

func loadCertPool(caCert string) (*x509.CertPool, error) {
	pemData := []byte(caCert)
	if !strings.Contains(caCert, "-----BEGIN") {
		data, err := os.ReadFile(caCert)
		if err != nil {
			return nil, fmt.Errorf("reading CA certificate: %w", err)
		}
		pemData = data
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pemData) {
		return nil, fmt.Errorf("no PEM certificate found in %s", caCertName(caCert))
	}
	return pool, nil
}

func caCertName(caCert string) string {
	if strings.Contains(caCert, "-----BEGIN") {
		return "the CA certificate text"
	}
	return caCert
}

// NormalizeServerURL checks a server URL and returns it in the canonical form
// used as the key for stored credentials: http or https only, no embedded
// credentials, no query or fragment, no trailing slash.
func NormalizeServerURL(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", errors.New("server URL is empty")
	}
	// Errors quote the URL without user info, query or fragment: those may
	// hold a password or token, and errors end up in terminals and CI logs.
	shown := displayURL(raw)
	if authorityHasUserInfo(raw) {
		return "", fmt.Errorf("invalid server URL %q: remove the credentials embedded in it (use --api-key or --username instead)", shown)
	}
	if !strings.Contains(raw, "://") {
		// "host:port" would otherwise parse as a scheme or fail with
		// url.Parse's "first path segment cannot contain colon".
		return "", fmt.Errorf("invalid server URL %q: include the scheme, e.g. %s", shown, suggestScheme(shown))
	}
	u, err := url.Parse(raw)
	if err != nil {
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			err = urlErr.Err
		}
		return "", fmt.Errorf("invalid server URL %q: %v", shown, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		if u.Scheme == "" || u.Host == "" && u.Opaque != "" {
			return "", fmt.Errorf("invalid server URL %q: include the scheme, e.g. https://%s", shown, shown)
		}
		return "", fmt.Errorf("invalid server URL %q: only http and https are supported", shown)
	}
	if u.Host == "" {
		return "", fmt.Errorf("invalid server URL %q: no host", shown)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("invalid server URL %q: remove the query or fragment", shown)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Host = strings.ToLower(u.Host)
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u.String(), nil
}

// suggestScheme proposes a full URL for a scheme-less one: http for this
// machine, where local servers usually run without TLS, https elsewhere.
func suggestScheme(hostAndPath string) string {
	host := hostAndPath
	if i := strings.IndexAny(host, "/?#"); i >= 0 {
		host = host[:i]
	}
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if ip := net.ParseIP(host); strings.EqualFold(host, "localhost") || ip != nil && ip.IsLoopback() {
		return "http://" + hostAndPath
	}
	return "https://" + hostAndPath
}

// authorityHasUserInfo reports whether an '@' sits in the URL's authority
// (user:password@host), rather than in its path.
func authorityHasUserInfo(raw string) bool {
	rest := raw
	if i := strings.Index(rest, "://"); i >= 0 {
		rest = rest[i+3:]
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	return strings.Contains(rest, "@")
}

// displayURL is raw without user info, query and fragment.
func displayURL(raw string) string {
	if i := strings.IndexAny(raw, "?#"); i >= 0 {
		raw = raw[:i]
	}
	scheme, rest := "", raw
	if i := strings.Index(raw, "://"); i >= 0 {
		scheme, rest = raw[:i+3], raw[i+3:]
	}
	authority, path := rest, ""
	if i := strings.Index(rest, "/"); i >= 0 {
		authority, path = rest[:i], rest[i:]
	}
	if i := strings.LastIndex(authority, "@"); i >= 0 {
		authority = authority[i+1:]
	}
	return scheme + authority + path
}

// ServerURL is the server's canonical URL.
func (c *Client) ServerURL() string { return c.base.String() }

// SetServerVersion tells the client which server version it talks to, so
// version-dependent calls (APIToken) need no extra /info round trip.
func (c *Client) SetServerVersion(v string) { c.version.Store(&v) }

// ServerVersion is the version set with SetServerVersion or learnt from Info.
func (c *Client) ServerVersion() string {
	if v := c.version.Load(); v != nil {
		return *v
	}
	return ""
}

// WithTokens returns a copy of the client that authenticates with ts.
func (c *Client) WithTokens(ts TokenSource) *Client {
	cp := *c
	cp.tokens = ts
	return &cp
}

// request describes one logical API call.
type request struct {
	method string
	path   string // relative to the API root, e.g. "/api/v1/login"
	query  url.Values
	body   []byte
	ctype  string
	header http.Header
	// auth sends the bearer token and refreshes it once on a 401 that
	// means the credentials are invalid or expired.
	auth bool
	// retryable allows retries on connection errors and 408/429/502/503/504.
	retryable bool
}

// url joins the API root and path, which is already escaped (names in
// it went through url.PathEscape), so that it is not escaped twice.
func (c *Client) url(path string, query url.Values) string {
	u := *c.base
	rel := strings.TrimLeft(path, "/")
	if _, err := url.PathUnescape(rel); err != nil {
		// A stray '%' in a path typed by the user: it is text.
		rel = strings.ReplaceAll(rel, "%", "%25")
	}
	escaped := c.base.EscapedPath() + "/" + rel
	unescaped, _ := url.PathUnescape(escaped)
	u.Path, u.RawPath = unescaped, escaped
	u.RawQuery = ""
	if len(query) > 0 {
		u.RawQuery = query.Encode()
	}
	return u.String()
}

// doJSON performs r and decodes a 2xx JSON answer into out (nil: discard).
func (c *Client) doJSON(ctx context.Context, r request, out any) error {
	resp, body, err := c.do(ctx, r)
	if err != nil {
		return err
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(body, out); err != nil {
		return &ResponseError{Method: r.method, Path: r.path, Status: resp.StatusCode,
			Reason: "the server's answer is not the JSON this client expects: " + describeDecodeError(body, resp.Header, err)}
	}
	return nil
}

func describeDecodeError(body []byte, h http.Header, err error) string {
	trimmed := strings.TrimSpace(string(body))
	if trimmed == "" {
		return "empty body"
	}
	if !json.Valid(body) {
		return strings.TrimPrefix(describeNonJSON(trimmed, h), "the server answered with ")
	}
	return err.Error()
}

// ResponseError is a 2xx answer that could not be used.
type ResponseError struct {
	Method, Path string
	Status       int
	Reason       string
}

func (e *ResponseError) Error() string { return e.Reason }

// RequestError is a request that got no answer: connection refused, TLS
// failure, timeout, or a body too large to read.
type RequestError struct {
	Method, Path string
	Err          error
}

func (e *RequestError) Error() string { return describeTransportError(e.Err) }
func (e *RequestError) Unwrap() error { return e.Err }

// Timeout reports whether the request timed out.
func (e *RequestError) Timeout() bool {
	var ne net.Error
	return errors.Is(e.Err, context.DeadlineExceeded) || errors.As(e.Err, &ne) && ne.Timeout()
}

func describeTransportError(err error) string {
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var recordErr tls.RecordHeaderError
	var ne net.Error
	switch {
	case errors.Is(err, errBodyTooLarge):
		return err.Error()
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case errors.As(err, &unknownAuth), errors.As(err, &certErr):
		return "TLS certificate not trusted (" + rootCause(err) + "); pass --ssl-ca-cert PATH, or --no-verify-ssl to skip verification"
	case errors.As(err, &hostErr):
		return "TLS certificate does not match the host (" + rootCause(err) + ")"
	case errors.As(err, &recordErr), strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		// The second form is net/http's, when the server answers TLS's
		// hello with a plain HTTP response.
		return "TLS handshake failed: the server does not speak TLS (try http://)"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timed out waiting for the server"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "the server's answer was cut off: the connection closed early (unexpected EOF)"
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return "cannot resolve host " + dnsErr.Name
	}
	return rootCause(err)
}

func rootCause(err error) string {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err.Error()
		}
		if _, ok := err.(*url.Error); !ok {
			if _, ok := err.(*net.OpError); !ok {
				return err.Error()
			}
		}
		err = next
	}
}

var errBodyTooLarge = fmt.Errorf("response body larger than %d MiB", MaxResponseBytes>>20)

// redirectError is a redirect of a request with a body to another host or
// to plain http, which the client refuses to follow.
type redirectError struct {
	method, path, to string
}

func (e *redirectError) Error() string {
	return fmt.Sprintf("the server redirected %s %s to %s, another host or plain http; not following it, the request may carry credentials", e.method, e.path, e.to)
}

// do performs r with retries and one token refresh, returning the response
// (body already read and closed) when its status is 2xx.
func (c *Client) do(ctx context.Context, r request) (*http.Response, []byte, error) {
	refreshed := false
	var rejected string
	for {
		token := ""
		if r.auth && c.tokens != nil {
			var err error
			if refreshed {
				token, err = refreshToken(ctx, c.tokens, rejected)
			} else {
				token, err = c.tokens.Token(ctx)
			}
			if err != nil {
				return nil, nil, err
			}
		}
		resp, body, err := c.doWithRetries(ctx, r, token)
		if err != nil {
			return nil, nil, err
		}
		if resp.StatusCode >= 200 && resp.StatusCode < 300 {
			return resp, body, nil
		}
		apiErr := ParseError(resp.StatusCode, resp.Header, body)
		apiErr.Method, apiErr.Path = r.method, r.path
		if r.auth && token != "" && !refreshed && apiErr.Kind == KindCredentials && canRefresh(c.tokens) {
			refreshed, rejected = true, token
			continue
		}
		return resp, body, apiErr
	}
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
				return nil, nil, &RequestError{Method: r.method, Path: r.path, Err: err}
			}
			return resp, body, nil
		}
		wait := c.backoff(attempt, resp)
		if c.opts.OnRetry != nil {
			c.opts.OnRetry(RetryEvent{Method: r.method, Path: r.path, Attempt: attempt + 1, Wait: wait, Reason: reason})
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil, nil, &RequestError{Method: r.method, Path: r.path, Err: ctx.Err()}
		case <-timer.C:
		}
	}
}

func (c *Client) attempt(ctx context.Context, r request, token, idempotencyKey string) (*http.Response, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	var bodyReader io.Reader
	if r.body != nil {
		bodyReader = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, c.url(r.path, r.query), bodyReader)
	if err != nil {
		return nil, nil, err
	}
	for k, vs := range r.header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	req.Header.Set("User-Agent", c.opts.UserAgent)
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "application/json")
	}
	req.Header.Set("Source-Context", "cli")
	if r.ctype != "" {
		req.Header.Set("Content-Type", r.ctype)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if idempotencyKey != "" && req.Header.Get("Idempotency-Key") == "" {
		req.Header.Set("Idempotency-Key", idempotencyKey)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes+1))
	if err != nil {
		return nil, nil, err
	}
	if len(body) > MaxResponseBytes {
		return nil, nil, errBodyTooLarge
	}
	return resp, body, nil
}

func (c *Client) shouldRetry(r request, resp *http.Response, err error) (bool, string) {
	if err != nil {
		var redirErr *redirectError
		if errors.Is(err, context.Canceled) || errors.Is(err, errBodyTooLarge) || errors.As(err, &redirErr) {
			return false, ""
		}
		// A refused connection never reached the server, so even a
		// non-idempotent request is safe to send again.
		if errors.Is(err, syscall.ECONNREFUSED) {
			return r.retryable || r.method == http.MethodPost, describeTransportError(err)
		}
		// Any other failure may come after the server processed the
		// request: repeat a create only where it is replayed by key.
		if r.method == http.MethodPost && r.auth && versionAtLeast(c.ServerVersion(), 0, 93) != versionYes {
			return false, ""
		}
		var certErr *tls.CertificateVerificationError
		var unknownAuth x509.UnknownAuthorityError
		if errors.As(err, &certErr) || errors.As(err, &unknownAuth) {
			return false, ""
		}
		// A server that let a whole timeout pass will most likely do it
		// again; retrying would turn a 30 s wait into two minutes.
		var ne net.Error
		if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() {
			return false, ""
		}
		return r.retryable, describeTransportError(err)
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		// The server refused the request without processing it.
		return r.retryable, fmt.Sprintf("HTTP %d", resp.StatusCode)
	case http.StatusRequestTimeout, http.StatusBadGateway, http.StatusGatewayTimeout:
		// The request may have been processed. A create is safe to repeat
		// only where the server replays results by Idempotency-Key (0.93);
		// elsewhere a repeat would answer "already exists" for an entity
		// the first attempt created.
		if r.method == http.MethodPost && r.auth && versionAtLeast(c.ServerVersion(), 0, 93) != versionYes {
			return false, ""
		}
		return r.retryable, fmt.Sprintf("HTTP %d", resp.StatusCode)
	}
	return false, ""
}

func (c *Client) backoff(attempt int, resp *http.Response) time.Duration {
	if resp != nil {
		if s := resp.Header.Get("Retry-After"); s != "" {
			if secs, err := strconv.Atoi(s); err == nil && secs >= 0 {
				return min(time.Duration(secs)*time.Second, 30*time.Second)
			}
		}
	}
	d := c.opts.RetryBaseDelay << attempt
	// Jitter keeps parallel clients from retrying in lockstep.
	return d/2 + rand.N(d/2+1)
}
