package zenml

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// ErrorKind says what a caller can do about a failed request.
type ErrorKind int

const (
	// KindUnknown is an error that fits no other kind.
	KindUnknown ErrorKind = iota
	// KindCredentials means the credentials are invalid or expired: logging
	// in again may help.
	KindCredentials
	// KindPermission means the account may not do this.
	KindPermission
	// KindNotFound means the entity or route does not exist.
	KindNotFound
	// KindConflict means an entity with the same name exists.
	KindConflict
	// KindInvalidRequest means the request was malformed or refused as
	// invalid; sending it again unchanged will not help.
	KindInvalidRequest
	// KindRateLimited means the server is busy or rate limiting; retry later.
	KindRateLimited
	// KindServer means the server failed.
	KindServer
)

func (k ErrorKind) String() string {
	switch k {
	case KindCredentials:
		return "credentials invalid or expired"
	case KindPermission:
		return "permission denied"
	case KindNotFound:
		return "not found"
	case KindConflict:
		return "conflict"
	case KindInvalidRequest:
		return "invalid request"
	case KindRateLimited:
		return "rate limited"
	case KindServer:
		return "server error"
	}
	return "unknown error"
}

// Error is the one error type for every non-2xx answer of a ZenML server,
// whatever the body's shape: {"detail": [class, message]}, {"detail": "text"},
// a bare 422 [class, message] array, an OAuth {"error", "error_description"}
// object, a 429 {"error": "..."} or something that is not JSON at all.
type Error struct {
	// Server is the URL of the server that answered; set by Client.
	Server     string
	StatusCode int
	// Exception is the server-side exception class (detail[0]), e.g.
	// "EntityExistsError"; empty when the body carried none.
	Exception string
	// OAuthError is the OAuth error code of the device-code grant, e.g.
	// "authorization_pending".
	OAuthError string
	// Message is the server's message with Python repr quoting removed.
	Message string
	Kind    ErrorKind
	// Method and Path name the request; Path never includes the query.
	Method string
	Path   string
	// WWWAuthenticate is set when the server sent that header, which marks
	// a missing or unusable bearer token.
	WWWAuthenticate bool
	// RetryAfter is the wait the server asked for with a Retry-After
	// header (a 429 or 503), or 0.
	RetryAfter time.Duration
}

// Sentinels for errors.Is: an *Error matches the one of its Kind, e.g.
// errors.Is(err, ErrNotFound) for a 404. A *ReauthRequiredError matches
// ErrUnauthorized.
var (
	ErrUnauthorized = errors.New("zenml: credentials invalid or expired")
	ErrForbidden    = errors.New("zenml: permission denied")
	ErrNotFound     = errors.New("zenml: not found")
	ErrConflict     = errors.New("zenml: already exists")
	ErrInvalid      = errors.New("zenml: invalid request")
	ErrRateLimited  = errors.New("zenml: rate limited")
	ErrServer       = errors.New("zenml: server error")
)

// sentinel is the error errors.Is matches for kind k, or nil.
func (k ErrorKind) sentinel() error {
	switch k {
	case KindCredentials:
		return ErrUnauthorized
	case KindPermission:
		return ErrForbidden
	case KindNotFound:
		return ErrNotFound
	case KindConflict:
		return ErrConflict
	case KindInvalidRequest:
		return ErrInvalid
	case KindRateLimited:
		return ErrRateLimited
	case KindServer:
		return ErrServer
	}
	return nil
}

// Is makes errors.Is(err, ErrNotFound) and the other sentinels work.
func (e *Error) Is(target error) bool {
	if e == nil {
		return false
	}
	s := e.Kind.sentinel()
	return s != nil && s == target
}

func (e *Error) Error() string {
	if e == nil {
		return "<nil>"
	}
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.StatusCode)
	}
	if e.OAuthError != "" && !strings.Contains(msg, e.OAuthError) {
		msg = e.OAuthError + ": " + msg
	}
	return fmt.Sprintf("%s (HTTP %d)", msg, e.StatusCode)
}

