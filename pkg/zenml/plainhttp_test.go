package zenml

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

// SentInClear judges a URL alone: no host here is ever looked up.
func TestSentInClear(t *testing.T) {
	t.Parallel()
	for u, want := range map[string]bool{
		"http://zen.example.com":       true,
		"HTTP://zen.example.com:80/x":  true,
		"http://10.1.2.3:8080":         true,
		"http://[2001:db8::1]:8080":    true,
		"http://localhost.example.com": true,
		"http://127.0.0.1:8237":        false,
		"http://127.200.0.1":           false,
		"http://localhost:8237":        false,
		"http://LOCALHOST":             false,
		"http://[::1]:8237":            false,
		"https://zen.example.com":      false,
		"https://10.1.2.3":             false,
		"http://[::1:bad/?k=v%zz":      false, // unparseable: never sent anywhere
	} {
		if got := SentInClear(u); got != want {
			t.Errorf("SentInClear(%q) = %v, want %v", u, got, want)
		}
	}
}

// OnRequest names the long-lived secret a request's body carries: a
// password or an API key, never a device code, a token or nothing.
func TestRequestInfoNamesTheSecret(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{AdminPassword: "pw"})
	key := fake.CreateAPIKey(fake.CreateServiceAccount("ci"), "default")
	var mu sync.Mutex
	seen := map[string]string{}
	c, err := NewClient(fake.URL(), Options{Timeout: 5 * time.Second,
		Tokens: StaticToken(fake.IssueToken(fake.AdminID(), time.Hour)),
		OnRequest: func(_ context.Context, r RequestInfo) func() {
			mu.Lock()
			defer mu.Unlock()
			seen[r.Method+" "+r.Path] += r.Secret
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.LoginAPIKey(ctx, key); err != nil {
		t.Fatal(err)
	}
	if got := seen["POST /api/v1/login"]; got != "API key" {
		t.Errorf("API key login: %q", got)
	}
	delete(seen, "POST /api/v1/login")
	if _, err := c.LoginPassword(ctx, "default", "pw"); err != nil {
		t.Fatal(err)
	}
	if got := seen["POST /api/v1/login"]; got != "password" {
		t.Errorf("password login: %q", got)
	}
	pw, old := "new-pw", "pw"
	_, _ = c.UpdateCurrentUser(ctx, UserUpdate{Password: &pw, OldPassword: &old})
	if got := seen["PUT /api/v1/current-user"]; got != "password" {
		t.Errorf("password change: %q", got)
	}
	if _, err := c.Info(ctx); err != nil {
		t.Fatal(err)
	}
	_, _ = c.LoginDevice(ctx, "00000000-0000-0000-0000-000000000000", "code")
	if seen["GET /api/v1/info"] != "" || seen["POST /api/v1/login"] != "password" {
		t.Errorf("no secret expected: %v", seen)
	}
}
