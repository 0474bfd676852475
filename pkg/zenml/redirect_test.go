package zenml

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path"
	"strings"
	"sync"
	"testing"

	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

// prefixHost is a host with a ZenML server mounted at /zenml and another
// application at /other-app, which records what reaches it.
type prefixHost struct {
	*httptest.Server
	mu      sync.Mutex
	strange []string // "METHOD path Authorization body" of each request outside /zenml
}

func newPrefixHost(t *testing.T, redirect func(path string) string) *prefixHost {
	h := &prefixHost{}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := path.Clean(r.URL.Path); !strings.HasPrefix(p, "/zenml/") {
			b, _ := io.ReadAll(r.Body)
			h.mu.Lock()
			h.strange = append(h.strange, r.Method+" "+r.URL.Path+" "+r.Header.Get("Authorization")+" "+string(b))
			h.mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"id":"x","name":"evil","access_token":"stolen","token_type":"bearer"}`))
			return
		}
		http.Redirect(w, r, redirect(r.URL.Path), http.StatusTemporaryRedirect)
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *prefixHost) requestsOutside() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.strange...)
}

// TestRedirectOutOfThePathPrefixDropsCredentials: for a server at
// http://host/zenml, a redirect to /other-app on the same host and port
// gets neither the bearer token nor a login form with the secret in it.
func TestRedirectOutOfThePathPrefixDropsCredentials(t *testing.T) {
	for name, target := range map[string]func(string) string{
		"another app":          func(p string) string { return "/other-app" + strings.TrimPrefix(p, "/zenml") },
		"a look-alike prefix":  func(p string) string { return "/zenml-other" + strings.TrimPrefix(p, "/zenml") },
		"dot segments":         func(p string) string { return "/zenml/%2e%2e/other-app/collect" },
		"absolute, same host":  nil, // filled in below: needs the server's URL
		"the root of the host": func(string) string { return "/" },
	} {
		t.Run(name, func(t *testing.T) {
			var host *prefixHost
			if target == nil {
				target = func(p string) string { return host.URL + "/other-app/collect" }
			}
			host = newPrefixHost(t, target)
			c := newTestClient(t, host.URL+"/zenml", Options{Tokens: StaticToken("secret-bearer"), MaxRetries: -1})
			_, _ = c.CurrentUser(context.Background())
			_, keyErr := c.LoginAPIKey(context.Background(), "ZENKEY_very-secret")
			_, pwErr := c.LoginPassword(context.Background(), "ann", "hunter2-secret")

			for _, r := range host.requestsOutside() {
				if strings.Contains(r, "secret-bearer") || strings.Contains(r, "very-secret") || strings.Contains(r, "hunter2") {
					t.Errorf("a credential left the server's path prefix: %q", r)
				}
			}
			for _, err := range []error{keyErr, pwErr} {
				if err == nil {
					t.Error("a login redirected out of the path prefix succeeded")
				} else if !strings.Contains(err.Error(), "path prefix") {
					t.Errorf("error %q does not say why the redirect was refused", err)
				}
			}
		})
	}
}

// TestRedirectWithinThePathPrefixKeepsCredentials: a server that moves
// its API within its own prefix still gets the token and the login form.
func TestRedirectWithinThePathPrefixKeepsCredentials(t *testing.T) {
	fake := zenmltest.NewTest(t, zenmltest.Options{AdminUsername: "ann", AdminPassword: "pw-ann-123"})
	target, _ := url.Parse(fake.URL())
	proxy := httputil.NewSingleHostReverseProxy(target)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rest, ok := strings.CutPrefix(r.URL.Path, "/zenml/moved"); ok {
			r.URL.Path = rest
			proxy.ServeHTTP(w, r)
			return
		}
		http.Redirect(w, r, "/zenml/moved"+strings.TrimPrefix(r.URL.Path, "/zenml"), http.StatusTemporaryRedirect)
	}))
	defer front.Close()
	c := newTestClient(t, front.URL+"/zenml", Options{Tokens: StaticToken(fake.AdminToken())})
	if _, err := c.CurrentUser(context.Background()); err != nil {
		t.Fatalf("redirect within the prefix: %v", err)
	}
	if _, err := c.LoginPassword(context.Background(), "ann", "pw-ann-123"); err != nil {
		t.Fatalf("login redirected within the prefix: %v", err)
	}
}
