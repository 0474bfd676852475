// Package zenmltest runs an in-process fake of the ZenML server's
// authentication API (login grants, API tokens, service accounts, API keys,
// authorized devices) for tests.
//
// The fake implements real semantics rather than canned replies: it signs
// HS256 JWTs, hashes API key secrets with bcrypt, tracks rotation retain
// periods, device-flow state, users and their activation, and answers with
// the exact status codes and bodies of the real server. Two version
// profiles are supported: "0.93" (default) and "0.58", checked against
// transcripts of real 0.85.0 and 0.58.2 servers in testdata/transcripts-0.85
// and testdata/transcripts. Options.AuthScheme (or SetAuthScheme) runs it
// as a NO_AUTH server.
//
// Tests control time with Advance, inspect traffic with Count, Requests and
// friends, and inject failures with InjectFault.
//
// Programs built on package zenml can start it in their own tests, on
// loopback, with real HTTP in between:
//
//	srv := zenmltest.NewTest(t, zenmltest.Options{})
//	key := srv.CreateAPIKey(srv.CreateServiceAccount("ci"), "default")
//	c, err := zenml.NewClient(srv.URL(), zenml.Options{})
//	tok, err := c.LoginAPIKey(ctx, key)
//
// NewTest closes the server when the test ends; New leaves that to the
// caller (bench/fakeserver runs it as a process for manual experiments).
//
// The package deliberately does not import the zenctl client so that it can
// be used to test it; it defines its own wire structures.
package zenmltest

import (
	"bytes"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"golang.org/x/crypto/bcrypt"
)

// Version profiles understood by Options.Profile.
const (
	Profile093 = "0.93"
	Profile058 = "0.58"
)

// Auth schemes understood by Options.AuthScheme, spelled as /info reports
// them.
const (
	AuthSchemeOAuth2 = "OAUTH2_PASSWORD_BEARER"
	// AuthSchemeNoAuth is the scheme of `zenml login --local` servers: every
	// protected route acts as the user "default" whatever credential is
	// sent, /login still checks credentials and issues tokens nobody reads,
	// /api_token always answers 401 and the device flow 403 (0.85: 400–438).
	AuthSchemeNoAuth = "NO_AUTH"
)

// Options configures a fake server. The zero value is a default 0.93 server
// with non-expiring tokens and an admin user "default" with an empty
// password, like an auto-activated real server.
type Options struct {
	// Profile selects the emulated server version: Profile093 (default) or
	// Profile058.
	Profile string
	// AuthScheme is AuthSchemeOAuth2 (default) or AuthSchemeNoAuth.
	// SetAuthScheme changes it on a running server.
	AuthScheme string
	// TokenLifetime is the lifetime of tokens from the password, API-key and
	// device grants (the server's jwt_token_expire_minutes, but with
	// second granularity). Zero means tokens never expire, the real default.
	TokenLifetime time.Duration
	// DeviceAuthTimeout is how long a device authorization stays valid for
	// verification. Default 300 s.
	DeviceAuthTimeout time.Duration
	// DevicePollingInterval is the interval advertised to device clients.
	// Default 5 s.
	DevicePollingInterval time.Duration
	// MaxFailedDeviceAttempts locks a device after that many bad codes.
	// Default 3.
	MaxFailedDeviceAttempts int
	// AdminUsername and AdminPassword define the seeded admin user.
	// Defaults: "default" and "".
	AdminUsername string
	AdminPassword string
	// PathPrefix mounts every route, /health included, under this URL path
	// (the server's ZENML_SERVER_ROOT_URL_PATH), e.g. "/zenml".
	PathPrefix string
	// TLS serves HTTPS with a self-signed certificate; use Client,
	// Certificate or CertificatePEM to trust it.
	TLS bool
	// DashboardURL, when set, makes device verification URIs absolute and is
	// reported by /info.
	DashboardURL string
	// GenericTokenLifetime is the default lifetime of 0.93 generic API tokens
	// (default 3600 s); MaxGenericTokenLifetime their maximum (default
	// 604800 s).
	GenericTokenLifetime    time.Duration
	MaxGenericTokenLifetime time.Duration
	// BcryptCost is the cost used to hash passwords and API key secrets.
	// Default bcrypt.MinCost, to keep tests fast.
	BcryptCost int
	// ListenAddr is the loopback address to listen on. Default
	// "127.0.0.1:0" (a random free port).
	ListenAddr string
}

