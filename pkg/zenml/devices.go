package zenml

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"strings"
)

const devicesPath = "/api/v1/devices"

func devicePath(id string) string { return devicesPath + "/" + url.PathEscape(id) }

// AuthorizedDevice is a device-flow client as /api/v1/devices shows it to
// its owner, the user who verified it.
type AuthorizedDevice struct {
	ID       string                    `json:"id"`
	Body     AuthorizedDeviceBody      `json:"body"`
	Metadata *AuthorizedDeviceMetadata `json:"metadata"`
}

// AuthorizedDeviceBody holds a device's always-present fields. The owner is
// UserID since 0.85 and the nested User in 0.58; Owner reads either.
type AuthorizedDeviceBody struct {
	Created       Time    `json:"created"`
	Updated       Time    `json:"updated"`
	UserID        *string `json:"user_id"`
	User          *User   `json:"user"`
	ClientID      string  `json:"client_id"`
	Expires       *Time   `json:"expires"`
	TrustedDevice bool    `json:"trusted_device"`
	// Status is pending, verified, active or locked.
	Status    string  `json:"status"`
	OS        *string `json:"os"`
	IPAddress *string `json:"ip_address"`
	Hostname  *string `json:"hostname"`
}

// AuthorizedDeviceMetadata holds a device's hydrated fields.
type AuthorizedDeviceMetadata struct {
	PythonVersion      *string `json:"python_version"`
	ZenMLVersion       *string `json:"zenml_version"`
	City               string  `json:"city"`
	Region             string  `json:"region"`
	Country            string  `json:"country"`
	FailedAuthAttempts int     `json:"failed_auth_attempts"`
	// LastLogin is the last time its token was used, not the login itself.
	LastLogin *Time `json:"last_login"`
}

// Owner is the id of the user who verified the device, "" before that.
func (d *AuthorizedDevice) Owner() string {
	switch {
	case d.Body.UserID != nil:
		return *d.Body.UserID
	case d.Body.User != nil:
		return d.Body.User.ID
	}
	return ""
}

// Device status values.
const (
	DeviceStatusPending  = "pending"
	DeviceStatusVerified = "verified"
	DeviceStatusActive   = "active"
	DeviceStatusLocked   = "locked"
)

// ListDevices returns one page of the caller's own devices: the server
// shows each user only the devices it verified, admins included.
func (c *Client) ListDevices(ctx context.Context, p ListParams) (*Page[AuthorizedDevice], error) {
	var page Page[AuthorizedDevice]
	err := c.doJSON(ctx, request{method: http.MethodGet, path: devicesPath, query: p.query(), auth: true, retryable: true}, &page)
	if err != nil {
		return nil, err
	}
	return &page, nil
}

// AllDevices yields every device of the caller, page by page, from p.Page
// (1 when unset), sized as AllServiceAccounts's.
func (c *Client) AllDevices(ctx context.Context, p ListParams) iter.Seq2[AuthorizedDevice, error] {
	return allItems(p, func(d *AuthorizedDevice) string { return d.ID }, func(p ListParams) (*Page[AuthorizedDevice], error) { return c.ListDevices(ctx, p) })
}

// GetDevice fetches one of the caller's devices by id (hydrated).
func (c *Client) GetDevice(ctx context.Context, id string) (*AuthorizedDevice, error) {
	var d AuthorizedDevice
	if err := c.doJSON(ctx, request{method: http.MethodGet, path: devicePath(id), auth: true, retryable: true}, &d); err != nil {
		return nil, err
	}
	return &d, nil
}

// ResolveDevice finds one of the caller's devices by id or unique id
// prefix (devices have no names).
func (c *Client) ResolveDevice(ctx context.Context, ref string) (*AuthorizedDevice, error) {
	if isUUID(ref) || !looksLikeIDPrefix(ref) {
		return c.GetDevice(ctx, ref)
	}
	var matches []AuthorizedDevice
	for d, err := range c.AllDevices(ctx, ListParams{}) {
		if err != nil {
			return nil, err
		}
		if strings.HasPrefix(d.ID, strings.ToLower(ref)) {
			matches = append(matches, d)
		}
	}
	switch len(matches) {
	case 0:
		return nil, &Error{StatusCode: http.StatusNotFound, Kind: KindNotFound, Method: http.MethodGet, Path: devicesPath,
			Message: "no device of yours has an id starting with " + ref}
	case 1:
		return c.GetDevice(ctx, matches[0].ID)
	}
	return nil, &AmbiguousError{Kind: "device", Ref: ref, Candidates: candidatesOf(matches, func(d AuthorizedDevice) (string, string) {
		return stringOrEmpty(d.Body.Hostname), d.ID
	})}
}

func stringOrEmpty(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// LockDevice locks a device: its tokens get 401 at once and a new device
// login with it is refused. UnlockDevice makes the same old tokens work
// again.
func (c *Client) LockDevice(ctx context.Context, id string) (*AuthorizedDevice, error) {
	return c.setDeviceLocked(ctx, id, true)
}

// UnlockDevice undoes LockDevice: status active, the old tokens work again,
// but the device code is spent; logging in anew needs a new device flow.
func (c *Client) UnlockDevice(ctx context.Context, id string) (*AuthorizedDevice, error) {
	return c.setDeviceLocked(ctx, id, false)
}

func (c *Client) setDeviceLocked(ctx context.Context, id string, locked bool) (*AuthorizedDevice, error) {
	var d AuthorizedDevice
	if err := c.doJSON(ctx, jsonRequest(http.MethodPut, devicePath(id), map[string]bool{"locked": locked}), &d); err != nil {
		return nil, err
	}
	return &d, nil
}

// DeleteDevice deletes a device: its tokens die and its client id is
// refused until a new device flow.
func (c *Client) DeleteDevice(ctx context.Context, id string) error {
	return c.doJSON(ctx, request{method: http.MethodDelete, path: devicePath(id), auth: true}, nil)
}

// PendingDevice fetches a device that waits for verification, as the
// dashboard's verify page does: the server shows a device that has no owner
// yet to whoever presents its user code. Once verified it is its owner's
// alone, and this answers 404 to anyone else.
func (c *Client) PendingDevice(ctx context.Context, id, userCode string) (*AuthorizedDevice, error) {
	var d AuthorizedDevice
	q := url.Values{"user_code": {userCode}}
	if err := c.doJSON(ctx, request{method: http.MethodGet, path: devicePath(id), query: q, auth: true, retryable: true}, &d); err != nil {
		return nil, err
	}
	return &d, nil
}
