package zenml

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// DefaultTimeout bounds every request attempt when Options.Timeout is 0.
const DefaultTimeout = 30 * time.Second

// DefaultUserAgent is the User-Agent sent when Options.UserAgent is "".
const DefaultUserAgent = "zenml-go"

// MaxResponseBytes bounds how much of a response body the client reads; the
// answers of the endpoints this client calls are a few kilobytes.
const MaxResponseBytes = 8 << 20

// Options configure a Client. The zero value is usable: every zero field
// means the default its comment names.
type Options struct {
	// Timeout bounds each attempt of a request, from connecting to reading
	// the whole answer; 0 means DefaultTimeout. A retry gets a fresh
	// budget; the context passed to each call bounds them all. Timeout also
	// caps the wait a server may ask for with Retry-After.
	Timeout time.Duration
	// UserAgent is sent on every request; "" means DefaultUserAgent.
	UserAgent string
	// SourceContext is sent as the Source-Context header, which a ZenML
	// server records to tell its clients apart (it knows "cli", "python",
	// "dashboard" and "api"); "" sends no such header.
	SourceContext string
	// Tokens authenticates requests; nil sends none.
	Tokens TokenSource
	// InsecureSkipVerify turns off TLS certificate verification.
	InsecureSkipVerify bool
	// CACert is a PEM bundle file path, or PEM text, trusted in addition to
	// the system roots.
	CACert string
	// MaxRetries is how many times a request is sent again after a failure
	// that a retry can fix; 0 means DefaultMaxRetries, a negative number
	// sends every request once.
	MaxRetries int
	// RetryBaseDelay is the first backoff delay; 0 means
	// DefaultRetryBaseDelay.
	RetryBaseDelay time.Duration
	// OnRetry, when set, is told about every retry before its wait, so that
	// a program can say why it is waiting.
	OnRetry func(RetryEvent)
	// OnRequest, when set, is called as each API call starts, before its
	// first attempt; the function it returns is called when the call ends,
	// retries and a token refresh included. A program uses it to show
	// what it is waiting for.
	OnRequest func(context.Context, RequestInfo) (done func())
	// Debug, when set, receives a trace of every request and response with
	// secrets redacted.
	Debug io.Writer
	// HTTPClient, when set, is the HTTP client to send requests with: its
	// Transport (nil: a clone of http.DefaultTransport) and its Timeout are
	// kept. Its Jar and CheckRedirect are replaced, always: a cookie jar
	// would let a stale login cookie override the bearer token, and the
	// redirect rules keep credentials from leaking to another host or to
	// plain http. The caller's client itself is never modified.
	HTTPClient *http.Client
	// Transport, when set, sends the requests; it wins over HTTPClient's.
	//
	// InsecureSkipVerify and CACert are applied to a clone of an
	// *http.Transport (they win over its TLSClientConfig, whose other
	// settings are kept). With any other RoundTripper they make NewClient
	// fail rather than being dropped: configure TLS on that transport.
	Transport http.RoundTripper
	// Now replaces the clock; nil means time.Now. It dates Retry-After
	// headers that carry an HTTP date.
	Now func() time.Time
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
// a path prefix (a server mounted under /zenml). It fails with a *URLError
// for a URL that NormalizeServerURL refuses, or when the TLS settings
// cannot be applied.
func NewClient(serverURL string, opts Options) (*Client, error) {
	base, err := NormalizeServerURL(serverURL)
	if err != nil {
		return nil, err
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.UserAgent == "" {
		opts.UserAgent = DefaultUserAgent
	}
	if opts.MaxRetries == 0 {
		opts.MaxRetries = DefaultMaxRetries
	}
	if opts.RetryBaseDelay <= 0 {
		opts.RetryBaseDelay = DefaultRetryBaseDelay
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	u, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	hc, err := newHTTPClient(opts, u)
	if err != nil {
		return nil, err
	}
	return &Client{base: u, http: hc, opts: opts, tokens: opts.Tokens, version: new(atomic.Pointer[string])}, nil
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

// RequestInfo describes an API call as it starts, for Options.OnRequest.
type RequestInfo struct {
	// Server is the server's URL, as ServerURL returns it.
	Server string
	Method string
	// Path is relative to the server URL, e.g. "/api/v1/login".
	Path string
	// Page is the page a list call asks for; 0 when it is not one.
	Page int
	// Secret names the long-lived secret the request's body carries,
	// "password" or "API key", or is empty: a caller warns before one
	// crosses the network in the clear (see SentInClear).
	Secret string
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
	// retryable allows retries of failures a retry can fix (shouldRetry).
	retryable bool
	// secret is RequestInfo.Secret.
	secret string
	// err is a failure to build the request (a body that does not
	// encode), returned before anything is sent.
	err error
	// sent, when set, receives the secrets the request went out with
	// (sentSecrets, with the bearer token last used).
	sent *[]string
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

// leavesBase reports whether an escaped path, relative to the server URL,
// resolves outside the server's path prefix once dot segments are
// removed, as a normalising proxy would remove them. It is judged on the
// decoded path: a proxy may decode %2e%2e to "..".
func (c *Client) leavesBase(p string) bool {
	prefix := c.base.Path
	if prefix == "" {
		return false
	}
	decoded, err := url.PathUnescape(p)
	if err != nil {
		decoded = p
	}
	full := path.Clean(prefix + "/" + decoded)
	return full != prefix && !strings.HasPrefix(full, prefix+"/")
}

// cleanPath removes the dot segments of an escaped path, as
// path.Clean does, keeping a trailing slash.
func cleanPath(p string) string {
	cleaned := path.Clean("/" + p)
	if strings.HasSuffix(p, "/") && cleaned != "/" {
		cleaned += "/"
	}
	return cleaned
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
		return &ResponseError{Server: c.ServerURL(), Method: r.method, Path: r.path, Status: resp.StatusCode,
			Reason: r.redact("the server's answer is not the JSON this client expects: " + describeDecodeError(body, resp.Header, err, r.redact))}
	}
	return nil
}

func describeDecodeError(body []byte, h http.Header, err error, redact func(string) string) string {
	trimmed := strings.TrimSpace(string(body))
	if trimmed == "" {
		return "empty body"
	}
	if !json.Valid(body) {
		return strings.TrimPrefix(describeNonJSON(trimmed, h, redact), "the server answered with ")
	}
	return err.Error()
}

// do performs r with retries and one token refresh, returning the response
// (body already read and closed) when its status is 2xx.
func (c *Client) do(ctx context.Context, r request) (*http.Response, []byte, error) {
	if c.opts.OnRequest != nil && r.err == nil {
		page, _ := strconv.Atoi(r.query.Get("page"))
		done := c.opts.OnRequest(ctx, RequestInfo{Server: c.ServerURL(), Method: r.method, Path: r.path, Page: page, Secret: r.secret})
		if done != nil {
			defer done()
		}
	}
	resp, body, err := c.doOnce(ctx, r)
	return resp, body, withServer(err, c.ServerURL())
}

func (c *Client) doOnce(ctx context.Context, r request) (*http.Response, []byte, error) {
	if r.err != nil {
		return nil, nil, r.err
	}
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
		if r.sent != nil {
			*r.sent = r.sentSecrets(token)
		}
		if resp.StatusCode >= 200 && resp.StatusCode < 300 {
			return resp, body, nil
		}
		// A server may echo what it was sent ("bad form: password=...");
		// nothing of this request's secrets may reach a message.
		apiErr := parseError(resp.StatusCode, resp.Header, body, r.sentSecrets(token))
		apiErr.Method, apiErr.Path = r.method, r.path
		if d, ok := retryAfter(resp.Header, c.opts.Now()); ok {
			apiErr.RetryAfter = d
		}
		if r.auth && token != "" && !refreshed && apiErr.Kind == KindCredentials && canRefresh(c.tokens) {
			refreshed, rejected = true, token
			continue
		}
		return resp, body, apiErr
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
	if c.opts.SourceContext != "" {
		req.Header.Set("Source-Context", c.opts.SourceContext)
	}
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

func jsonRequest(method, path string, body any) request {
	data, err := marshalJSON(body)
	r := request{method: method, path: path, body: data, ctype: "application/json", auth: true,
		retryable: method == http.MethodGet || method == http.MethodPost}
	if err != nil {
		r.err = fmt.Errorf("zenml: cannot encode the body of %s %s: %w", method, path, err)
	}
	return r
}