// Server is a running fake ZenML server. All methods are safe for
// concurrent use.
type Server struct {
	opts   Options
	id     uuid.UUID
	secret []byte
	clock  clock
	http   *httptest.Server
	routes []route

	// mu guards st. Requests are handled one at a time while they touch
	// state; that is plenty for tests and keeps the semantics simple.
	mu      sync.Mutex
	st      *store
	adminID uuid.UUID
	scheme  string

	traffic trafficLog
	faults  faultTable
}

// New starts a fake server. The caller must Close it. It panics on invalid
// options, which are programming errors in a test.
func New(opts Options) *Server {
	s := &Server{opts: withDefaults(opts), id: uuid.New(), st: newStore()}
	s.scheme = s.opts.AuthScheme
	s.secret = make([]byte, 32)
	if _, err := rand.Read(s.secret); err != nil {
		panic(fmt.Sprintf("zenmltest: random secret: %v", err))
	}
	s.routes = s.buildRoutes()
	s.adminID = s.createUserLocked(s.opts.AdminUsername, s.opts.AdminPassword, true)

	listener, err := net.Listen("tcp", s.opts.ListenAddr)
	if err != nil {
		panic(fmt.Sprintf("zenmltest: listen on %s: %v", s.opts.ListenAddr, err))
	}
	s.http = httptest.NewUnstartedServer(http.HandlerFunc(s.serveHTTP))
	// Tests provoke TLS handshake failures and dropped connections on
	// purpose; the server's log lines about them are noise.
	s.http.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.http.Listener.Close()
	s.http.Listener = listener
	if s.opts.TLS {
		s.http.StartTLS()
	} else {
		s.http.Start()
	}
	return s
}

// NewTest starts a fake server that is closed when the test ends.
func NewTest(t testing.TB, opts Options) *Server {
	t.Helper()
	s := New(opts)
	t.Cleanup(s.Close)
	return s
}

func withDefaults(o Options) Options {
	switch o.Profile {
	case "":
		o.Profile = Profile093
	case Profile093, Profile058:
	default:
		panic(fmt.Sprintf("zenmltest: unknown profile %q (want %q or %q)", o.Profile, Profile093, Profile058))
	}
	switch o.AuthScheme {
	case "":
		o.AuthScheme = AuthSchemeOAuth2
	case AuthSchemeOAuth2, AuthSchemeNoAuth:
	default:
		panic(fmt.Sprintf("zenmltest: unknown auth scheme %q (want %q or %q)", o.AuthScheme, AuthSchemeOAuth2, AuthSchemeNoAuth))
	}
	if o.DeviceAuthTimeout == 0 {
		o.DeviceAuthTimeout = 300 * time.Second
	}
	if o.DevicePollingInterval == 0 {
		o.DevicePollingInterval = 5 * time.Second
	}
	if o.MaxFailedDeviceAttempts == 0 {
		o.MaxFailedDeviceAttempts = 3
	}
	if o.AdminUsername == "" {
		o.AdminUsername = "default"
	}
	if o.GenericTokenLifetime == 0 {
		o.GenericTokenLifetime = time.Hour
	}
	if o.MaxGenericTokenLifetime == 0 {
		o.MaxGenericTokenLifetime = 7 * 24 * time.Hour
	}
	if o.BcryptCost == 0 {
		o.BcryptCost = bcrypt.MinCost
	}
	if o.ListenAddr == "" {
		o.ListenAddr = "127.0.0.1:0"
	}
	o.PathPrefix = strings.TrimRight(o.PathPrefix, "/")
	if o.PathPrefix != "" && !strings.HasPrefix(o.PathPrefix, "/") {
		o.PathPrefix = "/" + o.PathPrefix
	}
	return o
}

