package zenmltest

import (
	"crypto/subtle"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"
)

func (s *Server) handleDeviceAuthorization(req *request) response {
	if s.deviceFlowRefused() {
		return deviceAuthorizationNotSupported()
	}
	form, errResp := s.parseForm(req.Request)
	if errResp != nil {
		return *errResp
	}
	rawClientID := form.Get("client_id")
	if _, present := form["client_id"]; !present {
		return requestValidationError(missingField("body -> client_id"))
	}
	clientID, err := uuid.Parse(rawClientID)
	if err != nil {
		return requestValidationError(fieldError{loc: "body -> client_id", msg: "value is not a valid uuid", typ: "type_error.uuid"})
	}

	now := s.clock.now()
	expires := now.Add(s.opts.DeviceAuthTimeout)
	dev := s.st.deviceByClientID(clientID)
	if dev == nil {
		dev = &device{id: uuid.New(), clientID: clientID, created: now}
		s.st.devices[dev.id] = dev
	}
	// Re-authorizing a known client resets its record (keeping the user it
	// was bound to) with fresh codes, which revokes tokens issued to it.
	dev.status = DeviceStatusPending
	dev.trusted = false
	dev.failedAttempts = 0
	dev.deviceCode = randomHex(32)
	dev.userCode = randomHex(16)
	dev.expires = &expires
	dev.updated = now
	dev.ipAddress = clientIP(req.Request)
	parseDeviceUserAgent(dev, req.UserAgent())

	verificationURI := strings.TrimRight(s.opts.DashboardURL, "/") + "/devices/verify"
	complete := verificationURI + "?" + url.Values{"device_id": {dev.id.String()}, "user_code": {dev.userCode}}.Encode()
	return ok(map[string]any{
		"device_code":               dev.deviceCode,
		"user_code":                 dev.userCode,
		"verification_uri":          verificationURI,
		"verification_uri_complete": complete,
		"expires_in":                int(s.opts.DeviceAuthTimeout / time.Second),
		"interval":                  int(s.opts.DevicePollingInterval / time.Second),
	})
}

// parseDeviceUserAgent reads the "Host/x ZenML/y Python/z OS/w" header the
// Python client sends. Only details present in the header are updated, so a
// re-authorization from another User-Agent keeps the earlier ones
// (transcript 95).
func parseDeviceUserAgent(dev *device, ua string) {
	for _, part := range strings.Fields(ua) {
		k, v, found := strings.Cut(part, "/")
		if !found {
			continue
		}
		v = strings.Clone(v)
		switch strings.ToLower(k) {
		case "host":
			dev.hostname = &v
		case "zenml":
			dev.zenmlVersion = &v
		case "python":
			dev.pythonVersion = &v
		case "os":
			dev.os = &v
		}
	}
}

