package zenml

import (
	"bufio"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

type transcriptResponse struct {
	status int
	header http.Header
	body   []byte
}

// readTranscriptResponse extracts the response of a captured exchange.
func readTranscriptResponse(t *testing.T, path string) transcriptResponse {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	_, resp, ok := strings.Cut(text, "=== RESPONSE ===\n")
	if !ok {
		t.Fatalf("%s: no response section", path)
	}
	resp, _, _ = strings.Cut(resp, "\n=== RESPONSE BODY")
	head, body, _ := strings.Cut(resp, "\n\n")
	sc := bufio.NewScanner(strings.NewReader(head))
	sc.Scan()
	fields := strings.Fields(sc.Text())
	status, err := strconv.Atoi(fields[1])
	if err != nil {
		t.Fatalf("%s: status line %q", path, sc.Text())
	}
	h := http.Header{}
	for sc.Scan() {
		if name, value, ok := strings.Cut(sc.Text(), ":"); ok {
			h.Add(name, strings.TrimSpace(value))
		}
	}
	return transcriptResponse{status: status, header: h, body: []byte(strings.TrimSpace(body))}
}

func TestParseErrorClassifiesEveryErrorTranscript(t *testing.T) {
	files, err := filepath.Glob("../../testdata/transcripts/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no transcripts found: %v", err)
	}
	wantByStatus := map[int]ErrorKind{
		400: KindInvalidRequest, 401: KindCredentials, 404: KindNotFound,
		409: KindConflict, 422: KindInvalidRequest,
	}
	checked := 0
	for _, f := range files {
		if strings.HasPrefix(filepath.Base(f), "00-index") {
			continue
		}
		resp := readTranscriptResponse(t, f)
		if resp.status < 400 {
			continue
		}
		checked++
		t.Run(filepath.Base(f), func(t *testing.T) {
			e := ParseError(resp.status, resp.header, resp.body)
			if want, ok := wantByStatus[resp.status]; ok && e.Kind != want {
				t.Errorf("kind = %v, want %v (body %s)", e.Kind, want, resp.body)
			}
			if e.Message == "" {
				t.Errorf("empty message for %s", resp.body)
			}
			if strings.HasPrefix(e.Message, `"`) || strings.HasPrefix(e.Message, `'`) {
				t.Errorf("message keeps repr quotes: %q", e.Message)
			}
			if strings.Contains(string(resp.body), `"error_description"`) && e.OAuthError == "" {
				t.Errorf("OAuth error code not parsed from %s", resp.body)
			}
			if strings.Contains(string(resp.body), `["`) && e.Exception == "" {
				t.Errorf("exception class not parsed from %s", resp.body)
			}
		})
	}
	if checked < 50 {
		t.Fatalf("only %d error transcripts checked", checked)
	}
}