// URL is the server's base URL including the path prefix, without a
// trailing slash: what a user would pass to "zenml login".
func (s *Server) URL() string { return s.http.URL + s.opts.PathPrefix }

// Close shuts the server down and blocks until outstanding requests finish.
func (s *Server) Close() { s.http.Close() }

// Client returns an HTTP client that trusts the server's certificate when
// TLS is enabled.
func (s *Server) Client() *http.Client { return s.http.Client() }

// Certificate is the TLS certificate of the server, nil without TLS.
func (s *Server) Certificate() *x509.Certificate { return s.http.Certificate() }

// CertificatePEM is the server certificate in PEM form (a CA bundle a
// client can be pointed at), nil without TLS.
func (s *Server) CertificatePEM() []byte {
	cert := s.http.Certificate()
	if cert == nil {
		return nil
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})
}

// ServerID is the server's deployment id: /info "id", and the JWT issuer
// and audience.
func (s *Server) ServerID() string { return s.id.String() }

// Profile is the emulated version profile.
func (s *Server) Profile() string { return s.opts.Profile }

// Now is the server's current time (real time plus everything Advanced).
func (s *Server) Now() time.Time { return s.clock.now() }

// Advance moves the server clock forward, e.g. past a token's expiry.
func (s *Server) Advance(d time.Duration) { s.clock.advance(d) }

func (s *Server) is058() bool { return s.opts.Profile == Profile058 }

// SetAuthScheme switches the server between AuthSchemeOAuth2 and
// AuthSchemeNoAuth, like restarting a real server with another
// ZENML_SERVER_AUTH_SCHEME on the same database: users, keys and devices
// stay, and tokens issued before still verify once OAuth2 is back.
func (s *Server) SetAuthScheme(scheme string) {
	if scheme != AuthSchemeOAuth2 && scheme != AuthSchemeNoAuth {
		panic(fmt.Sprintf("zenmltest: unknown auth scheme %q", scheme))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scheme = scheme
}

// AuthScheme is the scheme the server currently runs with.
func (s *Server) AuthScheme() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.scheme
}

// authScheme is AuthScheme for callers that hold s.mu.
func (s *Server) authScheme() string { return s.scheme }

func (s *Server) noAuth() bool { return s.scheme == AuthSchemeNoAuth }

func (s *Server) version() string {
	if s.is058() {
		return "0.58.2"
	}
	return "0.93.0"
}

func (s *Server) cookieName() string { return "zenml-server-" + s.id.String() }

// route is one endpoint. pattern uses {name} placeholders, and doubles as
// the endpoint's name for counters and faults ("METHOD pattern").
type route struct {
	method  string
	pattern string
	segs    []string
	// authenticated routes run the bearer check before the handler (or,
	// on a NO_AUTH server, act as the user "default").
	authenticated bool
	// jsonBody routes reject an undecodable body with 422 before
	// authentication, as FastAPI parses the body first.
	jsonBody bool
	handle   func(*request) response
}

// request is what handlers see. Handlers run with Server.mu held.
type request struct {
	*http.Request
	params map[string]string
	body   []byte
	auth   *authContext
}

