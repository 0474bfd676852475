package zenmltest

import (
	"sync"
	"time"

	"github.com/google/uuid"
)

// clock is real time shifted by an offset that tests can grow with Advance,
// so expiry and retain-period behaviour is testable without sleeping while
// timestamps still move forward between requests like on a real server.
type clock struct {
	mu     sync.Mutex
	offset time.Duration
	last   time.Time
}

// now has microsecond precision, what the server's database stores, and is
// strictly increasing so that entities created back to back still sort in
// creation order.
func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := time.Now().UTC().Add(c.offset).Truncate(time.Microsecond)
	if !t.After(c.last) {
		t = c.last.Add(time.Microsecond)
	}
	c.last = t
	return t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

// account is a user or a service account: ZenML keeps both in one table and
// service accounts authenticate as "users" with is_service_account=true.
type account struct {
	id             uuid.UUID
	name           string
	serviceAccount bool
	active         bool
	admin          bool
	passwordHash   []byte // users only
	description    string // service accounts only
	fullName       string
	// Users only. email is shown by GET /current-user alone; emailOptedIn
	// stays nil until set. activationHash is the bcrypt hash of the token
	// handed out by create-without-password and deactivate, cleared by
	// activation.
	email            *string
	emailOptedIn     *bool
	activationHash   []byte
	created, updated time.Time
}

type apiKey struct {
	id               uuid.UUID
	serviceAccountID uuid.UUID
	name             string
	description      string
	active           bool
	secretHash       []byte
	// previousHash is the secret replaced by the latest rotation; it stays
	// valid for retainMinutes after lastRotated. Only one is remembered.
	previousHash     []byte
	retainMinutes    int
	lastLogin        *time.Time
	lastRotated      *time.Time
	created, updated time.Time
}

// Device status values, as the API spells them.
const (
	DeviceStatusPending  = "pending"
	DeviceStatusVerified = "verified"
	DeviceStatusActive   = "active"
	DeviceStatusLocked   = "locked"
)

type device struct {
	id             uuid.UUID
	clientID       uuid.UUID
	userID         *uuid.UUID
	status         string
	trusted        bool
	deviceCode     string
	userCode       string
	failedAttempts int
	expires        *time.Time
	os             *string
	hostname       *string
	pythonVersion  *string
	zenmlVersion   *string
	ipAddress      string
	lastLogin      *time.Time
	created        time.Time
	updated        time.Time
}

// store is the server's in-memory database. Callers hold Server.mu.
type store struct {
	accounts map[uuid.UUID]*account
	keys     map[uuid.UUID]*apiKey
	devices  map[uuid.UUID]*device
	// idempotent maps an Idempotency-Key to the response first produced for it.
	idempotent map[string]response
}

func newStore() *store {
	return &store{
		accounts:   map[uuid.UUID]*account{},
		keys:       map[uuid.UUID]*apiKey{},
		devices:    map[uuid.UUID]*device{},
		idempotent: map[string]response{},
	}
}

// lookupAccount resolves a name or UUID among users or service accounts the
// way ZenML does: a parsable UUID is an id lookup, anything else a name.
func (st *store) lookupAccount(nameOrID string, serviceAccount bool) *account {
	if id, err := uuid.Parse(nameOrID); err == nil {
		if a := st.accounts[id]; a != nil && a.serviceAccount == serviceAccount {
			return a
		}
		return nil
	}
	for _, a := range st.accounts {
		if a.serviceAccount == serviceAccount && a.name == nameOrID {
			return a
		}
	}
	return nil
}

func (st *store) lookupKey(saID uuid.UUID, nameOrID string) *apiKey {
	if id, err := uuid.Parse(nameOrID); err == nil {
		if k := st.keys[id]; k != nil && k.serviceAccountID == saID {
			return k
		}
		return nil
	}
	for _, k := range st.keys {
		if k.serviceAccountID == saID && k.name == nameOrID {
			return k
		}
	}
	return nil
}

func (st *store) deviceByClientID(clientID uuid.UUID) *device {
	for _, d := range st.devices {
		if d.clientID == clientID {
			return d
		}
	}
	return nil
}
