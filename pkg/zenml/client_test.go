package zenml

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

// fastOpts keeps retry waits short enough for unit tests.
func fastOpts(o Options) Options {
	if o.RetryBaseDelay == 0 {
		o.RetryBaseDelay = time.Millisecond
	}
	return o
}

func newTestClient(t *testing.T, serverURL string, o Options) *Client {
	t.Helper()
	c, err := NewClient(serverURL, fastOpts(o))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func adminClient(t *testing.T, fake *zenmltest.Server, o Options) *Client {
	t.Helper()
	o.Tokens = StaticToken(fake.AdminToken())
	return newTestClient(t, fake.URL(), o)
}

func forBothProfiles(t *testing.T, opts zenmltest.Options, test func(t *testing.T, fake *zenmltest.Server)) {
	for _, p := range []string{zenmltest.Profile093, zenmltest.Profile058} {
		t.Run("zenml-"+p, func(t *testing.T) {
			t.Parallel()
			o := opts
			o.Profile = p
			test(t, zenmltest.NewTest(t, o))
		})
	}
}

func TestRetriesSafeRequestsOnTransientStatuses(t *testing.T) {
	for _, status := range []int{http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout, http.StatusRequestTimeout} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			t.Parallel()
			fake := zenmltest.NewTest(t, zenmltest.Options{})
			fake.InjectFault("GET /api/v1/current-user", zenmltest.Fault{Status: status, Times: 2})
			var retries []RetryEvent
			var mu sync.Mutex
			c := adminClient(t, fake, Options{OnRetry: func(ev RetryEvent) {
				mu.Lock()
				defer mu.Unlock()
				retries = append(retries, ev)
			}})
			if _, err := c.CurrentUser(context.Background()); err != nil {
				t.Fatalf("not retried to success: %v", err)
			}
			if n := fake.Count("GET /api/v1/current-user"); n != 3 {
				t.Errorf("%d attempts, want 3", n)
			}
			if len(retries) != 2 || retries[0].Attempt != 1 || retries[1].Attempt != 2 || !strings.Contains(retries[0].Reason, "HTTP") {
				t.Errorf("retry events: %+v", retries)
			}
		})
	}
}

func TestRetriesAreBoundedAndTheLastErrorSurfaces(t *testing.T) {
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	fake.InjectFault("GET /api/v1/current-user", zenmltest.Fault{Status: http.StatusServiceUnavailable})
	c := adminClient(t, fake, Options{MaxRetries: 2})
	_, err := c.CurrentUser(context.Background())
	var apiErr *Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 503 || apiErr.Kind != KindServer {
		t.Fatalf("err = %#v", err)
	}
	if n := fake.Count("GET /api/v1/current-user"); n != 3 {
		t.Errorf("%d attempts with MaxRetries 2, want 3", n)
	}

	fake.ResetCounts()
	c = adminClient(t, fake, Options{MaxRetries: -1})
	if _, err := c.CurrentUser(context.Background()); err == nil {
		t.Fatal("no error")
	}
	if n := fake.Count("GET /api/v1/current-user"); n != 1 {
		t.Errorf("%d attempts with retries disabled, want 1", n)
	}
}

func TestNoRetryOnServerErrorOrUnsafeRequests(t *testing.T) {
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	c := adminClient(t, fake, Options{})
	ctx := context.Background()

	// A 500 is a bug on the server: sending it again changes nothing.
	fake.InjectFault("GET /api/v1/current-user", zenmltest.Fault{Status: 500, Times: 1})
	_, err := c.CurrentUser(ctx)
	if !errors.Is(err, ErrServer) || fake.Count("GET /api/v1/current-user") != 1 {
		t.Errorf("500: err %v after %d attempts, want one attempt", err, fake.Count("GET /api/v1/current-user"))
	}

	// PUT and DELETE are never retried on a status.
	sa := fake.CreateServiceAccount("bot")
	fake.InjectFault("DELETE /api/v1/service_accounts/{id}", zenmltest.Fault{Status: 503, Times: 1})
	if err := c.DeleteServiceAccount(ctx, sa); err == nil {
		t.Error("DELETE: no error")
	}
	if n := fake.Count("DELETE /api/v1/service_accounts/{id}"); n != 1 {
		t.Errorf("DELETE retried: %d attempts", n)
	}
}

