package zenml

import (
	"strings"
	"testing"
)

// Bodies are cut short for the trace, and cut JSON no longer parses: the
// secret fields must still be found in the text.
func TestRedactBodyHandlesTruncatedJSON(t *testing.T) {
	for _, body := range []string{
		`{"name": "ci", "password": "hunter2-long-secret", "description": "x`,
		`{"name": "ci", "password": "hunter2-long-secret`,
		`{"items": [{"activation_token": "hunter2-long-secret"}, {"na`,
		`{"hub_token":"hunter2-long-secret","x":`,
		`{"password": "hunter2-long-\"secret\" tail", "n`,
	} {
		got := redactBody([]byte(body), "application/json")
		if strings.Contains(got, "hunter2") || strings.Contains(got, "secret\\\"") {
			t.Errorf("%s\n-> %s", body, got)
		}
		if !strings.Contains(got, redacted) {
			t.Errorf("nothing redacted in %s", got)
		}
	}
	// Whole JSON keeps its other fields.
	got := redactBody([]byte(`{"name":"ci","key":"ZENKEY_abc","active":true}`), "application/json")
	if !strings.Contains(got, `"name":"ci"`) || strings.Contains(got, "ZENKEY_abc") {
		t.Errorf("got %s", got)
	}
}

// `zenctl api` can label a body wrongly; the trace must not trust the
// label to find the secrets.
func TestRedactBodyWhateverTheContentType(t *testing.T) {
	const form, json = "application/x-www-form-urlencoded", "application/json"
	for _, tc := range []struct{ body, ctype string }{
		{"grant_type=password&username=alice&password=hunter2", form},
		{"grant_type=password&username=alice&password=hunter2", json},
		{"username=alice;password=hunter2", form},
		{"username=alice&password=hunter2&x=%zz", form},
		{`{"username":"alice","password":"hunter2"}`, form},
		{`{"username":"alice","password":"hunter2"}`, "text/plain"},
		{"password=hunter2", ""},
		{"username=alice&password=hunter2\n", json},
		{`{"values": {"x": "hunter2"}}`, form},
	} {
		got := redactBody([]byte(tc.body), tc.ctype)
		if strings.Contains(got, "hunter2") {
			t.Errorf("%q as %q\n-> %s", tc.body, tc.ctype, got)
		}
		if !strings.Contains(got, "alice") && strings.Contains(tc.body, "alice") {
			t.Errorf("%q as %q lost its other fields: %s", tc.body, tc.ctype, got)
		}
	}
}

func TestRedactAnyPassword(t *testing.T) {
	for _, tc := range []struct{ body, ctype string }{
		{`{"old_password":"hunter2","password":"hunter3","name":"alice"}`, "application/json"},
		{`{"old_password":"hunter2","name":"alice", "x`, "application/json"},
		{"old_password=hunter2&name=alice", "application/x-www-form-urlencoded"},
		{"name=alice;new_password=hunter2", "text/plain"},
	} {
		if got := redactBody([]byte(tc.body), tc.ctype); strings.Contains(got, "hunter") || !strings.Contains(got, "alice") {
			t.Errorf("%q -> %s", tc.body, got)
		}
	}
}
