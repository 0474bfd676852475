package zenml

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Time is a datetime as ZenML renders it: ISO-8601, usually naive UTC
// ("2025-12-16T09:37:49.123456"), sometimes with a zone. JSON null and ""
// decode to the zero Time.
type Time struct{ time.Time }

var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02",
}

// ParseTime parses the datetimes ZenML servers and the zenml Python
// client write: RFC 3339, ISO 8601 with a space or without a zone (naive
// values are UTC), a bare date, or a positive Unix timestamp in seconds.
// The result is in UTC.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	if secs, err := strconv.ParseFloat(s, 64); err == nil && secs > 0 && secs <= maxUnixTime {
		return time.Unix(int64(secs), 0).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("unrecognised datetime %q", s)
}

// UnmarshalJSON implements json.Unmarshaler.
func (t *Time) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		t.Time = time.Time{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	if s == "" {
		t.Time = time.Time{}
		return nil
	}
	parsed, err := ParseTime(s)
	if err != nil {
		return err
	}
	t.Time = parsed
	return nil
}

// MarshalJSON implements json.Marshaler; the zero Time is null.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(t.UTC().Format(time.RFC3339Nano))
}

// ServerInfo is GET /api/v1/info.
type ServerInfo struct {
	ID               string `json:"id"`
	Name             string `json:"name"`
	Version          string `json:"version"`
	Active           bool   `json:"active"`
	DeploymentType   string `json:"deployment_type"`
	DatabaseType     string `json:"database_type"`
	SecretsStoreType string `json:"secrets_store_type"`
	AuthScheme       string `json:"auth_scheme"`
	ServerURL        string `json:"server_url"`
	DashboardURL     string `json:"dashboard_url"`
}

// AuthSchemeNone is the auth scheme of a server without authentication:
// every request acts as its default user, whatever it carries.
const AuthSchemeNone = "NO_AUTH"

// NoAuth reports whether the server uses no authentication (NO_AUTH): it
// needs no login, issues no tokens, and a stored secret is of no use to it.
func (i *ServerInfo) NoAuth() bool { return i != nil && i.AuthScheme == AuthSchemeNone }

// TokenResponse is the OAuth token answer of POST /api/v1/login.
type TokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	// ExpiresIn is nil when the token never expires (the server default).
	ExpiresIn *int64  `json:"expires_in"`
	DeviceID  *string `json:"device_id,omitempty"`
}

// DeviceAuthorization is the answer of POST /api/v1/device_authorization.
type DeviceAuthorization struct {
	DeviceCode              string `json:"device_code"`
	UserCode                string `json:"user_code"`
	VerificationURI         string `json:"verification_uri"`
	VerificationURIComplete string `json:"verification_uri_complete"`
	ExpiresIn               int    `json:"expires_in"`
	Interval                int    `json:"interval"`
}

// User is an account as GET /api/v1/current-user renders it; service
// accounts appear as users with IsServiceAccount set.
type User struct {
	ID               string        `json:"id"`
	Name             string        `json:"name"`
	PermissionDenied bool          `json:"permission_denied"`
	Body             UserBody      `json:"body"`
	Metadata         *UserMetadata `json:"metadata"`
}

// UserBody holds a user's always-present fields.
type UserBody struct {
	Created          Time   `json:"created"`
	Updated          Time   `json:"updated"`
	Active           bool   `json:"active"`
	FullName         string `json:"full_name"`
	IsServiceAccount bool   `json:"is_service_account"`
	IsAdmin          *bool  `json:"is_admin"`
}

// UserMetadata holds a user's hydrated fields.
type UserMetadata struct {
	Email string `json:"email"`
}

// AccountType is "service account" or "user", for messages.
func (u *User) AccountType() string {
	if u.Body.IsServiceAccount {
		return "service account"
	}
	return "user"
}

