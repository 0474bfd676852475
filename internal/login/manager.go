// Package login owns a login's whole life: which server and account a
// command acts on (and why), the API client that authenticates as it, and
// every write of a login — save, move, switch, delete, and the move of
// logins stored in the layout before accounts — each under the server's
// cross-process lock. Commands never write a secret or a server record
// themselves.
package login

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/zenctl/zenctl/internal/config"
	"github.com/zenctl/zenctl/internal/credentials"
	"github.com/zenctl/zenctl/internal/interrupt"
	"github.com/zenctl/zenctl/internal/iostreams"
	"github.com/zenctl/zenctl/pkg/zenml"
)

// TLS are a server's certificate settings.
type TLS struct {
	InsecureSkipVerify bool
	CACert             string
}

// ClientFunc builds an API client for a server with the CLI's transport
// settings (timeouts, user agent, debug tracing); tokens may be nil.
type ClientFunc func(serverURL string, tls TLS, tokens zenml.TokenSource) (*zenml.Client, error)

// Manager is the login layer of one config directory: its Resolver
// (which login a command acts on), its Store (every write of a login) and
// the clients that authenticate as a login (client.go). Its exported
// fields configure all three; set them before first use.
type Manager struct {
	Dir      string
	Getenv   func(string) string
	Settings config.Settings
	// NewClient builds API clients (see ClientFunc).
	NewClient ClientFunc
	// Keyring replaces the OS keyring (tests of code above the store);
	// KeyringTimeout bounds each call (0: the default).
	Keyring        credentials.KeyringAPI
	KeyringTimeout time.Duration
	// Notify shows notices (the keyring fallback, moved logins, waits);
	// without it they go as plain lines to Warn, which tests set.
	Notify Notifier
	Warn   io.Writer

	saveWarning  sync.Once
	resolverOnce sync.Once
	resolve      *Resolver
	storeOnce    sync.Once
	logins       *Store
}

// Store does every write of a login — save, move, switch, delete, and the
// move of logins stored in the layout before accounts — each under the
// server's cross-process lock, and keeps the config as last loaded or
// written. Manager.store makes it from the Manager's fields.
type Store struct {
	Dir string
	// Settings are read for the storage mode when a secret store is
	// opened (the Manager's, shared).
	Settings       *config.Settings
	Keyring        credentials.KeyringAPI
	KeyringTimeout time.Duration
	notifier       func() Notifier

	mu    sync.Mutex
	cfg   *config.Config
	dirID string
	// fallback is the storage mode NewStore fell back to, for Save to record;
	// fallbackNotice says so, shown by Save once a secret is in that store:
	// a failed login stores nothing and so says nothing, and a good one
	// records the fallback, so that the notice shows once, not on every
	// attempt.
	fallback       credentials.Mode
	fallbackNotice bytes.Buffer
	// migrateErrs holds, by server URL, why a login of the layout before
	// accounts could not be moved (see migrate).
	migrateErrs map[string]error
	// held names the servers whose lock a ServerQueue holds (ServerQueue.Hold) (see there).
	held map[string]bool
}

func (m *Store) notify() Notifier { return m.notifier() }

// store is the Manager's Store, made once from its fields.
func (m *Manager) store() *Store {
	m.storeOnce.Do(func() {
		m.logins = &Store{Dir: m.Dir, Settings: &m.Settings, Keyring: m.Keyring, KeyringTimeout: m.KeyringTimeout, notifier: m.notify}
	})
	return m.logins
}

// SetConfig hands the store the configuration its caller has just
// loaded (to resolve the settings), so the file is not read twice.
func (m *Store) SetConfig(cfg *config.Config) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.cfg = cfg
}

// dirIdentity is config.DirIdentity of the manager's directory, read once
// it exists (a first login creates it).
func (m *Store) dirIdentity() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.dirID == "" {
		m.dirID = config.DirIdentity(m.Dir)
	}
	return m.dirID
}

// Config is the configuration as last loaded or written by this manager.
func (m *Store) Config() (*config.Config, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cfg != nil {
		return m.cfg, nil
	}
	cfg, err := config.Load(m.Dir)
	if err != nil {
		return nil, err
	}
	m.cfg = cfg
	return cfg, nil
}

// update changes the config file under its lock and keeps the in-memory
// copy in step.
func (m *Store) update(fn func(*config.Config) error) error {
	return config.Update(m.Dir, func(c *config.Config) error {
		if err := fn(c); err != nil {
			return err
		}
		m.mu.Lock()
		m.cfg = c
		m.mu.Unlock()
		return nil
	})
}

