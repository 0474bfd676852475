package zenml

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

// memStore is a CredentialsStore in memory that counts what it is asked.
type memStore struct {
	mu    sync.Mutex
	lock  sync.Mutex
	creds Credentials
	saves atomic.Int32
	locks atomic.Int32
}

func (m *memStore) Load(context.Context) (Credentials, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.creds, nil
}

func (m *memStore) Save(_ context.Context, c Credentials) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.saves.Add(1)
	m.creds = c
	return nil
}

func (m *memStore) Lock(context.Context) (func(), error) {
	m.locks.Add(1)
	m.lock.Lock()
	return m.lock.Unlock, nil
}

func (m *memStore) get() Credentials {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.creds
}

func jwtWith(t *testing.T, claims map[string]any) string {
	t.Helper()
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	return "eyJhbGciOiJIUzI1NiJ9." + base64.RawURLEncoding.EncodeToString(payload) + ".sig"
}

func TestRefreshLeeway(t *testing.T) {
	tests := []struct {
		lifetime, want time.Duration
	}{
		{0, 30 * time.Second},
		{-time.Second, 30 * time.Second},
		{20 * time.Second, 10 * time.Second},
		{59 * time.Second, 29500 * time.Millisecond},
		{time.Minute, 30 * time.Second},
		{30 * time.Minute, 30 * time.Second},
		{time.Hour, 3 * time.Minute},
		{24 * time.Hour, 72 * time.Minute},
	}
	for _, tt := range tests {
		if got := refreshLeeway(tt.lifetime); got != tt.want {
			t.Errorf("refreshLeeway(%s) = %s, want %s", tt.lifetime, got, tt.want)
		}
	}
}

func TestTokenExpiry(t *testing.T) {
	now := time.Unix(1_700_000_000, 0).UTC()
	in := int64(600)
	withExp := jwtWith(t, map[string]any{"sub": "x", "exp": now.Unix() + 3600, "iat": now.Unix() - 3600})

	// expires_in wins over the JWT's exp.
	at, life := TokenExpiry(withExp, &in, now)
	if !at.Equal(now.Add(10*time.Minute)) || life != 10*time.Minute {
		t.Errorf("expires_in: %s %s", at, life)
	}
	// Without expires_in: exp, and the lifetime from iat.
	at, life = TokenExpiry(withExp, nil, now)
	if !at.Equal(now.Add(time.Hour)) || life != 2*time.Hour {
		t.Errorf("exp+iat: %s %s", at, life)
	}
	zero := int64(0)
	if at2, _ := TokenExpiry(withExp, &zero, now); !at2.Equal(at) {
		t.Errorf("expires_in 0 should fall back to exp: %s", at2)
	}
	// exp without iat: the lifetime is what is left.
	at, life = TokenExpiry(jwtWith(t, map[string]any{"exp": now.Unix() + 90}), nil, now)
	if !at.Equal(now.Add(90*time.Second)) || life != 90*time.Second {
		t.Errorf("exp only: %s %s", at, life)
	}
	// No exp, or not a JWT: never expires.
	for _, tok := range []string{jwtWith(t, map[string]any{"sub": "x"}), "opaque-token", "a.b.c"} {
		if at, life := TokenExpiry(tok, nil, now); !at.IsZero() || life != 0 {
			t.Errorf("%q: %s %s, want never", tok, at, life)
		}
	}
}

func TestSessionProactiveRefreshFollowsTheLeeway(t *testing.T) {
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	key := fake.CreateAPIKey(fake.CreateServiceAccount("ci"), "k")
	login := newTestClient(t, fake.URL(), Options{})
	now := time.Now()
	tests := []struct {
		name     string
		lifetime time.Duration
		left     time.Duration
		renew    bool
	}{
		{"short-lived, outside 30s", 10 * time.Minute, 31 * time.Second, false},
		{"short-lived, inside 30s", 10 * time.Minute, 29 * time.Second, true},
		{"long-lived, outside 5%", 2 * time.Hour, 7 * time.Minute, false},
		{"long-lived, inside 5%", 2 * time.Hour, 5 * time.Minute, true},
		{"under a minute, outside half", 40 * time.Second, 25 * time.Second, false},
		{"under a minute, inside half", 40 * time.Second, 15 * time.Second, true},
		{"expired", time.Hour, -time.Second, true},
		{"never expires", 0, 0, false},
	}
	for _, tt := range tests {
		fake.ResetCounts()
		c := Credentials{APIKey: key, AccessToken: "old", Lifetime: tt.lifetime}
		if tt.lifetime != 0 {
			c.ExpiresAt = now.Add(tt.left)
		}
		store := &memStore{creds: c}
		s := &Session{Login: login, Store: store, Now: func() time.Time { return now }}
		tok, err := s.Token(context.Background())
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		renewed := tok != "old"
		if renewed != tt.renew || fake.Count("POST /api/v1/login") != map[bool]int{true: 1, false: 0}[tt.renew] {
			t.Errorf("%s: renewed %v (%d logins), want %v", tt.name, renewed, fake.Count("POST /api/v1/login"), tt.renew)
		}
		if tt.renew && store.get().AccessToken != tok {
			t.Errorf("%s: the new token was not saved", tt.name)
		}
	}
}

