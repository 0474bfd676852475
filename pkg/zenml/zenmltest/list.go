package zenmltest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// listItem is one entity of a list endpoint, with the fields that sorting
// needs and a renderer for the chosen hydration.
type listItem struct {
	id, name         string
	created, updated time.Time
	render           func(hydrate bool) any
}

type pageParams struct {
	page, size int
	hydrate    bool
}

// filterValidationError is the 422 for invalid list query parameters. 0.93
// wraps it in "detail"; in 0.58 everything was a bare RequestValidationError.
func (s *Server) filterValidationError(e fieldError) response {
	if s.is058() {
		return requestValidationError(e)
	}
	return jsonResponse(http.StatusUnprocessableEntity, map[string]any{"detail": []string{"ValueError", validationText([]fieldError{e})}})
}

func queryHydrate(q url.Values, dflt bool) (bool, *response) {
	v := q.Get("hydrate")
	if v == "" {
		return dflt, nil
	}
	b, valid := parseBool(v)
	if !valid {
		r := requestValidationError(fieldError{loc: "query -> hydrate", msg: "value could not be parsed to a boolean", typ: "type_error.bool"})
		return false, &r
	}
	return b, nil
}

func (s *Server) pageQuery(q url.Values, hydrateDefault bool) (pageParams, *response) {
	p := pageParams{page: 1, size: 20}
	for _, param := range []struct {
		name     string
		dst      *int
		min, max int
	}{{"page", &p.page, 1, 0}, {"size", &p.size, 1, 10000}} {
		v := q.Get(param.name)
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(v))
		loc := "query -> " + param.name
		switch {
		case err != nil:
			r := s.filterValidationError(fieldError{loc: loc, msg: "value is not a valid integer", typ: "type_error.integer"})
			return p, &r
		case n < param.min:
			r := s.filterValidationError(fieldError{loc: loc, msg: fmt.Sprintf("ensure this value is greater than or equal to %d", param.min), typ: fmt.Sprintf("value_error.number.not_ge; limit_value=%d", param.min)})
			return p, &r
		case param.max > 0 && n > param.max:
			r := s.filterValidationError(fieldError{loc: loc, msg: fmt.Sprintf("ensure this value is less than or equal to %d", param.max), typ: fmt.Sprintf("value_error.number.not_le; limit_value=%d", param.max)})
			return p, &r
		}
		*param.dst = n
	}
	hydrate, errResp := queryHydrate(q, hydrateDefault)
	if errResp != nil {
		return p, errResp
	}
	p.hydrate = hydrate
	return p, nil
}

// page sorts, paginates and renders items into ZenML's Page envelope.
func (s *Server) page(items []listItem, p pageParams, q url.Values) response {
	field, descending := "created", false
	if v := q.Get("sort_by"); v != "" {
		field = v
		if op, rest, found := strings.Cut(v, ":"); found && (op == "asc" || op == "desc") {
			field, descending = rest, op == "desc"
		}
	}
	less := map[string]func(a, b listItem) bool{
		"created": func(a, b listItem) bool { return a.created.Before(b.created) },
		"updated": func(a, b listItem) bool { return a.updated.Before(b.updated) },
		"name":    func(a, b listItem) bool { return a.name < b.name },
		"id":      func(a, b listItem) bool { return a.id < b.id },
	}[field]
	if less == nil {
		return s.filterValidationError(fieldError{loc: "query -> sort_by", msg: fmt.Sprintf("Invalid value for sort_by field: %s", field), typ: "value_error"})
	}
	sort.SliceStable(items, func(i, j int) bool {
		a, b := items[i], items[j]
		if descending {
			a, b = b, a
		}
		if less(a, b) {
			return true
		}
		if less(b, a) {
			return false
		}
		return a.id < b.id
	})

	total := len(items)
	totalPages := (total + p.size - 1) / p.size
	if totalPages == 0 {
		totalPages = 1
	}
	if p.page > totalPages {
		return valueError(fmt.Sprintf("Invalid page %d. The requested page size is %d and there are a total of %d items for this query. The maximum page value therefore is %d.", p.page, p.size, total, totalPages))
	}
	start := (p.page - 1) * p.size
	end := min(start+p.size, total)
	rendered := make([]any, 0, end-start)
	for _, it := range items[start:end] {
		rendered = append(rendered, it.render(p.hydrate))
	}
	return ok(map[string]any{
		"index":       p.page,
		"max_size":    p.size,
		"total_pages": totalPages,
		"total":       total,
		"items":       rendered,
	})
}

// matchFilters applies ZenML's query filters: string fields take an optional
// "operator:" prefix (equals by default), booleans true/false.
func (s *Server) matchFilters(q url.Values, strFields map[string]string, boolFields map[string]bool) (bool, *response) {
	for name, value := range strFields {
		expr := q.Get(name)
		if expr == "" {
			continue
		}
		matched, err := matchString(value, expr)
		if err != nil {
			r := s.filterValidationError(fieldError{loc: "query -> " + name, msg: err.Error(), typ: "value_error"})
			return false, &r
		}
		if !matched {
			return false, nil
		}
	}
	for name, value := range boolFields {
		expr := q.Get(name)
		if expr == "" {
			continue
		}
		want, valid := parseBool(strings.TrimPrefix(expr, "equals:"))
		if !valid {
			r := s.filterValidationError(fieldError{loc: "query -> " + name, msg: "value could not be parsed to a boolean", typ: "type_error.bool"})
			return false, &r
		}
		if value != want {
			return false, nil
		}
	}
	return true, nil
}

func matchString(value, expr string) (bool, error) {
	op, operand, found := strings.Cut(expr, ":")
	if !found {
		return value == expr, nil
	}
	switch op {
	case "equals":
		return value == operand, nil
	case "notequals":
		return value != operand, nil
	case "contains":
		return strings.Contains(value, operand), nil
	case "startswith":
		return strings.HasPrefix(value, operand), nil
	case "endswith":
		return strings.HasSuffix(value, operand), nil
	case "oneof":
		var options []string
		if err := json.Unmarshal([]byte(operand), &options); err != nil {
			return false, fmt.Errorf("invalid value for oneof filter: %s", operand)
		}
		for _, o := range options {
			if o == value {
				return true, nil
			}
		}
		return false, nil
	default:
		// Not an operator: the colon is part of the value.
		return value == expr, nil
	}
}
