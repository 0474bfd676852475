package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"github.com/itchyny/gojq"

	"github.com/zenctl/zenctl/internal/iostreams"
	"github.com/zenctl/zenctl/pkg/zenml"
)

// printer writes responses to stdout.
type printer struct {
	io      *iostreams.IOStreams
	include bool
	jq      *gojq.Code
}

// response prints one response and returns the error for a failed status.
func (p *printer) response(ctx context.Context, method, path string, resp *zenml.RawResponse) error {
	if err := p.head(resp); err != nil {
		return err
	}
	if resp.Err != nil {
		// The body of an error goes out unfiltered, as gh does: the filter
		// was written for the success shape, and scripts may want the detail.
		if err := p.body(resp.Body); err != nil {
			return err
		}
		return &requestError{method, path, resp.Err}
	}
	return p.result(ctx, resp.Body)
}

// result prints a successful body, through --jq when given.
func (p *printer) result(ctx context.Context, body []byte) error {
	if p.jq != nil {
		return p.filter(ctx, body)
	}
	return p.body(body)
}

// head prints the status line and the headers for -i.
func (p *printer) head(resp *zenml.RawResponse) error {
	if !p.include {
		return nil
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s\n", resp.Proto, resp.Status)
	names := make([]string, 0, len(resp.Header))
	for name := range resp.Header {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		for _, v := range resp.Header[name] {
			fmt.Fprintf(&b, "%s: %s\n", name, resp.WithoutSent(v))
		}
	}
	b.WriteByte('\n')
	return p.emit(b.Bytes())
}

// emit writes to stdout: the server's bytes exactly when piped, for
// scripts; escaped on a terminal, where a response (JSON strings may hold
// raw bidi controls, other bodies anything) must not drive it. In JSON
// text the escapes are JSON's own, so it still reads as the same value.
func (p *printer) emit(b []byte) error {
	if p.io.IsStdoutTTY() {
		b = []byte(iostreams.Escape(string(b)))
	}
	_, err := p.io.Out.Write(b)
	return err
}

// body prints a body unchanged, or indented when stdout is a terminal and
// the body is JSON: scripts get the server's bytes, people a readable view.
func (p *printer) body(body []byte) error {
	if p.io.IsStdoutTTY() && len(bytes.TrimSpace(body)) > 0 {
		var b bytes.Buffer
		if json.Indent(&b, body, "", "  ") == nil {
			b.WriteByte('\n')
			return p.emit(b.Bytes())
		}
	}
	return p.emit(body)
}

// filter runs --jq over a JSON body: strings print raw (jq -r), other
// values as JSON, one per line. Output is buffered so that a filter that
// fails half-way prints nothing.
func (p *printer) filter(ctx context.Context, body []byte) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	// Numbers stay json.Number so large integers survive unchanged.
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return errors.New("--jq: the response is not JSON")
	}
	var out bytes.Buffer
	iter := p.jq.RunWithContext(ctx, v)
	for {
		x, ok := iter.Next()
		if !ok {
			break
		}
		if err, isErr := x.(error); isErr {
			var halt *gojq.HaltError
			if errors.As(err, &halt) && halt.Value() == nil {
				break
			}
			return fmt.Errorf("--jq: %w", err)
		}
		if s, isStr := x.(string); isStr {
			out.WriteString(s)
		} else {
			b, err := gojq.Marshal(x)
			if err != nil {
				return fmt.Errorf("--jq: %w", err)
			}
			if p.io.IsStdoutTTY() {
				var ind bytes.Buffer
				if json.Indent(&ind, b, "", "  ") == nil {
					b = ind.Bytes()
				}
			}
			out.Write(b)
		}
		out.WriteByte('\n')
	}
	return p.emit(out.Bytes())
}
