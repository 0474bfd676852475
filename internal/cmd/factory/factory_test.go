package factory_test

import (
	"context"
	"strings"
	"testing"

	"github.com/zenctl/zenctl/internal/cmd/cmdtest"
	"github.com/zenctl/zenctl/internal/login"
	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

// Retries are shown on a terminal, one line for a request however many
// times it is retried, and not at all when stderr is a pipe.
func TestRetriesShowOnATerminalOnly(t *testing.T) {
	for _, tty := range []bool{true, false} {
		fake := zenmltest.NewTest(t, zenmltest.Options{})
		fake.InjectFault("GET /api/v1/info", zenmltest.Fault{Status: 503, Times: 2})
		h := cmdtest.New(t)
		h.IO.SetStderrTTY(tty)
		c, err := h.F.NewClient(fake.URL(), login.TLS{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Info(context.Background()); err != nil {
			t.Fatal(err)
		}
		shown := strings.Count(h.ErrOut.String(), "HTTP 503; retrying")
		if shown != map[bool]int{true: 1, false: 0}[tty] {
			t.Errorf("tty=%v: stderr %q", tty, h.ErrOut.String())
		}
	}
}
