package zenml

import (
	"context"
	"errors"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Grant types of POST /api/v1/login.
const (
	GrantPassword   = "password"
	GrantAPIKey     = "zenml-api-key"
	GrantDeviceCode = "urn:ietf:params:oauth:grant-type:device_code"
)

// MaxGenericTokenLifetime is the server's default cap for /api_token.
const MaxGenericTokenLifetime = 7 * 24 * time.Hour

// Info returns the server's description. It needs no authentication and is
// the way to tell a ZenML server from any other web server.
func (c *Client) Info(ctx context.Context) (*ServerInfo, error) {
	var info ServerInfo
	err := c.doJSON(ctx, request{method: http.MethodGet, path: "/api/v1/info", retryable: true}, &info)
	if err != nil {
		return nil, err
	}
	if info.ID == "" || info.Version == "" {
		return nil, &ResponseError{Server: c.ServerURL(), Method: http.MethodGet, Path: "/api/v1/info", Status: 200,
			Reason: "the answer of /api/v1/info has no server id or version: not a ZenML server"}
	}
	c.SetServerVersion(info.Version)
	return &info, nil
}

func (c *Client) login(ctx context.Context, form url.Values) (*TokenResponse, error) {
	var tok TokenResponse
	err := c.doJSON(ctx, request{
		method: http.MethodPost, path: "/api/v1/login",
		body: []byte(form.Encode()), ctype: "application/x-www-form-urlencoded",
		// Exchanging a key or password twice only yields two tokens. A
		// device code is good for one token: a repeat after an answer lost
		// on the way would only read "already used"; the caller polls
		// again instead.
		retryable: form.Get("grant_type") != GrantDeviceCode,
		secret:    secretIn(form),
	}, &tok)
	if err != nil {
		return nil, err
	}
	if tok.AccessToken == "" {
		return nil, &ResponseError{Server: c.ServerURL(), Method: http.MethodPost, Path: "/api/v1/login", Status: 200, Reason: "the login answer carries no access token"}
	}
	return &tok, nil
}

// secretIn names the long-lived secret a login form carries: a device
// code is good for one token, and is not one.
func secretIn(form url.Values) string {
	switch form.Get("grant_type") {
	case GrantAPIKey:
		return "API key"
	case GrantPassword:
		return "password"
	}
	return ""
}

// LoginAPIKey exchanges a service account's API key for an access token.
func (c *Client) LoginAPIKey(ctx context.Context, apiKey string) (*TokenResponse, error) {
	return c.login(ctx, url.Values{"grant_type": {GrantAPIKey}, "password": {apiKey}})
}

// LoginPassword exchanges a user's name and password for an access token.
func (c *Client) LoginPassword(ctx context.Context, username, password string) (*TokenResponse, error) {
	return c.login(ctx, url.Values{"grant_type": {GrantPassword}, "username": {username}, "password": {password}})
}

// LoginDevice polls the device-code grant once. While the user has not
// yet authorized the device it returns an *Error whose OAuthError is
// "authorization_pending".
func (c *Client) LoginDevice(ctx context.Context, clientID, deviceCode string) (*TokenResponse, error) {
	return c.login(ctx, url.Values{"grant_type": {GrantDeviceCode}, "client_id": {clientID}, "device_code": {deviceCode}})
}

// StartDeviceAuthorization begins the OAuth device flow for clientID (a
// UUID that identifies this client installation). Relative verification
// URIs are made absolute against the server URL.
func (c *Client) StartDeviceAuthorization(ctx context.Context, clientID string) (*DeviceAuthorization, error) {
	var da DeviceAuthorization
	form := url.Values{"client_id": {clientID}}
	err := c.doJSON(ctx, request{
		method: http.MethodPost, path: "/api/v1/device_authorization",
		body: []byte(form.Encode()), ctype: "application/x-www-form-urlencoded",
	}, &da)
	if err != nil {
		return nil, err
	}
	da.VerificationURI = c.absolute(da.VerificationURI)
	da.VerificationURIComplete = c.absolute(da.VerificationURIComplete)
	return &da, nil
}

func (c *Client) absolute(ref string) string {
	if ref == "" {
		return ""
	}
	u, err := url.Parse(ref)
	if err != nil || u.IsAbs() {
		return ref
	}
	base := *c.base
	base.Path = c.base.Path + "/" + strings.TrimLeft(u.Path, "/")
	base.RawQuery = u.RawQuery
	return base.String()
}

// VerifyDevice authorizes a device as the calling user, which is what the
// dashboard's "Authorize this device" button does.
func (c *Client) VerifyDevice(ctx context.Context, deviceID, userCode string, trusted bool) (*Device, error) {
	body := map[string]any{"user_code": userCode, "trusted_device": trusted}
	var d Device
	err := c.doJSON(ctx, jsonRequest(http.MethodPut, "/api/v1/devices/"+url.PathEscape(deviceID)+"/verify", body), &d)
	return &d, err
}

// CurrentUser returns the account the token belongs to.
func (c *Client) CurrentUser(ctx context.Context) (*User, error) {
	var u User
	err := c.doJSON(ctx, request{method: http.MethodGet, path: "/api/v1/current-user", auth: true, retryable: true}, &u)
	if err != nil {
		return nil, err
	}
	return &u, nil
}

// APIToken is a short-lived token minted by GET /api/v1/api_token.
type APIToken struct {
	Token string
	// ExpiresAt is zero when the server issued a token that never expires.
	ExpiresAt time.Time
	// SessionToken is set when the server handed back the caller's own
	// token instead of minting one: ZenML before 0.71 does that for a
	// session from a password login, whatever lifetime was asked for.
	SessionToken bool
}

// APIToken mints a generic API token for the current account, valid for
// about expiresIn. The query differs by server version (0.71 reworked it);
// when the version is unknown both spellings are sent, since each server
// ignores the parameters it does not know.
func (c *Client) APIToken(ctx context.Context, expiresIn time.Duration) (*APIToken, error) {
	if expiresIn <= 0 {
		return nil, errors.New("token lifetime must be positive")
	}
	q := url.Values{}
	minutes := strconv.FormatInt(int64(math.Ceil(expiresIn.Minutes())), 10)
	seconds := strconv.FormatInt(int64(math.Ceil(expiresIn.Seconds())), 10)
	switch versionAtLeast(c.ServerVersion(), 0, 71) {
	case versionYes:
		q.Set("token_type", "generic")
		q.Set("expires_in", seconds)
	case versionNo:
		q.Set("expires_minutes", minutes)
	default:
		q.Set("token_type", "generic")
		q.Set("expires_in", seconds)
		q.Set("expires_minutes", minutes)
	}
	var token string
	if err := c.doJSON(ctx, request{method: http.MethodGet, path: "/api/v1/api_token", query: q, auth: true, retryable: true}, &token); err != nil {
		return nil, err
	}
	if token == "" {
		return nil, &ResponseError{Server: c.ServerURL(), Method: http.MethodGet, Path: "/api/v1/api_token", Status: 200, Reason: "the server returned an empty token"}
	}
	t := &APIToken{Token: token}
	if claims, err := DecodeJWTClaims(token); err == nil && claims.ExpiresAt != nil {
		t.ExpiresAt = time.Unix(*claims.ExpiresAt, 0).UTC()
	}
	if c.tokens != nil {
		// The same token as the session's, and not because a token minted a
		// moment ago for the same lifetime is byte for byte this one (the
		// claims carry no nonce): it expires when asked, or it is the session's.
		minted := !t.ExpiresAt.IsZero() && absDuration(t.ExpiresAt.Sub(c.opts.Now().Add(expiresIn))) <= 5*time.Second
		if current, err := c.tokens.Token(ctx); err == nil && current == token && !minted {
			t.SessionToken = true
		}
	}
	return t, nil
}

func absDuration(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

type versionAnswer int

const (
	versionUnknown versionAnswer = iota
	versionYes
	versionNo
)

// versionAtLeast compares a "0.93.0"-style version with major.minor.
func versionAtLeast(v string, major, minor int) versionAnswer {
	parts := strings.SplitN(strings.TrimPrefix(v, "v"), ".", 3)
	if len(parts) < 2 {
		return versionUnknown
	}
	ma, err1 := strconv.Atoi(parts[0])
	mi, err2 := strconv.Atoi(strings.TrimFunc(parts[1], func(r rune) bool { return r < '0' || r > '9' }))
	if err1 != nil || err2 != nil {
		return versionUnknown
	}
	if ma > major || ma == major && mi >= minor {
		return versionYes
	}
	return versionNo
}
