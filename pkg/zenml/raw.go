package zenml

import (
	"bytes"
	"context"
	"encoding/json"
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
	// sent are the secrets the request went out with.
	sent []string
}

// BodyWithoutSent is Body without the secrets the request itself sent
// (the bearer token, secret fields of its body or query, credential
// headers), which a server may echo, in any of the disguises the error
// messages are cleaned of. Body is what the server sent, exactly; this is
// what to print. A JSON body stays valid JSON: only its strings change,
// each re-encoded where it held a secret, and everything else keeps the
// server's bytes.
func (r *RawResponse) BodyWithoutSent() []byte {
	if len(r.sent) == 0 {
		return r.Body
	}
	if json.Valid(r.Body) {
		return removeSentFromJSON(r.Body, r.sent)
	}
	return []byte(removeSent(string(r.Body), r.sent))
}

// WithoutSent is s (a header of the response, say) without the secrets
// the request sent.
func (r *RawResponse) WithoutSent(s string) string { return removeSent(s, r.sent) }

// removeSentFromJSON applies removeSent to each string of valid JSON text
// data, keys included, and leaves all other bytes as they are.
func removeSentFromJSON(data []byte, sent []string) []byte {
	var out bytes.Buffer
	last := 0
	for i := 0; i < len(data); i++ {
		if data[i] != '"' {
			continue
		}
		end := i + 1
		for end < len(data) && data[end] != '"' {
			if data[end] == '\\' {
				end++
			}
			end++
		}
		end++ // past the closing quote
		literal := data[i:end]
		var s string
		if json.Unmarshal(literal, &s) == nil {
			if clean := removeSent(s, sent); clean != s {
				out.Write(data[last:i])
				enc, _ := json.Marshal(clean)
				out.Write(enc)
				last = end
			}
		}
		i = end - 1
	}
	out.Write(data[last:])
	return out.Bytes()
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
	var sent []string
	r.sent = &sent
	resp, data, err := c.do(ctx, r)
	if resp == nil {
		return nil, err
	}
	raw := &RawResponse{StatusCode: resp.StatusCode, Status: resp.Status, Proto: resp.Proto, Header: resp.Header, Body: data, sent: sent}
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
