package zenmltest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// replayer sends transcript requests to the fake and checks the answers,
// translating the real server's ids, codes, tokens and keys into the ones
// the fake issued in the same scenario.
type replayer struct {
	t   *testing.T
	srv *Server
	// subst maps a value seen in a transcript to the fake's counterpart,
	// learnt from responses in scenario order.
	subst map[string]string
}

func newReplayer(t *testing.T, srv *Server) *replayer {
	return &replayer{t: t, srv: srv, subst: map[string]string{}}
}

func (r *replayer) translate(s string) string {
	return volatile.ReplaceAllStringFunc(s, func(v string) string {
		if mapped, found := r.subst[v]; found {
			return mapped
		}
		return v
	})
}

// translateForm translates a urlencoded body value by value, so keys whose
// "=" padding is percent-encoded are recognised too.
func (r *replayer) translateForm(body string) string {
	if body == "" {
		return body
	}
	parts := strings.Split(body, "&")
	for i, p := range parts {
		k, v, _ := strings.Cut(p, "=")
		if dv, err := url.QueryUnescape(v); err == nil {
			parts[i] = k + "=" + url.QueryEscape(r.translate(dv))
		}
	}
	return strings.Join(parts, "&")
}

// learn pairs up the volatile values of a transcript string with those of
// the fake's string, in order, when both have the same number of them.
func (r *replayer) learn(expected, actual string) {
	exp := volatile.FindAllString(expected, -1)
	act := volatile.FindAllString(actual, -1)
	if len(exp) != len(act) {
		return
	}
	for i, e := range exp {
		if _, known := r.subst[e]; !known {
			r.subst[e] = act[i]
		}
	}
}

func (r *replayer) send(tr *transcript, override func(*http.Request)) (int, http.Header, []byte) {
	r.t.Helper()
	body := tr.reqBody
	if tr.reqHeader.Get("Content-Type") == "application/x-www-form-urlencoded" {
		body = r.translateForm(body)
	} else {
		body = r.translate(body)
	}
	req, err := http.NewRequest(tr.method, r.srv.URL()+r.translate(tr.target), strings.NewReader(body))
	if err != nil {
		r.t.Fatal(err)
	}
	if body == "" {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	for k, vs := range tr.reqHeader {
		switch http.CanonicalHeaderKey(k) {
		case "Host", "Content-Length":
			continue
		}
		for _, v := range vs {
			req.Header.Add(k, r.translate(v))
		}
	}
	if override != nil {
		override(req)
	}
	resp, err := r.srv.Client().Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		r.t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, got
}

// compare checks one transcript against the fake's answer: status, the
// presence of the auth-relevant headers, and the JSON body's structure and
// every deterministic value. skip lists JSON paths whose values may differ.
func (r *replayer) compare(tr *transcript, status int, header http.Header, body []byte, skip map[string]bool) {
	t := r.t
	t.Helper()
	if status != tr.status {
		t.Errorf("status = %d, transcript %d (body %s)", status, tr.status, body)
	}
	for _, h := range []string{"Www-Authenticate", "Set-Cookie"} {
		if (header.Get(h) != "") != (tr.respHeader.Get(h) != "") {
			t.Errorf("header %s = %q, transcript %q", h, header.Get(h), tr.respHeader.Get(h))
		}
	}
	exp, err := decodeJSON([]byte(tr.respBody))
	if err != nil {
		t.Fatalf("transcript body is not JSON: %v", err)
	}
	act, err := decodeJSON(body)
	if err != nil {
		t.Errorf("fake body is not JSON: %v: %s", err, body)
		return
	}
	diffs := r.diff("$", exp, act, skip)
	for _, d := range diffs {
		t.Error(d)
	}
	// Error bodies hold no timestamps and single-key or alphabetically
	// ordered objects, so they must match byte for byte (escaping included).
	if len(diffs) == 0 && len(skip) == 0 && status >= 400 && r.translate(tr.respBody) != string(body) {
		t.Errorf("error body bytes differ:\nfake       %s\ntranscript %s", body, r.translate(tr.respBody))
	}
}

func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	return v, err
}

