package zenmltest

import (
	"bufio"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// Transcripts of real servers: 0.58.2, and 0.85.0 (its 4NN files from a
// second server running NO_AUTH).
const (
	transcriptDir    = "../../../testdata/transcripts"
	transcriptDir085 = "../../../testdata/transcripts-0.85"
)

// transcript is one captured exchange with a real server.
type transcript struct {
	name string

	method, target string // target is path plus query
	reqHeader      http.Header
	reqBody        string

	status     int
	respHeader http.Header
	respBody   string
}

// parseTranscript reads the curl -v based format of testdata/transcripts:
// comment lines, "=== REQUEST ===", request line, headers, blank line, body,
// "=== RESPONSE ===", status line, headers, blank line, body, and an
// optional pretty-printed "=== RESPONSE BODY" section that is ignored.
func parseTranscript(path string) (*transcript, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	text := string(data)
	_, afterReq, found := strings.Cut(text, "=== REQUEST ===\n")
	if !found {
		return nil, fmt.Errorf("%s: no request section", path)
	}
	reqPart, respPart, found := strings.Cut(afterReq, "=== RESPONSE ===\n")
	if !found {
		return nil, fmt.Errorf("%s: no response section", path)
	}
	respPart, _, _ = strings.Cut(respPart, "=== RESPONSE BODY")

	tr := &transcript{name: filepath.Base(path)}
	reqLine, reqHeader, reqBody, err := parseMessage(reqPart)
	if err != nil {
		return nil, fmt.Errorf("%s: request: %w", path, err)
	}
	fields := strings.Fields(reqLine)
	if len(fields) != 3 {
		return nil, fmt.Errorf("%s: bad request line %q", path, reqLine)
	}
	tr.method, tr.target, tr.reqHeader, tr.reqBody = fields[0], fields[1], reqHeader, reqBody

	statusLine, respHeader, respBody, err := parseMessage(respPart)
	if err != nil {
		return nil, fmt.Errorf("%s: response: %w", path, err)
	}
	fields = strings.Fields(statusLine)
	if len(fields) < 2 {
		return nil, fmt.Errorf("%s: bad status line %q", path, statusLine)
	}
	if tr.status, err = strconv.Atoi(fields[1]); err != nil {
		return nil, fmt.Errorf("%s: bad status line %q", path, statusLine)
	}
	tr.respHeader, tr.respBody = respHeader, respBody
	return tr, nil
}

func parseMessage(part string) (firstLine string, header http.Header, body string, err error) {
	sc := bufio.NewScanner(strings.NewReader(part))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	header = http.Header{}
	if !sc.Scan() {
		return "", nil, "", fmt.Errorf("empty message")
	}
	firstLine = sc.Text()
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			break
		}
		k, v, found := strings.Cut(line, ":")
		if !found {
			return "", nil, "", fmt.Errorf("bad header line %q", line)
		}
		header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return firstLine, header, strings.TrimRight(strings.Join(lines, "\n"), "\n"), sc.Err()
}

func transcriptNumber(name string) int {
	n, _ := strconv.Atoi(strings.SplitN(name, "-", 2)[0])
	return n
}

// loadTranscripts returns the 0.58.2 transcripts numbered [from, to], in
// order.
func loadTranscripts(t *testing.T, from, to int) []*transcript {
	t.Helper()
	return loadTranscriptsFrom(t, transcriptDir, from, to)
}

// loadTranscriptsFrom returns the transcripts of dir numbered [from, to], in
// order.
func loadTranscriptsFrom(t *testing.T, dir string, from, to int) []*transcript {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, "[0-9]*-*.txt"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no transcripts in %s: %v", dir, err)
	}
	var out []*transcript
	for _, p := range paths {
		n := transcriptNumber(filepath.Base(p))
		if n < from || n > to {
			continue
		}
		tr, err := parseTranscript(p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, tr)
	}
	sort.Slice(out, func(i, j int) bool { return transcriptNumber(out[i].name) < transcriptNumber(out[j].name) })
	return out
}

func TestParseTranscript(t *testing.T) {
	tr, err := parseTranscript(filepath.Join(transcriptDir, "30-login-api-key.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if tr.method != "POST" || tr.target != "/api/v1/login" {
		t.Errorf("request line = %s %s", tr.method, tr.target)
	}
	if got := tr.reqHeader.Get("Content-Type"); got != "application/x-www-form-urlencoded" {
		t.Errorf("Content-Type = %q", got)
	}
	if !strings.HasPrefix(tr.reqBody, "grant_type=zenml-api-key&password=ZENKEY_") {
		t.Errorf("request body = %q", tr.reqBody)
	}
	if tr.status != 200 || tr.respHeader.Get("Set-Cookie") == "" {
		t.Errorf("status %d, set-cookie %q", tr.status, tr.respHeader.Get("Set-Cookie"))
	}
	if !strings.HasPrefix(tr.respBody, `{"access_token":"eyJ`) || strings.Contains(tr.respBody, "\n") {
		t.Errorf("response body = %q", tr.respBody)
	}

	empty, err := parseTranscript(filepath.Join(transcriptDir, "99-login-no-body.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if empty.reqBody != "" || empty.status != 400 {
		t.Errorf("99: body %q status %d", empty.reqBody, empty.status)
	}
}

// volatile matches values that legitimately differ between the real server
// and the fake: ids, codes, tokens, keys.
var volatile = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+|ZENKEY_[A-Za-z0-9+/]+=*|\b[0-9a-f]{64}\b|\b[0-9a-f]{32}\b`)

var datetime = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?$`)
