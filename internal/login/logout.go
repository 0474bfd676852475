package login

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/zenctl/zenctl/internal/config"
	"github.com/zenctl/zenctl/internal/credentials"
)

// Logout is what `zenctl logout` asks of one server.
type Logout struct {
	URL string
	// Account is the one account to act on; "" means every account.
	Account string
	// Clear deletes the secrets and records too; without it, the server
	// (or the account) only stops being active.
	Clear bool
}

// LoggedOut says what a logout changed.
type LoggedOut struct {
	Accounts []string
	// NowActive is the account made active because it was the only one
	// left after the active one was removed.
	NowActive string
	// ServerRemoved is true when no account is left on the server.
	ServerRemoved bool
	// Secretless is true when none of the accounts had a secret: a server
	// without authentication.
	Secretless bool
	// Unchanged is true when a logout without --clear found nothing active
	// to end: the account named was not the active one.
	Unchanged bool
}

// Logout acts on one server under its lock, held across deleting the
// secrets and updating the config, so a login or renewal running at the
// same time can neither write a secret back nor leave a record without one.
func (m *Store) Logout(ctx context.Context, req Logout) (LoggedOut, error) {
	if err := m.migrate(); err != nil {
		return LoggedOut{}, err
	}
	if err := m.migrateErrs[req.URL]; err != nil && !(req.Clear && errors.Is(err, errNoLegacySecret)) {
		// Its secret is where this command cannot reach it: saying
		// "deleted" would leave it behind with no record naming it.
		return LoggedOut{}, fmt.Errorf("cannot log out of %s: %w", req.URL, err)
	}
	unlock, err := m.Lock(ctx, req.URL)
	if err != nil {
		return LoggedOut{}, err
	}
	defer unlock()
	defer writing(ctx, "the logout of "+req.URL)()
	cfg, err := config.Load(m.Dir) // under the lock: what another process just saved counts
	if err != nil {
		return LoggedOut{}, err
	}
	s := cfg.Server(req.URL)
	if s == nil {
		return LoggedOut{}, fmt.Errorf("not logged in to %s; `zenctl server list` lists the servers zenctl knows", req.URL)
	}
	var out LoggedOut
	if s.HasLegacyLogin() && req.Clear {
		// An old-layout login with no secret found (see migrate): only its
		// record is left to remove.
		out := LoggedOut{ServerRemoved: true}
		return out, m.update(func(c *config.Config) error {
			c.RemoveServer(req.URL)
			return nil
		})
	}
	if req.Account != "" {
		if s.Account(req.Account) == nil {
			return LoggedOut{}, UnknownAccountError(s, req.Account, "--account")
		}
		out.Accounts = []string{req.Account}
	} else {
		out.Accounts = s.AccountNames()
	}
	secretless := true
	for _, name := range out.Accounts {
		secretless = secretless && s.Account(name).AuthMethod == config.AuthNone
	}
	if req.Clear {
		// The secrets go before the records, so a failure leaves nothing
		// orphaned that logout cannot find again.
		for _, name := range out.Accounts {
			found, err := m.deleteSecrets(req.URL, s.Account(name))
			if err != nil {
				return LoggedOut{}, err
			}
			secretless = secretless && !found
		}
	}
	err = m.update(func(c *config.Config) error {
		s := c.Server(req.URL)
		if s == nil {
			return nil
		}
		out = applyLogout(c, s, req, out.Accounts)
		return nil
	})
	out.Secretless = secretless
	return out, err
}

// applyLogout changes the records of a logout and says what it did.
func applyLogout(c *config.Config, s *config.Server, req Logout, accounts []string) LoggedOut {
	out := LoggedOut{Accounts: accounts}
	if !req.Clear && req.Account != "" && (s.ActiveAccount != req.Account || c.ActiveServer != req.URL) {
		out.Unchanged = true
		return out
	}
	if !req.Clear {
		if req.Account == "" || s.ActiveAccount == req.Account {
			if c.ActiveServer == req.URL {
				c.ActiveServer = ""
			}
		}
		if req.Account != "" && s.ActiveAccount == req.Account {
			s.ActiveAccount = ""
		}
		return out
	}
	wasActive := s.ActiveAccount
	for _, name := range accounts {
		s.RemoveAccount(name)
	}
	if len(s.Accounts) == 0 || req.Account == "" {
		c.RemoveServer(req.URL)
		out.ServerRemoved = true
		return out
	}
	if s.ActiveAccount == "" && wasActive != "" && len(s.Accounts) == 1 {
		s.ActiveAccount = s.Accounts[0].Name
		out.NowActive = s.ActiveAccount
	}
	return out
}

