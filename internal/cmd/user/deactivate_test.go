package user

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zenctl/zenctl/internal/cmd/cmdtest"
	"github.com/zenctl/zenctl/internal/config"
	"github.com/zenctl/zenctl/internal/credentials"
	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

// The line after the activation token says where it went: "above" only on
// a terminal; a file a shell redirect created (mode 0644) gets the advice
// to restrict it and to use --output-file.
func TestDeactivateSaysWhereTheTokenWent(t *testing.T) {
	t.Parallel()
	srv := zenmltest.NewTest(t, zenmltest.Options{})
	for _, tc := range []struct {
		name       string
		setup      func(t *testing.T, h *cmdtest.Harness) (args []string, read func() string)
		want, deny []string
	}{
		{"terminal", func(t *testing.T, h *cmdtest.Harness) ([]string, func() string) {
			h.IO.SetStdoutTTY(true)
			return []string{"--show-token"}, h.Out.String
		}, []string{"The activation token above is shown only once"}, []string{"readable by others"}},
		{"pipe", func(t *testing.T, h *cmdtest.Harness) ([]string, func() string) {
			return nil, h.Out.String
		}, []string{"The activation token went to stdout; it is shown only once"}, []string{"above", "readable by others"}},
		{"redirect to a file", func(t *testing.T, h *cmdtest.Harness) ([]string, func() string) {
			path := filepath.Join(t.TempDir(), "ann.token")
			f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY, 0o644) // what `> ann.token` creates
			if err != nil {
				t.Fatal(err)
			}
			if err := f.Chmod(0o644); err != nil { // whatever the umask
				t.Fatal(err)
			}
			t.Cleanup(func() { f.Close() })
			h.IO.Out = f
			return nil, func() string { data, _ := os.ReadFile(path); return string(data) }
		}, []string{"in the file stdout went to; it is shown only once", "chooses a password:\n  zenctl user activate ann-redirect-to-a-file\n" + "! That file is readable by others (mode 0644)", "--output-file FILE"}, []string{"above", "only.\n With it"}},
		// A lost token is no use: the advice is a new deactivation.
		{"dev null", func(t *testing.T, h *cmdtest.Harness) ([]string, func() string) {
			f, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { f.Close() })
			h.IO.Out = f
			return nil, func() string { return "(discarded)" }
		}, []string{"it is lost, and the server will not show it again. `zenctl user deactivate ann-dev-null` gives a new one.\n"}, []string{"With it", "zenctl user activate"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := "ann-" + strings.ReplaceAll(tc.name, " ", "-")
			srv.CreateUser(name, "pw")
			h := cmdtest.New(t)
			h.Login(srv.URL(), credentials.Secret{AccessToken: srv.AdminToken()}, config.AuthToken)
			h.Reset()
			args, read := tc.setup(t, h)
			cmd := NewCmdDeactivate(h.F, nil)
			cmd.SetArgs(append([]string{name}, args...))
			cmd.SetOut(io.Discard)
			cmd.SetErr(io.Discard)
			if err := cmd.ExecuteContext(context.Background()); err != nil {
				t.Fatal(err)
			}
			if strings.TrimSpace(read()) == "" {
				t.Fatal("no activation token on stdout")
			}
			msg := h.ErrOut.String()
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("stderr lacks %q:\n%s", w, msg)
				}
			}
			for _, d := range tc.deny {
				if strings.Contains(msg, d) {
					t.Errorf("stderr says %q, which is not true here:\n%s", d, msg)
				}
			}
		})
	}
}
