package zenmltest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
)

func TestTokenExpiryWithLeeway(t *testing.T) {
	srv := NewTest(t, Options{TokenLifetime: 30 * time.Second})
	c := newClient(t, srv)
	r := c.form("/api/v1/login", url.Values{"username": {"default"}, "password": {""}})
	expectStatus(t, r, 200)
	body := r.json(t)
	if body["expires_in"].(float64) != 30 {
		t.Fatalf("expires_in: %s", r.body)
	}
	if !strings.Contains(r.header.Get("Set-Cookie"), "Max-Age=30") {
		t.Errorf("cookie %q", r.header.Get("Set-Cookie"))
	}
	for _, k := range []string{"csrf_token", "device_id", "device_metadata", "refresh_token", "scope"} {
		if v, present := body[k]; !present || v != nil {
			t.Errorf("0.93 token response field %s = %v, present %v", k, v, present)
		}
	}
	user := c.as(body["access_token"].(string))
	srv.Advance(39 * time.Second) // expired 9 s ago: inside the 10 s leeway
	expectStatus(t, user.get("/api/v1/current-user"), 200)
	srv.Advance(time.Second)
	r = user.get("/api/v1/current-user")
	expectDetail(t, r, 401, "CredentialsNotValid",
		"Authentication error: error decoding access token: Invalid JWT token: Signature has expired.")
	if r.header.Get("WWW-Authenticate") != "" {
		t.Errorf("0.93 credential errors carry no WWW-Authenticate")
	}
}

func TestErrorShapesByProfile(t *testing.T) {
	for _, profile := range []string{Profile093, Profile058} {
		t.Run(profile, func(t *testing.T) {
			srv := NewTest(t, Options{Profile: profile, AdminPassword: "secret"})
			c := newClient(t, srv)
			loginClass := map[string]string{Profile093: "CredentialsNotValid", Profile058: "AuthorizationException"}[profile]

			expectDetail(t, c.form("/api/v1/login", url.Values{"username": {"default"}, "password": {"nope"}}),
				401, loginClass, "Authentication error: invalid username or password")

			r := c.as("garbage").get("/api/v1/current-user")
			const badToken = "Authentication error: error decoding access token: Invalid JWT token: Not enough segments."
			if profile == Profile058 {
				expectStatus(t, r, 401)
				if string(r.body) != `{"detail":"`+badToken+`"}` || r.header.Get("WWW-Authenticate") != "Bearer" {
					t.Errorf("0.58 bearer failure: %s %v", r.body, r.header)
				}
			} else {
				expectDetail(t, r, 401, "CredentialsNotValid", badToken)
			}

			r = c.get("/api/v1/current-user")
			if r.status != 401 || string(r.body) != `{"detail":"Not authenticated"}` || r.header.Get("WWW-Authenticate") != "Bearer" {
				t.Errorf("missing header: %d %s %v", r.status, r.body, r.header)
			}

			// Raw API keys as bearer: accepted since 0.91.1 only.
			key := srv.CreateAPIKey(srv.CreateServiceAccount("ci"), "k")
			r = c.as(key).get("/api/v1/current-user")
			if profile == Profile093 {
				expectStatus(t, r, 200)
				if r.json(t)["name"] != "ci" {
					t.Errorf("raw key bearer user: %s", r.body)
				}
				expectDetail(t, c.as(key).get("/api/v1/api_token"), 401, "AuthorizationException", "Not authenticated.")
			} else {
				expectStatus(t, r, 401)
			}

			// Grant inference with nothing to infer from.
			r = c.form("/api/v1/login", url.Values{})
			want := map[string]string{
				Profile093: `{"detail":"Invalid request: username is required."}`,
				Profile058: `{"detail":"Unsupported grant type: zenml-external."}`,
			}[profile]
			if r.status != 400 || string(r.body) != want {
				t.Errorf("empty login: %d %s", r.status, r.body)
			}

			var version string
			if err := json.Unmarshal(c.get("/api/v1/version").body, &version); err != nil || !strings.HasPrefix(version, profile+".") {
				t.Errorf("version %q", version)
			}
			info := c.get("/api/v1/info").json(t)
			if info["id"] != srv.ServerID() || info["version"] != version {
				t.Errorf("info %v", info)
			}
		})
	}
}

