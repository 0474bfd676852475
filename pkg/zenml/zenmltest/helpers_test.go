package zenmltest

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// client is a minimal test client for driving the fake directly.
type client struct {
	t     *testing.T
	srv   *Server
	token string
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body %s: %v", r.body, err)
	}
	return m
}

// detail returns the ["Class", "message"] pair of a ZenML error body.
func (r reply) detail(t *testing.T) (string, string) {
	t.Helper()
	var m struct {
		Detail []string `json:"detail"`
	}
	if err := json.Unmarshal(r.body, &m); err != nil || len(m.Detail) != 2 {
		t.Fatalf("not a ZenML error body: %s", r.body)
	}
	return m.Detail[0], m.Detail[1]
}

func newClient(t *testing.T, srv *Server) *client { return &client{t: t, srv: srv} }

func (c *client) do(method, path, contentType, body string, header http.Header) reply {
	c.t.Helper()
	req, err := http.NewRequest(method, c.srv.URL()+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := c.srv.Client().Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: b}
}

func (c *client) get(path string) reply { return c.do("GET", path, "", "", nil) }

func (c *client) sendJSON(method, path, body string) reply {
	return c.do(method, path, "application/json", body, nil)
}

func (c *client) form(path string, v url.Values) reply {
	return c.do("POST", path, "application/x-www-form-urlencoded", v.Encode(), nil)
}

// login runs a grant and returns the access token, failing on non-200.
func (c *client) login(v url.Values) string {
	c.t.Helper()
	r := c.form("/api/v1/login", v)
	if r.status != 200 {
		c.t.Fatalf("login %v: %d %s", v, r.status, r.body)
	}
	return r.json(c.t)["access_token"].(string)
}

func (c *client) loginAPIKey(key string) string {
	return c.login(url.Values{"grant_type": {grantAPIKey}, "password": {key}})
}

// as returns a client using the given bearer token.
func (c *client) as(token string) *client {
	return &client{t: c.t, srv: c.srv, token: token}
}

// claimsOf decodes a JWT payload without verifying it.
func claimsOf(t *testing.T, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", token)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func expectStatus(t *testing.T, r reply, want int) {
	t.Helper()
	if r.status != want {
		t.Fatalf("status %d, want %d: %s", r.status, want, r.body)
	}
}

func expectDetail(t *testing.T, r reply, status int, class, msg string) {
	t.Helper()
	expectStatus(t, r, status)
	gotClass, gotMsg := r.detail(t)
	if gotClass != class || gotMsg != msg {
		t.Fatalf("detail = [%q, %q], want [%q, %q]", gotClass, gotMsg, class, msg)
	}
}

func loginKeyForm(key string) url.Values {
	return url.Values{"grant_type": {grantAPIKey}, "password": {key}}
}

func unmarshalString(b []byte, s *string) error { return json.Unmarshal(b, s) }
