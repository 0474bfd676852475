package zenmltest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// jsonObject is a request body decoded just far enough to validate fields
// one by one, so that errors can name each offending field like pydantic.
type jsonObject map[string]json.RawMessage

// invalidJSON answers an undecodable JSON body the way FastAPI does: a 422
// validation error located at the byte offset of the syntax error.
func invalidJSON(body []byte) response {
	var v any
	err := json.Unmarshal(body, &v)
	offset := int64(0)
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		offset = syn.Offset - 1
	}
	msg := "Expecting value"
	if err != nil {
		msg = err.Error()
	}
	return requestValidationError(fieldError{
		loc: fmt.Sprintf("body -> %d", offset),
		msg: msg,
		typ: "value_error.jsondecode",
	})
}

// decodeObject parses a JSON object body; a missing body is a validation
// error as for any required FastAPI body parameter.
func decodeObject(body []byte) (jsonObject, *response) {
	if len(bytes.TrimSpace(body)) == 0 {
		r := requestValidationError(missingField("body"))
		return nil, &r
	}
	if !json.Valid(body) {
		r := invalidJSON(body)
		return nil, &r
	}
	var obj jsonObject
	if err := json.Unmarshal(body, &obj); err != nil || obj == nil {
		r := requestValidationError(fieldError{loc: "body", msg: "value is not a valid dict", typ: "type_error.dict"})
		return nil, &r
	}
	return obj, nil
}

// fieldReader validates body fields, collecting every error before
// answering, as pydantic reports all of them at once.
type fieldReader struct {
	obj  jsonObject
	errs []fieldError
}

func (f *fieldReader) raw(name string, required bool) (json.RawMessage, bool) {
	v, present := f.obj[name]
	if !present || string(v) == "null" {
		if required && !present {
			f.errs = append(f.errs, missingField("body -> "+name))
		} else if required {
			f.errs = append(f.errs, fieldError{loc: "body -> " + name, msg: "none is not an allowed value", typ: "type_error.none.not_allowed"})
		}
		return nil, false
	}
	return v, true
}

func (f *fieldReader) str(name string, required bool) *string {
	v, found := f.raw(name, required)
	if !found {
		return nil
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		// pydantic v1 coerces numbers to strings but nothing else.
		var n json.Number
		if json.Unmarshal(v, &n) != nil {
			f.errs = append(f.errs, fieldError{loc: "body -> " + name, msg: "str type expected", typ: "type_error.str"})
			return nil
		}
		s = n.String()
	}
	return &s
}

func (f *fieldReader) boolean(name string, required bool) *bool {
	v, found := f.raw(name, required)
	if !found {
		return nil
	}
	var b bool
	if json.Unmarshal(v, &b) == nil {
		return &b
	}
	var s string
	if json.Unmarshal(v, &s) == nil {
		if parsed, valid := parseBool(s); valid {
			return &parsed
		}
	}
	var n json.Number
	if json.Unmarshal(v, &n) == nil && (n == "0" || n == "1") {
		parsed := n == "1"
		return &parsed
	}
	f.errs = append(f.errs, fieldError{loc: "body -> " + name, msg: "value could not be parsed to a boolean", typ: "type_error.bool"})
	return nil
}

func (f *fieldReader) integer(name string, required bool) *int {
	v, found := f.raw(name, required)
	if !found {
		return nil
	}
	var n json.Number
	if json.Unmarshal(v, &n) != nil {
		var s string
		if json.Unmarshal(v, &s) != nil {
			f.errs = append(f.errs, fieldError{loc: "body -> " + name, msg: "value is not a valid integer", typ: "type_error.integer"})
			return nil
		}
		n = json.Number(strings.TrimSpace(s))
	}
	i, err := strconv.Atoi(n.String())
	if err != nil {
		fl, ferr := n.Float64()
		if ferr != nil {
			f.errs = append(f.errs, fieldError{loc: "body -> " + name, msg: "value is not a valid integer", typ: "type_error.integer"})
			return nil
		}
		i = int(fl)
	}
	return &i
}

func (f *fieldReader) failure() *response {
	if len(f.errs) == 0 {
		return nil
	}
	r := requestValidationError(f.errs...)
	return &r
}

// parseBool accepts the spellings pydantic and FastAPI accept for booleans.
func parseBool(s string) (value, valid bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "true", "t", "yes", "y", "on":
		return true, true
	case "0", "false", "f", "no", "n", "off":
		return false, true
	}
	return false, false
}
