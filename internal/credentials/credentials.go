// Package credentials stores the secrets zenctl keeps for each server (API
// key, password, access token) in the OS keyring or, when asked or when no
// keyring exists, in a 0600 JSON file. Non-secret settings live in
// internal/config; nothing here touches Viper.
//
// Secrets are filed under a key built by Key from the config directory's
// id, the account and the normalised server URL, and used verbatim.
package credentials

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/zenctl/zenctl/pkg/zenml"
)

// Key names one account's secret on one server for one config directory.
// The config directory's id keeps two directories (profiles) apart in the
// one OS keyring they share; the account keeps two identities on one
// server apart. The account is escaped so that no two (account, server)
// pairs give the same key. Keys of the layout before accounts were the
// bare server URL.
func Key(configID, serverURL, account string) string {
	return configID + "/" + url.QueryEscape(account) + "@" + serverURL
}

// Secret is everything zenctl keeps secret for one login: the renewable
// credential (an API key, or a username and password) and the current
// access token. It is the login session's own type, so nothing converts
// between the two.
type Secret = zenml.Credentials

// storedSecret is a Secret as it is written to the keyring and the
// credentials file, in a format zenctl has kept since its first release.
type storedSecret struct {
	APIKey   string `json:"api_key,omitempty"`
	Username string `json:"username,omitempty"`
	// Password is kept only for --username logins, to log in again when the
	// token expires. An empty password is a valid one, hence HasPassword
	// (written for older zenctl versions, which read it).
	Password    string `json:"password,omitempty"`
	HasPassword bool   `json:"has_password,omitempty"`
	AccessToken string `json:"access_token,omitempty"`
	// ExpiresAt is when AccessToken expires; zero means it never does.
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	// Lifetime is the token's lifetime in seconds as issued, so the refresh
	// leeway can scale with it.
	Lifetime int64 `json:"lifetime,omitempty"`
}

func toStored(s Secret) storedSecret {
	return storedSecret{APIKey: s.APIKey, Username: s.Username, Password: s.Password, HasPassword: s.Username != "",
		AccessToken: s.AccessToken, ExpiresAt: s.ExpiresAt, Lifetime: int64(s.Lifetime / time.Second)}
}

func (s storedSecret) secret() Secret {
	return Secret{APIKey: s.APIKey, Username: s.Username, Password: s.Password,
		AccessToken: s.AccessToken, ExpiresAt: s.ExpiresAt, Lifetime: time.Duration(s.Lifetime) * time.Second}
}

// Describe names a key's login for messages ("alice@https://host"),
// without the config directory's id, which means nothing to a reader.
func Describe(key string) string {
	id, rest, ok := strings.Cut(key, "/")
	if !ok || strings.Contains(id, ":") {
		return key // a bare server URL: the layout before accounts
	}
	account, server, ok := strings.Cut(rest, "@")
	if !ok {
		return key
	}
	if a, err := url.QueryUnescape(account); err == nil {
		account = a
	}
	return account + " on " + server
}

// ServerOfKey is the server URL a key files a secret for.
func ServerOfKey(key string) string {
	id, rest, ok := strings.Cut(key, "/")
	if !ok || strings.Contains(id, ":") {
		return key // a bare server URL: the layout before accounts
	}
	if _, server, ok := strings.Cut(rest, "@"); ok {
		return server
	}
	return key
}

// SecretStore keeps one Secret per key (see Key).
type SecretStore interface {
	// Get returns ErrNotFound when the key has no secret.
	Get(key string) (Secret, error)
	// Set replaces the key's secret.
	Set(key string, s Secret) error
	// Delete removes the key's secret; an absent secret is not an error.
	Delete(key string) error
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
		return errors.New("internal error: empty key for credentials")
	}
	return nil
}