func (r *replayer) diff(path string, exp, act any, skip map[string]bool) []string {
	mismatch := func() []string {
		return []string{fmt.Sprintf("%s: fake %#v, transcript %#v", path, act, exp)}
	}
	if skip[path] {
		// Skipped values need only exist; their structure may differ too
		// (lists of a shared server's other entities).
		return nil
	}
	switch e := exp.(type) {
	case map[string]any:
		a, isMap := act.(map[string]any)
		if !isMap {
			return mismatch()
		}
		var out []string
		keys := make([]string, 0, len(e))
		for k := range e {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if _, found := a[k]; !found {
				out = append(out, fmt.Sprintf("%s: fake lacks key %q", path, k))
				continue
			}
			out = append(out, r.diff(path+"."+k, e[k], a[k], skip)...)
		}
		for k := range a {
			if _, found := e[k]; !found {
				out = append(out, fmt.Sprintf("%s: fake has extra key %q", path, k))
			}
		}
		return out
	case []any:
		a, isSlice := act.([]any)
		if !isSlice || len(a) != len(e) {
			return mismatch()
		}
		var out []string
		for i := range e {
			out = append(out, r.diff(fmt.Sprintf("%s[%d]", path, i), e[i], a[i], skip)...)
		}
		return out
	case string:
		a, isString := act.(string)
		if !isString {
			return mismatch()
		}
		if datetime.MatchString(e) {
			if !datetime.MatchString(a) {
				return mismatch()
			}
			return nil
		}
		r.learn(e, a)
		if r.translate(e) != a {
			return []string{fmt.Sprintf("%s: fake %q, transcript %q (translated %q)", path, a, e, r.translate(e))}
		}
		return nil
	case json.Number:
		if _, isNumber := act.(json.Number); !isNumber {
			return mismatch()
		}
		if act != exp {
			return mismatch()
		}
		return nil
	default: // bool, nil
		if act != exp {
			return mismatch()
		}
		return nil
	}
}

// replayCase adjusts how one transcript is replayed.
type replayCase struct {
	// before runs ahead of the request, e.g. to advance the clock.
	before func(*Server)
	// override rewrites the request where the transcript used something
	// that cannot be sent literally (hand-made tokens, or tokens of
	// unrecorded calls); translate maps a transcript value to the fake's.
	override func(s *Server, req *http.Request, translate func(string) string)
	// skip lists JSON paths whose values legitimately differ.
	skip map[string]bool
}

func replay(t *testing.T, srv *Server, transcripts []*transcript, cases map[string]replayCase) {
	r := newReplayer(t, srv)
	for _, tr := range transcripts {
		c := cases[tr.name]
		t.Run(strings.TrimSuffix(tr.name, ".txt"), func(t *testing.T) {
			r.t = t
			if c.before != nil {
				c.before(srv)
			}
			var override func(*http.Request)
			if c.override != nil {
				override = func(req *http.Request) { c.override(srv, req, r.translate) }
			}
			status, header, body := r.send(tr, override)
			skip := c.skip
			if pydanticV2Validation(tr) {
				skip = map[string]bool{"$[1]": true}
			}
			r.compare(tr, status, header, body, skip)
		})
	}
}

// pydanticV2Validation reports a 0.85 request-validation error: the same
// bare ["ValueError", text] array as 0.58.2, but the text is pydantic v2's
// repr of the error list. The fake words it like pydantic v1; clients must
// parse neither (zenml-api.md §1.3), so only the shape is compared.
func pydanticV2Validation(tr *transcript) bool {
	return tr.status == http.StatusUnprocessableEntity && strings.HasPrefix(tr.respBody, `["ValueError","[{'type'`)
}

// without drops transcripts by file name.
func without(trs []*transcript, names ...string) []*transcript {
	drop := map[string]bool{}
	for _, n := range names {
		drop[n] = true
	}
	var out []*transcript
	for _, tr := range trs {
		if !drop[tr.name] {
			out = append(out, tr)
		}
	}
	return out
}

func setBearer(req *http.Request, token string) {
	req.Header.Set("Authorization", "Bearer "+token)
}

func TestReplayTranscripts058(t *testing.T) {
	srv := NewTest(t, Options{Profile: Profile058})
	replay(t, srv, loadTranscripts(t, 1, 108), map[string]replayCase{
		// The fake is not a local deployment; the field's presence matters.
		"02-info.txt": {skip: map[string]bool{"$.deployment_type": true}},
		"10-current-user-expired-token-handmade.txt": {override: func(s *Server, req *http.Request, _ func(string) string) {
			setBearer(req, s.IssueToken(s.AdminID(), -time.Hour))
		}},
		"11-current-user-wrong-signature.txt": {override: func(s *Server, req *http.Request, _ func(string) string) {
			setBearer(req, signJWT([]byte("not the server secret"), tokenClaims{
				Subject: s.AdminID(), Issuer: s.ServerID(), Audience: s.ServerID(),
			}))
		}},
		// Python's and Go's JSON decoders word syntax errors differently.
		"104-service-account-create-invalid-json.txt": {skip: map[string]bool{"$[1]": true}},
	})
}

func TestReplayTranscripts058ExtraDevice(t *testing.T) {
	srv := NewTest(t, Options{Profile: Profile058})
	replay(t, srv, loadTranscripts(t, 111, 116), nil)
}

