package zenmltest

import (
	"net/url"
	"testing"
)

func TestSetAuthSchemeSwitchesARunningServer(t *testing.T) {
	for _, profile := range []string{Profile093, Profile058} {
		t.Run(profile, func(t *testing.T) {
			srv := NewTest(t, Options{Profile: profile})
			c := newClient(t, srv)
			token := srv.AdminToken()
			expectStatus(t, c.get("/api/v1/current-user"), 401)

			srv.SetAuthScheme(AuthSchemeNoAuth)
			if srv.AuthScheme() != AuthSchemeNoAuth || c.get("/api/v1/info").json(t)["auth_scheme"] != AuthSchemeNoAuth {
				t.Fatal("/info does not report NO_AUTH")
			}
			r := c.as("garbage").get("/api/v1/current-user")
			expectStatus(t, r, 200)
			if r.json(t)["name"] != "default" {
				t.Errorf("NO_AUTH acts as %s", r.body)
			}
			expectDetail(t, c.as(token).get("/api/v1/api_token"), 401, "AuthorizationException", "Not authenticated.")
			// 0.85 refuses the device flow; 0.58.2 did not block it (§8).
			want := map[string]int{Profile093: 403, Profile058: 200}[profile]
			expectStatus(t, c.form("/api/v1/device_authorization", url.Values{"client_id": {"5c83d7b1-8744-4be5-a6f7-c827486d15e1"}}), want)

			srv.SetAuthScheme(AuthSchemeOAuth2)
			expectStatus(t, c.get("/api/v1/current-user"), 401)
			expectStatus(t, c.as(token).get("/api/v1/current-user"), 200)
		})
	}
}
