package zenml

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Credentials are what a Session keeps for one server: a renewable
// credential (an API key, or a username and password) and the current
// access token.
type Credentials struct {
	APIKey      string
	Username    string
	Password    string
	AccessToken string
	// ExpiresAt is when AccessToken expires; zero means never.
	ExpiresAt time.Time
	// Lifetime is the token's total lifetime, used for the refresh leeway.
	Lifetime time.Duration
}

// Renewable reports whether a new token can be obtained without the user.
func (c Credentials) Renewable() bool { return c.APIKey != "" || c.Username != "" }

// CredentialsStore persists a Session's credentials. Implementations must
// make Lock exclusive across processes, so that parallel commands exchange
// an expired token only once.
type CredentialsStore interface {
	Load(ctx context.Context) (Credentials, error)
	Save(ctx context.Context, c Credentials) error
	// Lock takes the server's refresh lock; unlock releases it.
	Lock(ctx context.Context) (unlock func(), err error)
}

// Session is the TokenSource that serves every authenticated request: it
// hands out the stored access token, re-exchanges the API key or password
// shortly before that token expires or when the server rejects it, and
// saves the new token for the next process.
type Session struct {
	// Login is an unauthenticated client for the same server.
	Login *Client
	// Store persists credentials; nil keeps them in memory only, starting
	// from Initial.
	Store CredentialsStore
	// Initial credentials used when Store is nil.
	Initial Credentials
	// Now replaces the clock (tests).
	Now func() time.Time
	// EarlyRenewalLockWait bounds how long a renewal that is not needed
	// yet waits for another process's lock; 0 means
	// DefaultEarlyRenewalLockWait.
	EarlyRenewalLockWait time.Duration
	// OnExchange, when set, is called after every successful login exchange.
	OnExchange func(Credentials)
	// BeforeExchange, when set, is called before the API key or password
	// is sent to renew the token; an error stops the renewal with nothing
	// sent and is returned as is. A program checks there that the server
	// is still the one the credential belongs to (CheckServerIdentity). A
	// ServerIdentityError also ends the use of the current token, which an
	// early renewal that fails otherwise keeps.
	BeforeExchange func(ctx context.Context) error

	mu     sync.Mutex
	creds  Credentials
	loaded bool
	// deferred is a token whose early renewal failed: this session keeps
	// using it, without trying again on every request, until it expires
	// or the server rejects it.
	deferred string
}

var _ Refresher = (*Session)(nil)

func (s *Session) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// clockSkew is the margin kept before the expiry of a token that cannot
// be renewed: enough for clocks that disagree a little, no more, since
// giving up early ends a session the user would have to restart by hand.
const clockSkew = 5 * time.Second

func (s *Session) fresh(c Credentials) bool {
	if c.AccessToken == "" {
		return false
	}
	if c.ExpiresAt.IsZero() {
		return true
	}
	// The leeway exists to renew in time; a device-flow or imported token
	// cannot be renewed, so it is used until it really expires.
	leeway := clockSkew
	if c.Renewable() {
		leeway = refreshLeeway(c.Lifetime)
	}
	return s.now().Before(c.ExpiresAt.Add(-leeway))
}

func (s *Session) load(ctx context.Context) (Credentials, error) {
	if s.Store == nil {
		if !s.loaded {
			s.creds, s.loaded = s.Initial, true
		}
		return s.creds, nil
	}
	c, err := s.Store.Load(ctx)
	if err != nil {
		return Credentials{}, err
	}
	s.creds, s.loaded = c, true
	return c, nil
}

// Current returns the credentials the session holds now: after a
// request, those it used (and renewed, if it had to).
func (s *Session) Current() Credentials {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.loaded && s.Store == nil {
		return s.Initial
	}
	return s.creds
}

// Token implements TokenSource.
func (s *Session) Token(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.creds
	if !s.loaded {
		var err error
		if c, err = s.load(ctx); err != nil {
			return "", err
		}
	}
	stillUsable := usable(c, s.now())
	if s.fresh(c) || stillUsable && c.AccessToken == s.deferred {
		return c.AccessToken, nil
	}
	// A token that still works need not wait long for another process's
	// renewal (one suspended with Ctrl-Z holds the lock for good).
	lockWait := time.Duration(0)
	if stillUsable {
		lockWait = s.EarlyRenewalLockWait
		if lockWait <= 0 {
			lockWait = DefaultEarlyRenewalLockWait
		}
	}
	tok, err := s.renew(ctx, lockWait, c.AccessToken, "the session has expired")
	var reauth *ReauthRequiredError
	var otherServer *ServerIdentityError
	// Checked again: the attempt took time, and the token may have run out.
	if err != nil && !errors.As(err, &reauth) && !errors.As(err, &otherServer) && ctx.Err() == nil && usable(c, s.now()) {
		// Renewal starts early (for a 7-day token, hours early): a server
		// hiccup or a busy keyring then must not fail a command that the
		// current token still serves. The next command tries again.
		s.deferred = c.AccessToken
		return c.AccessToken, nil
	}
	return tok, err
}

