package credentials

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/zalando/go-keyring"
)

// KeyringService is the service name every zenctl secret is filed under;
// the user (account) is the key URL.
const KeyringService = "zenctl"

// DefaultKeyringTimeout bounds every keyring call: the Secret Service can
// block forever on an unlock prompt nobody will answer. It is a variable
// only so that the end-to-end tests can shorten it in the zenctl processes
// they start (cmd/zenctl); nothing else changes it.
var DefaultKeyringTimeout = 3 * time.Second

// MaxSecretSize is the largest JSON value stored in the keyring. Windows
// Credential Manager caps a credential blob at 2560 bytes; applying the same
// cap everywhere keeps a config portable and fails at login, not later.
const MaxSecretSize = 2560

// probeUser is the account Open looks up to test the keyring. It is never
// written, so a healthy keyring answers "not found".
const probeUser = "zenctl-availability-probe"

// KeyringAPI is the subset of go-keyring that zenctl uses. Inject a fake
// (NewMemoryKeyring) in tests so no test touches the developer's keyring.
type KeyringAPI interface {
	Get(service, user string) (string, error)
	Set(service, user, password string) error
	Delete(service, user string) error
}

// GoKeyring is the real OS keyring through go-keyring. Options.Keyring ==
// nil means GoKeyring plus a session-bus pre-check on Linux; pass GoKeyring{}
// explicitly to skip the pre-check (e.g. together with keyring.MockInit).
type GoKeyring struct{}

func (GoKeyring) Get(service, user string) (string, error) { return keyring.Get(service, user) }
func (GoKeyring) Set(service, user, password string) error {
	return keyring.Set(service, user, password)
}
func (GoKeyring) Delete(service, user string) error { return keyring.Delete(service, user) }

// MemoryKeyring is an in-process KeyringAPI for tests. It reports absence
// with keyring.ErrNotFound, exactly like go-keyring.
type MemoryKeyring struct {
	mu    sync.Mutex
	items map[[2]string]string
}

// NewMemoryKeyring returns an empty in-memory keyring.
func NewMemoryKeyring() *MemoryKeyring {
	return &MemoryKeyring{items: map[[2]string]string{}}
}

func (m *MemoryKeyring) Get(service, user string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.items[[2]string{service, user}]
	if !ok {
		return "", keyring.ErrNotFound
	}
	return v, nil
}

func (m *MemoryKeyring) Set(service, user, password string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.items[[2]string{service, user}] = password
	return nil
}

func (m *MemoryKeyring) Delete(service, user string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := [2]string{service, user}
	if _, ok := m.items[k]; !ok {
		return keyring.ErrNotFound
	}
	delete(m.items, k)
	return nil
}

// KeyringStore keeps each key's Secret as a JSON value in the OS keyring.
type KeyringStore struct {
	api     KeyringAPI
	timeout time.Duration
}

// NewKeyringStore returns a keyring store; api nil means the real keyring,
// timeout <= 0 means DefaultKeyringTimeout. It does not contact the keyring.
func NewKeyringStore(api KeyringAPI, timeout time.Duration) *KeyringStore {
	if api == nil {
		api = GoKeyring{}
	}
	if timeout <= 0 {
		timeout = DefaultKeyringTimeout
	}
	return &KeyringStore{api: api, timeout: timeout}
}

func (k *KeyringStore) Kind() string     { return string(ModeKeyring) }
func (k *KeyringStore) Location() string { return "the OS keyring (service " + KeyringService + ")" }

func (k *KeyringStore) Get(key string) (Secret, error) {
	if err := checkServer(key); err != nil {
		return Secret{}, err
	}
	v, err := k.call(func() (string, error) { return k.api.Get(KeyringService, key) })
	if err != nil {
		if errors.Is(err, keyring.ErrNotFound) {
			return Secret{}, ErrNotFound
		}
		return Secret{}, k.wrap("read", key, err)
	}
	var s storedSecret
	if err := json.Unmarshal([]byte(v), &s); err != nil {
		return Secret{}, fmt.Errorf("the keyring entry %q (service %s) is corrupt: %v; log out of that account with --clear and log in again", key, KeyringService, err)
	}
	return s.secret(), nil
}

