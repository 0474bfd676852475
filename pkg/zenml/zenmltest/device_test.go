package zenmltest

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

type deviceAuth struct {
	DeviceCode              string `json:"device_code"`
	UserCode                string `json:"user_code"`
	VerificationURI         string `json:"verification_uri"`
	VerificationURIComplete string `json:"verification_uri_complete"`
	ExpiresIn               int    `json:"expires_in"`
	Interval                int    `json:"interval"`
}

func (c *client) authorizeDevice(clientID string) deviceAuth {
	c.t.Helper()
	r := c.do("POST", "/api/v1/device_authorization", "application/x-www-form-urlencoded",
		url.Values{"client_id": {clientID}}.Encode(), map[string][]string{"User-Agent": {"Host/box ZenML/0.93.0 Python/3.12 OS/Linux"}})
	expectStatus(c.t, r, 200)
	var da deviceAuth
	if err := json.Unmarshal(r.body, &da); err != nil {
		c.t.Fatal(err)
	}
	return da
}

func (c *client) pollDevice(clientID, deviceCode string) reply {
	return c.form("/api/v1/login", url.Values{"grant_type": {grantDeviceCode}, "client_id": {clientID}, "device_code": {deviceCode}})
}

func expectOAuthError(t *testing.T, r reply, code, description string) {
	t.Helper()
	expectStatus(t, r, 400)
	var body map[string]any
	if err := json.Unmarshal(r.body, &body); err != nil {
		t.Fatal(err)
	}
	if body["error"] != code || body["error_description"] != description {
		t.Fatalf("oauth error = %s, want %s / %s", r.body, code, description)
	}
	if v, present := body["error_uri"]; !present || v != nil {
		t.Fatalf("error_uri must be present and null: %s", r.body)
	}
}

func TestDeviceFlowHappyPathAndRevocation(t *testing.T) {
	srv := NewTest(t, Options{})
	c := newClient(t, srv)
	clientID := uuid.NewString()
	da := c.authorizeDevice(clientID)
	if len(da.DeviceCode) != 64 || len(da.UserCode) != 32 || da.ExpiresIn != 300 || da.Interval != 5 {
		t.Fatalf("authorization response %+v", da)
	}
	dev, found := srv.Device(clientID)
	if !found || dev.Status != DeviceStatusPending || dev.Hostname != "box" {
		t.Fatalf("device state %+v", dev)
	}
	wantComplete := "/devices/verify?device_id=" + dev.ID + "&user_code=" + da.UserCode
	if da.VerificationURI != "/devices/verify" || da.VerificationURIComplete != wantComplete {
		t.Fatalf("verification URIs %q %q", da.VerificationURI, da.VerificationURIComplete)
	}

	pending := "Authentication error: device with client ID " + clientID + " is pending."
	expectOAuthError(t, c.pollDevice(clientID, da.DeviceCode), "authorization_pending", pending)
	// While pending the device code is not even looked at.
	expectOAuthError(t, c.pollDevice(clientID, "wrong"), "authorization_pending", pending)
	unknown := uuid.NewString()
	expectOAuthError(t, c.pollDevice(unknown, da.DeviceCode), "invalid_client",
		"Authentication error: error retrieving device with client ID "+unknown)

	if err := srv.VerifyDevice(da.UserCode, true); err != nil {
		t.Fatal(err)
	}
	if err := srv.VerifyDevice(da.UserCode, true); err == nil || err.Error() != "Invalid request: device not pending verification." {
		t.Fatalf("second verification: %v", err)
	}
	expectOAuthError(t, c.pollDevice(clientID, "wrong"), "access_denied",
		"Authentication error: device for client ID "+clientID+" has an invalid device code.")

	r := c.pollDevice(clientID, da.DeviceCode)
	expectStatus(t, r, 200)
	body := r.json(t)
	if body["expires_in"] != nil || r.header.Get("Set-Cookie") != "" {
		t.Fatalf("device token response %s, cookie %q", r.body, r.header.Get("Set-Cookie"))
	}
	token := body["access_token"].(string)
	claims := claimsOf(t, token)
	if claims["device_id"] != dev.ID || claims["sub"] != srv.AdminID() {
		t.Fatalf("claims %v", claims)
	}
	if _, has := claims["exp"]; has {
		t.Fatalf("non-expiring token carries exp: %v", claims)
	}
	expectOAuthError(t, c.pollDevice(clientID, da.DeviceCode), "expired_token",
		"Authentication error: device with client ID "+clientID+" is active.")
	user := c.as(token)
	expectStatus(t, user.get("/api/v1/current-user"), 200)
	if d, _ := srv.Device(clientID); d.Status != DeviceStatusActive || !d.Trusted || d.LastLogin == nil {
		t.Fatalf("device after login %+v", d)
	}

	// Locking and unlocking through the management API.
	admin := c.as(srv.AdminToken())
	expectStatus(t, admin.sendJSON("PUT", "/api/v1/devices/"+dev.ID, `{"locked": true}`), 200)
	expectDetail(t, user.get("/api/v1/current-user"), 401, "CredentialsNotValid",
		"Authentication error: device "+dev.ID+" is not active")
	expectStatus(t, admin.sendJSON("PUT", "/api/v1/devices/"+dev.ID, `{"locked": false}`), 200)
	expectStatus(t, user.get("/api/v1/current-user"), 200)

	// A new authorization for the same client resets the record and revokes
	// the token issued before.
	again := c.authorizeDevice(clientID)
	if again.UserCode == da.UserCode || !strings.Contains(again.VerificationURIComplete, dev.ID) {
		t.Fatalf("re-authorization %+v", again)
	}
	expectDetail(t, user.get("/api/v1/current-user"), 401, "CredentialsNotValid",
		"Authentication error: device "+dev.ID+" is not active")

	page := admin.get("/api/v1/devices").json(t)
	if page["total"].(float64) != 1 {
		t.Fatalf("device list %v", page)
	}
	expectStatus(t, admin.do("DELETE", "/api/v1/devices/"+dev.ID, "", "", nil), 200)
	// A deleted record is worded differently from someone else's (0.85: 370).
	expectDetail(t, admin.get("/api/v1/devices/"+dev.ID), 404, "KeyError",
		`"Unable to get authorized device with ID '`+dev.ID+`': No authorized device with this ID found"`)
}

