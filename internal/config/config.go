// Package config holds zenctl's non-secret state: settings (active server,
// storage mode, output format, HTTP timeout) and one metadata record per
// server. Secrets live in internal/credentials, never here.
//
// The file is <dir>/config.yaml, marshalled with yaml.v3 directly rather
// than through Viper: Viper lowercases keys, splits them on dots and writes
// env and flag values back into the file, all wrong for server URLs and
// for a file that several processes update. Viper layers the settings
// (flag > env > file > default) and says where each came from; it is
// handed the settings keys of the file Load read, see NewViper.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/zenctl/zenctl/internal/atomicfile"
	"github.com/zenctl/zenctl/internal/iostreams"
)

// FileName is the config file's name inside the config dir.
const FileName = "config.yaml"

// Auth methods recorded in Server.AuthMethod.
const (
	AuthAPIKey   = "api_key"
	AuthPassword = "password"
	AuthDevice   = "device"
	AuthToken    = "token"
	// AuthNone is a server without authentication (auth scheme NO_AUTH):
	// a login with no secret at all.
	AuthNone = "none"
)

// Account types recorded in Server.AccountType.
const (
	AccountUser           = "user"
	AccountServiceAccount = "service_account"
)

// Config is the content of config.yaml.
type Config struct {
	// ID names this config directory's secrets in the OS keyring, which
	// every directory of the user shares: with it in the entries' names,
	// two config directories (profiles) never read, overwrite or delete
	// each other's secrets. Assigned at the first login.
	ID string `yaml:"id,omitempty"`
	// IDDir is the DirIdentity of the directory ID was made for: a copy of
	// the directory (cp -a, a restored backup) shows another one, and gets
	// an id, and keyring entries, of its own.
	IDDir string `yaml:"id_dir,omitempty"`
	// IDPath is where that directory was, to tell a directory moved to
	// another filesystem (its original gone) from a copy (the original
	// still using ID).
	IDPath       string   `yaml:"id_path,omitempty"`
	ActiveServer string   `yaml:"active_server,omitempty"`
	Storage      string   `yaml:"storage,omitempty"`      // "keyring" | "file"; "" = default
	Output       string   `yaml:"output,omitempty"`       // "table" | "json" | "yaml"; "" = default
	HTTPTimeout  int      `yaml:"http_timeout,omitempty"` // seconds; 0 = default
	Servers      []Server `yaml:"servers,omitempty"`

	// Extra keeps keys this version does not know, so that an older zenctl
	// updating the file does not erase what a newer one wrote.
	Extra map[string]any `yaml:",inline"`
}

// Server is the non-secret record of one server zenctl has logged in to,
// with the accounts logged in to on it. Records form a list, not a map
// keyed by URL, so no tool ever treats a URL as a config key.
type Server struct {
	// URL is the normalised server URL, compared verbatim.
	URL           string `yaml:"url"`
	ServerID      string `yaml:"server_id,omitempty"`
	ServerName    string `yaml:"server_name,omitempty"`
	ServerVersion string `yaml:"server_version,omitempty"`
	// AuthScheme is the server's auth scheme as /info reported it at the
	// last login (OAUTH2_PASSWORD_BEARER, NO_AUTH, …): a server that
	// changes it between runs is noticed.
	AuthScheme string `yaml:"auth_scheme,omitempty"`
	// DeviceClientID is the OAuth client id (a UUID) used for the device
	// flow, kept per server so the server sees one device per machine.
	DeviceClientID string `yaml:"device_client_id,omitempty"`
	VerifySSL      *bool  `yaml:"verify_ssl,omitempty"` // nil = verify
	CACertPath     string `yaml:"ca_cert_path,omitempty"`
	// ActiveAccount names the account commands use unless --account says
	// otherwise.
	ActiveAccount string    `yaml:"active_account,omitempty"`
	Accounts      []Account `yaml:"accounts,omitempty"`

	// The fields below are the layout before accounts (one login per
	// server, its secret filed under the bare URL). They are read only to
	// move such a login into Accounts; nothing writes them.
	LegacyAuthMethod     string     `yaml:"auth_method,omitempty"`
	LegacyAccount        string     `yaml:"account,omitempty"`
	LegacyAccountType    string     `yaml:"account_type,omitempty"`
	LegacyTokenExpiresAt *time.Time `yaml:"token_expires_at,omitempty"`
	LegacySecretStore    string     `yaml:"secret_store,omitempty"`
	LegacyLastLogin      time.Time  `yaml:"last_login,omitempty"`

	// Extra keeps unknown keys of this record (see Config.Extra).
	Extra map[string]any `yaml:",inline"`
}