func TestCreateRetriedWithTheSameIdempotencyKey(t *testing.T) {
	forBothProfiles(t, zenmltest.Options{}, func(t *testing.T, fake *zenmltest.Server) {
		ctx := context.Background()
		c := adminClient(t, fake, Options{})
		fake.InjectFault("POST /api/v1/service_accounts", zenmltest.Fault{Status: 503, Times: 1})
		sa, err := c.CreateServiceAccount(ctx, ServiceAccountRequest{Name: "ci-bot", Active: true})
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, r := range fake.Requests() {
			if r.Endpoint == "POST /api/v1/service_accounts" {
				keys = append(keys, r.Header.Get("Idempotency-Key"))
			}
		}
		if len(keys) != 2 || keys[0] == "" || keys[0] != keys[1] {
			t.Fatalf("Idempotency-Key of the attempts: %q; want the same key twice", keys)
		}
		if _, err := uuid.Parse(keys[0]); err != nil {
			t.Errorf("Idempotency-Key %q is not a UUID", keys[0])
		}
		page, err := c.ListServiceAccounts(ctx, ListParams{Filters: map[string]string{"name": "ci-bot"}})
		if err != nil {
			t.Fatal(err)
		}
		if page.Total != 1 || page.Items[0].ID != sa.ID {
			t.Errorf("%d service accounts named ci-bot, want exactly the one created", page.Total)
		}

		// Another logical create gets another key.
		fake.ResetCounts()
		if _, err := c.CreateServiceAccount(ctx, ServiceAccountRequest{Name: "other", Active: true}); err != nil {
			t.Fatal(err)
		}
		if k := fake.Requests()[0].Header.Get("Idempotency-Key"); k == keys[0] || k == "" {
			t.Errorf("second create reused key %q", k)
		}
	})
}