// ServiceAccount is a ZenML service account.
type ServiceAccount struct {
	ID               string                  `json:"id"`
	Name             string                  `json:"name"`
	PermissionDenied bool                    `json:"permission_denied"`
	Body             ServiceAccountBody      `json:"body"`
	Metadata         *ServiceAccountMetadata `json:"metadata"`
}

// ServiceAccountBody holds a service account's always-present fields.
type ServiceAccountBody struct {
	Created   Time    `json:"created"`
	Updated   Time    `json:"updated"`
	Active    bool    `json:"active"`
	FullName  string  `json:"full_name"`
	AvatarURL *string `json:"avatar_url"`
}

// ServiceAccountMetadata holds a service account's hydrated fields.
type ServiceAccountMetadata struct {
	Description    string  `json:"description"`
	ExternalUserID *string `json:"external_user_id"`
}

// Description is the account's description, or "" when not hydrated.
func (s *ServiceAccount) Description() string {
	if s.Metadata == nil {
		return ""
	}
	return s.Metadata.Description
}

// ServiceAccountRequest creates a service account.
type ServiceAccountRequest struct {
	Name        string  `json:"name"`
	Description *string `json:"description,omitempty"`
	// Active is required by the server; there is no default.
	Active bool `json:"active"`
}

// ServiceAccountUpdate changes a service account; nil fields are left alone.
type ServiceAccountUpdate struct {
	Name        *string `json:"name,omitempty"`
	Description *string `json:"description,omitempty"`
	Active      *bool   `json:"active,omitempty"`
}

// APIKey is an API key of a service account.
type APIKey struct {
	ID               string          `json:"id"`
	Name             string          `json:"name"`
	PermissionDenied bool            `json:"permission_denied"`
	Body             APIKeyBody      `json:"body"`
	Metadata         *APIKeyMetadata `json:"metadata"`
}

// APIKeyBody holds an API key's always-present fields.
type APIKeyBody struct {
	Created Time `json:"created"`
	Updated Time `json:"updated"`
	// Key is the full secret; the server sends it only in the answers of
	// create and rotate.
	Key            *string         `json:"key"`
	Active         bool            `json:"active"`
	ServiceAccount *ServiceAccount `json:"service_account"`
}

// APIKeyMetadata holds an API key's hydrated fields.
type APIKeyMetadata struct {
	Description         string `json:"description"`
	RetainPeriodMinutes int    `json:"retain_period_minutes"`
	LastLogin           *Time  `json:"last_login"`
	LastRotated         *Time  `json:"last_rotated"`
}

// Secret is the full key value, or "" when the server did not send it.
func (k *APIKey) Secret() string {
	if k.Body.Key == nil {
		return ""
	}
	return *k.Body.Key
}

// Description is the key's description, or "" when not hydrated.
func (k *APIKey) Description() string {
	if k.Metadata == nil {
		return ""
	}
	return k.Metadata.Description
}

// APIKeyRequest creates an API key.
type APIKeyRequest struct {
	Name        string  `json:"name"`
	Description *string `json:"description,omitempty"`
}

// APIKeyUpdate changes an API key. Active is always sent: a 0.58 server
// re-activates a key when an update omits it.
type APIKeyUpdate struct {
	Name        *string `json:"name,omitempty"`
	Description *string `json:"description,omitempty"`
	Active      bool    `json:"active"`
}

// Device is an authorized device (OAuth device flow).
type Device struct {
	ID   string     `json:"id"`
	Body DeviceBody `json:"body"`
}

// DeviceBody holds a device's always-present fields.
type DeviceBody struct {
	Created       Time   `json:"created"`
	Updated       Time   `json:"updated"`
	ClientID      string `json:"client_id"`
	Expires       *Time  `json:"expires"`
	TrustedDevice bool   `json:"trusted_device"`
	Status        string `json:"status"`
	Hostname      string `json:"hostname"`
}

// Page is ZenML's pagination envelope.
type Page[T any] struct {
	Index      int `json:"index"`
	MaxSize    int `json:"max_size"`
	TotalPages int `json:"total_pages"`
	Total      int `json:"total"`
	Items      []T `json:"items"`
}
