package zenmltest

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"
)

func keyPath(saID string) string { return "/api/v1/service_accounts/" + saID + "/api_keys" }

func TestAPIKeyFormat(t *testing.T) {
	for _, tc := range []struct{ profile, sep string }{{Profile093, `","key":"`}, {Profile058, `", "key": "`}} {
		t.Run(tc.profile, func(t *testing.T) {
			srv := NewTest(t, Options{Profile: tc.profile})
			key := srv.CreateAPIKey(srv.CreateServiceAccount("ci"), "k")
			raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(key, "ZENKEY_"))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(raw), tc.sep) {
				t.Errorf("payload %s lacks separator %q", raw, tc.sep)
			}
			if _, _, valid := decodeAPIKey(key); !valid {
				t.Errorf("own key %q does not decode", key)
			}
		})
	}
}

func TestRotationRetainPeriod(t *testing.T) {
	srv := NewTest(t, Options{})
	saID := srv.CreateServiceAccount("ci")
	original := srv.CreateAPIKey(saID, "k")
	c := newClient(t, srv)
	admin := c.as(srv.AdminToken())
	tokenFromOriginal := c.loginAPIKey(original)

	r := admin.sendJSON("PUT", keyPath(saID)+"/k/rotate", `{"retain_period_minutes": 5}`)
	expectStatus(t, r, 200)
	rotated := r.json(t)["body"].(map[string]any)["key"].(string)
	if rotated == original || r.json(t)["metadata"] != nil {
		t.Fatalf("rotate response: %s", r.body)
	}
	c.loginAPIKey(original) // inside the retain period
	c.loginAPIKey(rotated)
	expectStatus(t, c.as(tokenFromOriginal).get("/api/v1/current-user"), 200)

	srv.Advance(5*time.Minute + time.Second)
	expectDetail(t, c.form("/api/v1/login", loginKeyForm(original)), 401, "CredentialsNotValid",
		"Authentication error: could not verify key value for API key k")
	c.loginAPIKey(rotated)
	// Tokens survive rotation: validation only checks the key record.
	expectStatus(t, c.as(tokenFromOriginal).get("/api/v1/current-user"), 200)

	r = admin.sendJSON("PUT", keyPath(saID)+"/k/rotate", `{"retain_period_minutes": 60}`)
	expectStatus(t, r, 200)
	newest := r.json(t)["body"].(map[string]any)["key"].(string)
	c.loginAPIKey(rotated)                                                // the key just replaced is retained...
	expectStatus(t, c.form("/api/v1/login", loginKeyForm(original)), 401) // ...older ones are not
	c.loginAPIKey(newest)

	meta := admin.get(keyPath(saID) + "/k").json(t)["metadata"].(map[string]any)
	if meta["retain_period_minutes"].(float64) != 60 || meta["last_rotated"] == nil || meta["last_login"] == nil {
		t.Errorf("metadata after rotation: %v", meta)
	}
}

func TestDeactivationKillsTokens(t *testing.T) {
	srv := NewTest(t, Options{})
	saID := srv.CreateServiceAccount("ci")
	key := srv.CreateAPIKey(saID, "k")
	c := newClient(t, srv)
	admin := c.as(srv.AdminToken())
	sa := c.as(c.loginAPIKey(key))

	r := sa.get("/api/v1/api_token")
	expectStatus(t, r, 200)
	var generic string
	if err := unmarshalString(r.body, &generic); err != nil {
		t.Fatal(err)
	}
	if _, has := claimsOf(t, generic)["api_key_id"]; has {
		t.Errorf("generic token carries api_key_id: %v", claimsOf(t, generic))
	}
	genericClient := c.as(generic)

	expectStatus(t, admin.sendJSON("PUT", keyPath(saID)+"/k", `{"active": false}`), 200)
	expectDetail(t, sa.get("/api/v1/current-user"), 401, "CredentialsNotValid",
		"Authentication error: API key k associated with service account ci is not active")
	expectDetail(t, c.form("/api/v1/login", loginKeyForm(key)), 401, "CredentialsNotValid",
		"Authentication error: API key k associated with service account ci is not active")
	expectStatus(t, genericClient.get("/api/v1/current-user"), 200)

	// 0.93 applies only the fields sent: omitting active keeps it inactive.
	expectStatus(t, admin.sendJSON("PUT", keyPath(saID)+"/k", `{"description": "x"}`), 200)
	expectStatus(t, sa.get("/api/v1/current-user"), 401)
	expectStatus(t, admin.sendJSON("PUT", keyPath(saID)+"/k", `{"active": true}`), 200)
	expectStatus(t, sa.get("/api/v1/current-user"), 200)

	expectStatus(t, admin.sendJSON("PUT", "/api/v1/service_accounts/ci", `{"active": false}`), 200)
	expectDetail(t, sa.get("/api/v1/current-user"), 401, "CredentialsNotValid", "Authentication error: account ci is not active")
	expectDetail(t, genericClient.get("/api/v1/current-user"), 401, "CredentialsNotValid", "Authentication error: account ci is not active")
	expectDetail(t, c.form("/api/v1/login", loginKeyForm(key)), 401, "CredentialsNotValid",
		"Authentication error: service account ci associated with API key k is not active")
	expectStatus(t, admin.sendJSON("PUT", "/api/v1/service_accounts/ci", `{"active": true}`), 200)
	expectStatus(t, sa.get("/api/v1/current-user"), 200)

	keyID := claimsOf(t, sa.token)["api_key_id"].(string)
	expectStatus(t, admin.do("DELETE", keyPath(saID)+"/k", "", "", nil), 200)
	expectDetail(t, sa.get("/api/v1/current-user"), 401, "CredentialsNotValid", "Authentication error: error retrieving API key "+keyID)
}

func TestAPIKeyUpdateOmittedActive058(t *testing.T) {
	srv := NewTest(t, Options{Profile: Profile058})
	saID := srv.CreateServiceAccount("ci")
	srv.CreateAPIKey(saID, "k")
	admin := newClient(t, srv).as(srv.AdminToken())
	expectStatus(t, admin.sendJSON("PUT", keyPath(saID)+"/k", `{"active": false}`), 200)
	r := admin.sendJSON("PUT", keyPath(saID)+"/k", `{"description": "only a description"}`)
	expectStatus(t, r, 200)
	if r.json(t)["body"].(map[string]any)["active"] != true {
		t.Errorf("0.58 update without active should re-activate the key: %s", r.body)
	}
}

func TestAPIKeyRoutesNeedServiceAccountUUID(t *testing.T) {
	srv := NewTest(t, Options{})
	srv.CreateServiceAccount("ci")
	admin := newClient(t, srv).as(srv.AdminToken())
	r := admin.sendJSON("POST", keyPath("ci"), `{"name": "k"}`)
	expectStatus(t, r, 422)
	if !strings.Contains(string(r.body), `path -> service_account_id`) {
		t.Errorf("body %s", r.body)
	}
	unknown := "00000000-0000-0000-0000-000000000001"
	expectDetail(t, admin.get(keyPath(unknown)), 404, "KeyError",
		fmt.Sprintf(`"No service account with the '%s' name or ID was found"`, unknown))
}