func TestLoginRequestFormats(t *testing.T) {
	srv := NewTest(t, Options{})
	c := newClient(t, srv)
	r := c.do("POST", "/api/v1/login", "multipart/form-data; boundary=x", "--x--\r\n", nil)
	if r.status != 403 || string(r.body) != `{"detail":"File uploads are not allowed on this endpoint."}` {
		t.Errorf("multipart: %d %s", r.status, r.body)
	}
	r = c.sendJSON("POST", "/api/v1/login", `{"username": "default", "password": ""}`)
	if r.status != 400 || string(r.body) != `{"detail":"Invalid request: username is required."}` {
		t.Errorf("JSON body: %d %s", r.status, r.body)
	}
	r = c.form("/api/v1/login", url.Values{"grant_type": {"client_credentials"}})
	if r.status != 400 || string(r.body) != `{"detail":"Unsupported grant type: client_credentials"}` {
		t.Errorf("unknown grant: %d %s", r.status, r.body)
	}
	// An API key as the only field is an API-key login (what the docs' curl does).
	key := srv.CreateAPIKey(srv.CreateServiceAccount("ci"), "k")
	token := c.login(url.Values{"password": {key}})
	if claimsOf(t, token)["api_key_id"] == nil {
		t.Errorf("inferred API-key login: claims %v", claimsOf(t, token))
	}
	if r := c.get("/api/v1/login"); r.status != 404 || string(r.body) != `{"detail":"Not Found"}` {
		t.Errorf("GET login: %d %s", r.status, r.body)
	}
	if r := c.do("DELETE", "/api/v1/nothing", "", "", nil); r.status != 405 {
		t.Errorf("DELETE unknown: %d %s", r.status, r.body)
	}
}

func TestAPIToken093(t *testing.T) {
	srv := NewTest(t, Options{})
	c := newClient(t, srv)
	admin := c.as(srv.AdminToken())
	var token string
	r := admin.get("/api/v1/api_token?token_type=generic")
	expectStatus(t, r, 200)
	if err := json.Unmarshal(r.body, &token); err != nil {
		t.Fatal(err)
	}
	if exp := int64(claimsOf(t, token)["exp"].(float64)); exp != srv.Now().Add(time.Hour).Unix() && exp != srv.Now().Add(time.Hour).Unix()-1 {
		t.Errorf("default generic lifetime: exp %d, now %d", exp, srv.Now().Unix())
	}
	// Both profiles' parameters at once: 0.93 uses expires_in.
	r = admin.get("/api/v1/api_token?expires_in=60&expires_minutes=5")
	expectStatus(t, r, 200)
	_ = json.Unmarshal(r.body, &token)
	if exp := int64(claimsOf(t, token)["exp"].(float64)); exp > srv.Now().Add(61*time.Second).Unix() {
		t.Errorf("expires_in ignored: exp %d now %d", exp, srv.Now().Unix())
	}
	expectDetail(t, admin.get("/api/v1/api_token?expires_in=604801"), 400, "ValueError",
		"The maximum expiration time for generic API tokens allowed by this server is 604800 seconds.")
	expectDetail(t, admin.get("/api/v1/api_token?schedule_id="+uuid.NewString()), 400, "ValueError",
		"Generic API tokens cannot be scoped to a schedule, pipeline run or deployment.")
	expectStatus(t, admin.get("/api/v1/api_token?expires_in=soon"), 422)

	srv.Advance(61 * time.Second)
	expectStatus(t, c.as(token).get("/api/v1/current-user"), 200) // leeway
	srv.Advance(10 * time.Second)
	expectStatus(t, c.as(token).get("/api/v1/current-user"), 401)
}

func TestAPIToken058(t *testing.T) {
	srv := NewTest(t, Options{Profile: Profile058})
	c := newClient(t, srv)
	adminToken := c.login(url.Values{"username": {"default"}, "password": {""}})
	var got string
	r := c.as(adminToken).get("/api/v1/api_token?expires_minutes=5&expires_in=60")
	expectStatus(t, r, 200)
	_ = json.Unmarshal(r.body, &got)
	if got != adminToken {
		t.Errorf("0.58 returns a password-login token unchanged")
	}
	saToken := c.loginAPIKey(srv.CreateAPIKey(srv.CreateServiceAccount("ci"), "k"))
	r = c.as(saToken).get("/api/v1/api_token?expires_minutes=5")
	expectStatus(t, r, 200)
	_ = json.Unmarshal(r.body, &got)
	claims := claimsOf(t, got)
	if claims["api_key_id"] == nil || int64(claims["exp"].(float64)) != srv.Now().Add(5*time.Minute).Unix() {
		t.Errorf("0.58 re-encoded token claims %v", claims)
	}
}

