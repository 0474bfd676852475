package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/zenctl/zenctl/internal/cmd/cmdtest"
	"github.com/zenctl/zenctl/internal/config"
	"github.com/zenctl/zenctl/internal/credentials"
	"github.com/zenctl/zenctl/internal/exitcode"
	"github.com/zenctl/zenctl/pkg/zenml"
	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

// newCmd builds the command the way the root command configures it: Cobra
// stays silent and flag errors are usage errors.
func newCmd(h *cmdtest.Harness, runF func(*APIOptions) error) *cobra.Command {
	cmd := NewCmdAPI(h.F, runF)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	cmd.SetOut(h.Out)
	cmd.SetErr(h.ErrOut)
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &exitcode.UsageError{Err: err} })
	return cmd
}

func run(t *testing.T, h *cmdtest.Harness, args ...string) error {
	t.Helper()
	cmd := newCmd(h, nil)
	cmd.SetArgs(args)
	return cmd.ExecuteContext(context.Background())
}

// setup starts a fake server and logs in to it as its admin.
func setup(t *testing.T, opts zenmltest.Options) (*zenmltest.Server, *cmdtest.Harness) {
	t.Helper()
	fake := zenmltest.NewTest(t, opts)
	h := cmdtest.New(t)
	h.LoginPassword(fake.URL(), "default", "")
	fake.ResetCounts()
	return fake, h
}

// adminClient reads the fake's state through its API, independently of
// the command under test.
func adminClient(t *testing.T, fake *zenmltest.Server) *zenml.Client {
	t.Helper()
	c, err := zenml.NewClient(fake.URL(), zenml.Options{Tokens: zenml.StaticToken(fake.AdminToken())})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestGetCurrentUser(t *testing.T) {
	fake, h := setup(t, zenmltest.Options{})
	for _, path := range []string{"current-user", "/api/v1/current-user", "api/v1/current-user", fake.URL() + "/api/v1/current-user"} {
		t.Run(path, func(t *testing.T) {
			h.Reset()
			if err := run(t, h, path); err != nil {
				t.Fatal(err)
			}
			var user struct{ Name string }
			if err := json.Unmarshal(h.Out.Bytes(), &user); err != nil || user.Name != "default" {
				t.Fatalf("stdout = %q (%v), want the current user", h.Out, err)
			}
			// Not a terminal: the server's bytes, unindented.
			if strings.Contains(h.Out.String(), "\n") {
				t.Errorf("stdout was reformatted: %q", h.Out)
			}
			if h.ErrOut.Len() != 0 {
				t.Errorf("stderr = %q, want nothing", h.ErrOut)
			}
		})
	}
	if n := fake.Count("GET /api/v1/current-user"); n != 4 {
		t.Errorf("GET current-user count = %d, want 4", n)
	}
}

func TestTerminalIndentsJSON(t *testing.T) {
	_, h := setup(t, zenmltest.Options{})
	h.IO.SetStdoutTTY(true)
	if err := run(t, h, "current-user"); err != nil {
		t.Fatal(err)
	}
	if out := h.Out.String(); !strings.HasPrefix(out, "{\n  \"") || !strings.HasSuffix(out, "}\n") {
		t.Errorf("stdout on a terminal = %q, want indented JSON", out)
	}
}

func TestPostFieldsCreatesServiceAccount(t *testing.T) {
	fake, h := setup(t, zenmltest.Options{})
	err := run(t, h, "service_accounts", "-f", "name=ci-bot", "-f", "description=<built> & tested", "-F", "active=false")
	if err != nil {
		t.Fatal(err)
	}
	var created struct{ Name string }
	if err := json.Unmarshal(h.Out.Bytes(), &created); err != nil || created.Name != "ci-bot" {
		t.Fatalf("stdout = %q, want the new service account", h.Out)
	}
	sa, err := adminClient(t, fake).GetServiceAccount(context.Background(), "ci-bot")
	if err != nil {
		t.Fatalf("service account not on the server: %v", err)
	}
	if sa.Body.Active || sa.Description() != "<built> & tested" {
		t.Errorf("service account = %+v, want inactive with the description", sa)
	}
	req := lastRequest(t, fake, "POST /api/v1/service_accounts")
	if ct := req.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	var body map[string]any
	if err := json.Unmarshal(req.Body, &body); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"name": "ci-bot", "description": "<built> & tested", "active": false}
	if !reflect.DeepEqual(body, want) {
		t.Errorf("body = %v, want %v", body, want)
	}
}

