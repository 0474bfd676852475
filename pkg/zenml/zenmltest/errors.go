package zenmltest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// response is what a handler produces. Handlers return values instead of
// writing to the ResponseWriter so that the dispatcher can store a response
// for Idempotency-Key replay and substitute injected faults uniformly.
type response struct {
	status int
	header http.Header
	body   []byte
}

func jsonResponse(status int, v any) response {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// The real server (orjson) does not escape <, > and & in strings, and
	// validation messages contain "->".
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Every value encoded here is built by this package; failing to
		// encode it is a programming error that tests should see loudly.
		panic(fmt.Sprintf("zenmltest: cannot encode response: %v", err))
	}
	return response{status: status, header: http.Header{}, body: bytes.TrimSuffix(buf.Bytes(), []byte("\n"))}
}

func ok(v any) response { return jsonResponse(http.StatusOK, v) }

// zenmlError is the shape produced by ZenML's endpoint wrapper for exceptions
// raised inside an endpoint: {"detail": ["<ExceptionClass>", "<message>"]}.
func zenmlError(status int, class, msg string) response {
	return jsonResponse(status, map[string]any{"detail": []string{class, msg}})
}

// keyError reproduces ZenML's KeyError rendering: the message is Python's
// repr() of the string, so it arrives wrapped in literal quote characters.
func keyError(msg string) response {
	return zenmlError(http.StatusNotFound, "KeyError", pythonRepr(msg))
}

func valueError(msg string) response {
	return zenmlError(http.StatusBadRequest, "ValueError", msg)
}

func entityExists(msg string) response {
	return zenmlError(http.StatusConflict, "EntityExistsError", msg)
}

// plainDetail is the shape of a FastAPI HTTPException: {"detail": "<text>"}.
func plainDetail(status int, msg string) response {
	return jsonResponse(status, map[string]any{"detail": msg})
}

func notAuthenticated() response {
	r := plainDetail(http.StatusUnauthorized, "Not authenticated")
	r.header.Set("WWW-Authenticate", "Bearer")
	return r
}

// oauthError is the RFC 6749 error body the device-code grant answers with.
func oauthError(code, description string) response {
	return jsonResponse(http.StatusBadRequest, map[string]any{
		"error":             code,
		"error_description": description,
		"error_uri":         nil,
	})
}

// fieldError is one pydantic (v1 style) validation error.
type fieldError struct {
	loc string // "body -> name", "path -> service_account_id", "body"
	msg string // "field required"
	typ string // "value_error.missing"
}

func missingField(loc string) fieldError {
	return fieldError{loc: loc, msg: "field required", typ: "value_error.missing"}
}

// validationText renders errors the way str(RequestValidationError) does in
// pydantic v1, which is what the 0.58 transcripts show.
func validationText(errs []fieldError) string {
	var b strings.Builder
	plural := "s"
	if len(errs) == 1 {
		plural = ""
	}
	fmt.Fprintf(&b, "%d validation error%s for Request", len(errs), plural)
	for _, e := range errs {
		fmt.Fprintf(&b, "\n%s\n  %s (type=%s)", e.loc, e.msg, e.typ)
	}
	return b.String()
}

// requestValidationError is FastAPI's RequestValidationError as ZenML
// renders it: a bare JSON array, not wrapped in "detail".
func requestValidationError(errs ...fieldError) response {
	return jsonResponse(http.StatusUnprocessableEntity, []string{"ValueError", validationText(errs)})
}

// pythonRepr mimics repr(str): single quotes unless the text contains a
// single quote and no double quote.
func pythonRepr(s string) string {
	quote := byte('\'')
	if strings.Contains(s, "'") && !strings.Contains(s, `"`) {
		quote = '"'
	}
	var b strings.Builder
	b.WriteByte(quote)
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == rune(quote):
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte(quote)
	return b.String()
}
