package zenml

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// TokenSource supplies the bearer token for authenticated requests.
type TokenSource interface {
	Token(ctx context.Context) (string, error)
}

// Refresher is a TokenSource that can obtain a new token after the server
// rejected one as invalid or expired.
type Refresher interface {
	TokenSource
	// Refresh returns a token other than rejected, logging in again if
	// needed. It returns a *ReauthRequiredError when that is impossible.
	Refresh(ctx context.Context, rejected string) (string, error)
}

func canRefresh(ts TokenSource) bool {
	_, ok := ts.(Refresher)
	return ok
}

func refreshToken(ctx context.Context, ts TokenSource, rejected string) (string, error) {
	r, ok := ts.(Refresher)
	if !ok {
		return "", errors.New("token source cannot refresh")
	}
	return r.Refresh(ctx, rejected)
}

// StaticToken is a TokenSource for a token that cannot be renewed, such as
// one minted with APIToken.
type StaticToken string

// Token implements TokenSource.
func (t StaticToken) Token(context.Context) (string, error) { return string(t), nil }

// CredentialKind names a kind of credential in a ReauthRequiredError.
type CredentialKind int

const (
	// CredentialUnknown is a credential of no kind this package knows.
	CredentialUnknown CredentialKind = iota
	// CredentialAPIKey is a service account's API key.
	CredentialAPIKey
	// CredentialPassword is a user's name and password.
	CredentialPassword
	// CredentialToken is an access token that nothing can renew: from the
	// device flow, or handed over as it is.
	CredentialToken
)

func (k CredentialKind) String() string {
	switch k {
	case CredentialAPIKey:
		return "the API key"
	case CredentialPassword:
		return "the password"
	case CredentialToken:
		return "the access token"
	}
	return "the credentials"
}

// ReauthRequiredError means the credentials no longer work and cannot be
// renewed without the user: the session expired and nothing can renew it,
// or the server rejected the API key or password. errors.Is(err,
// ErrUnauthorized) holds for it.
type ReauthRequiredError struct {
	// Server is the server's URL.
	Server string
	// Reason says what happened, e.g. "the server rejected the API key:
	// Authentication error: API key is inactive".
	Reason string
	// Credential is the kind of credential that no longer works.
	Credential CredentialKind
	// Rejection is the server's answer when it rejected the credential;
	// nil when there was nothing to renew the session with.
	Rejection *Error
}

func (e *ReauthRequiredError) Error() string {
	if e == nil {
		return "<nil>"
	}
	if d, ok := DeactivatedBy(e.Rejection); e.Rejection != nil && ok && d.WholeAccount() {
		// A new login would be rejected the same way.
		return e.Reason + "; " + d.remedy()
	}
	return fmt.Sprintf("%s; log in to %s again", e.Reason, e.Server)
}

// Is makes errors.Is(err, ErrUnauthorized) hold.
func (e *ReauthRequiredError) Is(target error) bool { return target == ErrUnauthorized }

// Unwrap returns the server's rejection, when there was one.
func (e *ReauthRequiredError) Unwrap() error {
	if e.Rejection == nil {
		return nil
	}
	return e.Rejection
}

// JWTClaims are the claims of a ZenML access token this client reads.
type JWTClaims struct {
	Subject   string `json:"sub"`
	Issuer    string `json:"iss"`
	ExpiresAt *int64 `json:"exp"`
	IssuedAt  *int64 `json:"iat"`
	APIKeyID  string `json:"api_key_id"`
	DeviceID  string `json:"device_id"`
}

// DecodeJWTClaims reads a JWT's payload without verifying its signature:
// the client only needs `exp` to schedule a refresh and the claims that say
// how the token was obtained; the server checks the signature. Times are
// clamped to the years 1970 to 9999, so that any value converts to a
// time.Time that encodes (a server could send exp = -1e300).
func DecodeJWTClaims(token string) (JWTClaims, error) {
	var claims JWTClaims
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return claims, errors.New("not a JWT")
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return claims, fmt.Errorf("JWT payload: %w", err)
	}
	var raw struct {
		JWTClaims
		ExpiresAt *json.Number `json:"exp"`
		IssuedAt  *json.Number `json:"iat"`
	}
	if err := json.Unmarshal(payload, &raw); err != nil {
		return claims, fmt.Errorf("JWT payload: %w", err)
	}
	claims = raw.JWTClaims
	if claims.ExpiresAt, err = unixClaim(raw.ExpiresAt); err != nil {
		return JWTClaims{}, fmt.Errorf("JWT payload: exp: %w", err)
	}
	if claims.IssuedAt, err = unixClaim(raw.IssuedAt); err != nil {
		return JWTClaims{}, fmt.Errorf("JWT payload: iat: %w", err)
	}
	return claims, nil
}