func clientIP(r *http.Request) string {
	if fwd := r.Header.Get("X-Forwarded-For"); fwd != "" {
		first, _, _ := strings.Cut(fwd, ",")
		return strings.TrimSpace(first)
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func codesEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// deviceLogin is the device-code grant, with ZenML's order of checks: the
// status decides first (so a pending device answers authorization_pending
// even past its deadline, without checking the code), then the deadline,
// then the device code.
func (s *Server) deviceLogin(clientID uuid.UUID, deviceCode string) response {
	dev := s.st.deviceByClientID(clientID)
	if dev == nil {
		return oauthError("invalid_client", fmt.Sprintf("Authentication error: error retrieving device with client ID %s", clientID))
	}
	if dev.status != DeviceStatusVerified {
		code := "expired_token"
		switch dev.status {
		case DeviceStatusPending:
			code = "authorization_pending"
		case DeviceStatusLocked:
			code = "access_denied"
		}
		return oauthError(code, fmt.Sprintf("Authentication error: device with client ID %s is %s.", clientID, dev.status))
	}
	now := s.clock.now()
	if dev.expires != nil && !now.Before(*dev.expires) {
		return oauthError("expired_token", fmt.Sprintf("Authentication error: device for client ID %s has expired", clientID))
	}
	if !codesEqual(dev.deviceCode, deviceCode) {
		dev.failedAttempts++
		dev.updated = now
		if dev.failedAttempts >= s.opts.MaxFailedDeviceAttempts {
			dev.status = DeviceStatusLocked
			return oauthError("access_denied", fmt.Sprintf("Authentication error: device for client ID %s has been locked due to too many failed authentication attempts.", clientID))
		}
		return oauthError("access_denied", fmt.Sprintf("Authentication error: device for client ID %s has an invalid device code.", clientID))
	}

	// The device now lives as long as its token: the configured lifetime, or
	// forever (the real default, where no expiration is configured).
	dev.status = DeviceStatusActive
	dev.expires = s.loginExpiry()
	dev.updated = now
	claims := tokenClaims{Subject: dev.userID.String(), DeviceID: dev.id.String()}
	return s.tokenResponse(claims, dev.expires, false)
}

func (s *Server) deviceNotFound(id string) response {
	return keyError(fmt.Sprintf("Unable to get device with ID %s: No device with this ID found.", id))
}

// pathDevice resolves the {id} path parameter of the device routes.
func (s *Server) pathDevice(req *request) (*device, *response) {
	id, err := uuid.Parse(req.params["id"])
	if err != nil {
		r := requestValidationError(fieldError{loc: "path -> device_id", msg: "value is not a valid uuid", typ: "type_error.uuid"})
		return nil, &r
	}
	dev := s.st.devices[id]
	if dev == nil && !s.is058() {
		// 0.85 words a missing record differently from someone else's
		// (0.85: 97, 370 vs 357).
		r := keyError(fmt.Sprintf("Unable to get authorized device with ID '%s': No authorized device with this ID found", id))
		return nil, &r
	}
	if dev == nil {
		r := s.deviceNotFound(id.String())
		return nil, &r
	}
	return dev, nil
}

func ownedBy(dev *device, a *account) bool {
	return dev.userID != nil && *dev.userID == a.id
}

func (s *Server) handleListDevices(req *request) response {
	q := req.URL.Query()
	pg, errResp := s.pageQuery(q, false)
	if errResp != nil {
		return *errResp
	}
	var items []listItem
	for _, d := range s.st.devices {
		if !ownedBy(d, req.auth.account) {
			continue
		}
		matched, errResp := s.matchFilters(q, map[string]string{
			"id": d.id.String(), "client_id": d.clientID.String(), "status": d.status,
		}, map[string]bool{"trusted_device": d.trusted})
		if errResp != nil {
			return *errResp
		}
		if matched {
			items = append(items, listItem{id: d.id.String(), created: d.created, updated: d.updated, render: func(h bool) any { return s.deviceModel(d, h) }})
		}
	}
	return s.page(items, pg, q)
}

// handleGetDevice shows a device to its owner, or, while it has no owner
// yet, to whoever presents its user code (the dashboard's verify page).
func (s *Server) handleGetDevice(req *request) response {
	dev, errResp := s.pathDevice(req)
	if errResp != nil {
		return *errResp
	}
	hydrate, errResp := queryHydrate(req.URL.Query(), true)
	if errResp != nil {
		return *errResp
	}
	userCode := req.URL.Query().Get("user_code")
	visible := ownedBy(dev, req.auth.account) || (dev.userID == nil && userCode != "" && codesEqual(dev.userCode, userCode))
	if !visible {
		return s.deviceNotFound(dev.id.String())
	}
	return ok(s.deviceModel(dev, hydrate))
}

func (s *Server) handleUpdateDevice(req *request) response {
	dev, errResp := s.pathDevice(req)
	if errResp != nil {
		return *errResp
	}
	obj, errResp := decodeObject(req.body)
	if errResp != nil {
		return *errResp
	}
	f := fieldReader{obj: obj}
	locked := f.boolean("locked", false)
	if errResp := f.failure(); errResp != nil {
		return *errResp
	}
	if !ownedBy(dev, req.auth.account) {
		return s.deviceNotFound(dev.id.String())
	}
	if locked != nil {
		switch {
		case *locked:
			dev.status = DeviceStatusLocked
		case dev.status == DeviceStatusLocked:
			dev.status = DeviceStatusActive
		}
	}
	dev.updated = s.clock.now()
	return ok(s.deviceModel(dev, true))
}

func (s *Server) handleVerifyDevice(req *request) response {
	dev, errResp := s.pathDevice(req)
	if errResp != nil {
		return *errResp
	}
	obj, errResp := decodeObject(req.body)
	if errResp != nil {
		return *errResp
	}
	f := fieldReader{obj: obj}
	userCode := f.str("user_code", true)
	trusted := f.boolean("trusted_device", false)
	if errResp := f.failure(); errResp != nil {
		return *errResp
	}
	if msg := s.verifyDeviceLocked(dev, req.auth.account, *userCode, trusted != nil && *trusted); msg != "" {
		return valueError(msg)
	}
	return ok(s.deviceModel(dev, true))
}

// verifyDeviceLocked is the dashboard's "Authorize this device" step. It
// returns the ValueError message on failure.
func (s *Server) verifyDeviceLocked(dev *device, user *account, userCode string, trusted bool) string {
	now := s.clock.now()
	if dev.status != DeviceStatusPending {
		return "Invalid request: device not pending verification."
	}
	if dev.expires != nil && dev.expires.Before(now) {
		return "Invalid request: device verification expired."
	}
	if dev.userID != nil && *dev.userID != user.id {
		return "Invalid request: this device is associated with another user."
	}
	if !codesEqual(dev.userCode, userCode) {
		dev.failedAttempts++
		dev.updated = now
		if dev.failedAttempts >= s.opts.MaxFailedDeviceAttempts {
			dev.status = DeviceStatusLocked
			return "Invalid request: device locked due to too many failed authentication attempts."
		}
		return "Invalid request: invalid user code."
	}
	id := user.id
	dev.userID = &id
	dev.status = DeviceStatusVerified
	dev.failedAttempts = 0
	dev.trusted = trusted
	dev.updated = now
	return ""
}

func (s *Server) handleDeleteDevice(req *request) response {
	dev, errResp := s.pathDevice(req)
	if errResp != nil {
		return *errResp
	}
	if !ownedBy(dev, req.auth.account) {
		return s.deviceNotFound(dev.id.String())
	}
	delete(s.st.devices, dev.id)
	return ok(nil)
}