func TestParseErrorShapes(t *testing.T) {
	wwwAuth := http.Header{"Www-Authenticate": {"Bearer"}}
	tests := []struct {
		name      string
		status    int
		header    http.Header
		body      string
		kind      ErrorKind
		exception string
		oauth     string
		message   string
	}{
		{"0.93 expired token", 401, nil, `{"detail":["CredentialsNotValid","Authentication error: error decoding access token: Invalid JWT token: Signature has expired."]}`,
			KindCredentials, "CredentialsNotValid", "", "Authentication error: error decoding access token: Invalid JWT token: Signature has expired."},
		{"0.93 authorization exception is a permission failure", 401, nil, `{"detail":["AuthorizationException","Not authenticated."]}`,
			KindPermission, "AuthorizationException", "", "Not authenticated."},
		{"0.58 login failure", 401, nil, `{"detail":["AuthorizationException","Authentication error: invalid username or password"]}`,
			KindCredentials, "AuthorizationException", "", "Authentication error: invalid username or password"},
		{"0.58 plain bearer failure", 401, wwwAuth, `{"detail":"Authentication error: account sa is not active"}`,
			KindCredentials, "", "", "Authentication error: account sa is not active"},
		{"not authenticated", 401, wwwAuth, `{"detail":"Not authenticated"}`, KindCredentials, "", "", "Not authenticated"},
		{"key error quotes", 404, nil, `{"detail":["KeyError","\"No service account with the 'ci' name or ID was found\""]}`,
			KindNotFound, "KeyError", "", "No service account with the 'ci' name or ID was found"},
		{"key error single quotes", 404, nil, `{"detail":["KeyError","'Unable to get device with ID x: No device with this ID found.'"]}`,
			KindNotFound, "KeyError", "", "Unable to get device with ID x: No device with this ID found."},
		{"value error keeps quotes", 400, nil, `{"detail":["ValueError","\"quoted\""]}`, KindInvalidRequest, "ValueError", "", `"quoted"`},
		{"conflict", 409, nil, `{"detail":["EntityExistsError","Unable to create service account with name 'a': Found existing service account with this name."]}`,
			KindConflict, "EntityExistsError", "", "Unable to create service account with name 'a': Found existing service account with this name."},
		{"illegal operation", 403, nil, `{"detail":["IllegalOperationError","The server is already active."]}`, KindPermission, "IllegalOperationError", "", "The server is already active."},
		{"bare 422", 422, nil, `["ValueError","1 validation error for Request\nbody -> name\n  field required"]`, KindInvalidRequest, "ValueError", "", "1 validation error for Request\nbody -> name\n  field required"},
		{"filter 422", 422, nil, `{"detail":["ValueError","bad filter"]}`, KindInvalidRequest, "ValueError", "", "bad filter"},
		{"oauth pending", 400, nil, `{"error":"authorization_pending","error_description":"Authentication error: device with client ID x is pending.","error_uri":null}`,
			KindInvalidRequest, "", "authorization_pending", "Authentication error: device with client ID x is pending."},
		{"oauth null description", 400, nil, `{"error":"slow_down","error_description":null}`, KindInvalidRequest, "", "slow_down", ""},
		{"server busy", 429, nil, `{"error":"Server too busy. Please try again later."}`, KindRateLimited, "", "", "Server too busy. Please try again later."},
		{"rate limit", 429, nil, `{"detail":"Minute request limit exceeded."}`, KindRateLimited, "", "", "Minute request limit exceeded."},
		{"unexpected", 500, nil, `{"detail":"An unexpected error occurred."}`, KindServer, "", "", "An unexpected error occurred."},
		{"runtime error", 500, nil, `{"detail":["RuntimeError","boom"]}`, KindServer, "RuntimeError", "", "boom"},
		{"html", 502, http.Header{"Content-Type": {"text/html"}}, `<html><body>Bad Gateway</body></html>`, KindServer, "", "", "the server answered with an HTML page, not the ZenML API"},
		{"truncated json", 500, nil, `{"detail":["Runtime`, KindServer, "", "", "the server answered with malformed JSON"},
		{"empty", 503, nil, ``, KindServer, "", "", ""},
		{"payment", 402, nil, `{"detail":["SubscriptionUpgradeRequiredError","upgrade"]}`, KindPermission, "SubscriptionUpgradeRequiredError", "", "upgrade"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := ParseError(tt.status, tt.header, []byte(tt.body))
			if e.Kind != tt.kind || e.Exception != tt.exception || e.OAuthError != tt.oauth || e.Message != tt.message {
				t.Errorf("got kind=%v exception=%q oauth=%q message=%q", e.Kind, e.Exception, e.OAuthError, e.Message)
			}
			if e.StatusCode != tt.status {
				t.Errorf("status = %d", e.StatusCode)
			}
			if strings.Contains(e.Error(), "\n") && !strings.Contains(tt.message, "\n") {
				t.Errorf("Error() spans lines: %q", e.Error())
			}
		})
	}
}

func FuzzParseError(f *testing.F) {
	f.Add(401, []byte(`{"detail":["CredentialsNotValid","x"]}`))
	f.Add(404, []byte(`{"detail":["KeyError","\"x\""]}`))
	f.Add(422, []byte(`["ValueError","x"]`))
	f.Add(400, []byte(`{"error":"authorization_pending","error_description":"x","error_uri":null}`))
	f.Add(429, []byte(`{"error":"busy"}`))
	f.Add(500, []byte(`<html>`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		e := ParseError(status, nil, body)
		if e == nil {
			t.Fatal("nil error")
		}
		_ = e.Error()
	})
}
