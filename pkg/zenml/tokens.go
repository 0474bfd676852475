package zenml

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
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
// ZENML_STORE_API_TOKEN.
type StaticToken string

// Token implements TokenSource.
func (t StaticToken) Token(context.Context) (string, error) { return string(t), nil }

// ReauthRequiredError means the credentials no longer work and cannot be
// renewed without the user.
type ReauthRequiredError struct {
	Server string
	Reason string
	// Hint says what to do next; the Session's ReauthHint.
	Hint string
}

func (e *ReauthRequiredError) Error() string {
	if e.Hint != "" {
		return e.Reason + "; " + e.Hint
	}
	return fmt.Sprintf("%s; log in to %s again", e.Reason, e.Server)
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
// how the token was obtained; the server checks the signature.
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
	if err := json.Unmarshal(payload, &claims); err != nil {
		return claims, fmt.Errorf("JWT payload: %w", err)
	}
	return claims, nil
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
// RefreshLeeway treats like any other unknown lifetime.
func TokenExpiry(accessToken string, expiresIn *int64, now time.Time) (expiresAt time.Time, lifetime time.Duration) {
	if expiresIn != nil && *expiresIn > 0 {
		lifetime = time.Duration(min(*expiresIn, maxExpiresIn)) * time.Second
		return now.Add(lifetime), lifetime
	}
	claims, err := DecodeJWTClaims(accessToken)
	if err != nil || claims.ExpiresAt == nil {
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

// RefreshLeeway is how long before expiry a token is renewed: 30 s for
// tokens living under an hour, else 5 % of the lifetime (as the zenml
// Python client does). Tokens living under a minute get half their
// lifetime, or they would be renewed before every request.
func RefreshLeeway(lifetime time.Duration) time.Duration {
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