// Account is one identity logged in to on a server: a user or a service
// account, with how it logged in and where its secret is.
type Account struct {
	// Name is the account's name on the server, unique there.
	Name       string `yaml:"name"`
	Type       string `yaml:"type,omitempty"`        // Account* constants
	AuthMethod string `yaml:"auth_method,omitempty"` // Auth* constants
	// SecretStore is where this account's secret lives ("keyring" |
	// "file"), so reads go straight there and never fall back.
	SecretStore string `yaml:"secret_store,omitempty"`
	// TokenExpiresAt is informational (server list without a keyring
	// round trip); the secret's expiry is the source of truth.
	TokenExpiresAt *time.Time `yaml:"token_expires_at,omitempty"`
	LastLogin      time.Time  `yaml:"last_login,omitempty"`
	// LegacySecretKey is the keyring entry this login was copied from when
	// it moved to the layout with accounts. Another config directory of
	// the old layout may still read that entry, so it is deleted only with
	// the account (logout --clear), not at the move.
	LegacySecretKey string `yaml:"legacy_secret_key,omitempty"`
	// ServerID is the id of the server this account's secret was given
	// to: trust is per account, so a login of another account to a
	// server that replaced this one at the URL does not hand it this
	// account's secret. Empty in configs written before it was recorded
	// (see Server.TrustedServerID).
	ServerID string `yaml:"server_id,omitempty"`

	Extra map[string]any `yaml:",inline"`
}

// HasLegacyLogin reports whether the record holds a login in the layout
// before accounts, still to be moved into Accounts.
func (s *Server) HasLegacyLogin() bool {
	return s.LegacyAuthMethod != "" || s.LegacyAccount != "" || s.LegacySecretStore != ""
}

// TrustedServerID is the id of the server a's secret was given to: the
// account's own record, else — a config written before accounts recorded
// one — the server's.
func (s *Server) TrustedServerID(a *Account) string {
	if a != nil && a.ServerID != "" {
		return a.ServerID
	}
	return s.ServerID
}

// SetServerID records the id the server reports now. An account that
// relied on the server's record keeps the id its secret was given to, so
// that a login of one account trusts the new server for that one only.
func (s *Server) SetServerID(id string) {
	if s.ServerID != "" && s.ServerID != id {
		for i := range s.Accounts {
			if s.Accounts[i].ServerID == "" {
				s.Accounts[i].ServerID = s.ServerID
			}
		}
	}
	s.ServerID = id
}

// Account returns the account called name, or nil. The pointer aliases
// the config, so changes inside Update are saved.
func (s *Server) Account(name string) *Account {
	for i := range s.Accounts {
		if s.Accounts[i].Name == name {
			return &s.Accounts[i]
		}
	}
	return nil
}

// Active returns the active account, or nil when none is.
func (s *Server) Active() *Account {
	if s.ActiveAccount == "" {
		return nil
	}
	return s.Account(s.ActiveAccount)
}

// UpsertAccount replaces the account with a.Name, or appends a.
func (s *Server) UpsertAccount(a Account) {
	if old := s.Account(a.Name); old != nil {
		if a.Extra == nil {
			a.Extra = old.Extra
		}
		*old = a
		return
	}
	s.Accounts = append(s.Accounts, a)
}

// RemoveAccount deletes the account called name and reports whether it
// existed; if it was active, no account is active afterwards.
func (s *Server) RemoveAccount(name string) bool {
	if s.ActiveAccount == name {
		s.ActiveAccount = ""
	}
	for i := range s.Accounts {
		if s.Accounts[i].Name == name {
			s.Accounts = append(s.Accounts[:i], s.Accounts[i+1:]...)
			return true
		}
	}
	return false
}

// AccountNames lists the accounts in file order.
func (s *Server) AccountNames() []string {
	names := make([]string, 0, len(s.Accounts))
	for _, a := range s.Accounts {
		names = append(names, a.Name)
	}
	return names
}

// Dir returns the config dir: $ZENCTL_CONFIG_DIR, else
// os.UserConfigDir()/zenctl (which honours XDG_CONFIG_HOME). It does not
// create it; Update and EnsureDir do.
func Dir() (string, error) {
	return DirFrom(os.Getenv)
}