// TestLostCreateAnswerIsReplayed: a proxy passes the create to the server
// and loses the answer (502). The retry carries the same Idempotency-Key,
// so the server replays the first result instead of creating again.
func TestLostCreateAnswerIsReplayed(t *testing.T) {
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	target, _ := url.Parse(fake.URL())
	proxy := httputil.NewSingleHostReverseProxy(target)
	var lost atomic.Bool
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && lost.CompareAndSwap(false, true) {
			rec := httptest.NewRecorder()
			proxy.ServeHTTP(rec, r)
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	defer front.Close()

	c := newTestClient(t, front.URL, Options{Tokens: StaticToken(fake.AdminToken())})
	// Only a server known to replay creates by key gets the create again.
	c.SetServerVersion("0.93.0")
	sa, err := c.CreateServiceAccount(context.Background(), ServiceAccountRequest{Name: "ci-bot", Active: true})
	if err != nil {
		t.Fatalf("create after a lost answer: %v", err)
	}
	if n := fake.Count("POST /api/v1/service_accounts"); n != 2 {
		t.Errorf("%d creates reached the server, want 2 (the lost one and its retry)", n)
	}
	page, err := c.ListServiceAccounts(context.Background(), ListParams{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, it := range page.Items {
		if it.Name == "ci-bot" {
			n++
			if it.ID != sa.ID {
				t.Errorf("listed id %s, created %s", it.ID, sa.ID)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d service accounts named ci-bot, want 1", n)
	}
}

func TestTimeoutNamesTheCause(t *testing.T) {
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	fake.InjectFault("GET /api/v1/info", zenmltest.Fault{Delay: 5 * time.Second})
	c := newTestClient(t, fake.URL(), Options{Timeout: 100 * time.Millisecond, MaxRetries: 1})
	start := time.Now()
	_, err := c.Info(context.Background())
	var reqErr *RequestError
	if !errors.As(err, &reqErr) || !reqErr.Timeout() {
		t.Fatalf("err = %#v, want a timed-out RequestError", err)
	}
	if !strings.Contains(err.Error(), "timed out") {
		t.Errorf("message %q", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %s with a 100ms timeout", d)
	}
	// A timeout is not retried: the next attempt would most likely wait
	// just as long.
	if n := fake.Count("GET /api/v1/info"); n != 1 {
		t.Errorf("%d attempts, want 1", n)
	}
}

func TestConnectionRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	var retries atomic.Int32
	c := newTestClient(t, "http://"+addr, Options{OnRetry: func(RetryEvent) { retries.Add(1) }})
	_, err = c.Info(context.Background())
	if err == nil || err.Error() != "connection refused" {
		t.Fatalf("err = %v", err)
	}
	if retries.Load() != 3 {
		t.Errorf("%d retries, want 3", retries.Load())
	}
}

func TestBrokenBodies(t *testing.T) {
	tests := []struct {
		name  string
		fault zenmltest.Fault
		want  string
	}{
		{"html 200", zenmltest.Fault{Body: zenmltest.HTMLBody}, "HTML page"},
		{"html 502", zenmltest.Fault{Status: 502, Body: zenmltest.HTMLBody}, "HTML page"},
		{"malformed json", zenmltest.Fault{Body: zenmltest.MalformedJSON}, "malformed JSON"},
		{"truncated", zenmltest.Fault{Body: zenmltest.TruncatedBody}, "unexpected EOF"},
		{"huge", zenmltest.Fault{Body: zenmltest.HugeBody}, "larger than 8 MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fake := zenmltest.NewTest(t, zenmltest.Options{})
			fake.InjectFault("GET /api/v1/current-user", tt.fault)
			c := adminClient(t, fake, Options{MaxRetries: 1})
			u, err := c.CurrentUser(context.Background())
			if err == nil {
				t.Fatalf("no error, got %+v", u)
			}
			if !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q does not say %q on one line", err, tt.want)
			}
		})
	}
}

// TestRedirectToAnotherHostDropsCredentials: a server that redirects to
// another host (another port counts) never gets the bearer token there,
// nor the password or API key of a login form.
func TestRedirectToAnotherHostDropsCredentials(t *testing.T) {
	var mu sync.Mutex
	var seen []*http.Request
	var bodies []string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		seen = append(seen, r)
		bodies = append(bodies, string(b))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"id":"x","name":"evil","access_token":"stolen"}`))
	}))
	defer other.Close()
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	defer front.Close()

	c := newTestClient(t, front.URL, Options{Tokens: StaticToken("secret-bearer"), MaxRetries: -1})
	_, _ = c.CurrentUser(context.Background())
	_, loginErr := c.LoginAPIKey(context.Background(), "ZENKEY_very-secret")

	mu.Lock()
	defer mu.Unlock()
	for i, r := range seen {
		if h := r.Header.Get("Authorization"); h != "" {
			t.Errorf("%s %s: Authorization %q forwarded to another host", r.Method, r.URL, h)
		}
		if strings.Contains(bodies[i], "very-secret") {
			t.Errorf("%s %s: the login form was forwarded to another host", r.Method, r.URL)
		}
	}
	if loginErr == nil {
		t.Error("a login redirected to another host succeeded")
	} else if !strings.Contains(loginErr.Error(), other.Listener.Addr().String()) {
		t.Errorf("error %q does not name the other host", loginErr)
	}
}

func TestTLSOptions(t *testing.T) {
	fake := zenmltest.NewTest(t, zenmltest.Options{TLS: true})
	ctx := context.Background()

	_, err := newTestClient(t, fake.URL(), Options{}).Info(ctx)
	var tlsErr *TLSError
	if !errors.As(err, &tlsErr) || tlsErr.Problem != TLSUntrusted || !strings.Contains(err.Error(), "certificate not trusted") {
		t.Fatalf("untrusted certificate: err = %v", err)
	}
	if strings.Contains(err.Error(), "--") {
		t.Errorf("a library error names a flag: %v", err)
	}
	if n := fake.Count("GET /api/v1/info"); n != 0 {
		t.Errorf("request reached the server over an untrusted connection")
	}

	pemPath := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(pemPath, fake.CertificatePEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, o := range map[string]Options{
		"ca file":  {CACert: pemPath},
		"ca text":  {CACert: string(fake.CertificatePEM())},
		"insecure": {InsecureSkipVerify: true},
	} {
		if _, err := newTestClient(t, fake.URL(), o).Info(ctx); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}

	_, err = NewClient(fake.URL(), Options{CACert: filepath.Join(t.TempDir(), "missing.pem")})
	if err == nil || !strings.Contains(err.Error(), "missing.pem") {
		t.Errorf("missing CA file: err = %v", err)
	}
	notPEM := filepath.Join(t.TempDir(), "junk.pem")
	_ = os.WriteFile(notPEM, []byte("junk"), 0o600)
	if _, err = NewClient(fake.URL(), Options{CACert: notPEM}); err == nil || !strings.Contains(err.Error(), "no PEM certificate") {
		t.Errorf("non-PEM CA file: err = %v", err)
	}
}

func TestPathPrefixServer(t *testing.T) {
	forBothProfiles(t, zenmltest.Options{PathPrefix: "/zenml"}, func(t *testing.T, fake *zenmltest.Server) {
		key := fake.CreateAPIKey(fake.CreateServiceAccount("ci"), "k")
		c := newTestClient(t, fake.URL()+"/", Options{})
		if c.ServerURL() != fake.URL() {
			t.Errorf("ServerURL %q, want %q", c.ServerURL(), fake.URL())
		}
		ctx := context.Background()
		if _, err := c.Info(ctx); err != nil {
			t.Fatal(err)
		}
		tok, err := c.LoginAPIKey(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		authed := c.WithTokens(StaticToken(tok.AccessToken))
		if _, err := authed.CurrentUser(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := authed.APIToken(ctx, time.Hour); err != nil {
			t.Fatal(err)
		}
		for _, r := range fake.Requests() {
			if !strings.HasPrefix(r.Path, "/zenml/api/v1/") {
				t.Errorf("request outside the prefix: %s", r.Path)
			}
		}
	})
}

func TestRequestHeaders(t *testing.T) {
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	c := newTestClient(t, fake.URL(), Options{UserAgent: "zenctl/1.2.3"})
	ctx := context.Background()
	if _, err := c.Info(ctx); err != nil {
		t.Fatal(err)
	}
	// The password grant sets an auth cookie; with no cookie jar it never
	// comes back, so a stale cookie cannot win over the Authorization header.
	tok, err := c.LoginPassword(ctx, "default", "")
	if err != nil {
		t.Fatal(err)
	}
	authed := c.WithTokens(StaticToken(tok.AccessToken))
	if _, err := authed.CurrentUser(ctx); err != nil {
		t.Fatal(err)
	}
	sawCookie := false
	for _, r := range fake.Requests() {
		if ua := r.Header.Get("User-Agent"); ua != "zenctl/1.2.3" {
			t.Errorf("%s: User-Agent %q", r.Endpoint, ua)
		}
		if r.Header.Get("Cookie") != "" {
			t.Errorf("%s: cookie sent back: %q", r.Endpoint, r.Header.Get("Cookie"))
		}
		if r.Endpoint == "GET /api/v1/current-user" && r.Header.Get("Authorization") != "Bearer "+tok.AccessToken {
			t.Errorf("current-user without the bearer token")
		}
		if r.Endpoint == "POST /api/v1/login" && r.RawQuery != "" {
			t.Errorf("login sent a query string: %q", r.RawQuery)
		}
		sawCookie = sawCookie || r.Endpoint == "POST /api/v1/login"
	}
	if !sawCookie {
		t.Fatal("no login recorded")
	}
	if sc := fake.Requests()[0].Header.Get("Source-Context"); sc != "" {
		t.Errorf("Source-Context %q sent without being set", sc)
	}
	def := newTestClient(t, fake.URL(), Options{SourceContext: "api"})
	fake.ResetCounts()
	_, _ = def.Info(ctx)
	if ua := fake.Requests()[0].Header.Get("User-Agent"); ua != DefaultUserAgent {
		t.Errorf("default User-Agent %q", ua)
	}
	if sc := fake.Requests()[0].Header.Get("Source-Context"); sc != "api" {
		t.Errorf("Source-Context %q, want api", sc)
	}
}

func TestAPITokenQueryPerVersion(t *testing.T) {
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	tests := []struct {
		version string
		want    url.Values
	}{
		{"0.58.2", url.Values{"expires_minutes": {"10"}}},
		{"0.70.0", url.Values{"expires_minutes": {"10"}}},
		{"0.71.0", url.Values{"token_type": {"generic"}, "expires_in": {"570"}}},
		{"0.93.0", url.Values{"token_type": {"generic"}, "expires_in": {"570"}}},
		{"", url.Values{"token_type": {"generic"}, "expires_in": {"570"}, "expires_minutes": {"10"}}},
		{"nightly", url.Values{"token_type": {"generic"}, "expires_in": {"570"}, "expires_minutes": {"10"}}},
	}
	for _, tt := range tests {
		fake.ResetCounts()
		c := adminClient(t, fake, Options{})
		c.SetServerVersion(tt.version)
		if _, err := c.APIToken(context.Background(), 570*time.Second); err != nil {
			t.Fatalf("%q: %v", tt.version, err)
		}
		got, _ := url.ParseQuery(fake.Requests()[0].RawQuery)
		if got.Encode() != tt.want.Encode() {
			t.Errorf("version %q: query %q, want %q", tt.version, got.Encode(), tt.want.Encode())
		}
	}
	if _, err := adminClient(t, fake, Options{}).APIToken(context.Background(), 0); err == nil {
		t.Error("zero lifetime accepted")
	}
}

func TestNormalizeServerURL(t *testing.T) {
	good := map[string]string{
		"https://ZenML.Example.com/":         "https://zenml.example.com",
		" https://zenml.example.com ":        "https://zenml.example.com",
		"HTTP://127.0.0.1:8080":              "http://127.0.0.1:8080",
		"https://zenml.example.com/zenml//":  "https://zenml.example.com/zenml",
		"https://zenml.example.com/A/b":      "https://zenml.example.com/A/b",
		"http://[::1]:8237/":                 "http://[::1]:8237",
		"https://zenml.example.com:443/path": "https://zenml.example.com:443/path",
	}
	for in, want := range good {
		got, err := NormalizeServerURL(in)
		if err != nil || got != want {
			t.Errorf("NormalizeServerURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	bad := map[string]string{
		"":                               "empty",
		"zenml.example.com":              "include the scheme, e.g. https://zenml.example.com",
		"127.0.0.1:18400":                "include the scheme, e.g. http://127.0.0.1:18400",
		"localhost:8080/zenml":           "include the scheme, e.g. http://localhost:8080/zenml",
		"[::1]:8080":                     "include the scheme, e.g. http://[::1]:8080",
		"zenml.example.com:443":          "include the scheme, e.g. https://zenml.example.com:443",
		"ftp://zenml.example.com":        "only http and https",
		"https://u:p@zenml.example.com":  "remove the credentials",
		"https://zenml.example.com/?x=1": "query or fragment",
		"https://zenml.example.com/#top": "query or fragment",
		"https:///path":                  "no host",
		"localhost:8080":                 "",
	}
	for in, want := range bad {
		got, err := NormalizeServerURL(in)
		if err == nil {
			t.Errorf("NormalizeServerURL(%q) = %q, want an error", in, got)
			continue
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("NormalizeServerURL(%q): %v; want it to say %q", in, err, want)
		}
		if strings.Contains(err.Error(), ":p@") {
			t.Errorf("error echoes the password: %v", err)
		}
		var urlErr *URLError
		if !errors.As(err, &urlErr) || !strings.Contains(urlErr.Reason, want) || strings.Contains(urlErr.Reason, "--") {
			t.Errorf("NormalizeServerURL(%q): %#v is not a *URLError whose Reason says %q", in, err, want)
		}
		if urlErr != nil && urlErr.HasUserInfo != strings.Contains(in, "@") {
			t.Errorf("NormalizeServerURL(%q): HasUserInfo = %v", in, urlErr.HasUserInfo)
		}
	}
}

func TestRedirectFromHTTPSToHTTPDropsCredentials(t *testing.T) {
	var got atomic.Value
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Store(r.Header.Get("Authorization") + "|")
		w.WriteHeader(http.StatusNotFound)
	}))
	defer plain.Close()
	plainURL, _ := url.Parse(plain.URL)
	secure := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Down to plain http (on another port: a test cannot serve both on one).
		http.Redirect(w, r, "http://"+plainURL.Host+r.URL.Path, http.StatusFound)
	}))
	defer secure.Close()
	c := newTestClient(t, secure.URL, Options{Tokens: StaticToken("secret-bearer"), InsecureSkipVerify: true, MaxRetries: -1})
	_, _ = c.CurrentUser(context.Background())
	if v, _ := got.Load().(string); v != "|" {
		t.Errorf("the redirect target got Authorization %q", strings.TrimSuffix(v, "|"))
	}
}

// A 0.58 server does not replay creates by Idempotency-Key, so a create
// whose answer was lost on the way (502) is not repeated there: the repeat
// would report "already exists" for the account the first attempt made.
func TestCreateIsNotRepeatedAfterAmbiguousFailureOn058(t *testing.T) {
	fake := zenmltest.NewTest(t, zenmltest.Options{Profile: zenmltest.Profile058})
	fake.InjectFault("POST /api/v1/service_accounts", zenmltest.Fault{Status: 502, Times: 1})
	c := adminClient(t, fake, Options{})
	c.SetServerVersion("0.58.2")
	_, err := c.CreateServiceAccount(context.Background(), ServiceAccountRequest{Name: "ci", Active: true})
	if !errors.Is(err, ErrServer) {
		t.Fatalf("err = %v, want the 502", err)
	}
	if n := fake.Count("POST /api/v1/service_accounts"); n != 1 {
		t.Errorf("%d attempts, want 1", n)
	}
	// 503 means the server did not process it: safe to repeat anywhere.
	fake.InjectFault("POST /api/v1/service_accounts", zenmltest.Fault{Status: 503, Times: 1})
	if _, err := c.CreateServiceAccount(context.Background(), ServiceAccountRequest{Name: "ci2", Active: true}); err != nil {
		t.Fatalf("503 then success: %v", err)
	}
}

// A password typed into a server URL must not come back in the error,
// which lands in terminals and CI logs.
func TestNormalizeServerURLNeverEchoesCredentials(t *testing.T) {
	for _, raw := range []string{
		"alice:s3cretPW@zenml.example.com",
		"ftp://alice:s3cretPW@zenml.example.com",
		"https://alice:s3cretPW@zenml.example.com/",
		"https://alice:s3cretPW%zz@zenml.example.com",
		"https://zenml.example.com/?token=s3cretPW",
		"https://zenml.example.com/#s3cretPW",
		"http://alice:s3cretPW@[::1",
	} {
		_, err := NormalizeServerURL(raw)
		if err == nil {
			t.Errorf("%q accepted", raw)
			continue
		}
		if strings.Contains(err.Error(), "s3cretPW") || strings.Contains(err.Error(), "alice") {
			t.Errorf("%q: error shows the credentials: %v", raw, err)
		}
	}
}

// Names with characters that need escaping reach the server escaped once:
// "ci bot" as ci%20bot, not ci%2520bot.
func TestNamesAreEscapedOnce(t *testing.T) {
	forBothProfiles(t, zenmltest.Options{PathPrefix: "/with space"}, func(t *testing.T, fake *zenmltest.Server) {
		ctx := context.Background()
		c := adminClient(t, fake, Options{})
		for _, name := range []string{"ci bot", "100%", "café", "x?y#z"} {
			sa := fake.CreateServiceAccount(name)
			fake.CreateAPIKey(sa, name+" key")
			got, err := c.GetServiceAccount(ctx, name)
			if err != nil || got.ID != sa {
				t.Errorf("GetServiceAccount(%q) = %v, %v", name, got, err)
				continue
			}
			if k, err := c.GetAPIKey(ctx, sa, name+" key"); err != nil || k.Name != name+" key" {
				t.Errorf("GetAPIKey(%q) = %v, %v", name+" key", k, err)
			}
		}
	})
}
