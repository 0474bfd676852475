package zenmltest

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// RecordedRequest is one request as the server received it, for assertions
// such as "no secret travelled in a URL" or "the Idempotency-Key was sent".
type RecordedRequest struct {
	// Endpoint is the counter key, e.g. "POST /api/v1/login" or
	// "PUT /api/v1/service_accounts/{id}/api_keys/{key}/rotate"; for unknown
	// routes, the method and the path without the prefix.
	Endpoint string
	Method   string
	// Path is the full request path, including any PathPrefix.
	Path     string
	RawQuery string
	Header   http.Header
	// Body is the raw request body; Form is it parsed when it was an
	// application/x-www-form-urlencoded form.
	Body []byte
	Form url.Values
	Time time.Time
}

type trafficLog struct {
	mu       sync.Mutex
	counts   map[string]int
	requests []RecordedRequest
}

func (l *trafficLog) record(endpoint string, r *http.Request, body []byte, now time.Time) {
	rec := RecordedRequest{
		Endpoint: endpoint,
		Method:   r.Method,
		Path:     r.URL.Path,
		RawQuery: r.URL.RawQuery,
		Header:   r.Header.Clone(),
		Body:     append([]byte(nil), body...),
		Time:     now,
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		if form, err := url.ParseQuery(string(body)); err == nil {
			rec.Form = form
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.counts == nil {
		l.counts = map[string]int{}
	}
	l.counts[endpoint]++
	l.requests = append(l.requests, rec)
}

// Count is how many requests reached the endpoint since the start or the
// last ResetCounts. endpoint is "METHOD /path/{template}", e.g.
// "POST /api/v1/login" or "GET /api/v1/service_accounts/{id}".
func (s *Server) Count(endpoint string) int {
	s.traffic.mu.Lock()
	defer s.traffic.mu.Unlock()
	return s.traffic.counts[endpoint]
}

// Counts returns a copy of all endpoint counters.
func (s *Server) Counts() map[string]int {
	s.traffic.mu.Lock()
	defer s.traffic.mu.Unlock()
	out := make(map[string]int, len(s.traffic.counts))
	for k, v := range s.traffic.counts {
		out[k] = v
	}
	return out
}

// ResetCounts zeroes the counters and forgets recorded requests.
func (s *Server) ResetCounts() {
	s.traffic.mu.Lock()
	defer s.traffic.mu.Unlock()
	s.traffic.counts = nil
	s.traffic.requests = nil
}

// Requests returns a copy of the recorded requests, oldest first.
func (s *Server) Requests() []RecordedRequest {
	s.traffic.mu.Lock()
	defer s.traffic.mu.Unlock()
	return append([]RecordedRequest(nil), s.traffic.requests...)
}
