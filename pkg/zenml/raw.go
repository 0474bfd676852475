package zenml

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// RawResponse is the answer of Do: whatever the status.
type RawResponse struct {
	StatusCode int
	Status     string
	Proto      string
	Header     http.Header
	Body       []byte
	// Err is the parsed error for a non-2xx status, nil otherwise.
	Err *Error
}

// Do sends an authenticated request to any API path (relative to the
// server URL and escaped, e.g. "/api/v1/current-user") and returns the
// answer whatever its status, after the usual token refresh and safe
// retries: the way to reach an endpoint this package has no method for.
// Dot segments in path are resolved before sending; a path they lead
// outside the server URL's path prefix is refused: a normalising proxy
// would route it to another application, with the bearer token.
func (c *Client) Do(ctx context.Context, method, path string, query url.Values, body []byte, header http.Header) (*RawResponse, error) {
	method = strings.ToUpper(method)
	if c.leavesBase(path) {
		return nil, fmt.Errorf("zenml: path %q leads outside the server's path %s", path, c.base.Path)
	}
	path = cleanPath(path)
	r := request{
		method: method, path: path, query: query, body: body, header: header,
		// The login endpoints take credentials in the body: a 401 there is
		// about those, and must not renew (or end) the session.
		auth:      !isCredentialExchange(path),
		retryable: method == http.MethodGet || method == http.MethodHead,
	}
	if body != nil && header.Get("Content-Type") == "" {
		r.ctype = "application/json"
	}
	resp, data, err := c.do(ctx, r)
	if resp == nil {
		return nil, err
	}
	raw := &RawResponse{StatusCode: resp.StatusCode, Status: resp.Status, Proto: resp.Proto, Header: resp.Header, Body: data}
	if apiErr, ok := err.(*Error); ok {
		raw.Err = apiErr
		return raw, nil
	}
	return raw, err
}

func isCredentialExchange(path string) bool {
	path = strings.TrimRight(path, "/")
	return strings.HasSuffix(path, "/api/v1/login") || strings.HasSuffix(path, "/api/v1/device_authorization")
}
