package zenml

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// benchJWT is a token with realistic claims, about the size the server
// issues (~300 bytes).
func benchJWT(exp int64) string {
	payload, _ := json.Marshal(map[string]any{
		"sub": "7c4495d7-61bd-42ff-9551-4919a20c09f9", "iss": "08971a5a-c543-447a-8c51-c81537053260",
		"aud": "08971a5a-c543-447a-8c51-c81537053260", "exp": exp,
		"api_key_id": "c4222436-e3b5-4278-a4f3-e8124dae98d0",
	})
	return "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9." + base64.RawURLEncoding.EncodeToString(payload) + ".T6pAkcE8Sn5PSD_3JjaffltguF0XabvbSX-Eo1snLJI"
}

// benchServer is the smallest server that answers the token path: the
// API-key login and GET /api/v1/api_token. It is not zenmltest on purpose:
// the fake records every request, and those allocations would be counted
// as the client's.
type benchServer struct {
	*httptest.Server
	logins, mints atomic.Int64
}

func newBenchServer(b *testing.B) *benchServer {
	s := &benchServer{}
	session := benchJWT(time.Now().Add(time.Hour).Unix())
	minted, _ := json.Marshal(benchJWT(time.Now().Add(time.Hour).Unix()))
	login, _ := json.Marshal(map[string]any{"access_token": session, "token_type": "bearer", "expires_in": 3600})
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/api/v1/login":
			s.logins.Add(1)
			_, _ = w.Write(login)
		case "/api/v1/api_token":
			if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ey") {
				w.WriteHeader(http.StatusUnauthorized)
				_, _ = w.Write([]byte(`{"detail":"Not authenticated"}`))
				return
			}
			s.mints.Add(1)
			_, _ = w.Write(minted)
		default:
			http.NotFound(w, r)
		}
	}))
	b.Cleanup(s.Close)
	return s
}

// benchStore is an in-memory CredentialsStore with a real mutex for Lock.
type benchStore struct {
	mu    sync.Mutex
	lock  sync.Mutex
	creds Credentials
}

func (m *benchStore) Load(context.Context) (Credentials, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.creds, nil
}

func (m *benchStore) Save(_ context.Context, c Credentials) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.creds = c
	return nil
}

func (m *benchStore) Lock(context.Context) (func(), error) {
	m.lock.Lock()
	return m.lock.Unlock, nil
}

func (m *benchStore) set(c Credentials) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.creds = c
}

const benchAPIKey = "ZENKEY_eyJpZCI6ImZmMDk1MjQ1LTM4YmEtNDlhYy04MTcxLTNhYzQ4NzZkYWU3NiIsImtleSI6IjI1ZmEifQ=="