func (k *KeyringStore) Set(key string, s Secret) error {
	if err := checkServer(key); err != nil {
		return err
	}
	data, err := json.Marshal(toStored(s))
	if err != nil {
		return fmt.Errorf("cannot encode credentials of %s: %w", Describe(key), err)
	}
	if len(data) > MaxSecretSize {
		return fmt.Errorf("credentials of %s are %d bytes, over the OS keyring limit of %d bytes; use --storage file (or ZENCTL_STORAGE=file) for this server", Describe(key), len(data), MaxSecretSize)
	}
	_, err = k.call(func() (string, error) { return "", k.api.Set(KeyringService, key, string(data)) })
	if err != nil {
		if errors.Is(err, keyring.ErrSetDataTooBig) {
			return fmt.Errorf("credentials of %s are too big for the OS keyring; use --storage file (or ZENCTL_STORAGE=file) for this server", Describe(key))
		}
		return k.wrap("store", key, err)
	}
	return nil
}

func (k *KeyringStore) Delete(key string) error {
	if err := checkServer(key); err != nil {
		return err
	}
	_, err := k.call(func() (string, error) { return "", k.api.Delete(KeyringService, key) })
	if err != nil && !errors.Is(err, keyring.ErrNotFound) {
		return k.wrap("delete", key, err)
	}
	return nil
}

// probe checks the keyring answers at all: a lookup of an entry that is
// never written, so "not found" is the healthy answer.
func (k *KeyringStore) probe() error {
	_, err := k.call(func() (string, error) { return k.api.Get(KeyringService, probeUser) })
	if err == nil || errors.Is(err, keyring.ErrNotFound) {
		return nil
	}
	if errors.Is(err, ErrKeyringTimeout) {
		return k.timeoutError("")
	}
	if isLocked(err) {
		return lockedError(err)
	}
	return &storeError{
		msg:   "the OS keyring is not available: " + firstLine(err.Error()),
		kind:  ErrKeyringUnavailable,
		cause: err,
	}
}

// call runs fn with the store's timeout. On timeout the goroutine is left
// behind, blocked in the keyring; that is the price of not hanging, and a
// CLI process exits soon anyway.
func (k *KeyringStore) call(fn func() (string, error)) (string, error) {
	type result struct {
		v   string
		err error
	}
	ch := make(chan result, 1) // buffered: a late answer must not block the goroutine forever
	go func() {
		v, err := fn()
		ch <- result{v, err}
	}()
	t := time.NewTimer(k.timeout)
	defer t.Stop()
	select {
	case r := <-ch:
		return r.v, r.err
	case <-t.C:
		return "", ErrKeyringTimeout
	}
}

func (k *KeyringStore) timeoutError(key string) error {
	what := "the OS keyring"
	if key != "" {
		what = "the OS keyring (credentials of " + Describe(key) + ")"
	}
	return &storeError{
		msg:  fmt.Sprintf("%s did not answer within %s; it may be locked: unlock it and retry, or use --storage file (or ZENCTL_STORAGE=file)", what, k.timeout),
		kind: ErrKeyringTimeout,
	}
}

func (k *KeyringStore) wrap(op, key string, err error) error {
	if errors.Is(err, ErrKeyringTimeout) {
		return k.timeoutError(key)
	}
	if isLocked(err) {
		return lockedError(err)
	}
	return &storeError{
		msg:   fmt.Sprintf("cannot %s credentials of %s in the OS keyring: %s; check the keyring, or use --storage file (or ZENCTL_STORAGE=file)", op, Describe(key), firstLine(err.Error())),
		kind:  ErrKeyringUnavailable,
		cause: err,
	}
}

// isLocked recognises go-keyring's error for an unlock prompt that was
// dismissed or could not be shown. go-keyring has no typed error for it,
// so this matches its message ("failed to unlock correct collection …").
func isLocked(err error) bool {
	return strings.Contains(err.Error(), "failed to unlock")
}

func lockedError(err error) error {
	return &storeError{
		msg:   "the OS keyring is locked and was not unlocked (" + firstLine(err.Error()) + "): unlock it and retry, or use --storage file (or ZENCTL_STORAGE=file)",
		kind:  ErrKeyringLocked,
		cause: err,
	}
}