func TestInputFromStdin(t *testing.T) {
	fake, h := setup(t, zenmltest.Options{})
	h.In.WriteString(`{"name": "from-stdin", "description": "piped", "active": true}`)
	if err := run(t, h, "service_accounts", "--input", "-"); err != nil {
		t.Fatal(err)
	}
	if _, err := adminClient(t, fake).GetServiceAccount(context.Background(), "from-stdin"); err != nil {
		t.Fatalf("service account not created: %v", err)
	}
	if req := lastRequest(t, fake, "POST /api/v1/service_accounts"); string(req.Body) != `{"name": "from-stdin", "description": "piped", "active": true}` {
		t.Errorf("body sent = %q, want stdin unchanged", req.Body)
	}
}

func TestInputFileWithQueryFields(t *testing.T) {
	fake, h := setup(t, zenmltest.Options{})
	fake.CreateServiceAccount("bot")
	file := filepath.Join(t.TempDir(), "body.json")
	if err := os.WriteFile(file, []byte(`{"description": "from a file"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	// With --input the body is the file, so fields go to the query.
	if err := run(t, h, "-X", "put", "service_accounts/bot", "--input", file, "-f", "hydrate=false"); err != nil {
		t.Fatal(err)
	}
	req := lastRequest(t, fake, "PUT /api/v1/service_accounts/{id}")
	if req.RawQuery != "hydrate=false" || string(req.Body) != `{"description": "from a file"}` {
		t.Errorf("sent query %q body %q", req.RawQuery, req.Body)
	}
}

func TestGetFieldsBecomeQuery(t *testing.T) {
	fake, h := setup(t, zenmltest.Options{})
	fake.CreateServiceAccount("ci-a")
	fake.CreateServiceAccount("other")
	if err := run(t, h, "service_accounts?size=5", "-X", "GET", "-f", "name=startswith:ci-", "--jq", ".items[].name"); err != nil {
		t.Fatal(err)
	}
	if h.Out.String() != "ci-a\n" {
		t.Errorf("stdout = %q", h.Out)
	}
	q, _ := url.ParseQuery(lastRequest(t, fake, "GET /api/v1/service_accounts").RawQuery)
	if q.Get("name") != "startswith:ci-" || q.Get("size") != "5" {
		t.Errorf("query = %v", q)
	}
}

func TestDeleteServiceAccount(t *testing.T) {
	fake, h := setup(t, zenmltest.Options{})
	fake.CreateServiceAccount("doomed")
	if err := run(t, h, "-X", "DELETE", "service_accounts/doomed"); err != nil {
		t.Fatal(err)
	}
	if h.Out.String() != "null" {
		t.Errorf("stdout = %q, want the server's null", h.Out)
	}
	if _, err := adminClient(t, fake).GetServiceAccount(context.Background(), "doomed"); !errors.Is(err, zenml.ErrNotFound) {
		t.Errorf("service account still there: %v", err)
	}
}

func TestPaginate(t *testing.T) {
	fake, h := setup(t, zenmltest.Options{})
	want := createServiceAccounts(fake, 25)
	if err := run(t, h, "service_accounts?size=10", "--paginate"); err != nil {
		t.Fatal(err)
	}
	var items []struct{ Name string }
	if err := json.Unmarshal(h.Out.Bytes(), &items); err != nil {
		t.Fatalf("stdout is not one JSON array: %v\n%s", err, h.Out)
	}
	if got := names(items); !reflect.DeepEqual(got, want) {
		t.Errorf("names = %v, want %v", got, want)
	}
	if n := fake.Count("GET /api/v1/service_accounts"); n != 3 {
		t.Errorf("pages fetched = %d, want 3", n)
	}

	// --jq sees the combined array.
	h.Reset()
	if err := run(t, h, "service_accounts?size=10", "--paginate", "--jq", "length"); err != nil {
		t.Fatal(err)
	}
	if h.Out.String() != "25\n" {
		t.Errorf("--jq length = %q, want 25", h.Out)
	}
}

func TestPaginateNonPagePrintsAsIs(t *testing.T) {
	_, h := setup(t, zenmltest.Options{})
	if err := run(t, h, "current-user", "--paginate", "--jq", ".name"); err != nil {
		t.Fatal(err)
	}
	if h.Out.String() != "default\n" {
		t.Errorf("stdout = %q", h.Out)
	}
}

// A token that expires between two pages is renewed with the stored
// password, transparently and once.
func TestPaginateTokenExpiresBetweenPages(t *testing.T) {
	fake := zenmltest.NewTest(t, zenmltest.Options{TokenLifetime: time.Hour})
	want := createServiceAccounts(fake, 25)

	// A proxy in front of the fake moves the fake's clock two hours on as
	// soon as the first page has been served, so the second page's request
	// carries a token the server now finds expired.
	target, _ := url.Parse(fake.URL())
	var listed atomic.Int32
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ModifyResponse = func(resp *http.Response) error {
		if resp.Request.Method == http.MethodGet && resp.Request.URL.Path == "/api/v1/service_accounts" && listed.Add(1) == 1 {
			fake.Advance(2 * time.Hour)
		}
		return nil
	}
	srv := httptest.NewServer(proxy)
	t.Cleanup(srv.Close)

	h := cmdtest.New(t)
	h.LoginPassword(srv.URL, "default", "")
	fake.ResetCounts()
	if err := run(t, h, "service_accounts?size=10", "--paginate", "--jq", ".[].name"); err != nil {
		t.Fatalf("%v (stderr %q)", err, h.ErrOut)
	}
	if got := strings.Fields(h.Out.String()); !reflect.DeepEqual(got, want) {
		t.Errorf("names = %v, want %v", got, want)
	}
	if n := fake.Count("POST /api/v1/login"); n != 1 {
		t.Errorf("logins = %d, want exactly 1", n)
	}
	// Three pages plus the one retried after the renewal.
	if n := fake.Count("GET /api/v1/service_accounts"); n != 4 {
		t.Errorf("list requests = %d, want 4", n)
	}
	if h.ErrOut.Len() != 0 {
		t.Errorf("stderr = %q, want nothing", h.ErrOut)
	}
	// The renewed token was stored for the next command.
	secret, err := h.Secret(srv.URL)
	if err != nil || secret.AccessToken == "" {
		t.Fatalf("stored secret: %v", err)
	}
}

func TestJQ(t *testing.T) {
	_, h := setup(t, zenmltest.Options{})
	tests := []struct{ expr, want string }{
		{".name", "default\n"},
		{"{n: .name, ok: true}", `{"n":"default","ok":true}` + "\n"},
		{".name, .id == null", "default\nfalse\n"},
		{"empty", ""},
	}
	for _, tt := range tests {
		h.Reset()
		if err := run(t, h, "current-user", "--jq", tt.expr); err != nil {
			t.Fatalf("--jq %s: %v", tt.expr, err)
		}
		if h.Out.String() != tt.want {
			t.Errorf("--jq %s = %q, want %q", tt.expr, h.Out, tt.want)
		}
	}

	h.Reset()
	err := run(t, h, "current-user", "--jq", ".name | tonumber")
	if err == nil || !strings.HasPrefix(err.Error(), "--jq: ") || h.Out.Len() != 0 {
		t.Errorf("failing filter: err %v, stdout %q", err, h.Out)
	}
	// $ENV is empty: a filter cannot read the environment's secrets.
	h.Reset()
	if err := run(t, h, "current-user", "--jq", "$ENV | length"); err != nil || h.Out.String() != "0\n" {
		t.Errorf("$ENV: err %v, stdout %q", err, h.Out)
	}
}

func TestInvalidJQIsUsageErrorBeforeAnyRequest(t *testing.T) {
	fake, h := setup(t, zenmltest.Options{})
	err := run(t, h, "current-user", "--jq", ".name |")
	var usage *exitcode.UsageError
	if !errors.As(err, &usage) || !strings.Contains(err.Error(), "invalid --jq expression") {
		t.Fatalf("err = %v, want a usage error", err)
	}
	if n := len(fake.Requests()); n != 0 {
		t.Errorf("%d requests sent, want none", n)
	}
}

func TestInclude(t *testing.T) {
	_, h := setup(t, zenmltest.Options{})
	if err := run(t, h, "-i", "/health"); err != nil {
		t.Fatal(err)
	}
	head, body, ok := strings.Cut(h.Out.String(), "\n\n")
	if !ok || !strings.HasPrefix(head, "HTTP/1.1 200 OK\n") || !strings.Contains(head, "\nContent-Type: application/json") {
		t.Errorf("head = %q", head)
	}
	if body != `"OK"` {
		t.Errorf("body = %q", body)
	}
}

func TestNotFound(t *testing.T) {
	_, h := setup(t, zenmltest.Options{})
	err := run(t, h, "service_accounts/nope")
	if exitcode.For(err) != exitcode.Error {
		t.Fatalf("exit code = %d for %v, want 1", exitcode.For(err), err)
	}
	wantMsg := "GET /api/v1/service_accounts/nope: No service account with the 'nope' name or ID was found (HTTP 404)"
	if err.Error() != wantMsg {
		t.Errorf("error = %q\n want %q", err, wantMsg)
	}
	if strings.Contains(err.Error(), "\n") {
		t.Error("error is not one line")
	}
	var body struct{ Detail []string }
	if json.Unmarshal(h.Out.Bytes(), &body) != nil || len(body.Detail) != 2 || body.Detail[0] != "KeyError" {
		t.Errorf("stdout = %q, want the error body", h.Out)
	}

	// Unknown route: plain-string detail; the error body is not filtered.
	h.Reset()
	err = run(t, h, "no-such-thing", "--jq", ".x")
	if err == nil || err.Error() != "GET /api/v1/no-such-thing: Not Found (HTTP 404)" || exitcode.For(err) != 1 {
		t.Errorf("err = %v", err)
	}
	if h.Out.String() != `{"detail":"Not Found"}` {
		t.Errorf("stdout = %q", h.Out)
	}
}

// The server's 422 validation message spans lines; the error stays one.
func TestValidationErrorIsOneLine(t *testing.T) {
	_, h := setup(t, zenmltest.Options{})
	h.In.WriteString(`{"name": "x"}`)
	err := run(t, h, "service_accounts", "--input", "-")
	if err == nil || exitcode.For(err) != exitcode.Error {
		t.Fatalf("err = %v, want exit 1", err)
	}
	if msg := err.Error(); strings.Contains(msg, "\n") || !strings.HasPrefix(msg, "POST /api/v1/service_accounts: ") || !strings.HasSuffix(msg, "(HTTP 422)") {
		t.Errorf("error = %q, want one line", msg)
	}
	if !strings.HasPrefix(h.Out.String(), `["ValueError"`) {
		t.Errorf("stdout = %q, want the error body", h.Out)
	}
}

func TestUnauthorizedWithoutRenewableCredentialsExits4(t *testing.T) {
	fake := zenmltest.NewTest(t, zenmltest.Options{})

	t.Run("static environment token", func(t *testing.T) {
		h := cmdtest.New(t)
		h.Setenv("ZENML_STORE_URL", fake.URL())
		h.Setenv("ZENML_STORE_API_TOKEN", fake.IssueToken(fake.AdminID(), -time.Hour))
		err := run(t, h, "current-user")
		if exitcode.For(err) != exitcode.AuthRequired {
			t.Fatalf("exit code = %d for %v, want 4", exitcode.For(err), err)
		}
		// The fix is in the environment, not in a login: say which variable.
		if !strings.HasPrefix(err.Error(), "GET /api/v1/current-user: the server rejected ZENML_STORE_API_TOKEN") {
			t.Errorf("error = %q", err)
		}
	})

	t.Run("stored token without a password", func(t *testing.T) {
		h := cmdtest.New(t)
		token := fake.IssueToken(fake.AdminID(), -time.Hour)
		h.Login(fake.URL(), credentials.Secret{AccessToken: token}, config.AuthToken)
		err := run(t, h, "current-user")
		if exitcode.For(err) != exitcode.AuthRequired {
			t.Fatalf("exit code = %d for %v, want 4", exitcode.For(err), err)
		}
		if strings.Contains(err.Error(), token) {
			t.Error("the token is in the error message")
		}
	})

	t.Run("no login", func(t *testing.T) {
		h := cmdtest.New(t)
		if err := run(t, h, "current-user"); exitcode.For(err) != exitcode.AuthRequired {
			t.Fatalf("exit code = %d for %v, want 4", exitcode.For(err), err)
		}
	})
}

func TestEnvironmentAPIKey(t *testing.T) {
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	key := fake.CreateAPIKey(fake.CreateServiceAccount("ci"), "k")
	h := cmdtest.New(t)
	h.Setenv("ZENML_STORE_URL", fake.URL())
	h.Setenv("ZENML_STORE_API_KEY", key)
	if err := run(t, h, "current-user", "--jq", ".name"); err != nil {
		t.Fatal(err)
	}
	if h.Out.String() != "ci\n" {
		t.Errorf("stdout = %q", h.Out)
	}
	for _, r := range fake.Requests() {
		if strings.Contains(r.RawQuery, key) || strings.Contains(r.Path, key) {
			t.Errorf("the API key travelled in a URL: %s?%s", r.Path, r.RawQuery)
		}
	}
}

func TestServerFlagSelectsServer(t *testing.T) {
	a := zenmltest.NewTest(t, zenmltest.Options{})
	b := zenmltest.NewTest(t, zenmltest.Options{})
	h := cmdtest.New(t)
	h.LoginPassword(b.URL(), "default", "")
	h.LoginPassword(a.URL(), "default", "") // active
	h.F.ServerFlag = b.URL()
	a.ResetCounts()
	b.ResetCounts()
	if err := run(t, h, "current-user"); err != nil {
		t.Fatal(err)
	}
	if a.Count("GET /api/v1/current-user") != 0 || b.Count("GET /api/v1/current-user") != 1 {
		t.Errorf("requests: a %v, b %v", a.Counts(), b.Counts())
	}
}

func TestAbsoluteURLToAnotherHostRefused(t *testing.T) {
	fake, h := setup(t, zenmltest.Options{PathPrefix: "/zenml"})
	// Another server that would happily log what it receives.
	var hits atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	t.Cleanup(other.Close)

	u, _ := url.Parse(fake.URL())
	for _, arg := range []string{
		other.URL + "/api/v1/current-user",
		"//" + strings.TrimPrefix(other.URL, "http://") + "/api/v1/current-user",
		"https://" + u.Host + "/zenml/api/v1/current-user", // other scheme
		"http://" + u.Host + "/api/v1/current-user",        // outside the prefix
		"ftp://" + u.Host + "/zenml/api/v1/current-user",
	} {
		h.Reset()
		err := run(t, h, arg)
		var usage *exitcode.UsageError
		if !errors.As(err, &usage) || !strings.Contains(err.Error(), "refusing") {
			t.Errorf("%s: err = %v, want a refusal", arg, err)
		}
	}
	if hits.Load() != 0 || len(fake.Requests()) != 0 {
		t.Errorf("requests were sent: other %d, fake %d", hits.Load(), len(fake.Requests()))
	}

	// The server's own URL is fine, prefix and all.
	h.Reset()
	if err := run(t, h, fake.URL()+"/api/v1/current-user?hydrate=false"); err != nil {
		t.Fatal(err)
	}
	if r := lastRequest(t, fake, "GET /api/v1/current-user"); r.Path != "/zenml/api/v1/current-user" || r.RawQuery != "hydrate=false" {
		t.Errorf("sent %s?%s", r.Path, r.RawQuery)
	}
}

// Dot segments cannot lead out of a path-prefixed server, neither in a
// PATH nor in a full URL: a normalising proxy would send the request,
// with the bearer token, to another application.
func TestDotSegmentsCannotLeaveThePrefix(t *testing.T) {
	fake, h := setup(t, zenmltest.Options{PathPrefix: "/zenml"})
	u, _ := url.Parse(fake.URL())
	for _, arg := range []string{
		"/../other/app",
		"/api/../../other/app",
		"/%2e%2e/other/app",
		"../../../other/app",
		"http://" + u.Host + "/zenml/../other/app",
		"http://" + u.Host + "/zenml/api/%2E%2E/%2e%2e/../other",
	} {
		h.Reset()
		err := run(t, h, arg)
		var usage *exitcode.UsageError
		if !errors.As(err, &usage) || !strings.Contains(err.Error(), "refusing") || exitcode.For(err) != exitcode.Error {
			t.Errorf("%s: err = %v, want a refusal", arg, err)
		}
	}
	if n := len(fake.Requests()); n != 0 {
		t.Errorf("%d requests were sent", n)
	}

	// Inside the prefix, the path is sent clean.
	for _, arg := range []string{"/api/v1/../v1/./current-user", "http://" + u.Host + "/zenml/api/x/../v1/current-user"} {
		h.Reset()
		if err := run(t, h, arg); err != nil {
			t.Fatalf("%s: %v", arg, err)
		}
		if r := lastRequest(t, fake, "GET /api/v1/current-user"); r.Path != "/zenml/api/v1/current-user" {
			t.Errorf("%s: sent %s", arg, r.Path)
		}
	}
}

// A server's Retry-After holds a command no longer than its HTTP timeout,
// and the wait is said on stderr, terminal or not.
func TestRetryAfterIsCappedAndSaid(t *testing.T) {
	fake, h := setup(t, zenmltest.Options{})
	h.Setenv("ZENCTL_HTTP_TIMEOUT", "300ms")
	h.Reset()
	fake.InjectFault("GET /api/v1/current-user", zenmltest.Fault{Status: http.StatusTooManyRequests, Times: 1,
		Header: http.Header{"Retry-After": {"100000"}}})
	start := time.Now()
	if err := run(t, h, "current-user"); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("waited %s", d)
	}
	stderr := h.ErrOut.String()
	if !strings.Contains(stderr, fake.URL()+" GET /api/v1/current-user: HTTP 429 (the server asked to wait 27h46m40s); retrying in 300ms") {
		t.Errorf("stderr: %q", stderr)
	}
}

func TestFlagParsing(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    APIOptions
		wantErr string
	}{
		{name: "GET default", args: []string{"current-user"},
			want: APIOptions{Path: "current-user", Method: "GET"}},
		{name: "fields imply POST", args: []string{"service_accounts", "-f", "name=a", "-F", "active=true"},
			want: APIOptions{Path: "service_accounts", Method: "POST", RawFields: []string{"name=a"}, TypedFields: []string{"active=true"}}},
		{name: "input implies POST", args: []string{"x", "--input", "-"},
			want: APIOptions{Path: "x", Method: "POST", Input: "-"}},
		{name: "explicit method wins", args: []string{"x", "-X", "put", "-f", "a=b"},
			want: APIOptions{Path: "x", Method: "PUT", RawFields: []string{"a=b"}}},
		{name: "explicit GET with fields", args: []string{"x", "--method", "GET", "-f", "a=b"},
			want: APIOptions{Path: "x", Method: "GET", RawFields: []string{"a=b"}}},
		{name: "all the rest", args: []string{"x", "--paginate", "-i", "-q", ".[]", "-H", "Accept: text/plain", "-H", "X-Request-ID:abc"},
			want: APIOptions{Path: "x", Method: "GET", Paginate: true, Include: true, JQ: ".[]", Headers: []string{"Accept: text/plain", "X-Request-ID:abc"}}},

		{name: "no path", args: []string{}, wantErr: "expected one PATH argument, got 0"},
		{name: "two paths", args: []string{"a", "b"}, wantErr: "expected one PATH argument, got 2"},
		{name: "bad method", args: []string{"x", "-X", "GET /y"}, wantErr: `invalid --method "GET /y"`},
		{name: "paginate POST", args: []string{"x", "--paginate", "-f", "a=b"}, wantErr: "--paginate works only with GET requests, not POST"},
		{name: "field without =", args: []string{"x", "-f", "name"}, wantErr: `invalid field "name": want key=value`},
		{name: "typed field without key", args: []string{"x", "-F", "=1"}, wantErr: `invalid field "=1": want key=value`},
		{name: "bad header", args: []string{"x", "-H", "NoColon"}, wantErr: `invalid --header "NoColon"`},
		{name: "authorization header", args: []string{"x", "-H", "authorization: Bearer abc"}, wantErr: "-H Authorization is not allowed"},
		{name: "cookie header", args: []string{"x", "-H", "Cookie: a=b"}, wantErr: "-H Cookie is not allowed"},
		{name: "bad jq", args: []string{"x", "--jq", "{"}, wantErr: "invalid --jq expression"},
		{name: "jq undefined function", args: []string{"x", "--jq", "nosuchfn"}, wantErr: "invalid --jq expression"},
		{name: "stdin twice", args: []string{"x", "--input", "-", "-F", "d=@-"}, wantErr: "both read stdin"},
		{name: "unknown flag", args: []string{"x", "--nope"}, wantErr: "unknown flag: --nope"},
		// A token typed without the colon: the error names the header, not the token.
		{name: "header without colon", args: []string{"x", "-H", "Authorization Bearer eyJtopsecret"}, wantErr: `invalid --header "Authorization"…`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := cmdtest.New(t)
			var got *APIOptions
			cmd := newCmd(h, func(o *APIOptions) error { got = o; return nil })
			cmd.SetArgs(tt.args)
			err := cmd.ExecuteContext(context.Background())
			if tt.wantErr != "" {
				var usage *exitcode.UsageError
				if !errors.As(err, &usage) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want a usage error containing %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "topsecret") {
					t.Fatalf("the error repeats a credential: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Path != tt.want.Path || got.Method != tt.want.Method || got.Input != tt.want.Input ||
				got.Paginate != tt.want.Paginate || got.Include != tt.want.Include || got.JQ != tt.want.JQ ||
				!reflect.DeepEqual(got.RawFields, tt.want.RawFields) || !reflect.DeepEqual(got.TypedFields, tt.want.TypedFields) ||
				!reflect.DeepEqual(got.Headers, tt.want.Headers) {
				t.Errorf("options = %+v\n want %+v", *got, tt.want)
			}
			if (got.JQ != "") != (got.jq != nil) {
				t.Error("--jq was not compiled")
			}
		})
	}
}

func TestHeadersAreSent(t *testing.T) {
	fake, h := setup(t, zenmltest.Options{})
	if err := run(t, h, "current-user", "-H", "X-Request-ID: deadbeef"); err != nil {
		t.Fatal(err)
	}
	r := lastRequest(t, fake, "GET /api/v1/current-user")
	if r.Header.Get("X-Request-ID") != "deadbeef" || !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
		t.Errorf("headers = %v", r.Header)
	}
}

func lastRequest(t *testing.T, fake *zenmltest.Server, endpoint string) zenmltest.RecordedRequest {
	t.Helper()
	reqs := fake.Requests()
	for i := len(reqs) - 1; i >= 0; i-- {
		if reqs[i].Endpoint == endpoint {
			return reqs[i]
		}
	}
	t.Fatalf("no %s request", endpoint)
	return zenmltest.RecordedRequest{}
}

func createServiceAccounts(fake *zenmltest.Server, n int) []string {
	var names []string
	for i := range n {
		name := "sa-" + string(rune('a'+i/10)) + string(rune('0'+i%10))
		fake.CreateServiceAccount(name)
		names = append(names, name)
	}
	return names
}

func names(items []struct{ Name string }) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.Name)
	}
	return out
}

// A wrong password posted to the login endpoint is the caller's 401: it
// is printed, and the stored session is neither renewed nor sent along.
func TestLoginEndpointRejectionLeavesTheSessionAlone(t *testing.T) {
	fake, h := setup(t, zenmltest.Options{})
	h.In.WriteString("username=default&password=wrong")
	err := run(t, h, "-X", "POST", "login", "-H", "Content-Type: application/x-www-form-urlencoded", "--input", "-")
	if err == nil || exitcode.For(err) == exitcode.OK {
		t.Fatalf("err = %v, want a failure", err)
	}
	if n := fake.Count("POST /api/v1/login"); n != 1 {
		t.Errorf("%d logins, want only the caller's one (no renewal of the session)", n)
	}
	for _, r := range fake.Requests() {
		if r.Header.Get("Authorization") != "" {
			t.Errorf("the session's token was sent to %s", r.Path)
		}
	}
	if !strings.Contains(h.Out.String(), "detail") {
		t.Errorf("stdout = %q, want the 401 body", h.Out)
	}
}

// PATH reaches the server as typed: an escape in it is the caller's, so
// "a%2541b" names the account "a%41b", never "aAb"; a server under an
// escaped path prefix keeps it escaped once.
func TestPathEscapesAreKeptAsTyped(t *testing.T) {
	for _, prefix := range []string{"", "/with space"} {
		fake, h := setup(t, zenmltest.Options{PathPrefix: prefix})
		fake.CreateServiceAccount("a%41b")
		fake.CreateServiceAccount("aAb")
		for _, path := range []string{"service_accounts/a%2541b", fake.URL() + "/api/v1/service_accounts/a%2541b"} {
			h.Reset()
			if err := run(t, h, path); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			var sa struct{ Name string }
			if err := json.Unmarshal(h.Out.Bytes(), &sa); err != nil || sa.Name != "a%41b" {
				t.Errorf("prefix %q, %s: got %q (%v), want the account a%%41b", prefix, path, sa.Name, err)
			}
		}
	}
}