func TestServiceAccountListing(t *testing.T) {
	srv := NewTest(t, Options{})
	for _, n := range []string{"ci-a", "ci-b", "deploy"} {
		srv.CreateServiceAccount(n)
	}
	admin := newClient(t, srv).as(srv.AdminToken())
	expectStatus(t, admin.sendJSON("PUT", "/api/v1/service_accounts/deploy", `{"active": false}`), 200)

	names := func(query string) []string {
		t.Helper()
		r := admin.get("/api/v1/service_accounts" + query)
		expectStatus(t, r, 200)
		var page struct {
			Items []struct {
				Name     string `json:"name"`
				Metadata any    `json:"metadata"`
			} `json:"items"`
		}
		_ = json.Unmarshal(r.body, &page)
		var out []string
		for _, it := range page.Items {
			out = append(out, it.Name)
			if (it.Metadata != nil) != strings.Contains(query, "hydrate=true") {
				t.Errorf("%s: metadata %v", query, it.Metadata)
			}
		}
		return out
	}
	for query, want := range map[string]string{
		"":                              "ci-a,ci-b,deploy",
		"?name=startswith:ci-":          "ci-a,ci-b",
		"?name=contains:ploy":           "deploy",
		"?name=equals:ci-b":             "ci-b",
		"?name=ci-a":                    "ci-a",
		"?active=false":                 "deploy",
		"?active=true&hydrate=true":     "ci-a,ci-b",
		"?size=1&page=2":                "ci-b",
		"?sort_by=desc:name&size=2":     "deploy,ci-b",
		`?name=oneof:["ci-a","deploy"]`: "ci-a,deploy",
	} {
		if got := strings.Join(names(query), ","); got != want {
			t.Errorf("%s: got %s, want %s", query, got, want)
		}
	}
	id := admin.get("/api/v1/service_accounts/ci-a").json(t)["id"].(string)
	if got := strings.Join(names("?id=startswith:"+id[:8]), ","); got != "ci-a" {
		t.Errorf("id prefix filter: %s", got)
	}
	page := admin.get("/api/v1/service_accounts?size=2").json(t)
	if page["total"].(float64) != 3 || page["total_pages"].(float64) != 2 || page["max_size"].(float64) != 2 || page["index"].(float64) != 1 {
		t.Errorf("page envelope %v", page)
	}
	expectDetail(t, admin.get("/api/v1/service_accounts?size=2&page=3"), 400, "ValueError",
		"Invalid page 3. The requested page size is 2 and there are a total of 3 items for this query. The maximum page value therefore is 2.")
	expectStatus(t, admin.get("/api/v1/service_accounts?page=0"), 422)
	empty := admin.get("/api/v1/service_accounts?name=none").json(t)
	if empty["total"].(float64) != 0 || empty["total_pages"].(float64) != 1 {
		t.Errorf("empty page %v", empty)
	}

	r := admin.sendJSON("PUT", "/api/v1/service_accounts/ci-a", `{"name": "ci-b"}`)
	expectDetail(t, r, 409, "EntityExistsError", "Unable to update service account with name 'ci-b': Found an existing service account with this name.")
	expectStatus(t, admin.do("DELETE", "/api/v1/service_accounts/ci-a", "", "", nil), 200)
	expectStatus(t, admin.get("/api/v1/service_accounts/ci-a"), 404)
}

