package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/zenctl/zenctl/internal/exitcode"
)

// field is one -f or -F value: a string, bool, nil or int64.
type field struct {
	key   string
	value any
}

func splitField(s string) (key, value string, err error) {
	key, value, ok := strings.Cut(s, "=")
	if !ok || key == "" {
		return "", "", exitcode.Usagef("invalid field %q: want key=value", s)
	}
	return key, value, nil
}

// parseFields reads -f (always strings) and then -F (typed) values.
// readFile serves -F key=@file; "-" is stdin.
func parseFields(raw, typed []string, readFile func(string) ([]byte, error)) ([]field, error) {
	fields := make([]field, 0, len(raw)+len(typed))
	for _, s := range raw {
		k, v, err := splitField(s)
		if err != nil {
			return nil, err
		}
		fields = append(fields, field{k, v})
	}
	for _, s := range typed {
		k, v, err := splitField(s)
		if err != nil {
			return nil, err
		}
		val, err := typedValue(v, readFile)
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", k, err)
		}
		fields = append(fields, field{k, val})
	}
	return fields, nil
}

// typedValue follows gh's -F: JSON literals and integers become JSON
// values, @file the file's content (unchanged, trailing newline included),
// anything else a string.
func typedValue(v string, readFile func(string) ([]byte, error)) (any, error) {
	switch v {
	case "true":
		return true, nil
	case "false":
		return false, nil
	case "null":
		return nil, nil
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return n, nil
	}
	if name, ok := strings.CutPrefix(v, "@"); ok && name != "" {
		b, err := readFile(name)
		if err != nil {
			return nil, err
		}
		return string(b), nil
	}
	return v, nil
}

// addQuery adds fields as query parameters, keys as given; repeating a key
// repeats the parameter.
func addQuery(q url.Values, fields []field) {
	for _, f := range fields {
		var s string
		switch v := f.value.(type) {
		case string:
			s = v
		case bool:
			s = strconv.FormatBool(v)
		case int64:
			s = strconv.FormatInt(v, 10)
		case nil:
			s = ""
		}
		q.Add(f.key, s)
	}
}

// fieldsBody builds the JSON object body: key[sub]=v nests objects and
// key[]=v appends to an array.
func fieldsBody(fields []field) ([]byte, error) {
	root := map[string]any{}
	for _, f := range fields {
		segs, err := parseKey(f.key)
		if err != nil {
			return nil, err
		}
		if err := setPath(root, segs, f.value, f.key); err != nil {
			return nil, err
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// Bodies are data, not HTML: keep <, > and & as typed.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(root); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// parseKey splits "a[b][]" into ["a", "b", ""]. A key without brackets is
// one segment, whatever it contains.
func parseKey(key string) ([]string, error) {
	i := strings.IndexByte(key, '[')
	if i < 0 {
		return []string{key}, nil
	}
	bad := exitcode.Usagef("invalid field key %q: want name, name[key] or name[]", key)
	if i == 0 {
		return nil, bad
	}
	segs := []string{key[:i]}
	rest := key[i:]
	for rest != "" {
		if rest[0] != '[' {
			return nil, bad
		}
		j := strings.IndexByte(rest, ']')
		if j < 0 {
			return nil, bad
		}
		segs = append(segs, rest[1:j])
		rest = rest[j+1:]
	}
	for _, s := range segs[:len(segs)-1] {
		if s == "" {
			// name[][x] (arrays of objects) needs rules about when a new
			// element starts; --input is the clearer tool for that.
			return nil, exitcode.Usagef("invalid field key %q: [] is allowed only at the end; use --input for arrays of objects", key)
		}
	}
	return segs, nil
}

func setPath(root map[string]any, segs []string, v any, key string) error {
	conflict := exitcode.Usagef("field %q conflicts with another field", key)
	cur := root
	for i, s := range segs[:len(segs)-1] {
		if i == len(segs)-2 && segs[i+1] == "" {
			old, exists := cur[s]
			arr, ok := old.([]any)
			if exists && !ok {
				return conflict
			}
			cur[s] = append(arr, v)
			return nil
		}
		old, exists := cur[s]
		m, ok := old.(map[string]any)
		if !exists {
			m = map[string]any{}
			cur[s] = m
		} else if !ok {
			return conflict
		}
		cur = m
	}
	last := segs[len(segs)-1]
	if _, exists := cur[last]; exists {
		return exitcode.Usagef("field %q is given twice", key)
	}
	cur[last] = v
	return nil
}