func (s *Server) buildRoutes() []route {
	const (
		sa    = "/api/v1/service_accounts"
		keys  = sa + "/{id}/api_keys"
		dev   = "/api/v1/devices"
		users = "/api/v1/users"
	)
	rs := []route{
		{method: "GET", pattern: "/health", handle: func(*request) response { return ok("OK") }},
		{method: "GET", pattern: "/api/v1/version", handle: func(*request) response { return ok(s.version()) }},
		{method: "GET", pattern: "/api/v1/info", handle: s.handleInfo},
		{method: "POST", pattern: "/api/v1/login", handle: s.handleLogin},
		{method: "GET", pattern: "/api/v1/logout", handle: s.handleLogout},
		{method: "POST", pattern: "/api/v1/device_authorization", handle: s.handleDeviceAuthorization},
		{method: "GET", pattern: "/api/v1/api_token", authenticated: true, handle: s.handleAPIToken},
		{method: "GET", pattern: "/api/v1/current-user", authenticated: true, handle: s.handleCurrentUser},
		{method: "POST", pattern: sa, authenticated: true, jsonBody: true, handle: s.handleCreateServiceAccount},
		{method: "GET", pattern: sa, authenticated: true, handle: s.handleListServiceAccounts},
		{method: "GET", pattern: sa + "/{id}", authenticated: true, handle: s.handleGetServiceAccount},
		{method: "PUT", pattern: sa + "/{id}", authenticated: true, jsonBody: true, handle: s.handleUpdateServiceAccount},
		{method: "DELETE", pattern: sa + "/{id}", authenticated: true, handle: s.handleDeleteServiceAccount},
		{method: "POST", pattern: keys, authenticated: true, jsonBody: true, handle: s.handleCreateAPIKey},
		{method: "GET", pattern: keys, authenticated: true, handle: s.handleListAPIKeys},
		{method: "GET", pattern: keys + "/{key}", authenticated: true, handle: s.handleGetAPIKey},
		{method: "PUT", pattern: keys + "/{key}", authenticated: true, jsonBody: true, handle: s.handleUpdateAPIKey},
		{method: "PUT", pattern: keys + "/{key}/rotate", authenticated: true, jsonBody: true, handle: s.handleRotateAPIKey},
		{method: "DELETE", pattern: keys + "/{key}", authenticated: true, handle: s.handleDeleteAPIKey},
		{method: "GET", pattern: dev, authenticated: true, handle: s.handleListDevices},
		{method: "GET", pattern: dev + "/{id}", authenticated: true, handle: s.handleGetDevice},
		{method: "PUT", pattern: dev + "/{id}", authenticated: true, jsonBody: true, handle: s.handleUpdateDevice},
		{method: "PUT", pattern: dev + "/{id}/verify", authenticated: true, jsonBody: true, handle: s.handleVerifyDevice},
		{method: "DELETE", pattern: dev + "/{id}", authenticated: true, handle: s.handleDeleteDevice},
		{method: "PUT", pattern: "/api/v1/current-user", authenticated: true, jsonBody: true, handle: s.handleUpdateCurrentUser},
		{method: "GET", pattern: users, authenticated: true, handle: s.handleListUsers},
		{method: "POST", pattern: users, authenticated: true, jsonBody: true, handle: s.handleCreateUser},
		{method: "GET", pattern: users + "/{id}", authenticated: true, handle: s.handleGetUser},
		{method: "PUT", pattern: users + "/{id}", authenticated: true, jsonBody: true, handle: s.handleUpdateUser},
		{method: "DELETE", pattern: users + "/{id}", authenticated: true, handle: s.handleDeleteUser},
		{method: "PUT", pattern: users + "/{id}/deactivate", authenticated: true, handle: s.handleDeactivateUser},
		// Activation is how an invited or deactivated user gets in: no login.
		{method: "PUT", pattern: users + "/{id}/activate", jsonBody: true, handle: s.handleActivateUser},
	}
	if !s.is058() {
		rs = append(rs, route{method: "GET", pattern: "/ready", handle: func(*request) response { return ok("OK") }})
	}
	for i := range rs {
		rs[i].segs = strings.Split(strings.Trim(rs[i].pattern, "/"), "/")
	}
	return rs
}

