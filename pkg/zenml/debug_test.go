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