// An early renewal that fails for a reason other than rejected
// credentials leaves the command running on the token it has, as long as
// that token has not expired; an expired one gives the error.
func TestSessionFailedEarlyRenewalKeepsTheValidToken(t *testing.T) {
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	key := fake.CreateAPIKey(fake.CreateServiceAccount("ci"), "k")
	login := newTestClient(t, fake.URL(), Options{})
	now := time.Now()
	fake.InjectFault("POST /api/v1/login", zenmltest.Fault{Status: 500})

	inLeeway := &memStore{creds: Credentials{APIKey: key, AccessToken: "current", ExpiresAt: now.Add(2 * time.Minute), Lifetime: 2 * time.Hour}}
	session := &Session{Login: login, Store: inLeeway, Now: func() time.Time { return now }}
	// Three requests of one command (--paginate, rotate --all): one try.
	for range 3 {
		tok, err := session.Token(context.Background())
		if err != nil || tok != "current" {
			t.Errorf("inside the leeway with the server failing: %q, %v; want the current token", tok, err)
		}
	}
	if fake.Count("POST /api/v1/login") != 1 {
		t.Errorf("%d renewal attempts, want 1", fake.Count("POST /api/v1/login"))
	}

	expired := &memStore{creds: Credentials{APIKey: key, AccessToken: "current", ExpiresAt: now.Add(-time.Second), Lifetime: 2 * time.Hour}}
	if _, err := (&Session{Login: login, Store: expired, Now: func() time.Time { return now }}).Token(context.Background()); err == nil {
		t.Error("an expired token was used after a failed renewal")
	}

	// Rejected credentials are final: the user must act now, not when the
	// token runs out in the middle of a job.
	fake.ClearFaults()
	rejected := &memStore{creds: Credentials{APIKey: "ZENKEY_revoked", AccessToken: "current", ExpiresAt: now.Add(2 * time.Minute), Lifetime: 2 * time.Hour}}
	var reauth *ReauthRequiredError
	if _, err := (&Session{Login: login, Store: rejected, Now: func() time.Time { return now }}).Token(context.Background()); !errors.As(err, &reauth) {
		t.Errorf("a rejected key: err = %v, want a ReauthRequiredError", err)
	}
}

// TestSessionReactiveRefresh: a 401 for invalid credentials renews the
// token once and retries the request once.
func TestSessionReactiveRefresh(t *testing.T) {
	forBothProfiles(t, zenmltest.Options{TokenLifetime: time.Hour}, func(t *testing.T, fake *zenmltest.Server) {
		key := fake.CreateAPIKey(fake.CreateServiceAccount("ci"), "k")
		login := newTestClient(t, fake.URL(), Options{})
		tok, err := login.LoginAPIKey(context.Background(), key)
		if err != nil {
			t.Fatal(err)
		}
		at, life := TokenExpiry(tok.AccessToken, tok.ExpiresIn, time.Now())
		store := &memStore{creds: Credentials{APIKey: key, AccessToken: tok.AccessToken, ExpiresAt: at, Lifetime: life}}
		var exchanges atomic.Int32
		s := &Session{Login: login, Store: store, OnExchange: func(Credentials) { exchanges.Add(1) }}
		c := login.WithTokens(s)

		// The server's clock passes the expiry; the client learns it from
		// the 401 (CredentialsNotValid on 0.93, AuthorizationException
		// "Authentication error" on 0.58).
		fake.Advance(2 * time.Hour)
		fake.ResetCounts()
		if _, err := c.CurrentUser(context.Background()); err != nil {
			t.Fatalf("not refreshed: %v", err)
		}
		if n := fake.Count("GET /api/v1/current-user"); n != 2 {
			t.Errorf("%d current-user requests, want 2 (rejected, retried)", n)
		}
		if n := fake.Count("POST /api/v1/login"); n != 1 || exchanges.Load() != 1 {
			t.Errorf("%d logins, want 1", n)
		}
		if store.get().AccessToken == tok.AccessToken {
			t.Error("renewed token not saved")
		}

		// A second 401 after the refresh surfaces: no loop.
		fake.ResetCounts()
		fake.InjectFault("GET /api/v1/current-user", zenmltest.Fault{Status: 401, Times: 2})
		_, err = c.CurrentUser(context.Background())
		if !errors.Is(err, ErrUnauthorized) {
			t.Fatalf("err = %v, want the credentials error", err)
		}
		if n := fake.Count("GET /api/v1/current-user"); n != 2 {
			t.Errorf("%d current-user requests, want 2", n)
		}
		if n := fake.Count("POST /api/v1/login"); n != 1 {
			t.Errorf("%d logins, want 1", n)
		}
	})
}