// DefaultEarlyRenewalLockWait bounds how long a renewal that is not yet
// needed waits for another process's: long enough for a healthy exchange.
const DefaultEarlyRenewalLockWait = 5 * time.Second

// usable reports whether a token can still be sent, renewal aside.
func usable(c Credentials, now time.Time) bool {
	return c.AccessToken != "" && (c.ExpiresAt.IsZero() || now.Before(c.ExpiresAt.Add(-clockSkew)))
}

// Refresh implements Refresher.
func (s *Session) Refresh(ctx context.Context, rejected string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.renew(ctx, 0, rejected, "the server no longer accepts the session")
}

// renew obtains a token other than stale. It holds the cross-process lock
// and re-reads the store first: another process may have renewed already,
// and one exchange (about a second of bcrypt on a real server) is enough.
// Every other writer of a server's secret (login, logout, import, key
// adoption) takes the same lock, so the secret cannot change between the
// re-read and the save below.
//
// lockWait, when not zero, bounds the wait for the lock.
func (s *Session) renew(ctx context.Context, lockWait time.Duration, stale, reason string) (string, error) {
	if s.Store != nil {
		lockCtx := ctx
		if lockWait > 0 {
			var cancel context.CancelFunc
			lockCtx, cancel = context.WithTimeout(ctx, lockWait)
			defer cancel()
		}
		unlock, err := s.Store.Lock(lockCtx)
		if err != nil {
			return "", err
		}
		defer unlock()
	}
	c, err := s.load(ctx)
	if err != nil {
		return "", err
	}
	if c.AccessToken != stale && s.fresh(c) {
		return c.AccessToken, nil
	}
	if !c.Renewable() {
		return "", s.reauth(reason, CredentialToken, nil)
	}
	if s.BeforeExchange != nil {
		if err := s.BeforeExchange(ctx); err != nil {
			return "", err
		}
	}
	renewed, err := s.Login.Exchange(ctx, c, s.now())
	if err != nil {
		var apiErr *Error
		if errors.As(err, &apiErr) && apiErr.Kind == KindCredentials {
			return "", s.reauth("the server rejected the credentials: "+apiErr.Message, credentialKind(c), apiErr)
		}
		return "", err
	}
	c = renewed
	if s.Store != nil {
		if err := s.Store.Save(ctx, c); err != nil {
			return "", err
		}
	}
	s.creds = c
	if s.OnExchange != nil {
		s.OnExchange(c)
	}
	return c.AccessToken, nil
}

func credentialKind(c Credentials) CredentialKind {
	switch {
	case c.APIKey != "":
		return CredentialAPIKey
	case c.Username != "":
		return CredentialPassword
	case c.AccessToken != "":
		return CredentialToken
	}
	return CredentialUnknown
}

func (s *Session) reauth(reason string, kind CredentialKind, rejection *Error) *ReauthRequiredError {
	return &ReauthRequiredError{Server: s.Login.ServerURL(), Reason: reason, Credential: kind, Rejection: rejection}
}

// Exchange logs in with c's API key, else its username and password, and
// returns c with the new access token and its expiry (counted from now).
// It is the one exchange of a renewable credential: a session's renewal,
// a new login and the adoption of a rotated key all go through it.
func (cl *Client) Exchange(ctx context.Context, c Credentials, now time.Time) (Credentials, error) {
	var tok *TokenResponse
	var err error
	switch {
	case c.APIKey != "":
		tok, err = cl.LoginAPIKey(ctx, c.APIKey)
	case c.Username != "":
		tok, err = cl.LoginPassword(ctx, c.Username, c.Password)
	default:
		return Credentials{}, errors.New("no API key or password to log in with")
	}
	if err != nil {
		return Credentials{}, err
	}
	return c.WithToken(tok, now), nil
}

// WithToken is c holding the token of a login answer, with its expiry
// counted from now.
func (c Credentials) WithToken(tok *TokenResponse, now time.Time) Credentials {
	c.AccessToken = tok.AccessToken
	c.ExpiresAt, c.Lifetime = TokenExpiry(tok.AccessToken, tok.ExpiresIn, now)
	return c
}
