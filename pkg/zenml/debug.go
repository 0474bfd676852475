package zenml

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
)

// debugTransport traces requests and responses for --debug. Every secret
// is redacted before it is written: Authorization headers, cookies, tokens,
// API keys, passwords and device codes, in headers, forms, JSON and query
// strings alike.
type debugTransport struct {
	next http.RoundTripper
	w    io.Writer
	mu   sync.Mutex
}

const redacted = "[REDACTED]"

var secretFields = map[string]bool{
	"password": true, "access_token": true, "refresh_token": true, "csrf_token": true,
	"key": true, "api_key": true, "token": true, "device_code": true, "user_code": true,
	"admin_password": true, "authorization": true, "cookie": true, "set-cookie": true,
	"verification_uri_complete": true, "activation_token": true, "hub_token": true,
	"secret": true, "values": true,
}

// isSecretField reports whether a header, form field, query parameter or
// JSON key holds a secret: the names above, and any kind of password
// (old_password, new_password, ...).
func isSecretField(name string) bool {
	name = strings.ToLower(name)
	return secretFields[name] || strings.Contains(name, "password")
}

// secretPatterns catch secrets outside named fields: bare JWTs (the
// /api_token answer is a JSON string) and ZENKEY_ values.
var secretPatterns = []*regexp.Regexp{
	regexp.MustCompile(`eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*`),
	regexp.MustCompile(`ZEN(PRO)?KEY_[A-Za-z0-9+/=_-]+`),
}

// secretName matches, as a regexp, the names isSecretField accepts.
var secretName = func() string {
	names := make([]string, 0, len(secretFields))
	for name := range secretFields {
		names = append(names, regexp.QuoteMeta(name))
	}
	sort.Strings(names)
	return `(?:` + strings.Join(names, "|") + `|\w*password\w*)`
}()

// secretJSONField finds a secret field's string value in JSON text that
// does not parse, such as a body cut short for the trace: the value runs to
// its closing quote or, when cut, to the end.
var secretJSONField = regexp.MustCompile(`(?i)("` + secretName + `"\s*:\s*)"(?:[^"\\]|\\.)*(?:"|\\?$)`)

func redactText(s string) string {
	for _, re := range secretPatterns {
		s = re.ReplaceAllString(s, redacted)
	}
	return s
}

func (t *debugTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var reqBody []byte
	if req.Body != nil && req.GetBody != nil {
		if rc, err := req.GetBody(); err == nil {
			reqBody, _ = io.ReadAll(io.LimitReader(rc, 64<<10))
			rc.Close()
		}
	}
	start := time.Now()
	resp, err := t.next.RoundTrip(req)
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprintf(t.w, "> %s %s\n", req.Method, redactURL(req.URL))
	writeHeaders(t.w, "> ", req.Header)
	if len(reqBody) > 0 {
		fmt.Fprintf(t.w, "> %s\n", redactBody(reqBody, req.Header.Get("Content-Type")))
	}
	if err != nil {
		fmt.Fprintf(t.w, "* error after %s: %s\n", time.Since(start).Round(time.Millisecond), redactText(err.Error()))
		return nil, err
	}
	fmt.Fprintf(t.w, "< %s (%s)\n", resp.Status, time.Since(start).Round(time.Millisecond))
	writeHeaders(t.w, "< ", resp.Header)
	// Peek at the body without consuming it for the caller.
	body, readErr := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes+1))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if readErr == nil && len(body) > 0 {
		shown := body
		if len(shown) > 4096 {
			shown = shown[:4096]
		}
		fmt.Fprintf(t.w, "< %s\n", redactBody(shown, resp.Header.Get("Content-Type")))
	}
	return resp, readErr
}

func writeHeaders(w io.Writer, prefix string, h http.Header) {
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		for _, v := range h[name] {
			if isSecretField(name) {
				if scheme, _, ok := strings.Cut(v, " "); ok && strings.EqualFold(name, "Authorization") {
					v = scheme + " " + redacted
				} else {
					v = redacted
				}
			} else {
				v = redactText(v)
			}
			fmt.Fprintf(w, "%s%s: %s\n", prefix, name, v)
		}
	}
}

func redactURL(u *url.URL) string {
	cp := *u
	if cp.RawQuery != "" {
		q := cp.Query()
		for k := range q {
			if isSecretField(k) {
				q[k] = []string{redacted}
			}
		}
		cp.RawQuery = q.Encode()
	}
	if cp.User != nil {
		cp.User = url.User(redacted)
	}
	return redactText(cp.String())
}

// redactBody hides secrets whatever the body claims to be: `zenctl api`
// can send a form labelled as JSON, or the reverse, so the Content-Type
// only decides which parser is tried first, and text that no parser
// accepts is scrubbed by pattern for both syntaxes.
func redactBody(body []byte, contentType string) string {
	text := string(body)
	asJSON := func() (string, bool) {
		var v any
		if err := json.Unmarshal(body, &v); err != nil {
			return "", false
		}
		out, _ := json.Marshal(redactJSON(v))
		return string(out), true
	}
	asForm := func() (string, bool) {
		if !strings.Contains(text, "=") || strings.ContainsAny(text, "{}\"\n") {
			return "", false
		}
		form, err := url.ParseQuery(text)
		if err != nil {
			return "", false
		}
		for k := range form {
			if isSecretField(k) {
				form[k] = []string{redacted}
			}
		}
		return form.Encode(), true
	}
	parsers := []func() (string, bool){asJSON, asForm}
	if strings.Contains(contentType, "x-www-form-urlencoded") {
		parsers = []func() (string, bool){asForm, asJSON}
	}
	for _, parse := range parsers {
		if out, ok := parse(); ok {
			return scrub(out)
		}
	}
	return scrub(text)
}

// secretFormField finds a secret field's value in form-encoded text that
// does not parse, such as one with a ';' or cut short for the trace.
var secretFormField = regexp.MustCompile(`(?i)(^|[&;?\s])(` + secretName + `=)[^&;\s]*`)

// scrub applies every pattern: parsed bodies pass through it too, as a
// second line of defence.
func scrub(s string) string {
	s = secretJSONField.ReplaceAllString(s, `${1}"`+redacted+`"`)
	s = secretFormField.ReplaceAllString(s, "${1}${2}"+redacted)
	return redactText(s)
}

func redactJSON(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if isSecretField(k) {
				if val != nil {
					x[k] = redacted
				}
				continue
			}
			x[k] = redactJSON(val)
		}
	case []any:
		for i := range x {
			x[i] = redactJSON(x[i])
		}
	}
	return v
}