func TestDeviceDeadline(t *testing.T) {
	srv := NewTest(t, Options{DeviceAuthTimeout: time.Minute, DevicePollingInterval: time.Second})
	c := newClient(t, srv)

	// Pending past the deadline keeps answering authorization_pending, and
	// verification then fails.
	late := uuid.NewString()
	da := c.authorizeDevice(late)
	if da.ExpiresIn != 60 || da.Interval != 1 {
		t.Fatalf("configured timings not advertised: %+v", da)
	}
	srv.Advance(2 * time.Minute)
	expectOAuthError(t, c.pollDevice(late, da.DeviceCode), "authorization_pending",
		"Authentication error: device with client ID "+late+" is pending.")
	if err := srv.VerifyDevice(da.UserCode, false); err == nil || err.Error() != "Invalid request: device verification expired." {
		t.Fatalf("late verification: %v", err)
	}

	// Verified in time but fetched too late.
	slow := uuid.NewString()
	da = c.authorizeDevice(slow)
	if err := srv.VerifyDevice(da.UserCode, false); err != nil {
		t.Fatal(err)
	}
	srv.Advance(time.Minute)
	expectOAuthError(t, c.pollDevice(slow, da.DeviceCode), "expired_token",
		"Authentication error: device for client ID "+slow+" has expired")
}

func TestDeviceLocking(t *testing.T) {
	srv := NewTest(t, Options{})
	c := newClient(t, srv)
	admin := c.as(srv.AdminToken())

	// Three wrong user codes on the verify endpoint lock the device.
	clientID := uuid.NewString()
	da := c.authorizeDevice(clientID)
	dev, _ := srv.Device(clientID)
	for i, want := range []string{"Invalid request: invalid user code.", "Invalid request: invalid user code.",
		"Invalid request: device locked due to too many failed authentication attempts."} {
		r := admin.sendJSON("PUT", "/api/v1/devices/"+dev.ID+"/verify", `{"user_code": "bad", "trusted_device": false}`)
		if cls, msg := r.detail(t); r.status != 400 || cls != "ValueError" || msg != want {
			t.Fatalf("attempt %d: %d %s", i+1, r.status, r.body)
		}
	}
	expectOAuthError(t, c.pollDevice(clientID, da.DeviceCode), "access_denied",
		"Authentication error: device with client ID "+clientID+" is locked.")

	// Three wrong device codes after verification lock it too.
	other := uuid.NewString()
	da = c.authorizeDevice(other)
	if err := srv.VerifyDevice(da.UserCode, false); err != nil {
		t.Fatal(err)
	}
	c.pollDevice(other, "bad")
	c.pollDevice(other, "bad")
	expectOAuthError(t, c.pollDevice(other, "bad"), "access_denied",
		"Authentication error: device for client ID "+other+" has been locked due to too many failed authentication attempts.")
	expectOAuthError(t, c.pollDevice(other, da.DeviceCode), "access_denied",
		"Authentication error: device with client ID "+other+" is locked.")
}

func TestDeviceOwnership(t *testing.T) {
	srv := NewTest(t, Options{DashboardURL: "https://dash.example.test/"})
	c := newClient(t, srv)
	srv.CreateUser("alice", "pw")
	alice := c.as(c.login(url.Values{"username": {"alice"}, "password": {"pw"}}))

	clientID := uuid.NewString()
	da := c.authorizeDevice(clientID)
	if !strings.HasPrefix(da.VerificationURIComplete, "https://dash.example.test/devices/verify?device_id=") {
		t.Fatalf("verification URI with dashboard: %q", da.VerificationURIComplete)
	}
	dev, _ := srv.Device(clientID)
	// Unowned: visible with the user code only.
	expectStatus(t, alice.get("/api/v1/devices/"+dev.ID+"?user_code="+da.UserCode), 200)
	expectStatus(t, alice.get("/api/v1/devices/"+dev.ID), 404)
	expectStatus(t, alice.get("/api/v1/devices/not-a-uuid"), 422)

	if err := srv.VerifyDevice(da.UserCode, false); err != nil {
		t.Fatal(err)
	}
	expectStatus(t, alice.get("/api/v1/devices/"+dev.ID), 404)
	expectStatus(t, alice.do("DELETE", "/api/v1/devices/"+dev.ID, "", "", nil), 404)

	// Re-authorized, the device stays bound to the admin.
	da = c.authorizeDevice(clientID)
	r := alice.sendJSON("PUT", "/api/v1/devices/"+dev.ID+"/verify", `{"user_code": "`+da.UserCode+`"}`)
	expectDetail(t, r, 400, "ValueError", "Invalid request: this device is associated with another user.")
}