// BenchmarkAPIToken is the work of one `zenctl token` after startup: a
// Session reads the stored credentials, and Client.APIToken mints a token
// over HTTP (keep-alive, so this is the in-process cost, not a new
// connection per call as a new process pays).
//
//	fresh:   the stored session token is valid: one request.
//	refresh: the stored token has expired: lock, re-read, API-key login,
//	         save, then the request (two round trips).
//	static:  ZENML_STORE_API_TOKEN, no Session at all.
func BenchmarkAPIToken(b *testing.B) {
	ctx := context.Background()
	b.Run("fresh", func(b *testing.B) {
		srv := newBenchServer(b)
		login, err := NewClient(srv.URL, Options{})
		if err != nil {
			b.Fatal(err)
		}
		login.SetServerVersion("0.93.0")
		store := &benchStore{creds: Credentials{APIKey: benchAPIKey, AccessToken: benchJWT(time.Now().Add(time.Hour).Unix()),
			ExpiresAt: time.Now().Add(time.Hour), Lifetime: time.Hour}}
		b.ReportAllocs()
		for b.Loop() {
			// A new Session per call, as each zenctl process has its own.
			client := login.WithTokens(&Session{Login: login, Store: store})
			if _, err := client.APIToken(ctx, time.Hour); err != nil {
				b.Fatal(err)
			}
		}
		if srv.logins.Load() != 0 {
			b.Fatalf("%d logins with a fresh token", srv.logins.Load())
		}
	})
	b.Run("refresh", func(b *testing.B) {
		srv := newBenchServer(b)
		login, err := NewClient(srv.URL, Options{})
		if err != nil {
			b.Fatal(err)
		}
		login.SetServerVersion("0.93.0")
		store := &benchStore{}
		expired := Credentials{APIKey: benchAPIKey, AccessToken: benchJWT(time.Now().Add(-time.Minute).Unix()),
			ExpiresAt: time.Now().Add(-time.Minute), Lifetime: time.Hour}
		b.ReportAllocs()
		for b.Loop() {
			store.set(expired)
			client := login.WithTokens(&Session{Login: login, Store: store})
			if _, err := client.APIToken(ctx, time.Hour); err != nil {
				b.Fatal(err)
			}
		}
		if srv.logins.Load() != srv.mints.Load() {
			b.Fatalf("%d logins for %d tokens: every call should have refreshed", srv.logins.Load(), srv.mints.Load())
		}
	})
	b.Run("static", func(b *testing.B) {
		srv := newBenchServer(b)
		client, err := NewClient(srv.URL, Options{Tokens: StaticToken(benchJWT(time.Now().Add(time.Hour).Unix()))})
		if err != nil {
			b.Fatal(err)
		}
		client.SetServerVersion("0.93.0")
		b.ReportAllocs()
		for b.Loop() {
			if _, err := client.APIToken(ctx, time.Hour); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkNewClient is what every authenticated command pays once to
// build its client (transport, TLS config, system roots are loaded lazily).
func BenchmarkNewClient(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewClient("https://zenml.example.com/prefix", Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseError covers each body shape a ZenML server sends.
func BenchmarkParseError(b *testing.B) {
	shapes := []struct {
		name   string
		status int
		header http.Header
		body   string
	}{
		{"detail-pair", 401, nil, `{"detail":["CredentialsNotValid","Authentication error: error decoding access token: Invalid JWT token: Signature has expired."]}`},
		{"detail-string", 401, http.Header{"Www-Authenticate": {"Bearer"}}, `{"detail":"Not authenticated"}`},
		{"key-error-repr", 404, nil, `{"detail":["KeyError","\"No service account with the 'ci' name or ID was found\""]}`},
		{"bare-422", 422, nil, `["ValueError","1 validation error for Request\nbody -> name\n  field required"]`},
		{"oauth", 400, nil, `{"error":"authorization_pending","error_description":"Authentication error: device with client ID x is pending.","error_uri":null}`},
		{"busy-429", 429, nil, `{"error":"Server too busy. Please try again later."}`},
		{"detail-object", 422, nil, `{"detail":[{"loc":["body","name"],"msg":"field required","type":"value_error.missing"}]}`},
		{"html", 502, http.Header{"Content-Type": {"text/html"}}, `<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>`},
		{"plain-text", 503, nil, "upstream connect error or disconnect/reset before headers. reset reason: connection failure"},
		{"malformed-json", 500, nil, `{"detail":["Runtime`},
		{"empty", 503, nil, ``},
	}
	for _, s := range shapes {
		body := []byte(s.body)
		b.Run(s.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if e := ParseError(s.status, s.header, body); e.StatusCode != s.status {
					b.Fatal(e)
				}
			}
		})
	}
}

func BenchmarkDecodeJWTClaims(b *testing.B) {
	token := benchJWT(1795741083)
	b.ReportAllocs()
	for b.Loop() {
		c, err := DecodeJWTClaims(token)
		if err != nil || c.ExpiresAt == nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTokenExpiry(b *testing.B) {
	token := benchJWT(1795741083)
	now := time.Unix(1795737483, 0)
	b.ReportAllocs()
	for b.Loop() {
		if at, _ := TokenExpiry(token, nil, now); at.IsZero() {
			b.Fatal("no expiry")
		}
	}
}

func BenchmarkDecodeAPIKeyID(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeAPIKeyID(benchAPIKey); err != nil {
			b.Fatal(err)
		}
	}
}