// configID returns this directory's id, assigning one on first use: it
// names the directory's secrets in the OS keyring (see credentials.Key).
func (m *Store) configID() (string, error) {
	cfg, err := m.Config()
	if err != nil {
		return "", err
	}
	if cfg.ID != "" && cfg.IDDir == m.dirIdentity() && cfg.IDPath == m.Dir {
		return cfg.ID, nil
	}
	var id string
	err = m.update(func(c *config.Config) error {
		if c.ID == "" {
			b := make([]byte, 8)
			if _, err := rand.Read(b); err != nil {
				return fmt.Errorf("cannot make a config id: %w", err)
			}
			c.ID = hex.EncodeToString(b)
		}
		c.IDDir, c.IDPath = m.dirIdentity(), m.Dir
		id = c.ID
		return nil
	})
	return id, err
}

// secretKey is where an account's secret is filed.
func (m *Store) secretKey(serverURL, account string) (string, error) {
	id, err := m.configID()
	if err != nil {
		return "", err
	}
	return credentials.Key(id, serverURL, account), nil
}

// Lock takes the per-server lock that token renewal holds, so that a
// login, logout or import never interleaves with a renewal that would then
// write back the credentials it read before.
func (m *Store) Lock(ctx context.Context, serverURL string) (unlock func(), err error) {
	if m.holding(serverURL) {
		return func() {}, nil
	}
	if err := config.EnsureDir(m.Dir); err != nil {
		return nil, err
	}
	return config.LockServer(ctx, m.Dir, serverURL, m.sayWaiting(serverURL))
}

// writing marks the writes of one login change (a secret and its record)
// as a stretch the first Ctrl-C does not cut: stopped between them, a
// secret would stay that no record names, or a record without its secret.
// A second Ctrl-C still ends the process, saying what may be half done.
func writing(ctx context.Context, what string) (end func()) {
	c := interrupt.Begin(ctx, interrupt.Risk{
		Happened: iostreams.EscapeLine(what) + " was being written; the config may not match the stored secret",
		Recover:  "Check with: zenctl server list",
	})
	return c.End
}

// sayWaiting tells the user, once a lock wait is long enough to notice,
// who is waited for: a renewal stopped with Ctrl-Z holds it for good.
func (m *Store) sayWaiting(serverURL string) func(holder int) {
	return func(holder int) {
		who := "another zenctl process"
		if holder > 0 {
			who = fmt.Sprintf("another zenctl process (pid %d)", holder)
		}
		m.notify().Note(fmt.Sprintf("Waiting for %s to finish with %s (at most %s; a process stopped with Ctrl-Z holds it until resumed)",
			who, serverURL, config.ServerLockTimeout))
	}
}

func (m *Store) storeOptions() credentials.Options {
	return credentials.Options{
		Mode:     credentials.Mode(m.Settings.Storage),
		Explicit: m.Settings.StorageExplicit(),
		Dir:      m.Dir,
		Timeout:  m.KeyringTimeout,
		Keyring:  m.Keyring,
		// Kept, and shown through the Notifier (showFallbackNotice).
		Warn: lockedWriter{&m.mu, &m.fallbackNotice},
		// Recorded with the login that uses it (see Save): a login that
		// fails after the probe leaves the config as it was.
		RecordFallback: func(mode credentials.Mode) error {
			m.mu.Lock()
			m.fallback = mode
			m.mu.Unlock()
			return nil
		},
	}
}

// NewStore is the store a new login writes to; it probes the keyring and
// may fall back to the file store once (see credentials.Open).
func (m *Store) NewStore() (credentials.SecretStore, error) {
	return credentials.Open(m.storeOptions())
}

// StoreOf is the store that holds a stored account's secret; it never
// probes and never falls back.
func (m *Store) StoreOf(a *config.Account) (credentials.SecretStore, error) {
	kind := ""
	if a != nil {
		kind = a.SecretStore
	}
	return credentials.OpenExisting(kind, m.storeOptions())
}

// Env is the ZENML_STORE_* environment.
func (m *Manager) Env() config.Env { return m.Settings.Store }

// lockedWriter writes to w under mu.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (lw lockedWriter) Write(p []byte) (int, error) {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	return lw.w.Write(p)
}

// showFallbackNotice shows, once, why a secret went to the file store
// instead of the keyring, when store is the store NewStore fell back to.
func (m *Store) showFallbackNotice(store credentials.SecretStore, fallback credentials.Mode) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if fallback == "" || store == nil || store.Kind() != string(fallback) || m.fallbackNotice.Len() == 0 {
		return
	}
	for _, msg := range splitCredentialsWarnings(m.fallbackNotice.String()) {
		m.notify().Warn(msg)
	}
	m.fallbackNotice.Reset()
}