// ParseError builds an *Error from a response's status, headers and body.
// It never fails: a body it cannot read still yields an Error with a
// message that says what came back. Secrets in the body (tokens, API keys,
// password fields) are redacted from the message, by the rules of the
// Options.Debug trace.
func ParseError(status int, header http.Header, body []byte) *Error {
	return parseError(status, header, body, nil)
}

// parseError is ParseError for the answer to a request that sent the
// secrets in sent, which the server may have echoed.
func parseError(status int, header http.Header, body []byte, sent []string) *Error {
	e := &Error{StatusCode: status}
	if header != nil && header.Get("WWW-Authenticate") != "" {
		e.WWWAuthenticate = true
	}
	if header != nil {
		e.RetryAfter, _ = retryAfter(header, time.Now())
	}
	parseErrorBody(e, body, header, sent)
	// Classified before redaction: the class and message are the server's.
	e.Kind = classify(e)
	e.redact(sent)
	return e
}

func parseErrorBody(e *Error, body []byte, header http.Header, sent []string) {
	trimmed := strings.TrimSpace(string(body))
	if trimmed == "" {
		return
	}
	var raw any
	if err := json.Unmarshal([]byte(trimmed), &raw); err != nil {
		e.Message = describeNonJSON(trimmed, header, func(s string) string { return redactMessage(s, sent) })
		return
	}
	switch v := raw.(type) {
	case []any:
		// Request validation failures: a bare ["ValueError", "..."] array.
		e.Exception, e.Message = exceptionPair(v)
	case map[string]any:
		if detail, ok := v["detail"]; ok {
			switch d := detail.(type) {
			case string:
				e.Message = d
			case []any:
				e.Exception, e.Message = exceptionPair(d)
			default:
				e.Message = compactJSON(d)
			}
			return
		}
		if code, ok := v["error"].(string); ok {
			if hasKey(v, "error_description") {
				e.OAuthError = code
				e.Message, _ = v["error_description"].(string)
				return
			}
			// 429 "Server too busy" has only "error".
			e.Message = code
			return
		}
		e.Message = compactJSON(v)
	case string:
		e.Message = v
	default:
		e.Message = compactJSON(v)
	}
}

func hasKey(m map[string]any, k string) bool {
	_, ok := m[k]
	return ok
}

// exceptionPair reads ["Class", "message"]. FastAPI's validation errors and
// ZenML's endpoint wrapper both use it.
func exceptionPair(v []any) (class, message string) {
	if len(v) == 2 {
		c, okC := v[0].(string)
		m, okM := v[1].(string)
		if okC && okM {
			return c, unquoteRepr(c, m)
		}
	}
	parts := make([]string, 0, len(v))
	for _, item := range v {
		if s, ok := item.(string); ok {
			parts = append(parts, s)
		} else {
			parts = append(parts, compactJSON(item))
		}
	}
	return "", strings.Join(parts, ": ")
}

// unquoteRepr strips the literal quotes Python's repr() puts around KeyError
// messages: ["KeyError", "\"No service account ... was found\""].
func unquoteRepr(class, msg string) string {
	if class != "KeyError" || len(msg) < 2 {
		return msg
	}
	first, last := msg[0], msg[len(msg)-1]
	if (first == '"' || first == '\'') && first == last {
		return msg[1 : len(msg)-1]
	}
	return msg
}