func TestIdempotencyReplay(t *testing.T) {
	srv := NewTest(t, Options{})
	admin := newClient(t, srv).as(srv.AdminToken())
	key := map[string][]string{"Idempotency-Key": {uuid.NewString()}}
	first := admin.do("POST", "/api/v1/service_accounts", "application/json", `{"name": "ci", "active": true}`, key)
	second := admin.do("POST", "/api/v1/service_accounts", "application/json", `{"name": "ci", "active": true}`, key)
	expectStatus(t, first, 200)
	if second.status != 200 || string(second.body) != string(first.body) {
		t.Fatalf("replay: %d %s vs %s", second.status, second.body, first.body)
	}
	if total := admin.get("/api/v1/service_accounts").json(t)["total"].(float64); total != 1 {
		t.Fatalf("replayed create ran twice: %v accounts", total)
	}
	other := map[string][]string{"Idempotency-Key": {uuid.NewString()}}
	expectStatus(t, admin.do("POST", "/api/v1/service_accounts", "application/json", `{"name": "ci", "active": true}`, other), 409)
	bad := map[string][]string{"Idempotency-Key": {"not-a-uuid"}}
	expectStatus(t, admin.do("POST", "/api/v1/service_accounts", "application/json", `{"name": "x", "active": true}`, bad), 422)

	old := NewTest(t, Options{Profile: Profile058})
	oldAdmin := newClient(t, old).as(old.AdminToken())
	expectStatus(t, oldAdmin.do("POST", "/api/v1/service_accounts", "application/json", `{"name": "ci", "active": true}`, key), 200)
	expectStatus(t, oldAdmin.do("POST", "/api/v1/service_accounts", "application/json", `{"name": "ci", "active": true}`, key), 409)
}

func TestCountersAndRequestLog(t *testing.T) {
	srv := NewTest(t, Options{})
	saID := srv.CreateServiceAccount("ci")
	key := srv.CreateAPIKey(saID, "k")
	c := newClient(t, srv)
	c.loginAPIKey(key)
	admin := c.as(srv.AdminToken())
	admin.sendJSON("PUT", keyPath(saID)+"/k/rotate", `{}`)
	admin.get("/api/v1/nope")

	for endpoint, want := range map[string]int{
		"POST /api/v1/login": 1,
		"PUT /api/v1/service_accounts/{id}/api_keys/{key}/rotate": 1,
		"GET /api/v1/nope":         1,
		"GET /api/v1/current-user": 0,
	} {
		if got := srv.Count(endpoint); got != want {
			t.Errorf("Count(%q) = %d, want %d (all: %v)", endpoint, got, want, srv.Counts())
		}
	}
	reqs := srv.Requests()
	if len(reqs) != 3 {
		t.Fatalf("recorded %d requests", len(reqs))
	}
	login := reqs[0]
	if login.Form.Get("password") != key || login.RawQuery != "" || login.Header.Get("Authorization") != "" {
		t.Errorf("login record %+v", login)
	}
	if !strings.HasPrefix(reqs[1].Header.Get("Authorization"), "Bearer ") || reqs[1].Path != keyPath(saID)+"/k/rotate" {
		t.Errorf("rotate record %+v", reqs[1])
	}
	srv.ResetCounts()
	if len(srv.Counts()) != 0 || len(srv.Requests()) != 0 {
		t.Errorf("ResetCounts left %v", srv.Counts())
	}
}