// ClearAll is `logout --all --clear` after every server's logout: it
// removes from the credentials file the secrets that no record names (a
// login stopped between its writes). It holds the lock of each server
// those secrets are for, as login does while it writes both, so a login
// racing it keeps its secret. The OS keyring cannot be listed; its entries
// go with their accounts.
func (m *Store) ClearAll(ctx context.Context) (int, error) {
	file := credentials.NewFileStore(m.Dir)
	keys, err := file.Keys()
	if err != nil || len(keys) == 0 {
		return 0, err
	}
	servers := map[string]bool{}
	for _, k := range keys {
		servers[credentials.ServerOfKey(k)] = true
	}
	urls := make([]string, 0, len(servers))
	for u := range servers {
		urls = append(urls, u)
	}
	sort.Strings(urls) // one order for every process: no deadlock
	for _, u := range urls {
		unlock, err := m.Lock(ctx, u)
		if err != nil {
			return 0, err
		}
		defer unlock()
	}
	cfg, err := config.Load(m.Dir) // under the locks: a login that won the race counts
	if err != nil {
		return 0, err
	}
	named := map[string]bool{}
	for _, s := range cfg.Servers {
		for _, a := range s.Accounts {
			named[credentials.Key(cfg.ID, s.URL, a.Name)] = true
		}
	}
	return file.DeleteUnless(func(key string) bool { return named[key] })
}

// deleteSecrets deletes an account's secret, and the entry of the layout
// before accounts it was copied from. An account without authentication
// records no store, yet a secret may remain from before the server
// stopped using authentication (a release that did not delete it then):
// both stores are searched for it. found says whether a secret was there.
func (m *Store) deleteSecrets(serverURL string, a *config.Account) (found bool, err error) {
	key, err := m.secretKey(serverURL, a.Name)
	if err != nil {
		return false, err
	}
	if a.AuthMethod == config.AuthNone {
		return m.deleteLeftovers(key), nil
	}
	store, err := m.StoreOf(a)
	if err != nil {
		return false, fmt.Errorf("deleting the credentials of %s on %s: %w", a.Name, serverURL, err)
	}
	if err := store.Delete(key); err != nil && !errors.Is(err, credentials.ErrNotFound) {
		return false, fmt.Errorf("deleting the credentials of %s on %s: %w", a.Name, serverURL, err)
	}
	if a.LegacySecretKey != "" {
		// Only keyring entries outlive their move (see migrateServer).
		legacy, err := m.StoreOf(&config.Account{SecretStore: string(credentials.ModeKeyring)})
		if err == nil {
			err = legacy.Delete(a.LegacySecretKey)
		}
		if err != nil && !errors.Is(err, credentials.ErrNotFound) {
			return true, fmt.Errorf("deleting the old-layout credentials of %s on %s: %w", a.Name, serverURL, err)
		}
	}
	return true, nil
}

// deleteLeftovers deletes a secret that no record says is stored from
// whichever store holds it; a store that cannot be opened holds none
// this directory could have written.
func (m *Store) deleteLeftovers(key string) (found bool) {
	for _, kind := range []credentials.Mode{credentials.ModeFile, credentials.ModeKeyring} {
		store, err := m.StoreOf(&config.Account{SecretStore: string(kind)})
		if err != nil {
			continue
		}
		// Delete succeeds on a missing key too: only a secret actually
		// there makes logout say it deleted one.
		if _, err := store.Get(key); errors.Is(err, credentials.ErrNotFound) {
			continue
		}
		if err := store.Delete(key); err == nil {
			found = true
		} else if !errors.Is(err, credentials.ErrNotFound) {
			m.notify().Warn(fmt.Sprintf("A secret of %s may be left in %s: %v", credentials.Describe(key), store.Location(), err))
		}
	}
	return found
}

// Switch makes an account on a stored server the active one, and the
// server the active server. It never calls the network.
func (m *Store) Switch(serverURL, account string) error {
	if err := m.migrate(); err != nil {
		return err
	}
	return m.update(func(c *config.Config) error {
		s := c.Server(serverURL)
		if s == nil {
			return fmt.Errorf("not logged in to %s; stored servers: %s", serverURL, serverList(c))
		}
		if account != "" {
			if s.Account(account) == nil {
				return UnknownAccountError(s, account, "--account")
			}
			s.ActiveAccount = account
		}
		c.ActiveServer = serverURL
		return nil
	})
}

func serverList(c *config.Config) string {
	urls := c.ServerURLs()
	if len(urls) == 0 {
		return "none"
	}
	return strings.Join(urls, ", ")
}
