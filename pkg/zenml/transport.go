package zenml

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path"
	"strings"
	"syscall"
	"time"
)

// newHTTPClient builds the *http.Client behind a Client from opts: the
// caller's transport (Options.Transport, else Options.HTTPClient's, else
// a clone of http.DefaultTransport) with the TLS settings of opts applied,
// the debug trace around it, and this package's redirect rules for the
// server at the URL server.
func newHTTPClient(opts Options, server *url.URL) (*http.Client, error) {
	base := opts.Transport
	if base == nil && opts.HTTPClient != nil {
		base = opts.HTTPClient.Transport
	}
	transport, err := withTLS(base, opts)
	if err != nil {
		return nil, err
	}
	if opts.Debug != nil {
		transport = &debugTransport{next: transport, w: opts.Debug}
	}
	hc := &http.Client{}
	if opts.HTTPClient != nil {
		*hc = *opts.HTTPClient
	}
	hc.Transport = transport
	// No cookie jar: the password grant sets an auth cookie that the server
	// prefers over the Authorization header, so a stale one would win.
	hc.Jar = nil
	hc.CheckRedirect = redirectPolicy(server)
	return hc, nil
}

// withTLS applies the TLS settings of opts to base. They need an
// *http.Transport, which is cloned so the caller's stays as it was; any
// other RoundTripper with TLS settings is an error, not a silent drop.
func withTLS(base http.RoundTripper, opts Options) (http.RoundTripper, error) {
	if !opts.InsecureSkipVerify && opts.CACert == "" {
		if base != nil {
			return base, nil
		}
		return defaultTransport(), nil
	}
	var t *http.Transport
	switch b := base.(type) {
	case nil:
		t = defaultTransport()
	case *http.Transport:
		t = b.Clone()
	default:
		return nil, fmt.Errorf("zenml: InsecureSkipVerify and CACert need an *http.Transport, not a %T: configure TLS on that transport instead", base)
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if t.TLSClientConfig != nil {
		cfg = t.TLSClientConfig.Clone()
	}
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
	return t, nil
}

// defaultTransport is a clone of http.DefaultTransport, or, when a program
// replaced that with another RoundTripper, a transport with the same
// proxy and timeout settings.
func defaultTransport() *http.Transport {
	t, ok := http.DefaultTransport.(*http.Transport)
	if ok {
		t = t.Clone()
	} else {
		t = &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          100,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   10 * time.Second,
			ExpectContinueTimeout: time.Second,
		}
	}
	t.MaxIdleConnsPerHost = 10
	return t
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

// redirectPolicy follows at most 5 redirects, and carries credentials
// only within the server: the same scheme, host and port, under the same
// path prefix (base's path; for a server mounted at /zenml, another
// application on the host at /other-app is a stranger). Beyond that the
// bearer token is dropped, and a request with a body, which for a login is
// the form with the password or API key, is not followed at all.
func redirectPolicy(base *url.URL) func(*http.Request, []*http.Request) error {
	prefix := strings.TrimSuffix(base.Path, "/")
	return func(req *http.Request, via []*http.Request) error {
		if len(via) >= 5 {
			return errors.New("stopped after 5 redirects")
		}
		first := via[0].URL
		if withinServer(req.URL, first, prefix) {
			return nil
		}
		if req.Body != nil && req.Body != http.NoBody {
			return &redirectError{method: via[0].Method, path: first.Path, to: req.URL.Scheme + "://" + req.URL.Host + req.URL.Path}
		}
		req.Header.Del("Authorization")
		return nil
	}
}

// withinServer reports whether a redirect to u stays on the server that
// first was sent to. The path is compared decoded and cleaned: a proxy in
// front would resolve /zenml/%2e%2e/other-app to /other-app too.
func withinServer(u, first *url.URL, prefix string) bool {
	if u.Scheme != first.Scheme || !strings.EqualFold(u.Host, first.Host) {
		return false
	}
	if prefix == "" {
		return true
	}
	p := path.Clean("/" + u.Path)
	return p == prefix || strings.HasPrefix(p, prefix+"/")
}

// redirectError is a redirect of a request with a body away from the
// server (another host, port or path prefix, or down to plain http), which
// the client refuses to follow.
type redirectError struct {
	method, path, to string
}

func (e *redirectError) Error() string {
	return fmt.Sprintf("the server redirected %s %s to %s, outside the server (another host, port, path prefix or scheme); not following it, the request may carry credentials", e.method, e.path, e.to)
}

// ResponseError is a 2xx answer that could not be used.
type ResponseError struct {
	// Server is the URL of the server that answered.
	Server       string
	Method, Path string
	Status       int
	Reason       string
}

func (e *ResponseError) Error() string { return e.Reason }

// RequestError is a request that got no answer: connection refused, TLS
// failure, timeout, or a body too large to read. A TLS failure is a
// *TLSError in its chain.
type RequestError struct {
	// Server is the URL of the server the request was for.
	Server       string
	Method, Path string
	Err          error
	// timeout is the per-attempt limit, for the message.
	timeout time.Duration
}

func newRequestError(r request, err error, timeout time.Duration) *RequestError {
	if tlsErr := asTLSError(err); tlsErr != nil {
		err = tlsErr
	}
	return &RequestError{Method: r.method, Path: r.path, Err: err, timeout: timeout}
}

func (e *RequestError) Error() string {
	if e.Timeout() && e.timeout > 0 && !errors.Is(e.Err, errBodyTooLarge) {
		return fmt.Sprintf("timed out waiting for the server (limit %s per request)", e.timeout)
	}
	return describeTransportError(e.Err)
}

func (e *RequestError) Unwrap() error { return e.Err }

// Timeout reports whether the request timed out.
func (e *RequestError) Timeout() bool {
	var ne net.Error
	return errors.Is(e.Err, context.DeadlineExceeded) || errors.As(e.Err, &ne) && ne.Timeout()
}

// TLSProblem says what went wrong in a TLS handshake.
type TLSProblem int

const (
	// TLSHandshakeFailed is any other handshake failure.
	TLSHandshakeFailed TLSProblem = iota
	// TLSUntrusted means the server's certificate does not chain to a
	// trusted authority (self-signed, a private CA), or is not valid.
	TLSUntrusted
	// TLSHostMismatch means the certificate is for another host name.
	TLSHostMismatch
	// TLSNotTLS means the server answered in plain HTTP: the URL should
	// probably start with http://.
	TLSNotTLS
)

// TLSError is a TLS handshake that failed. It is reached through a
// *RequestError with errors.As.
type TLSError struct {
	Problem TLSProblem
	// Err is the failure as crypto/tls or crypto/x509 reported it.
	Err error
}

func (e *TLSError) Error() string {
	switch e.Problem {
	case TLSUntrusted:
		return "TLS certificate not trusted (" + rootCause(e.Err) + ")"
	case TLSHostMismatch:
		return "TLS certificate does not match the host (" + rootCause(e.Err) + ")"
	case TLSNotTLS:
		return "TLS handshake failed: the server does not speak TLS (try http://)"
	}
	return "TLS handshake failed (" + rootCause(e.Err) + ")"
}

func (e *TLSError) Unwrap() error { return e.Err }

// asTLSError classifies err as a TLS failure, or returns nil.
func asTLSError(err error) *TLSError {
	var done *TLSError
	var hostErr x509.HostnameError
	var unknownAuth x509.UnknownAuthorityError
	var invalid x509.CertificateInvalidError
	var certErr *tls.CertificateVerificationError
	var recordErr tls.RecordHeaderError
	var alert tls.AlertError
	switch {
	case errors.As(err, &done):
		return done
	// Before the generic verification error, which wraps this one.
	case errors.As(err, &hostErr):
		return &TLSError{Problem: TLSHostMismatch, Err: err}
	case errors.As(err, &unknownAuth), errors.As(err, &invalid), errors.As(err, &certErr):
		return &TLSError{Problem: TLSUntrusted, Err: err}
	case errors.As(err, &recordErr), strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		// The second form is net/http's, when the server answers TLS's
		// hello with a plain HTTP response.
		return &TLSError{Problem: TLSNotTLS, Err: err}
	case errors.As(err, &alert), strings.Contains(err.Error(), "tls: "):
		return &TLSError{Problem: TLSHandshakeFailed, Err: err}
	}
	return nil
}

func describeTransportError(err error) string {
	var tlsErr *TLSError
	var ne net.Error
	var dnsErr *net.DNSError
	switch {
	case errors.Is(err, errBodyTooLarge):
		return err.Error()
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case errors.As(err, &tlsErr):
		return tlsErr.Error()
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset by the server"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timed out waiting for the server"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "the server's answer was cut off: the connection closed early (unexpected EOF)"
	case errors.As(err, &dnsErr):
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