func TestFaultInjection(t *testing.T) {
	srv := NewTest(t, Options{})
	c := newClient(t, srv)

	srv.InjectFault("GET /health", Fault{Status: 503, Times: 2, Header: http.Header{"Retry-After": {"1"}}})
	for i := 0; i < 2; i++ {
		if r := c.get("/health"); r.status != 503 || r.header.Get("Retry-After") != "1" {
			t.Fatalf("fault %d: %d %v", i, r.status, r.header)
		}
	}
	if r := c.get("/health"); r.status != 200 || string(r.body) != `"OK"` {
		t.Fatalf("after faults: %d %s", r.status, r.body)
	}
	if srv.Count("GET /health") != 3 {
		t.Errorf("faulted requests are counted: %d", srv.Count("GET /health"))
	}

	srv.InjectFault("GET /api/v1/info", Fault{Body: MalformedJSON})
	var v any
	if err := json.Unmarshal(c.get("/api/v1/info").body, &v); err == nil {
		t.Error("malformed JSON decoded")
	}
	srv.InjectFault(AnyEndpoint, Fault{Body: HTMLBody, Status: 502})
	if r := c.get("/api/v1/version"); r.status != 502 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
		t.Errorf("HTML fault: %d %v", r.status, r.header)
	}
	srv.ClearFaults()
	expectStatus(t, c.get("/api/v1/info"), 200)

	srv.InjectFault("GET /api/v1/version", Fault{Body: TruncatedBody, Times: 1})
	resp, err := srv.Client().Get(srv.URL() + "/api/v1/version")
	if err == nil {
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	if err == nil {
		t.Error("truncated body read without error")
	}

	srv.InjectFault("GET /api/v1/version", Fault{Delay: 50 * time.Millisecond, Times: 1})
	start := time.Now()
	if r := c.get("/api/v1/version"); r.status != 200 || time.Since(start) < 50*time.Millisecond {
		t.Errorf("delay-only fault: %d after %v", r.status, time.Since(start))
	}

	// A held request is answered when, and only when, the test lets go.
	release := make(chan struct{})
	srv.InjectFault("GET /api/v1/version", Fault{Hold: release, Times: 1})
	sent := srv.Count("GET /api/v1/version") + 1
	answered := make(chan error, 1)
	go func() {
		resp, err := srv.Client().Get(srv.URL() + "/api/v1/version")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode != 200 {
				err = fmt.Errorf("HTTP %d", resp.StatusCode)
			}
		}
		answered <- err
	}()
	for srv.Count("GET /api/v1/version") < sent {
		time.Sleep(time.Millisecond)
	}
	select {
	case err := <-answered:
		t.Fatalf("a held request was answered (%v)", err)
	case <-time.After(20 * time.Millisecond):
	}
	close(release)
	if err := <-answered; err != nil {
		t.Errorf("released request: %v", err)
	}

	srv.InjectFault("GET /health", Fault{Body: HugeBody, Times: 1})
	if r := c.get("/health"); len(r.body) != HugeBodySize {
		t.Errorf("huge body is %d bytes", len(r.body))
	}
}

func TestPathPrefix(t *testing.T) {
	srv := NewTest(t, Options{PathPrefix: "zenml/"})
	if !strings.HasSuffix(srv.URL(), "/zenml") {
		t.Fatalf("URL %q", srv.URL())
	}
	c := newClient(t, srv)
	expectStatus(t, c.get("/health"), 200)
	c.login(url.Values{"username": {"default"}})
	if srv.Count("GET /health") != 1 || srv.Count("POST /api/v1/login") != 1 {
		t.Errorf("counts %v", srv.Counts())
	}
	resp, err := srv.Client().Get(strings.TrimSuffix(srv.URL(), "/zenml") + "/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("unprefixed /health: %d", resp.StatusCode)
	}
}

func TestTLS(t *testing.T) {
	srv := NewTest(t, Options{TLS: true})
	if !strings.HasPrefix(srv.URL(), "https://127.0.0.1:") || srv.Certificate() == nil {
		t.Fatalf("URL %q", srv.URL())
	}
	if !strings.Contains(string(srv.CertificatePEM()), "BEGIN CERTIFICATE") {
		t.Error("no PEM")
	}
	expectStatus(t, newClient(t, srv).get("/health"), 200)
	if _, err := http.Get(srv.URL() + "/health"); err == nil {
		t.Error("default client trusted the self-signed certificate")
	}
}

func TestAuthCookieWinsOverHeader(t *testing.T) {
	srv := NewTest(t, Options{})
	saID := srv.CreateServiceAccount("ci")
	c := newClient(t, srv)
	saToken := c.loginAPIKey(srv.CreateAPIKey(saID, "k"))
	r := c.as(saToken).do("GET", "/api/v1/current-user", "", "", map[string][]string{
		"Cookie": {"zenml-server-" + srv.ServerID() + "=" + srv.AdminToken()},
	})
	if r.json(t)["name"] != "default" {
		t.Errorf("cookie should win over the Authorization header: %s", r.body)
	}
}

func TestConcurrentUse(t *testing.T) {
	srv := NewTest(t, Options{})
	key := srv.CreateAPIKey(srv.CreateServiceAccount("ci"), "k")
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			resp, err := srv.Client().PostForm(srv.URL()+"/api/v1/login", loginKeyForm(key))
			if err != nil {
				errs <- err
				return
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				errs <- fmt.Errorf("login %d: %d", i, resp.StatusCode)
			}
			_ = srv.Counts()
			_ = srv.Requests()
			srv.Advance(time.Millisecond)
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if srv.Count("POST /api/v1/login") != 16 {
		t.Errorf("count %d", srv.Count("POST /api/v1/login"))
	}
}
