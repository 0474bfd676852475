package zenml

import (
	"context"
	"crypto/tls"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

// countingTransport counts the requests it passes on.
type countingTransport struct {
	n    atomic.Int32
	next http.RoundTripper
}

func (c *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(req)
}

func TestHTTPClientTransportIsUsedAndTheClientLeftAlone(t *testing.T) {
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	ct := &countingTransport{next: http.DefaultTransport}
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Transport: ct, Jar: jar}
	c := newTestClient(t, fake.URL(), Options{HTTPClient: hc})
	if _, err := c.LoginPassword(context.Background(), "default", ""); err != nil {
		t.Fatal(err)
	}
	if ct.n.Load() != 1 {
		t.Errorf("the HTTPClient's transport saw %d requests", ct.n.Load())
	}
	if hc.Jar != jar || hc.CheckRedirect != nil {
		t.Error("the caller's client was changed")
	}
	// The jar was not used: the login's auth cookie must never come back.
	if got := jar.Cookies(mustParse(t, fake.URL())); len(got) != 0 {
		t.Errorf("cookies stored in the caller's jar: %v", got)
	}

	// Transport wins over the HTTPClient's.
	other := &countingTransport{next: http.DefaultTransport}
	c = newTestClient(t, fake.URL(), Options{HTTPClient: hc, Transport: other})
	if _, err := c.Info(context.Background()); err != nil {
		t.Fatal(err)
	}
	if other.n.Load() != 1 || ct.n.Load() != 1 {
		t.Errorf("Transport %d requests, HTTPClient's %d", other.n.Load(), ct.n.Load())
	}
}

// TLS settings are never dropped: applied to a clone of an *http.Transport,
// refused with any other RoundTripper.
func TestTLSSettingsWithACustomTransport(t *testing.T) {
	fake := zenmltest.NewTest(t, zenmltest.Options{TLS: true})
	ctx := context.Background()
	mine := &http.Transport{TLSClientConfig: &tls.Config{ServerName: fake.Certificate().DNSNames[0]}}
	c := newTestClient(t, fake.URL(), Options{Transport: mine, CACert: string(fake.CertificatePEM())})
	if _, err := c.Info(ctx); err != nil {
		t.Fatalf("CA certificate with an *http.Transport: %v", err)
	}
	if mine.TLSClientConfig.RootCAs != nil {
		t.Error("the caller's transport was changed")
	}
	c = newTestClient(t, fake.URL(), Options{HTTPClient: &http.Client{Transport: mine}, InsecureSkipVerify: true})
	if _, err := c.Info(ctx); err != nil {
		t.Fatalf("InsecureSkipVerify through HTTPClient: %v", err)
	}

	_, err := NewClient(fake.URL(), Options{Transport: &countingTransport{next: mine}, InsecureSkipVerify: true})
	if err == nil || !strings.Contains(err.Error(), "*http.Transport") {
		t.Errorf("TLS settings with a wrapping RoundTripper: err = %v", err)
	}
}

// A body that cannot be encoded is an error, not a panic.
func TestUnencodableBodyIsAnError(t *testing.T) {
	c := newTestClient(t, "http://127.0.0.1:1", Options{})
	err := c.doJSON(context.Background(), jsonRequest(http.MethodPost, "/api/v1/x", map[string]any{"f": func() {}}), nil)
	if err == nil || !strings.Contains(err.Error(), "cannot encode") {
		t.Fatalf("err = %v", err)
	}
}

// Do refuses a path whose dot segments leave the server's path prefix: a
// normalising proxy would send it, with the token, to another application.
func TestDoRefusesPathsLeavingThePrefix(t *testing.T) {
	fake := zenmltest.NewTest(t, zenmltest.Options{PathPrefix: "/zenml"})
	c := adminClient(t, fake, Options{})
	ctx := context.Background()
	for _, p := range []string{"/../other/app", "/api/../../other", "/%2e%2e/other", "/api/v1/../../../x"} {
		if _, err := c.Do(ctx, "GET", p, nil, nil, nil); err == nil || !strings.Contains(err.Error(), "outside") {
			t.Errorf("%s: err = %v", p, err)
		}
	}
	if n := len(fake.Requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
	if resp, err := c.Do(ctx, "GET", "/api/v1/../v1/info", nil, nil, nil); err != nil || resp.StatusCode != 200 {
		t.Errorf("a path that stays inside: %v %v", resp, err)
	}
}

func mustParse(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
