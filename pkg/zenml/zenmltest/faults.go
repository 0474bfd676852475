package zenmltest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// FaultBody selects a broken response body to serve instead of the real one.
type FaultBody int

const (
	// NoFaultBody keeps the body implied by Fault.Status (a JSON error), or
	// the real response when Status is zero too.
	NoFaultBody FaultBody = iota
	// MalformedJSON is a JSON document cut off mid-way, sent completely.
	MalformedJSON
	// TruncatedBody announces more bytes than it sends and drops the
	// connection, so the client sees an unexpected EOF.
	TruncatedBody
	// HTMLBody is an HTML error page, as a proxy in front of the server
	// would send.
	HTMLBody
	// HugeBody is a valid JSON string of HugeBodySize bytes, to test
	// response size limits.
	HugeBody
	// EchoRequest is a JSON error whose detail repeats the request's
	// Authorization header and body, as a careless server's does: for
	// tests that nothing the client sent is shown back.
	EchoRequest
)

// HugeBodySize is the size of a HugeBody fault response.
const HugeBodySize = 32 << 20

// AnyEndpoint, as the endpoint of InjectFault, matches every request.
const AnyEndpoint = "*"

// Fault describes how to break the responses of an endpoint.
type Fault struct {
	// Status replaces the response status. With Body unset the response is
	// {"detail":"injected fault"}; with Body set it defaults to 200.
	Status int
	// Delay holds the request before it is answered (or passed on to the
	// real handler when neither Status nor Body is set).
	Delay time.Duration
	// Hold, when not nil, keeps the request waiting (after Delay) until it
	// is closed: a test that acts while a request is in flight (say, sends
	// a signal to the client) releases it when done, whatever the time.
	Hold <-chan struct{}
	Body FaultBody
	// JSON, when set, is the body served (as application/json) in place
	// of Body's: for a test of what a server's own words can do.
	JSON string
	// Header is added to the fault response, e.g. Retry-After.
	Header http.Header
	// Times limits the fault to the next Times matching requests; zero
	// means every request until ClearFaults.
	Times int
}

func (f Fault) responds() bool { return f.Status != 0 || f.Body != NoFaultBody || f.JSON != "" }

func (f Fault) write(w http.ResponseWriter, r *http.Request, serverID string) {
	status := f.Status
	if status == 0 {
		status = http.StatusOK
	}
	for k, vs := range f.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	w.Header().Set("Server", serverID)
	contentType := "application/json"
	var body []byte
	switch f.Body {
	case NoFaultBody:
		body = []byte(`{"detail":"injected fault"}`)
	case MalformedJSON:
		body = []byte(`{"access_token": "eyJ`)
	case TruncatedBody:
		body = []byte(`{"detail": "this response is cut`)
		// Promise more than is sent; net/http then closes the connection.
		w.Header().Set("Content-Length", strconv.Itoa(len(body)+100))
	case HTMLBody:
		contentType = "text/html; charset=utf-8"
		body = []byte("<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>\n")
	case HugeBody:
		body = append(append([]byte{'"'}, bytes.Repeat([]byte("x"), HugeBodySize-2)...), '"')
	case EchoRequest:
		sent, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		body, _ = json.Marshal(map[string]string{"detail": "cannot handle " + r.Header.Get("Authorization") + " with " + string(sent)})
	}
	if f.JSON != "" {
		body = []byte(f.JSON)
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

type faultTable struct {
	mu     sync.Mutex
	faults map[string][]*Fault
}

// take returns the fault to apply to a request of endpoint, consuming one
// of its remaining uses. Endpoint-specific faults win over AnyEndpoint ones.
func (t *faultTable) take(endpoint string) (Fault, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, key := range []string{endpoint, AnyEndpoint} {
		queue := t.faults[key]
		if len(queue) == 0 {
			continue
		}
		f := queue[0]
		if f.Times > 0 {
			f.Times--
			if f.Times == 0 {
				t.faults[key] = queue[1:]
			}
		}
		return *f, true
	}
	return Fault{}, false
}

// InjectFault breaks responses of endpoint ("POST /api/v1/login", the same
// keys as Count, or AnyEndpoint). Faults for one endpoint queue up: a fault
// limited by Times is followed by the next one once used up.
func (s *Server) InjectFault(endpoint string, f Fault) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	if s.faults.faults == nil {
		s.faults.faults = map[string][]*Fault{}
	}
	s.faults.faults[endpoint] = append(s.faults.faults[endpoint], &f)
}

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.faults = nil
}