// describeNonJSON says what came back instead of JSON: for text, its
// first line, cut short. The text is redacted first: a secret that
// straddled the cut would leave its first part in the message.
func describeNonJSON(body string, header http.Header, redact func(string) string) string {
	ct := ""
	if header != nil {
		ct = header.Get("Content-Type")
	}
	lower := strings.ToLower(body)
	if strings.Contains(ct, "html") || strings.HasPrefix(lower, "<!doctype") || strings.HasPrefix(lower, "<html") {
		return "the server answered with an HTML page, not the ZenML API"
	}
	if strings.HasPrefix(body, "{") || strings.HasPrefix(body, "[") {
		return "the server answered with malformed JSON"
	}
	// Far more than is shown: what lies beyond cannot be in the message.
	if len(body) > maxRedactedNonJSON {
		body = body[:maxRedactedNonJSON]
	}
	line := redact(body)
	if i := strings.IndexAny(line, "\r\n"); i >= 0 {
		line = line[:i]
	}
	return "unexpected response: " + cutLine(line, 120)
}

// cutLine cuts line to at most n characters, marking the cut with "…". It
// cuts between characters, never inside one's UTF-8 bytes (half a
// sequence prints as garbage; found by FuzzParseErrorProperties), and
// not between a letter and the combining marks on it.
func cutLine(line string, n int) string {
	if utf8.RuneCountInString(line) <= n {
		return line
	}
	cut := 0
	for range n {
		_, size := utf8.DecodeRuneInString(line[cut:])
		cut += size
	}
	for cut > 0 {
		r, _ := utf8.DecodeRuneInString(line[cut:])
		if !unicode.In(r, unicode.Mn, unicode.Me) {
			break
		}
		_, size := utf8.DecodeLastRuneInString(line[:cut])
		cut -= size
	}
	return line[:cut] + "…"
}

const maxRedactedNonJSON = 16 << 10

func compactJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func classify(e *Error) ErrorKind {
	switch e.Exception {
	case "CredentialsNotValid":
		return KindCredentials
	case "EntityExistsError":
		return KindConflict
	case "IllegalOperationError":
		return KindPermission
	case "DoesNotExistException", "ZenKeyError", "KeyError":
		return KindNotFound
	case "AuthorizationException":
		// 0.58 reports every authentication failure with this class and an
		// "Authentication error: ..." message; 0.93 uses it for permission
		// failures, which logging in again does not fix.
		if strings.HasPrefix(e.Message, "Authentication error") {
			return KindCredentials
		}
		return KindPermission
	}
	switch {
	case e.StatusCode == http.StatusUnauthorized:
		// A plain-string 401 ("Not authenticated", or 0.58's
		// "Authentication error: ...") is what the server sends for a missing,
		// expired or otherwise unusable bearer token.
		if e.Exception == "" {
			return KindCredentials
		}
		return KindPermission
	case e.StatusCode == http.StatusForbidden || e.StatusCode == http.StatusPaymentRequired:
		return KindPermission
	case e.StatusCode == http.StatusNotFound:
		return KindNotFound
	case e.StatusCode == http.StatusConflict:
		return KindConflict
	case e.StatusCode == http.StatusTooManyRequests:
		return KindRateLimited
	case e.StatusCode >= 500:
		return KindServer
	case e.StatusCode >= 400:
		return KindInvalidRequest
	}
	return KindUnknown
}

// ServerOf is the URL of the server an error of this package is about, or
// "" when it carries none: a program that talks to several servers can
// say which one failed without keeping track itself.
func ServerOf(err error) string {
	var apiErr *Error
	var reqErr *RequestError
	var respErr *ResponseError
	switch {
	case errors.As(err, &apiErr):
		return apiErr.Server
	case errors.As(err, &reqErr):
		return reqErr.Server
	case errors.As(err, &respErr):
		return respErr.Server
	}
	return ""
}

// withServer records the server on the errors of this package that lack it.
func withServer(err error, server string) error {
	var apiErr *Error
	var reqErr *RequestError
	var respErr *ResponseError
	switch {
	case errors.As(err, &apiErr) && apiErr.Server == "":
		apiErr.Server = server
	case errors.As(err, &reqErr) && reqErr.Server == "":
		reqErr.Server = server
	case errors.As(err, &respErr) && respErr.Server == "":
		respErr.Server = server
	}
	return err
}
