package zenml

import (
	"bytes"
	"encoding/json"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// statusKind is the classification of a response that names no exception
// class, from its status alone.
func statusKind(status int) ErrorKind {
	switch {
	case status == 401:
		return KindCredentials
	case status == 402 || status == 403:
		return KindPermission
	case status == 404:
		return KindNotFound
	case status == 409:
		return KindConflict
	case status == 429:
		return KindRateLimited
	case status >= 500:
		return KindServer
	case status >= 400:
		return KindInvalidRequest
	}
	return KindUnknown
}

// FuzzParseErrorProperties goes beyond FuzzParseError's "no panic": for
// any status, Content-Type and body, ParseError is deterministic, keeps
// the status, names the status in Error(), takes an exception class or
// OAuth code only from JSON, describes a non-JSON body in one short line,
// and classifies by status whenever the body names no exception.
func FuzzParseErrorProperties(f *testing.F) {
	f.Add(401, "", []byte(`{"detail":["CredentialsNotValid","Authentication error: error decoding access token"]}`))
	f.Add(401, "", []byte(`{"detail":"Not authenticated"}`))
	f.Add(404, "", []byte(`{"detail":["KeyError","\"No service account with the 'ci' name or ID was found\""]}`))
	f.Add(422, "", []byte(`["ValueError","1 validation error for Request\nbody -> name\n  field required"]`))
	f.Add(400, "", []byte(`{"error":"authorization_pending","error_description":"pending","error_uri":null}`))
	f.Add(429, "", []byte(`{"error":"Server too busy. Please try again later."}`))
	f.Add(502, "text/html", []byte(`<html><body>Bad Gateway</body></html>`))
	f.Add(500, "", []byte(`{"detail":["Runtime`))
	f.Add(503, "text/plain", []byte("upstream connect error\r\nor disconnect"))
	f.Add(401, "", []byte(`{"detail":["AuthorizationException","Authentication error: x"]}`))
	f.Add(418, "", []byte(`{"detail":{"nested":[1,2,{"a":null}]}}`))
	f.Add(0, "", []byte(`"just a string"`))
	f.Add(502, "", []byte(strings.Repeat("x", 119)+"é and more"))
	f.Fuzz(func(t *testing.T, status int, contentType string, body []byte) {
		var header http.Header
		if contentType != "" {
			header = http.Header{"Content-Type": {contentType}}
		}
		e := ParseError(status, header, body)
		if e == nil {
			t.Fatal("nil error")
		}
		if again := ParseError(status, header, body); !reflect.DeepEqual(e, again) {
			t.Fatalf("not deterministic: %+v vs %+v", e, again)
		}
		if e.StatusCode != status {
			t.Fatalf("StatusCode %d, want %d", e.StatusCode, status)
		}
		if e.Kind < KindUnknown || e.Kind > KindServer {
			t.Fatalf("kind %d out of range", e.Kind)
		}
		msg := e.Error()
		if !strings.HasSuffix(msg, "(HTTP "+strconv.Itoa(status)+")") {
			t.Fatalf("Error() %q does not name the status", msg)
		}
		trimmed := bytes.TrimSpace(body)
		isJSON := len(trimmed) > 0 && json.Valid(trimmed)
		if !isJSON && (e.Exception != "" || e.OAuthError != "") {
			t.Fatalf("exception %q / oauth %q from a non-JSON body %q", e.Exception, e.OAuthError, body)
		}
		if len(trimmed) > 0 && !isJSON {
			if strings.ContainsAny(e.Message, "\r\n") {
				t.Fatalf("non-JSON body described on several lines: %q", e.Message)
			}
			if utf8.Valid(body) && !utf8.ValidString(e.Message) {
				t.Fatalf("valid UTF-8 body %q described as invalid UTF-8 %q", body, e.Message)
			}
			if len(e.Message) > 200 {
				t.Fatalf("non-JSON body described in %d bytes", len(e.Message))
			}
		}
		if e.WWWAuthenticate {
			t.Fatal("WWWAuthenticate without the header")
		}
		if e.Exception == "" && e.Kind != statusKind(status) {
			t.Fatalf("status %d without exception classified %v, want %v (body %q)", status, e.Kind, statusKind(status), body)
		}
		if e.Exception == "CredentialsNotValid" && e.Kind != KindCredentials {
			t.Fatalf("CredentialsNotValid classified %v", e.Kind)
		}
	})
}
