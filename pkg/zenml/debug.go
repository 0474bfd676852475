package zenml

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// debugTransport writes the trace of Options.Debug. Every secret is
// redacted before it is written: credential headers, cookies, tokens, API
// keys, passwords and device codes, in headers, forms, JSON and query
// strings alike (redact.go).
type debugTransport struct {
	next http.RoundTripper
	w    io.Writer
	mu   sync.Mutex
}

func (t *debugTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var reqBody []byte
	if req.Body != nil && req.GetBody != nil {
		if rc, err := req.GetBody(); err == nil {
			reqBody, _ = io.ReadAll(io.LimitReader(rc, 64<<10))
			rc.Close()
		}
	}
	start := time.Now()
	resp, err := t.next.RoundTrip(req)
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprintf(t.w, "> %s %s\n", req.Method, redactURL(req.URL))
	writeHeaders(t.w, "> ", req.Header)
	if len(reqBody) > 0 {
		fmt.Fprintf(t.w, "> %s\n", redactBody(reqBody, req.Header.Get("Content-Type")))
	}
	if err != nil {
		fmt.Fprintf(t.w, "* error after %s: %s\n", time.Since(start).Round(time.Millisecond), redactText(err.Error()))
		return nil, err
	}
	fmt.Fprintf(t.w, "< %s (%s)\n", resp.Status, time.Since(start).Round(time.Millisecond))
	writeHeaders(t.w, "< ", resp.Header)
	// Peek at the body without consuming it for the caller.
	body, readErr := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes+1))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if readErr == nil && len(body) > 0 {
		shown := body
		if len(shown) > 4096 {
			shown = shown[:4096]
		}
		// A server may echo what it was sent under any field name: the
		// values this request carried go, as in error messages.
		sent := request{header: req.Header, body: reqBody, query: req.URL.Query()}.sentSecrets("")
		fmt.Fprintf(t.w, "< %s\n", removeSent(redactBody(shown, resp.Header.Get("Content-Type")), sent))
	}
	return resp, readErr
}