// TestSessionNoRefreshOnPermissionDenied: a 401 that says "not allowed"
// rather than "invalid credentials" is not fixed by logging in again.
func TestSessionNoRefreshOnPermissionDenied(t *testing.T) {
	var logins, calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/api/v1/login":
			logins.Add(1)
			_, _ = w.Write([]byte(`{"access_token":"new","token_type":"bearer"}`))
		default:
			calls.Add(1)
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"detail":["AuthorizationException","You don't have permission to read this user."]}`))
		}
	}))
	defer srv.Close()
	login := newTestClient(t, srv.URL, Options{})
	s := &Session{Login: login, Store: &memStore{creds: Credentials{APIKey: "ZENKEY_x", AccessToken: "tok"}}}
	_, err := login.WithTokens(s).CurrentUser(context.Background())
	if !errors.Is(err, ErrForbidden) {
		t.Fatalf("err = %v, want permission denied", err)
	}
	if logins.Load() != 0 || calls.Load() != 1 {
		t.Errorf("%d logins and %d calls, want 0 and 1", logins.Load(), calls.Load())
	}
}

func TestSessionWithoutRenewableCredentialNeedsLogin(t *testing.T) {
	fake := zenmltest.NewTest(t, zenmltest.Options{TokenLifetime: time.Hour})
	login := newTestClient(t, fake.URL(), Options{})
	ctx := context.Background()

	// An expired device token: nothing to exchange, no request at all.
	expired := fake.IssueToken(fake.AdminID(), -time.Minute)
	at, life := TokenExpiry(expired, nil, time.Now())
	store := &memStore{creds: Credentials{AccessToken: expired, ExpiresAt: at, Lifetime: life}}
	_, err := login.WithTokens(&Session{Login: login, Store: store}).CurrentUser(ctx)
	var reauth *ReauthRequiredError
	if !errors.As(err, &reauth) || reauth.Server != fake.URL() || reauth.Credential != CredentialToken ||
		!strings.HasSuffix(err.Error(), "; log in to "+fake.URL()+" again") {
		t.Fatalf("err = %v, want a ReauthRequiredError naming the server", err)
	}
	if n := len(fake.Requests()); n != 0 {
		t.Errorf("%d requests for an expired device token", n)
	}

	// A device token the server revoked early: the 401 asks for a login.
	valid := fake.IssueToken(fake.AdminID(), time.Hour)
	at, life = TokenExpiry(valid, nil, time.Now())
	store = &memStore{creds: Credentials{AccessToken: valid, ExpiresAt: at, Lifetime: life}}
	fake.InjectFault("GET /api/v1/current-user", zenmltest.Fault{Status: 401, Times: 1})
	_, err = login.WithTokens(&Session{Login: login, Store: store}).CurrentUser(ctx)
	if !errors.As(err, &reauth) {
		t.Fatalf("err = %v, want a ReauthRequiredError", err)
	}
	if store.saves.Load() != 0 {
		t.Error("credentials were changed")
	}

	// An API key the server no longer accepts: also a login.
	fake.ResetCounts()
	store = &memStore{creds: Credentials{APIKey: "ZENKEY_revoked", AccessToken: expired, ExpiresAt: at.Add(-2 * time.Hour), Lifetime: life}}
	_, err = login.WithTokens(&Session{Login: login, Store: store}).CurrentUser(ctx)
	if !errors.As(err, &reauth) || reauth.Credential != CredentialAPIKey || reauth.Rejection == nil ||
		!strings.Contains(err.Error(), "the server rejected the credentials: ") {
		t.Fatalf("revoked key: err = %v", err)
	}
	if store.get().APIKey != "ZENKEY_revoked" || store.saves.Load() != 0 {
		t.Error("a rejected key changed the stored credentials")
	}
}

func TestSessionConcurrentCallersExchangeOnce(t *testing.T) {
	fake := zenmltest.NewTest(t, zenmltest.Options{TokenLifetime: time.Hour})
	key := fake.CreateAPIKey(fake.CreateServiceAccount("ci"), "k")
	login := newTestClient(t, fake.URL(), Options{})
	store := &memStore{creds: Credentials{APIKey: key, AccessToken: "stale", ExpiresAt: time.Now().Add(-time.Minute), Lifetime: time.Hour}}
	s := &Session{Login: login, Store: store}
	c := login.WithTokens(s)

	const n = 25
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.CurrentUser(context.Background()); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := fake.Count("POST /api/v1/login"); got != 1 {
		t.Errorf("%d exchanges for %d concurrent callers, want 1", got, n)
	}
	if store.saves.Load() != 1 {
		t.Errorf("%d saves, want 1", store.saves.Load())
	}
}

// TestSessionInMemory: the environment mode keeps renewed tokens in memory
// and writes nothing.
func TestSessionInMemory(t *testing.T) {
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	key := fake.CreateAPIKey(fake.CreateServiceAccount("ci"), "k")
	login := newTestClient(t, fake.URL(), Options{})
	s := &Session{Login: login, Initial: Credentials{APIKey: key}}
	c := login.WithTokens(s)
	for range 3 {
		if _, err := c.CurrentUser(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if n := fake.Count("POST /api/v1/login"); n != 1 {
		t.Errorf("%d exchanges, want 1", n)
	}
}

// A token that cannot be renewed is used until it really expires: the
// refresh leeway would only end a device-flow session early.
func TestSessionUsesAnUnrenewableTokenUntilItsExpiry(t *testing.T) {
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	login := newTestClient(t, fake.URL(), Options{})
	token := fake.IssueToken(fake.AdminID(), 20*time.Second)
	at, _ := TokenExpiry(token, nil, time.Now())
	// A 40-second session with 20 seconds left: inside the 30 s leeway a
	// renewable token would get, yet perfectly valid.
	store := &memStore{creds: Credentials{AccessToken: token, ExpiresAt: at, Lifetime: 40 * time.Second}}
	if _, err := login.WithTokens(&Session{Login: login, Store: store}).CurrentUser(context.Background()); err != nil {
		t.Fatalf("a valid device token was refused: %v", err)
	}
	store = &memStore{creds: Credentials{AccessToken: token, ExpiresAt: time.Now().Add(2 * time.Second), Lifetime: 40 * time.Second}}
	var reauth *ReauthRequiredError
	if _, err := login.WithTokens(&Session{Login: login, Store: store}).CurrentUser(context.Background()); !errors.As(err, &reauth) {
		t.Fatalf("a token 2 s from expiry: err = %v, want a ReauthRequiredError", err)
	}
}

// stuckStore's lock is held by a process that never lets go.
type stuckStore struct{ *memStore }

func (s stuckStore) Lock(ctx context.Context) (func(), error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

// A renewal that is not needed yet does not wait long for a lock another
// process holds: the command goes on with the token it has.
func TestSessionEarlyRenewalDoesNotWaitLongForTheLock(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	key := fake.CreateAPIKey(fake.CreateServiceAccount("ci"), "k")
	login := newTestClient(t, fake.URL(), Options{})
	now := time.Now()
	store := stuckStore{&memStore{creds: Credentials{APIKey: key, AccessToken: "current", ExpiresAt: now.Add(2 * time.Minute), Lifetime: 2 * time.Hour}}}
	start := time.Now()
	const lockWait = 100 * time.Millisecond
	tok, err := (&Session{Login: login, Store: store, Now: func() time.Time { return now }, EarlyRenewalLockWait: lockWait}).Token(context.Background())
	if err != nil || tok != "current" {
		t.Fatalf("got %q, %v; want the current token", tok, err)
	}
	if d := time.Since(start); d > lockWait+time.Second {
		t.Errorf("waited %s for the lock", d)
	}
	if n := fake.Count("POST /api/v1/login"); n != 0 {
		t.Errorf("%d logins without the lock", n)
	}
}

// TestSessionBeforeExchangeStopsTheRenewal: a refusal of BeforeExchange
// sends no credential and ends even a token that an early renewal would
// otherwise keep.
func TestSessionBeforeExchangeStopsTheRenewal(t *testing.T) {
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	key := fake.CreateAPIKey(fake.CreateServiceAccount("ci"), "k")
	login := newTestClient(t, fake.URL(), Options{})
	now := time.Now()
	refusal := &ServerIdentityError{Server: fake.URL(), Recorded: "a", Reported: "b"}
	for name, expiresAt := range map[string]time.Time{"in the leeway": now.Add(2 * time.Minute), "expired": now.Add(-time.Second)} {
		store := &memStore{creds: Credentials{APIKey: key, AccessToken: "current", ExpiresAt: expiresAt, Lifetime: 2 * time.Hour}}
		session := &Session{Login: login, Store: store, Now: func() time.Time { return now },
			BeforeExchange: func(context.Context) error { return refusal }}
		if tok, err := session.Token(context.Background()); !errors.Is(err, refusal) || tok != "" {
			t.Errorf("%s: %q, %v; want the refusal", name, tok, err)
		}
	}
	if n := fake.Count("POST /api/v1/login"); n != 0 {
		t.Errorf("%d logins reached the server after the refusal", n)
	}
}
