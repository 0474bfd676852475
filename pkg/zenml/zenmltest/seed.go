package zenmltest

import (
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/google/uuid"
)

// Seeding helpers change state directly, without requests, so they neither
// count as traffic nor trip injected faults. They panic on misuse (unknown
// ids, duplicate names) because that is a bug in the calling test.

// AdminID is the id of the seeded admin user.
func (s *Server) AdminID() string { return s.adminID.String() }

// CreateUser adds an active, non-admin user that can log in with the
// password grant.
func (s *Server) CreateUser(name, password string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st.lookupAccount(name, false) != nil {
		panic(fmt.Sprintf("zenmltest: user %q already exists", name))
	}
	return s.createUserLocked(name, password, false).String()
}

// CreateServiceAccount adds an active service account and returns its id.
func (s *Server) CreateServiceAccount(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.serviceAccountNameTaken(name, nil) {
		panic(fmt.Sprintf("zenmltest: service account %q already exists", name))
	}
	return s.createServiceAccountLocked(name, "", true).id.String()
}

// CreateAPIKey adds an API key to a service account and returns the full
// ZENKEY_ value.
func (s *Server) CreateAPIKey(serviceAccountID, name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	sa := s.st.lookupAccount(serviceAccountID, true)
	if sa == nil {
		panic(fmt.Sprintf("zenmltest: no service account %q", serviceAccountID))
	}
	if s.keyNameTaken(sa, name, nil) {
		panic(fmt.Sprintf("zenmltest: API key %q already exists", name))
	}
	_, full := s.createAPIKeyLocked(sa, name, "")
	return full
}

// IssueToken signs a token for a user or service account id, as a password
// login would (no api_key_id or device_id claim). ttl 0 gives a
// non-expiring token; a negative ttl an already expired one.
func (s *Server) IssueToken(accountID string, ttl time.Duration) string {
	id, err := uuid.Parse(accountID)
	if err != nil {
		panic(fmt.Sprintf("zenmltest: IssueToken: %q is not a UUID", accountID))
	}
	var expires *time.Time
	if ttl != 0 {
		exp := s.clock.now().Add(ttl)
		expires = &exp
	}
	return s.signToken(tokenClaims{Subject: id.String()}, expires)
}

// AdminToken is a token for the admin user with the configured
// TokenLifetime, as a password login would return.
func (s *Server) AdminToken() string {
	return s.IssueToken(s.AdminID(), s.opts.TokenLifetime)
}

// VerifyDevice plays the dashboard user (the admin) authorizing the device
// with this user code, as PUT /api/v1/devices/{id}/verify would. It returns
// the ValueError message the endpoint would have answered with.
func (s *Server) VerifyDevice(userCode string, trusted bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, dev := range s.st.devices {
		if codesEqual(dev.userCode, userCode) {
			if msg := s.verifyDeviceLocked(dev, s.st.accounts[s.adminID], userCode, trusted); msg != "" {
				return errors.New(msg)
			}
			return nil
		}
	}
	return fmt.Errorf("zenmltest: no device with user code %q", userCode)
}

// DeviceState is a snapshot of an authorized device record.
type DeviceState struct {
	ID             string
	ClientID       string
	UserID         string // empty until verified
	Status         string // DeviceStatusPending, ...Verified, ...Active, ...Locked
	Trusted        bool
	UserCode       string
	FailedAttempts int
	Expires        *time.Time
	Hostname       string
	LastLogin      *time.Time
}

func snapshot(d *device) DeviceState {
	st := DeviceState{
		ID: d.id.String(), ClientID: d.clientID.String(), Status: d.status, Trusted: d.trusted,
		UserCode: d.userCode, FailedAttempts: d.failedAttempts, Expires: d.expires, LastLogin: d.lastLogin,
	}
	if d.userID != nil {
		st.UserID = d.userID.String()
	}
	if d.hostname != nil {
		st.Hostname = *d.hostname
	}
	return st
}

// Devices lists all device records, oldest first.
func (s *Server) Devices() []DeviceState {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]DeviceState, 0, len(s.st.devices))
	for _, d := range s.st.devices {
		out = append(out, snapshot(d))
	}
	sort.Slice(out, func(i, j int) bool {
		return s.st.devices[uuid.MustParse(out[i].ID)].created.Before(s.st.devices[uuid.MustParse(out[j].ID)].created)
	})
	return out
}

// Device finds a device record by its id or its OAuth client id.
func (s *Server) Device(idOrClientID string) (DeviceState, bool) {
	id, err := uuid.Parse(idOrClientID)
	if err != nil {
		return DeviceState{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if d := s.st.devices[id]; d != nil {
		return snapshot(d), true
	}
	if d := s.st.deviceByClientID(id); d != nil {
		return snapshot(d), true
	}
	return DeviceState{}, false
}
