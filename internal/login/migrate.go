package login

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/zenctl/zenctl/internal/config"
	"github.com/zenctl/zenctl/internal/credentials"
)

// migrate moves logins stored in the layout before accounts — one login
// per server, its secret filed under the bare server URL, shared by every
// config directory — into accounts with secrets of this directory's own.
// It runs on first use, under the locks of the servers it moves. A login
// that cannot be moved (a keyring that does not answer) is left as it was
// and named when a command needs it; the others move on.
func (m *Manager) migrate() error {
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
	read := map[string]legacySecret{}
	failed := map[string]error{}
	for _, s := range cfg.Servers {
		if s.HasLegacyLogin() && m.migrateErrs[s.URL] == nil {
			if ls, err := m.readLegacySecret(&s); err != nil {
				failed[s.URL] = err
			} else {
				read[s.URL] = ls
			}
		}
	}
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
		fmt.Fprintf(m.Warn, "Moved the stored login of %s to this zenctl's layout (accounts per server, secrets per config directory)\n", u)
	}
	return nil
}

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

func (m *Manager) readLegacySecret(s *config.Server) (legacySecret, error) {
	ls := legacySecret{account: LegacyAccount(s)}
	store, err := m.StoreOf(&ls.account)
	if err != nil {
		return ls, fmt.Errorf("cannot move the login of %s stored by an older zenctl (left as it was): %w", s.URL, err)
	}
	ls.store, ls.account.SecretStore = store, store.Kind()
	secret, err := store.Get(s.URL)
	switch {
	case errors.Is(err, credentials.ErrNotFound):
		// Nothing to copy: the account's next command says to log in.
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
func (m *Manager) migrateServer(id string, s *config.Server, ls legacySecret) error {
	a := ls.account
	if ls.secret != nil {
		if err := ls.store.Set(credentials.Key(id, s.URL, a.Name), *ls.secret); err != nil {
			return fmt.Errorf("cannot move the login of %s stored by an older zenctl (left as it was): %w", s.URL, err)
		}
		if ls.store.Kind() == string(credentials.ModeFile) {
			if err := ls.store.Delete(s.URL); err != nil {
				fmt.Fprintf(m.Warn, "%s The old copy of the credentials of %s in %s could not be deleted: %v\n", m.WarnIcon, s.URL, ls.store.Location(), err)
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
