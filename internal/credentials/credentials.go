// Package credentials stores the secrets zenctl keeps for each server (API
// key, password, access token) in the OS keyring or, when asked or when no
// keyring exists, in a 0600 JSON file. Non-secret settings live in
// internal/config; nothing here touches Viper.
//
// Server keys are used verbatim: callers pass the normalised server URL
// (zenml.NormalizeServerURL), and the same string must be used for reads.
package credentials

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Secret is everything zenctl keeps secret for one server, stored as one
// small JSON value per server.
type Secret struct {
	APIKey   string `json:"api_key,omitempty"`
	Username string `json:"username,omitempty"`
	// Password is kept only for --username logins, to log in again when the
	// token expires. An empty password is a valid password, hence HasPassword.
	Password    string `json:"password,omitempty"`
	HasPassword bool   `json:"has_password,omitempty"`
	AccessToken string `json:"access_token,omitempty"`
	// ExpiresAt is when AccessToken expires; zero means it never does.
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	// Lifetime is the token's lifetime in seconds as issued, so the refresh
	// leeway can scale with it.
	Lifetime int64 `json:"lifetime,omitempty"`
}

// CanRelogin reports whether the secret holds a credential that can mint a
// new access token without the user (an API key or a username+password).
func (s Secret) CanRelogin() bool {
	return s.APIKey != "" || (s.Username != "" && s.HasPassword)
}

// SecretStore keeps one Secret per server.
type SecretStore interface {
	// Get returns ErrNotFound when the server has no secret.
	Get(server string) (Secret, error)
	// Set replaces the server's secret.
	Set(server string, s Secret) error
	// Delete removes the server's secret; an absent secret is not an error.
	Delete(server string) error
	// Kind is "keyring" or "file" (a Mode), for config's per-server record.
	Kind() string
	// Location is human text for messages: "the OS keyring (service zenctl)"
	// or the file's path.
	Location() string
}

var (
	// ErrNotFound means the store has no secret for that server.
	ErrNotFound = errors.New("no stored credentials")
	// ErrKeyringTimeout means the keyring did not answer in time. It is not
	// "unavailable": the keyring may be waiting for the user to unlock it.
	ErrKeyringTimeout = errors.New("keyring timed out")
	// ErrKeyringLocked means the keyring exists but stayed locked (the
	// unlock prompt was dismissed or could not be shown). Like a timeout, it
	// never triggers the fallback to the file: the keyring is there.
	ErrKeyringLocked = errors.New("keyring locked")
	// ErrKeyringUnavailable means the OS keyring cannot be used at all (no
	// session bus, no Secret Service provider, access refused).
	ErrKeyringUnavailable = errors.New("keyring unavailable")
)

// Mode selects where secrets are stored.
type Mode string

const (
	ModeKeyring Mode = "keyring"
	ModeFile    Mode = "file"
)

// DefaultMode is used when neither flag, ZENCTL_STORAGE nor config say.
const DefaultMode = ModeKeyring

// ParseMode validates a storage mode from a flag, env var or config; the
// empty string means "not set" and returns "".
func ParseMode(s string) (Mode, error) {
	switch m := Mode(strings.ToLower(strings.TrimSpace(s))); m {
	case "", ModeKeyring, ModeFile:
		return m, nil
	}
	return "", fmt.Errorf("invalid storage mode %q: use keyring or file", s)
}

// storeError keeps a full, one-line message for the user while still
// matching errors.Is against both a sentinel and the underlying cause.
type storeError struct {
	msg   string
	kind  error
	cause error
}

func (e *storeError) Error() string { return e.msg }

func (e *storeError) Unwrap() []error {
	errs := []error{e.kind}
	if e.cause != nil {
		errs = append(errs, e.cause)
	}
	return errs
}

// firstLine keeps messages one line: D-Bus and OS errors sometimes carry
// multi-line detail that would break the CLI's error format.
func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	return s
}

func checkServer(server string) error {
	if server == "" {
		return errors.New("internal error: empty server URL for credentials")
	}
	return nil
}
