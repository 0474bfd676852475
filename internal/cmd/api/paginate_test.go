package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zenctl/zenctl/internal/cmd/cmdtest"
	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

// pagedServer is the fake server behind a proxy that answers GET
// /api/v1/things itself, with pages of items: a list as long as a test
// wants. beforePage, when set, runs before page n is served.
func pagedServer(t *testing.T, pages, perPage int, beforePage func(n int)) *cmdtest.Harness {
	t.Helper()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	target, _ := url.Parse(fake.URL())
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/things" {
			proxy.ServeHTTP(w, r)
			return
		}
		n, _ := strconv.Atoi(r.URL.Query().Get("page"))
		n = max(n, 1)
		if beforePage != nil {
			beforePage(n)
		}
		items := make([]string, perPage)
		for i := range items {
			items[i] = fmt.Sprintf(`{"name":"thing-%d-%d","pad":%q}`, n, i, strings.Repeat("x", 100))
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"index":%d,"max_size":%d,"total_pages":%d,"total":%d,"items":[%s]}`,
			n, perPage, pages, pages*perPage, strings.Join(items, ","))
	}))
	t.Cleanup(srv.Close)
	h := cmdtest.New(t)
	h.LoginPassword(srv.URL, "default", "")
	return h
}

// watchedWriter tells when the first bytes reached stdout.
type watchedWriter struct {
	mu      sync.Mutex
	b       strings.Builder
	written chan struct{}
	once    sync.Once
}

func (w *watchedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.once.Do(func() { close(w.written) })
	return w.b.Write(p)
}

// The items of each page are written as they arrive: the last page is
// served only once the first pages are on stdout, which a command that
// gathered every page first would never reach.
func TestPaginateStreamsPages(t *testing.T) {
	out := &watchedWriter{written: make(chan struct{})}
	var early atomic.Bool
	h := pagedServer(t, 5, 3, func(n int) {
		if n == 5 {
			select {
			case <-out.written:
				early.Store(true)
			case <-time.After(time.Second):
			}
		}
	})
	h.IO.Out = out
	if err := run(t, h, "things", "--paginate"); err != nil {
		t.Fatal(err)
	}
	if !early.Load() {
		t.Error("nothing was written before the last page was asked for")
	}
	var items []struct{ Name string }
	if err := json.Unmarshal([]byte(out.b.String()), &items); err != nil || len(items) != 15 || items[14].Name != "thing-5-2" {
		t.Fatalf("stdout is not the 15 items as one JSON array (%v):\n%s", err, out.b.String())
	}
	if !strings.HasSuffix(out.b.String(), "}]\n") {
		t.Errorf("not the compact array a script gets: %q", out.b.String())
	}
}

// On a terminal the streamed array reads like one indented document.
func TestPaginateStreamsIndentedOnATerminal(t *testing.T) {
	h := pagedServer(t, 2, 2, nil)
	h.IO.SetStdoutTTY(true)
	if err := run(t, h, "things", "--paginate"); err != nil {
		t.Fatal(err)
	}
	var items []json.RawMessage
	if err := json.Unmarshal(h.Out.Bytes(), &items); err != nil || len(items) != 4 {
		t.Fatalf("not one array of 4 (%v):\n%s", err, h.Out)
	}
	if !strings.HasPrefix(h.Out.String(), "[\n  {\n    \"name\": \"thing-1-0\",") || !strings.HasSuffix(h.Out.String(), "\n  }\n]\n") {
		t.Errorf("not indented:\n%s", h.Out)
	}
}

// --jq needs every item at once: past the cap it stops with an error that
// says what to do, and prints nothing.
func TestPaginateWithJQStopsAtTheCap(t *testing.T) {
	defer func(old int) { maxFilteredBytes = old }(maxFilteredBytes)
	maxFilteredBytes = 4 << 10
	var served atomic.Int32
	h := pagedServer(t, 1000000, 10, func(int) { served.Add(1) })
	err := run(t, h, "things", "--paginate", "--jq", ".[].name")
	if err == nil || !strings.Contains(err.Error(), "leave out --jq") {
		t.Fatalf("err = %v, want the cap's advice", err)
	}
	if h.Out.Len() != 0 {
		t.Errorf("stdout = %q, want nothing", h.Out)
	}
	if served.Load() > 5 {
		t.Errorf("%d pages fetched past a 4 KiB cap", served.Load())
	}

	// Under the cap --jq sees the whole array.
	maxFilteredBytes = 1 << 20
	h2 := pagedServer(t, 3, 10, nil)
	if err := run(t, h2, "things", "--paginate", "--jq", "length"); err != nil || h2.Out.String() != "30\n" {
		t.Errorf("--jq length = %q (%v), want 30", h2.Out, err)
	}
}

// A page that fails after others were written ends the command with an
// error that says the output is incomplete; nothing else joins stdout.
func TestPaginateFailureAfterTheFirstPage(t *testing.T) {
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	target, _ := url.Parse(fake.URL())
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/things" {
			proxy.ServeHTTP(w, r)
			return
		}
		if r.URL.Query().Get("page") == "2" {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"detail":"gone"}`)
			return
		}
		fmt.Fprint(w, `{"index":1,"max_size":1,"total_pages":3,"total":3,"items":[{"name":"a"}]}`)
	}))
	t.Cleanup(srv.Close)
	h := cmdtest.New(t)
	h.LoginPassword(srv.URL, "default", "")
	err := run(t, h, "things", "--paginate")
	if err == nil || !strings.Contains(err.Error(), "not valid JSON") || !strings.Contains(err.Error(), "gone") {
		t.Fatalf("err = %v", err)
	}
	if h.Out.String() != `[{"name":"a"}` {
		t.Errorf("stdout = %q, want the first page's items only", h.Out)
	}
}