func (s *Server) match(method, path string) (*route, map[string]string) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for i := range s.routes {
		rt := &s.routes[i]
		if rt.method != method || len(rt.segs) != len(segs) {
			continue
		}
		params := map[string]string{}
		matched := true
		for j, p := range rt.segs {
			if strings.HasPrefix(p, "{") {
				if segs[j] == "" {
					matched = false
					break
				}
				params[strings.Trim(p, "{}")] = segs[j]
			} else if p != segs[j] {
				matched = false
				break
			}
		}
		if matched {
			return rt, params
		}
	}
	return nil, nil
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))

	path := r.URL.Path
	inPrefix := s.opts.PathPrefix == "" || path == s.opts.PathPrefix || strings.HasPrefix(path, s.opts.PathPrefix+"/")
	var rt *route
	var params map[string]string
	if inPrefix {
		path = strings.TrimPrefix(path, s.opts.PathPrefix)
		rt, params = s.match(r.Method, path)
	}
	endpoint := r.Method + " " + path
	if rt != nil {
		endpoint = rt.method + " " + rt.pattern
	}
	s.traffic.record(endpoint, r, body, s.clock.now())

	if f, hit := s.faults.take(endpoint); hit {
		if f.Delay > 0 {
			select {
			case <-time.After(f.Delay):
			case <-r.Context().Done():
				return
			}
		}
		if f.Hold != nil {
			select {
			case <-f.Hold:
			case <-r.Context().Done():
				return
			}
		}
		if f.responds() {
			f.write(w, r, s.id.String())
			return
		}
	}

	var resp response
	switch {
	case rt != nil:
		resp = s.dispatch(rt, &request{Request: r, params: params, body: body})
	case r.Method == http.MethodGet || !inPrefix:
		// The real server has a catch-all GET route, so unknown GET paths get
		// a 404 and any other method on an unmatched path a 405.
		resp = plainDetail(http.StatusNotFound, "Not Found")
	default:
		resp = plainDetail(http.StatusMethodNotAllowed, "Method Not Allowed")
	}
	writeResponse(w, resp, s.id.String())
}

func writeResponse(w http.ResponseWriter, resp response, serverID string) {
	for k, vs := range resp.header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Server", serverID)
	w.WriteHeader(resp.status)
	_, _ = w.Write(resp.body)
}

func (s *Server) dispatch(rt *route, req *request) response {
	isMultipart := strings.HasPrefix(req.Header.Get("Content-Type"), "multipart/")
	if !s.is058() && req.Method == http.MethodPost && isMultipart {
		return plainDetail(http.StatusForbidden, "File uploads are not allowed on this endpoint.")
	}
	idemKey := req.Header.Get("Idempotency-Key")
	if !s.is058() && idemKey != "" {
		if _, err := uuid.Parse(idemKey); err != nil {
			return requestValidationError(fieldError{
				loc: "header -> Idempotency-Key", msg: "value is not a valid uuid", typ: "type_error.uuid",
			})
		}
	}
	if rt.jsonBody && len(bytes.TrimSpace(req.body)) > 0 && !json.Valid(req.body) {
		return invalidJSON(req.body)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if rt.authenticated && s.noAuth() {
		auth, errResp := s.authenticateNoAuth()
		if errResp != nil {
			return *errResp
		}
		req.auth = auth
	} else if rt.authenticated {
		auth, errResp := s.authenticate(req.Request)
		if errResp != nil {
			return *errResp
		}
		req.auth = auth
	}
	replayable := !s.is058() && rt.authenticated && req.Method == http.MethodPost && idemKey != ""
	if replayable {
		if stored, found := s.st.idempotent[idemKey]; found {
			return stored
		}
	}
	resp := rt.handle(req)
	// Only successes are stored: a retry after an error should re-run the
	// operation, and re-running a failed create is harmless.
	if replayable && resp.status == http.StatusOK {
		s.st.idempotent[idemKey] = resp
	}
	return resp
}

// hashSecret bcrypt-hashes a password or API key secret (see bcryptMemo).
func (s *Server) hashSecret(secret string) []byte {
	// bcrypt only looks at the first 72 bytes and x/crypto rejects longer
	// input, so truncate like classic bcrypt implementations do.
	h, err := memoBcryptHash(bcryptInput(secret), s.opts.BcryptCost)
	if err != nil {
		panic(fmt.Sprintf("zenmltest: bcrypt: %v", err))
	}
	return h
}

func bcryptInput(secret string) []byte {
	if len(secret) > 72 {
		return []byte(secret[:72])
	}
	return []byte(secret)
}

func secretMatches(hash []byte, secret string) bool {
	return len(hash) > 0 && memoBcryptMatches(hash, bcryptInput(secret))
}

func randomHex(nBytes int) string {
	b := make([]byte, nBytes)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("zenmltest: random: %v", err))
	}
	return fmt.Sprintf("%x", b)
}
