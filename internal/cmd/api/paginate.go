package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/zenctl/zenctl/pkg/zenml"
)

// page is ZenML's Page envelope; pointers tell a missing field from zero.
type page struct {
	Index      *int              `json:"index"`
	TotalPages *int              `json:"total_pages"`
	Items      []json.RawMessage `json:"items"`
}

// maxFilteredBytes bounds the items --paginate --jq holds: the filter
// needs the whole array at once, and a server that claims a million pages
// must not fill the memory. Without --jq the array is streamed instead.
var maxFilteredBytes = 32 << 20

// pageSink receives the items of each page as it arrives.
type pageSink interface {
	add(items []json.RawMessage) error
	finish(ctx context.Context) error
}

// paginate fetches every page of a list, starting at the page in query (1
// by default), and prints all items as one JSON array: written as the
// pages arrive, so memory holds one page at a time, or, for --jq, gathered
// up to maxFilteredBytes. A token that expires between pages is renewed
// by the client like for any request.
func paginate(ctx context.Context, client *zenml.Client, p *printer, path string, query url.Values, header http.Header) error {
	var sink pageSink
	for n := 0; ; n++ {
		resp, err := client.Do(ctx, http.MethodGet, path, query, nil, header)
		if err == nil {
			resp.Body = resp.BodyWithoutSent()
		}
		if err == nil && resp.Err != nil && n == 0 {
			return p.response(ctx, http.MethodGet, path, resp)
		}
		if err == nil && resp.Err != nil {
			err = resp.Err
		}
		if err != nil && n > 0 {
			return fmt.Errorf("%w (page %s; the output stops after the pages before it and is not valid JSON)",
				&requestError{http.MethodGet, path, err}, query.Get("page"))
		}
		if err != nil {
			return &requestError{http.MethodGet, path, err}
		}
		var pg page
		if json.Unmarshal(resp.Body, &pg) != nil || pg.Index == nil || pg.TotalPages == nil || pg.Items == nil {
			if n == 0 {
				// Not a list endpoint: print the answer as it is, like gh.
				return p.response(ctx, http.MethodGet, path, resp)
			}
			return fmt.Errorf("GET %s: page %s is not a ZenML page envelope", path, query.Get("page"))
		}
		if n == 0 {
			// The first page's status and headers stand for all: later
			// ones would land inside the array.
			if err := p.head(resp); err != nil {
				return err
			}
			sink = newPageSink(p)
		}
		if err := sink.add(pg.Items); err != nil {
			return err
		}
		if *pg.Index >= *pg.TotalPages || len(pg.Items) == 0 {
			break
		}
		next := *pg.Index + 1
		// A server that does not advance would loop forever.
		if prev, _ := strconv.Atoi(query.Get("page")); query.Get("page") != "" && next <= prev {
			return fmt.Errorf("GET %s: pagination did not advance past page %d", path, prev)
		}
		query.Set("page", strconv.Itoa(next))
	}
	return sink.finish(ctx)
}

func newPageSink(p *printer) pageSink {
	if p.jq != nil {
		return &gatheredItems{p: p}
	}
	return &streamedArray{p: p, indent: p.io.IsStdoutTTY()}
}

// streamedArray writes items as one JSON array, page by page: compact for
// scripts, indented on a terminal, as body prints one response.
type streamedArray struct {
	p      *printer
	indent bool
	n      int
}

func (s *streamedArray) add(items []json.RawMessage) error {
	var b bytes.Buffer
	for _, it := range items {
		switch {
		case s.n == 0:
			b.WriteByte('[')
		default:
			b.WriteByte(',')
		}
		s.n++
		if !s.indent {
			if json.Compact(&b, it) != nil {
				b.Write(it)
			}
			continue
		}
		b.WriteString("\n  ")
		if json.Indent(&b, it, "  ", "  ") != nil {
			b.Write(it)
		}
	}
	if b.Len() == 0 {
		return nil
	}
	return s.p.emit(b.Bytes())
}

func (s *streamedArray) finish(context.Context) error {
	switch {
	case s.n == 0:
		return s.p.emit([]byte("[]\n"))
	case s.indent:
		return s.p.emit([]byte("\n]\n"))
	}
	return s.p.emit([]byte("]\n"))
}

// gatheredItems holds the items for --jq, up to maxFilteredBytes.
type gatheredItems struct {
	p     *printer
	items []json.RawMessage
	size  int
}

func (g *gatheredItems) add(items []json.RawMessage) error {
	for _, it := range items {
		g.size += len(it)
	}
	if g.size > maxFilteredBytes {
		return fmt.Errorf("--paginate with --jq holds every item in memory, and the pages exceed %d MiB; stopped: leave out --jq (the array is then written as the pages arrive) and pipe it into jq, or narrow the list with query filters", maxFilteredBytes>>20)
	}
	g.items = append(g.items, items...)
	return nil
}

func (g *gatheredItems) finish(ctx context.Context) error {
	var b bytes.Buffer
	b.WriteByte('[')
	for i, it := range g.items {
		if i > 0 {
			b.WriteByte(',')
		}
		if json.Compact(&b, it) != nil {
			b.Write(it)
		}
	}
	b.WriteString("]\n")
	return g.p.result(ctx, b.Bytes())
}
