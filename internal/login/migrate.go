package login

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/zenctl/zenctl/internal/config"
	"github.com/zenctl/zenctl/internal/credentials"
	"github.com/zenctl/zenctl/internal/errhint"
	"github.com/zenctl/zenctl/internal/exitcode"
)

// readLegacySecrets reads the secret of every login of the layout before
// accounts still to be moved; failed holds why one could not be read.
func (m *Store) readLegacySecrets(cfg *config.Config) (read map[string]legacySecret, failed map[string]error) {
	read, failed = map[string]legacySecret{}, map[string]error{}
	for _, s := range cfg.Servers {
		if !s.HasLegacyLogin() || m.migrateErrs[s.URL] != nil {
			continue
		}
		if s.LegacySecretStore == "" {
			// Where that zenctl put it: the config file's mode, else the
			// keyring; never what this command's flags ask for.
			s.LegacySecretStore = cfg.Storage
			if s.LegacySecretStore == "" {
				s.LegacySecretStore = string(credentials.ModeKeyring)
			}
		}
		if ls, err := m.readLegacySecret(&s); err != nil {
			failed[s.URL] = err
		} else {
			read[s.URL] = ls
		}
	}
	return read, failed
}

// migrate moves logins stored in the layout before accounts — one login
// per server, its secret filed under the bare server URL, shared by every
// config directory — into accounts with secrets of this directory's own.
// It runs on first use, under the locks of the servers it moves. A login
// that cannot be moved (a keyring that does not answer) is left as it was
// and named when a command needs it; the others move on.
func (m *Store) migrate() error {
	if err := m.separateCopy(); err != nil {
		return err
	}
	cfg, err := m.Config()
	if err != nil {
		return err
	}
	var urls []string
	for _, s := range cfg.Servers {
		if s.HasLegacyLogin() && m.migrateErrs[s.URL] == nil {
			urls = append(urls, s.URL)
		}
	}
	if len(urls) == 0 {
		return nil
	}
	// Read every old secret before anything is written: a keyring that
	// does not answer must leave the config exactly as it was.
	read, failed := m.readLegacySecrets(cfg)
	var moved []string
	if len(read) > 0 {
		// Reads take no lock (a keyring that hangs must not make other
		// processes wait twice); the writes do. Two processes moving the
		// same login write the same secret, and the second finds no old
		// record left to move.
		sort.Strings(urls) // one order for every process: no deadlock
		for _, u := range urls {
			if _, ok := read[u]; !ok {
				continue
			}
			unlock, err := m.Lock(context.Background(), u)
			if err != nil {
				return err
			}
			defer unlock()
		}
		id, err := m.configID()
		if err != nil {
			return err
		}
		err = m.update(func(c *config.Config) error {
			for i := range c.Servers {
				s := &c.Servers[i]
				if ls, ok := read[s.URL]; ok && s.HasLegacyLogin() {
					if err := m.migrateServer(id, s, ls); err != nil {
						failed[s.URL] = err
						continue
					}
					moved = append(moved, s.URL)
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	if m.migrateErrs == nil {
		m.migrateErrs = map[string]error{}
	}
	for u, err := range failed {
		m.migrateErrs[u] = err
	}
	for _, u := range moved {
		m.notify().Note(fmt.Sprintf("Moved the stored login of %s to this zenctl's layout (accounts per server, secrets per config directory)", u))
	}
	return nil
}

// errNoLegacySecret marks an old-layout login whose secret is not where
// its record says.
var errNoLegacySecret = errors.New("no stored secret")

// legacySecret is a login of the layout before accounts, read for its move.
type legacySecret struct {
	account config.Account
	store   credentials.SecretStore
	secret  *credentials.Secret // nil when none was stored
}

// LegacyAccount is the account a server record of the layout before
// accounts describes.
func LegacyAccount(s *config.Server) config.Account {
	name := s.LegacyAccount
	if name == "" {
		name = "default"
	}
	return config.Account{Name: name, Type: s.LegacyAccountType, AuthMethod: s.LegacyAuthMethod,
		SecretStore: s.LegacySecretStore, TokenExpiresAt: s.LegacyTokenExpiresAt, LastLogin: s.LegacyLastLogin}
}

func (m *Store) readLegacySecret(s *config.Server) (legacySecret, error) {
	ls := legacySecret{account: LegacyAccount(s)}
	store, err := m.StoreOf(&ls.account)
	if err != nil {
		return ls, fmt.Errorf("cannot move the login of %s stored by an older zenctl (left as it was): %w", s.URL, err)
	}
	ls.store, ls.account.SecretStore = store, store.Kind()
	secret, err := store.Get(s.URL)
	switch {
	case errors.Is(err, credentials.ErrNotFound):
		// Left as it was: the entry may be in a keyring this session does
		// not see. Logging in again replaces the record.
		return ls, &exitcode.AuthError{Err: errhint.LoginAgain(fmt.Errorf("%w: the login of %s stored by an older zenctl has none in %s (left as it was)",
			errNoLegacySecret, s.URL, store.Location()), errhint.FromStore, LoginCommand(s, &ls.account))}
	case err != nil:
		return ls, fmt.Errorf("cannot move the login of %s stored by an older zenctl (entry %q in %s, left as it was): %w", s.URL, s.URL, store.Location(), err)
	default:
		ls.secret = &secret
	}
	return ls, nil
}

// migrateServer turns a server record's legacy login into an account and
// copies its secret to the account's key. The keyring entry under the bare
// URL stays until the account is logged out with --clear: another config
// directory of the old layout may still read it. A credentials file
// belongs to its directory, so there the old entry goes at once.
func (m *Store) migrateServer(id string, s *config.Server, ls legacySecret) error {
	a := ls.account
	if ls.secret != nil {
		if err := ls.store.Set(credentials.Key(id, s.URL, a.Name), *ls.secret); err != nil {
			return fmt.Errorf("cannot move the login of %s stored by an older zenctl (left as it was): %w", s.URL, err)
		}
		if ls.store.Kind() == string(credentials.ModeFile) {
			if err := ls.store.Delete(s.URL); err != nil {
				m.notify().Warn(fmt.Sprintf("The old copy of the credentials of %s in %s could not be deleted: %v", s.URL, ls.store.Location(), err))
			}
		} else {
			a.LegacySecretKey = s.URL
		}
	}
	s.UpsertAccount(a)
	s.ActiveAccount = a.Name
	s.LegacyAuthMethod, s.LegacyAccount, s.LegacyAccountType, s.LegacySecretStore = "", "", "", ""
	s.LegacyTokenExpiresAt, s.LegacyLastLogin = nil, time.Time{}
	return nil
}

// separateCopy gives a copied config directory (cp -a, a restored backup)
// an id of its own: with the original's, the two would read, renew and
// delete each other's keyring entries. Each account's secret is copied to
// an entry under the new id; the original's entries stay, for the
// original. All secrets are read before anything is written.
func (m *Store) separateCopy() error {
	cfg, err := m.Config()
	if err != nil || cfg.ID == "" {
		return err
	}
	if cfg.IDDir == m.dirIdentity() {
		if cfg.IDPath != m.Dir {
			_, err = m.configID() // renamed in place: the same directory
		}
		return err
	}
	// A copy, or a move to another filesystem. The original keeps using
	// the old entries if it is still where it was, with the same id; if it
	// is gone, this directory is it, moved, and the old entries go. A copy
	// that replaced it at its own path (mv D D.old && cp -a D.old D, a
	// restored backup, a sync tool) is the directory the user works with:
	// the one moved aside is a backup, whose entries nobody would delete.
	moved := cfg.IDPath == m.Dir
	if cfg.IDPath != "" && cfg.IDPath != m.Dir {
		if orig, err := config.Load(cfg.IDPath); err != nil || orig.ID != cfg.ID {
			moved = os.IsNotExist(statErr(cfg.IDPath)) || err == nil
		}
	}
	type copied struct {
		store  credentials.SecretStore
		server string
		name   string
		secret credentials.Secret
	}
	var todo []copied
	for _, s := range cfg.Servers {
		for i := range s.Accounts {
			a := &s.Accounts[i]
			if a.AuthMethod == config.AuthNone {
				continue
			}
			store, err := m.StoreOf(a)
			if err != nil {
				return nil // as for an unreadable secret, below
			}
			secret, err := store.Get(credentials.Key(cfg.ID, s.URL, a.Name))
			if errors.Is(err, credentials.ErrNotFound) {
				continue
			}
			if err != nil {
				// A store this command cannot read: nothing of it can be
				// used, or deleted, now either. Left as it is, to be
				// separated by a command that can.
				return nil
			}
			todo = append(todo, copied{store, s.URL, a.Name, secret})
		}
	}
	old := cfg.ID
	err = m.update(func(c *config.Config) error {
		if c.ID != old {
			return nil // another process separated it meanwhile
		}
		b := make([]byte, 8)
		if _, err := rand.Read(b); err != nil {
			return fmt.Errorf("cannot make a config id: %w", err)
		}
		c.ID, c.IDDir, c.IDPath = hex.EncodeToString(b), m.dirIdentity(), m.Dir
		for _, t := range todo {
			if err := t.store.Set(credentials.Key(c.ID, t.server, t.name), t.secret); err != nil {
				return err
			}
			if moved || t.store.Kind() == string(credentials.ModeFile) {
				// Moved, or the copied file (this directory's own): the old
				// entries serve nobody.
				_ = t.store.Delete(credentials.Key(old, t.server, t.name))
			}
		}
		return nil
	})
	if err == nil && len(todo) > 0 && !moved {
		m.notify().Note(fmt.Sprintf("This config directory is a copy of another: its %d stored secret(s) now have keyring entries of their own", len(todo)))
	}
	return err
}

func statErr(path string) error {
	_, err := os.Stat(path)
	return err
}
