// Package config holds zenctl's non-secret state: settings (active server,
// storage mode, output format, HTTP timeout) and one metadata record per
// server. Secrets live in internal/credentials, never here.
//
// The file is <dir>/config.yaml, marshalled with yaml.v3 directly rather
// than through Viper: Viper lowercases keys, splits them on dots and writes
// env and flag values back into the file, all wrong for server URLs and
// for a file that several processes update. Viper is used only to layer
// settings (flag > env > file > default), see Settings.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/zenctl/zenctl/internal/atomicfile"
)

// FileName is the config file's name inside the config dir.
const FileName = "config.yaml"

// Auth methods recorded in Server.AuthMethod.
const (
	AuthAPIKey   = "api_key"
	AuthPassword = "password"
	AuthDevice   = "device"
	AuthToken    = "token"
)

// Account types recorded in Server.AccountType.
const (
	AccountUser           = "user"
	AccountServiceAccount = "service_account"
)

// Config is the content of config.yaml.
type Config struct {
	ActiveServer string   `yaml:"active_server,omitempty"`
	Storage      string   `yaml:"storage,omitempty"`      // "keyring" | "file"; "" = default
	Output       string   `yaml:"output,omitempty"`       // "table" | "json" | "yaml"; "" = default
	HTTPTimeout  int      `yaml:"http_timeout,omitempty"` // seconds; 0 = default
	Servers      []Server `yaml:"servers,omitempty"`

	// Extra keeps keys this version does not know, so that an older zenctl
	// updating the file does not erase what a newer one wrote.
	Extra map[string]any `yaml:",inline"`
}

// Server is the non-secret record of one server zenctl has logged in to.
// Records form a list, not a map keyed by URL, so no tool ever treats a
// URL as a config key.
type Server struct {
	// URL is the normalised server URL, compared verbatim; it is also the
	// key of the server's secret.
	URL           string `yaml:"url"`
	ServerID      string `yaml:"server_id,omitempty"`
	ServerName    string `yaml:"server_name,omitempty"`
	ServerVersion string `yaml:"server_version,omitempty"`
	AuthMethod    string `yaml:"auth_method,omitempty"` // Auth* constants
	Account       string `yaml:"account,omitempty"`
	AccountType   string `yaml:"account_type,omitempty"` // Account* constants
	// TokenExpiresAt is informational (for status output without a keyring
	// round trip); the secret's expiry is the source of truth.
	TokenExpiresAt *time.Time `yaml:"token_expires_at,omitempty"`
	// DeviceClientID is the OAuth client id (a UUID) used for the device
	// flow, kept per server so the server sees one device per machine.
	DeviceClientID string `yaml:"device_client_id,omitempty"`
	VerifySSL      *bool  `yaml:"verify_ssl,omitempty"` // nil = verify
	CACertPath     string `yaml:"ca_cert_path,omitempty"`
	// SecretStore is where this server's secret lives ("keyring" | "file"),
	// so reads go straight there and never fall back.
	SecretStore string    `yaml:"secret_store,omitempty"`
	LastLogin   time.Time `yaml:"last_login,omitempty"`

	// Extra keeps unknown keys of this record (see Config.Extra).
	Extra map[string]any `yaml:",inline"`
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
		return nil, fmt.Errorf("config file %s is corrupt: %s; fix or remove it", path, oneLine(err.Error()))
	}
	for i, s := range c.Servers {
		if s.URL == "" {
			return nil, fmt.Errorf("config file %s is corrupt: servers entry %d has no url; fix or remove it", path, i+1)
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

// oneLine folds yaml.v3's multi-line errors ("unmarshal errors:\n  line 3:
// …") into one line, keeping the line numbers the user needs.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