func TestReplayTranscripts058Expiry(t *testing.T) {
	srv := NewTest(t, Options{Profile: Profile058, TokenLifetime: time.Minute})
	replay(t, srv, loadTranscripts(t, 201, 203), map[string]replayCase{
		// Captured 75 s after the login: 60 s lifetime plus 10 s leeway.
		"203-expiry-current-user-expired-token.txt": {before: func(s *Server) { s.Advance(75 * time.Second) }},
	})
}

func TestReplayTranscripts058Users(t *testing.T) {
	srv := NewTest(t, Options{Profile: Profile058})
	replay(t, srv, loadTranscripts(t, 300, 399), usersReplayCases("5cd23b4a-d54a-49a0-a4ed-d13d8b7d49db"))
}

// usersReplayCases are the adjustments shared by both versions' 300–399;
// deletedUser is the id of the user deleted in 393 in that set.
func usersReplayCases(deletedUser string) map[string]replayCase {
	return map[string]replayCase{
		// The device token of the deleted user came from an unrecorded device
		// flow (see 393); any device token of that user shows the same.
		"395-users-device-token-of-deleted-user.txt": {override: func(s *Server, req *http.Request, translate func(string) string) {
			setBearer(req, s.signToken(tokenClaims{Subject: translate(deletedUser), DeviceID: uuid.NewString()}, nil))
		}},
		// The SQL error text carries a timestamp and the id without dashes.
		"348-users-admin-update-active-false.txt":               {skip: map[string]bool{"$.detail[1]": true}},
		"383-users-admin-update-active-true-on-deactivated.txt": {skip: map[string]bool{"$.detail[1]": true}},
	}
}

// The 0.93 profile answers as 0.85.0 did except where 0.93 changed. The
// differences kept on purpose, each dropped from the replay or skipped:
//   - 01: /health answers JSON "OK" as the 0.93 source does, where 0.85 had
//     a middleware answer plain `ok`; clients treat any 200 as healthy.
//   - 34: a raw ZENKEY_ bearer is accepted since 0.91.1.
//   - 33, 45: a service account's metadata.email is "" in 0.93 (§3.5), null
//     in 0.85.
//   - version: the profile reports 0.93.0.
//
// The other skips are not differences: lists of the shared capture server
// also show other test runs' entities (19, 70, 95).
func TestReplayTranscripts085(t *testing.T) {
	srv := NewTest(t, Options{})
	trs := without(loadTranscriptsFrom(t, transcriptDir085, 1, 116), "01-health.txt", "34-current-user-api-key-as-bearer.txt")
	replay(t, srv, trs, map[string]replayCase{
		"02-info.txt": {skip: map[string]bool{"$.version": true}},
		// A server-made expired token; the fake's clock stands in for waiting.
		"10-current-user-expired-token-handmade.txt": {override: func(s *Server, req *http.Request, _ func(string) string) {
			setBearer(req, s.IssueToken(s.AdminID(), -time.Hour))
		}},
		"11-current-user-wrong-signature.txt": {override: func(s *Server, req *http.Request, _ func(string) string) {
			setBearer(req, signJWT([]byte("not the server secret"), tokenClaims{
				Subject: s.AdminID(), Issuer: s.ServerID(), Audience: s.ServerID(),
			}))
		}},
		"19-service-account-list.txt":                       {skip: sharedServerList},
		"33-current-user-sa-token.txt":                      {skip: map[string]bool{"$.metadata.email": true}},
		"45-current-user-sa-token-issued-before-rotate.txt": {skip: map[string]bool{"$.metadata.email": true}},
		"70-device-list.txt":                                {skip: sharedServerList},
		"95-device-list-after-verify.txt":                   {skip: sharedServerList},
		// Python's and Go's JSON decoders word syntax errors differently.
		"104-service-account-create-invalid-json.txt": {skip: map[string]bool{"$[1]": true}},
	})
}

var sharedServerList = map[string]bool{"$.items": true, "$.total": true}

func TestReplayTranscripts085Users(t *testing.T) {
	srv := NewTest(t, Options{})
	replay(t, srv, loadTranscriptsFrom(t, transcriptDir085, 300, 399), usersReplayCases("ed573c3f-6aa1-4c7a-b13d-0ed8e2f1c808"))
}

// TestReplayTranscripts085NoAuth replays the second 0.85.0 server, which ran
// NO_AUTH. Tags (424, 425) are outside the fake's scope.
func TestReplayTranscripts085NoAuth(t *testing.T) {
	srv := NewTest(t, Options{AuthScheme: AuthSchemeNoAuth})
	trs := without(loadTranscriptsFrom(t, transcriptDir085, 400, 438),
		"424-noauth-tag-create-with-service-account-token.txt", "425-noauth-tag-delete.txt")
	replay(t, srv, trs, map[string]replayCase{
		"400-noauth-info.txt": {skip: map[string]bool{"$.version": true}},
	})
}