// maxUnixTime is 9999-12-31T23:59:59Z, the last second that RFC 3339 and
// encoding/json can write.
const maxUnixTime = 253402300799

// unixClaim reads a NumericDate (seconds, possibly with a fraction)
// clamped to [0, maxUnixTime].
func unixClaim(n *json.Number) (*int64, error) {
	if n == nil {
		return nil, nil
	}
	f, err := strconv.ParseFloat(string(*n), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return nil, err
	}
	// ParseFloat gives ±Inf with ErrRange for 1e400: clamped like the rest.
	secs := int64(0)
	switch {
	case math.IsNaN(f) || f <= 0:
	case f >= maxUnixTime:
		secs = maxUnixTime
	default:
		secs = int64(f)
	}
	return &secs, nil
}

// CleanAPIKey is an API key as a person pastes it, made usable: without
// surrounding white space and without one pair of surrounding quotes
// (which a paste from quoted output, a .env file or an --env-file keeps).
func CleanAPIKey(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && (s[0] == '\'' || s[0] == '"') && s[len(s)-1] == s[0] {
		s = strings.TrimSpace(s[1 : len(s)-1])
	}
	return s
}

// APIKeyPrefix starts every ZenML service-account API key.
const APIKeyPrefix = "ZENKEY_"

// DecodeAPIKeyID returns the id of the API key record a ZENKEY_ value
// belongs to. Rotation keeps the id, so it identifies a key across rotations.
func DecodeAPIKeyID(key string) (string, error) {
	if !strings.HasPrefix(key, APIKeyPrefix) {
		return "", fmt.Errorf("not a ZenML API key: it must start with %s", APIKeyPrefix)
	}
	raw := strings.TrimPrefix(key, APIKeyPrefix)
	data, err := base64.StdEncoding.DecodeString(raw)
	if err != nil {
		data, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(raw, "="))
		if err != nil {
			return "", errors.New("not a ZenML API key: malformed encoding")
		}
	}
	var payload struct {
		ID  string `json:"id"`
		Key string `json:"key"`
	}
	if err := json.Unmarshal(data, &payload); err != nil || payload.ID == "" || payload.Key == "" {
		return "", errors.New("not a ZenML API key: malformed content")
	}
	return payload.ID, nil
}

// maxExpiresIn is the largest expires_in (in seconds) a time.Duration can
// hold; larger values are clamped rather than overflowing into the past.
const maxExpiresIn = int64(math.MaxInt64 / int64(time.Second))

// TokenExpiry works out when an access token expires and how long it lives,
// from the login answer's expires_in or else the JWT's exp claim. A zero
// time means the token never expires. The lifetime is never negative: an
// exp before iat (or, without iat, before now) gives 0, "unknown", which
// refreshLeeway treats like any other unknown lifetime.
func TokenExpiry(accessToken string, expiresIn *int64, now time.Time) (expiresAt time.Time, lifetime time.Duration) {
	if expiresIn != nil && *expiresIn > 0 {
		lifetime = time.Duration(min(*expiresIn, maxExpiresIn)) * time.Second
		return now.Add(lifetime), lifetime
	}
	claims, err := DecodeJWTClaims(accessToken)
	if err != nil || claims.ExpiresAt == nil {
		if expiresIn != nil {
			// An expires_in of zero or less says the token is spent, not
			// that it never expires.
			return now, 0
		}
		return time.Time{}, 0
	}
	expiresAt = time.Unix(*claims.ExpiresAt, 0).UTC()
	if claims.IssuedAt != nil {
		lifetime = expiresAt.Sub(time.Unix(*claims.IssuedAt, 0))
	} else {
		lifetime = expiresAt.Sub(now)
	}
	return expiresAt, max(lifetime, 0)
}

// refreshLeeway is how long before expiry a token is renewed: 30 s for
// tokens living under an hour, else 5 % of the lifetime (as the zenml
// Python client does). Tokens living under a minute get half their
// lifetime, or they would be renewed before every request.
func refreshLeeway(lifetime time.Duration) time.Duration {
	switch {
	case lifetime <= 0:
		return 30 * time.Second
	case lifetime < time.Minute:
		return lifetime / 2
	case lifetime < time.Hour:
		return 30 * time.Second
	}
	return lifetime / 20
}
