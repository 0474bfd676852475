package login

import (
	"context"
	"os"
	"sort"
	"sync"
	"testing"

	"github.com/zenctl/zenctl/internal/config"
	"github.com/zenctl/zenctl/internal/credentials"
)

// listingKeyring is an in-memory keyring that can say what it holds, as
// the OS keyring cannot.
type listingKeyring struct {
	*credentials.MemoryKeyring
	mu   sync.Mutex
	held map[string]bool
}

func newListingKeyring() *listingKeyring {
	return &listingKeyring{MemoryKeyring: credentials.NewMemoryKeyring(), held: map[string]bool{}}
}

func (k *listingKeyring) Set(service, user, password string) error {
	k.mu.Lock()
	k.held[user] = true
	k.mu.Unlock()
	return k.MemoryKeyring.Set(service, user, password)
}

func (k *listingKeyring) Delete(service, user string) error {
	k.mu.Lock()
	delete(k.held, user)
	k.mu.Unlock()
	return k.MemoryKeyring.Delete(service, user)
}

func (k *listingKeyring) entries() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	var out []string
	for u := range k.held {
		out = append(out, u)
	}
	sort.Strings(out)
	return out
}

// logoutAllClear is `logout --all --clear`: every server, then the sweep.
func logoutAllClear(t *testing.T, m *Manager) []LoggedOut {
	t.Helper()
	cfg, err := config.Load(m.Dir)
	if err != nil {
		t.Fatal(err)
	}
	var outs []LoggedOut
	for _, u := range cfg.ServerURLs() {
		out, err := m.Logout(context.Background(), Logout{URL: u, Clear: true})
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, out)
	}
	if _, err := m.ClearAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	return outs
}

// Finding 3: a config directory replaced by a copy at its own path.
func TestReplacedConfigDirectoryLeavesNothingAfterLogoutAllClear(t *testing.T) {
	t.Parallel()
	kr := newListingKeyring()
	m := newManager(t, kr, nil)
	save(t, m, "ci-bot", config.AuthAPIKey, credentials.Secret{APIKey: "ZENKEY_x", AccessToken: "t"})
	aside := m.Dir + ".old"
	if err := os.Rename(m.Dir, aside); err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(m.Dir, os.DirFS(aside)); err != nil {
		t.Fatal(err)
	}
	replaced := managerAt(t, m.Dir, kr, nil)
	target, err := replaced.Resolve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if secret, ok := target.Secret(); !ok || secret.APIKey != "ZENKEY_x" {
		t.Fatalf("the replaced directory lost its login: %v", ok)
	}
	logoutAllClear(t, replaced)
	if left := kr.entries(); len(left) != 0 {
		t.Errorf("keyring entries left after logout --all --clear: %v", left)
	}
}

// Finding 2: a server that stopped using authentication.
func TestNoAuthReplacesTheStoredSecret(t *testing.T) {
	t.Parallel()
	for _, storage := range []string{"keyring", "file"} {
		t.Run(storage, func(t *testing.T) {
			kr := newListingKeyring()
			m := newManager(t, kr, map[string]string{"ZENCTL_STORAGE": storage})
			store, err := m.NewStore()
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			if _, err := m.Save(ctx, Login{URL: serverURL, Account: "default", Type: config.AccountUser, Method: config.AuthPassword,
				Secret: credentials.Secret{Username: "default", Password: "pw"}, Store: store}); err != nil {
				t.Fatal(err)
			}
			if _, err := m.Save(ctx, Login{URL: serverURL, Account: "default", Type: config.AccountUser, Method: config.AuthNone}); err != nil {
				t.Fatal(err)
			}
			key, _ := m.secretKey(serverURL, "default")
			if _, err := store.Get(key); err == nil {
				t.Error("the password stayed stored after the server became NO_AUTH")
			}
			if left := kr.entries(); len(left) != 0 {
				t.Errorf("keyring entries: %v", left)
			}
		})
	}
}

// Finding 2: a secret a release before this one left behind is found by
// logout --clear, in either store, and not called "nothing stored".
func TestLogoutClearFindsASecretNoRecordNames(t *testing.T) {
	t.Parallel()
	kr := newListingKeyring()
	m := newManager(t, kr, nil)
	ctx := context.Background()
	if _, err := m.Save(ctx, Login{URL: serverURL, Account: "default", Type: config.AccountUser, Method: config.AuthNone}); err != nil {
		t.Fatal(err)
	}
	key, _ := m.secretKey(serverURL, "default")
	if err := credentials.NewKeyringStore(kr, 0).Set(key, credentials.Secret{Password: "left"}); err != nil {
		t.Fatal(err)
	}
	if err := credentials.NewFileStore(m.Dir).Set(key, credentials.Secret{Password: "left"}); err != nil {
		t.Fatal(err)
	}
	outs := logoutAllClear(t, m)
	if len(outs) != 1 || outs[0].Secretless {
		t.Errorf("logout: %+v; want it to say a secret was deleted", outs)
	}
	if left := kr.entries(); len(left) != 0 {
		t.Errorf("keyring entries: %v", left)
	}
	if keys, _ := credentials.NewFileStore(m.Dir).Keys(); len(keys) != 0 {
		t.Errorf("file entries: %v", keys)
	}
}