// DirFrom is Dir with an injectable environment, for tests.
func DirFrom(getenv func(string) string) (string, error) {
	if d := getenv("ZENCTL_CONFIG_DIR"); d != "" {
		abs, err := filepath.Abs(d)
		if err != nil {
			return "", fmt.Errorf("invalid ZENCTL_CONFIG_DIR %q: %w", d, err)
		}
		return abs, nil
	}
	base, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("cannot find a config directory (%v); set ZENCTL_CONFIG_DIR", err)
	}
	return filepath.Join(base, "zenctl"), nil
}

// EnsureDir creates the config dir with mode 0700 if it is missing.
func EnsureDir(dir string) error {
	return atomicfile.EnsureDir(dir)
}

// Path is the config file's path in dir.
func Path(dir string) string { return filepath.Join(dir, FileName) }

// Load reads dir's config. A missing file is an empty config; a file that
// does not parse is an error naming it, never silently replaced. Load takes
// no lock: writers replace the file by rename.
func Load(dir string) (*Config, error) {
	path := Path(dir)
	data, err := atomicfile.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &Config{}, nil
	}
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("cannot read config file %s: %v", path, err)
	}
	return parse(path, data)
}

func parse(path string, data []byte) (*Config, error) {
	c := &Config{}
	if len(bytes.TrimSpace(data)) == 0 {
		return c, nil
	}
	if err := yaml.Unmarshal(data, c); err != nil {
		return nil, fmt.Errorf("config file %s is corrupt: %s; fix or remove it", path, iostreams.OneLine(err.Error()))
	}
	seen := map[string]bool{}
	for i, s := range c.Servers {
		if s.URL == "" {
			return nil, fmt.Errorf("config file %s is corrupt: servers entry %d has no url; fix or remove it", path, i+1)
		}
		if seen[s.URL] {
			return nil, fmt.Errorf("config file %s is corrupt: server %s is listed twice; fix or remove it", path, s.URL)
		}
		seen[s.URL] = true
		names := map[string]bool{}
		for _, a := range s.Accounts {
			// Two records of one account would share one secret.
			if a.Name == "" || names[a.Name] {
				return nil, fmt.Errorf("config file %s is corrupt: server %s has an account without a name, or two named %q; fix or remove it", path, s.URL, a.Name)
			}
			names[a.Name] = true
		}
	}
	return c, nil
}

// Update does a cross-process locked read-modify-write of dir's config:
// the file is re-read under the lock, fn changes it, and it is replaced
// atomically with mode 0600. If fn returns an error nothing is written.
func Update(dir string, fn func(*Config) error) error {
	if err := EnsureDir(dir); err != nil {
		return err
	}
	path := Path(dir)
	return atomicfile.Update(path, 0o600, func(old []byte, _ bool) ([]byte, error) {
		c, err := parse(path, old)
		if err != nil {
			return nil, err
		}
		if err := fn(c); err != nil {
			return nil, err
		}
		return c.marshal()
	})
}

func (c *Config) marshal() ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(c); err != nil {
		return nil, fmt.Errorf("cannot encode config: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("cannot encode config: %w", err)
	}
	return buf.Bytes(), nil
}

// Server returns the record for url (compared verbatim), or nil. The
// pointer aliases the config, so changes inside Update are saved.
func (c *Config) Server(url string) *Server {
	for i := range c.Servers {
		if c.Servers[i].URL == url {
			return &c.Servers[i]
		}
	}
	return nil
}

// UpsertServer replaces the record with s.URL, or appends s. Unknown keys
// of the old record survive when s carries none.
func (c *Config) UpsertServer(s Server) {
	if old := c.Server(s.URL); old != nil {
		if s.Extra == nil {
			s.Extra = old.Extra
		}
		*old = s
		return
	}
	c.Servers = append(c.Servers, s)
}

// RemoveServer deletes url's record and reports whether it existed. If url
// was the active server, no server is active afterwards.
func (c *Config) RemoveServer(url string) bool {
	if c.ActiveServer == url {
		c.ActiveServer = ""
	}
	for i := range c.Servers {
		if c.Servers[i].URL == url {
			c.Servers = append(c.Servers[:i], c.Servers[i+1:]...)
			return true
		}
	}
	return false
}

// ServerURLs lists the known servers in file order.
func (c *Config) ServerURLs() []string {
	urls := make([]string, 0, len(c.Servers))
	for _, s := range c.Servers {
		urls = append(urls, s.URL)
	}
	return urls
}
