package serviceaccount

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/zenctl/zenctl/internal/cmd/cmdtest"
	"github.com/zenctl/zenctl/internal/exitcode"
)

// newTestRoot mirrors the parts of the real root command that matter here:
// a global flag and usage errors for bad flags.
func newTestRoot(h *cmdtest.Harness) *cobra.Command {
	root := &cobra.Command{Use: "zenctl", SilenceErrors: true, SilenceUsage: true}
	root.SetOut(h.IO.Out)
	root.SetErr(h.IO.ErrOut)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &exitcode.UsageError{Err: err} })
	root.PersistentFlags().StringVar(&h.F.ServerFlag, "server", "", "server URL")
	root.AddCommand(NewCmdServiceAccount(h.F))
	return root
}

// parse runs a command's flag parsing and validation with runF capturing
// the options instead of doing the work.
func parse(t *testing.T, cmd *cobra.Command, args ...string) error {
	t.Helper()
	cmd.SetArgs(CobraOrder(cmd, args))
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	return cmd.Execute()
}

func isUsage(err error) bool {
	var u *exitcode.UsageError
	return errors.As(err, &u)
}

func TestCreateFlags(t *testing.T) {
	h := cmdtest.New(t)
	tests := []struct {
		args    []string
		wantErr string
		check   func(*CreateOptions) bool
	}{
		{args: []string{"ci"}, check: func(o *CreateOptions) bool { return o.Name == "ci" && o.CreateAPIKey && !o.SetAPIKey }},
		{args: []string{"ci", "--create-api-key", "false"}, check: func(o *CreateOptions) bool { return !o.CreateAPIKey }},
		{args: []string{"ci", "--create-api-key=false"}, check: func(o *CreateOptions) bool { return !o.CreateAPIKey }},
		{args: []string{"ci", "--create-api-key=true", "-d", "x", "--set-api-key", "--output-file", "f", "-o", "json"},
			check: func(o *CreateOptions) bool {
				return o.CreateAPIKey && o.Description == "x" && o.SetAPIKey && o.OutputFile == "f" && o.Output == "json"
			}},
		{args: []string{"ci", "--create-api-key=false", "--set-api-key"}, wantErr: "need a key"},
		{args: []string{"ci", "--create-api-key", "maybe"}, wantErr: "want true or false"},
		{args: []string{"ci", "-o", "xml"}, wantErr: "invalid output format"},
		{args: []string{}, wantErr: "missing NAME"},
		{args: []string{"a", "b"}, wantErr: "too many arguments"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var got *CreateOptions
			err := parse(t, NewCmdCreate(h.F, func(o *CreateOptions) error { got = o; return nil }), tt.args...)
			checkParse(t, err, tt.wantErr, func() bool { return got != nil && tt.check(got) })
		})
	}
}

func checkParse(t *testing.T, err error, wantErr string, ok func() bool) {
	t.Helper()
	if wantErr != "" {
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Fatalf("err = %v, want %q", err, wantErr)
		}
		if exitcode.For(err) != exitcode.Error {
			t.Errorf("exit code %d, want 1", exitcode.For(err))
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if !ok() {
		t.Error("options not as expected")
	}
}

func TestRotateFlags(t *testing.T) {
	h := cmdtest.New(t)
	tests := []struct {
		args    []string
		wantErr string
		check   func(*APIKeyRotateOptions) bool
	}{
		{args: []string{"ci", "default"}, check: func(o *APIKeyRotateOptions) bool {
			return o.ServiceAccount == "ci" && o.Key == "default" && o.Retain == 0 && !o.All && !o.SetKey
		}},
		{args: []string{"ci", "default", "--retain", "60", "--set-key", "--output-file", "k", "-o", "json"}, check: func(o *APIKeyRotateOptions) bool {
			return o.Retain == 60 && o.SetKey && o.OutputFile == "k" && o.Output == "json"
		}},
		{args: []string{"ci", "--all"}, check: func(o *APIKeyRotateOptions) bool { return o.All && o.Key == "" }},
		{args: []string{"ci", "default", "--all"}, wantErr: "not both"},
		{args: []string{"ci"}, wantErr: "missing KEY_NAME_OR_ID"},
		{args: []string{"ci", "default", "--retain", "-1"}, wantErr: "--retain must be between 0 and 527040 minutes (a year), not -1"},
		// 2^31 minutes once wrapped the end time into 2018 for a key that
		// still worked.
		{args: []string{"ci", "default", "--retain", "2147483648"}, wantErr: "--retain must be between 0 and 527040 minutes (a year), not 2147483648"},
		{args: []string{"ci", "default", "--retain", "527040"}, check: func(o *APIKeyRotateOptions) bool { return o.Retain == 527040 }},
		{args: []string{"ci", "a", "b"}, wantErr: "too many arguments"},
		{args: []string{}, wantErr: "missing the service account"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var got *APIKeyRotateOptions
			err := parse(t, NewCmdAPIKeyRotate(h.F, func(o *APIKeyRotateOptions) error { got = o; return nil }), tt.args...)
			checkParse(t, err, tt.wantErr, func() bool { return got != nil && tt.check(got) })
		})
	}
}

func TestUpdateFlags(t *testing.T) {
	h := cmdtest.New(t)
	var sa *UpdateOptions
	if err := parse(t, NewCmdUpdate(h.F, func(o *UpdateOptions) error { sa = o; return nil }), "ci", "--active", "false"); err != nil {
		t.Fatal(err)
	}
	if sa.Active == nil || *sa.Active || sa.Name != nil || sa.Description != nil {
		t.Errorf("options %+v", sa)
	}
	err := parse(t, NewCmdUpdate(h.F, func(*UpdateOptions) error { return nil }), "ci")
	if !isUsage(err) || !strings.Contains(err.Error(), "nothing to change") {
		t.Errorf("err = %v", err)
	}

	var key *APIKeyUpdateOptions
	if err := parse(t, NewCmdAPIKeyUpdate(h.F, func(o *APIKeyUpdateOptions) error { key = o; return nil }), "ci", "default", "-n", "x", "--description", ""); err != nil {
		t.Fatal(err)
	}
	if key.Active != nil || key.Name == nil || *key.Name != "x" || key.Description == nil || *key.Description != "" {
		t.Errorf("options %+v", key)
	}

	var deact *APIKeyUpdateOptions
	if err := parse(t, NewCmdAPIKeyDeactivate(h.F, func(o *APIKeyUpdateOptions) error { deact = o; return nil }), "ci", "default"); err != nil {
		t.Fatal(err)
	}
	if deact.Active == nil || *deact.Active || deact.Key != "default" {
		t.Errorf("options %+v", deact)
	}
}

func TestListFlags(t *testing.T) {
	h := cmdtest.New(t)
	var got *ListOptions
	if err := parse(t, NewCmdList(h.F, func(o *ListOptions) error { got = o; return nil }), "--active", "true", "--name", "startswith:ci", "--page", "2", "--size", "5"); err != nil {
		t.Fatal(err)
	}
	if got.Active == nil || !*got.Active || got.Name != "startswith:ci" || got.Paging.Page != 2 || got.Paging.Size != 5 {
		t.Errorf("options %+v", got)
	}
	for _, args := range [][]string{{"--page", "0"}, {"--size", "10001"}, {"--active", "maybe"}} {
		if err := parse(t, NewCmdList(h.F, func(*ListOptions) error { return nil }), args...); err == nil {
			t.Errorf("%v: want an error", args)
		}
	}
	var keys *APIKeyListOptions
	if err := parse(t, NewCmdAPIKeyList(h.F, func(o *APIKeyListOptions) error { keys = o; return nil }), "ci", "--active", "false"); err != nil {
		t.Fatal(err)
	}
	if keys.ServiceAccount != "ci" || keys.Active == nil || *keys.Active {
		t.Errorf("options %+v", keys)
	}
}

func TestDeleteFlags(t *testing.T) {
	h := cmdtest.New(t)
	var got *DeleteOptions
	if err := parse(t, NewCmdDelete(h.F, func(o *DeleteOptions) error { got = o; return nil }), "ci", "-y"); err != nil {
		t.Fatal(err)
	}
	if !got.Yes || got.ServiceAccount != "ci" {
		t.Errorf("options %+v", got)
	}
	var key *APIKeyDeleteOptions
	if err := parse(t, NewCmdAPIKeyDelete(h.F, func(o *APIKeyDeleteOptions) error { key = o; return nil }), "ci", "k", "--yes"); err != nil {
		t.Fatal(err)
	}
	if !key.Yes || key.Key != "k" {
		t.Errorf("options %+v", key)
	}
}

// Every command documents itself: a short and a long description and
// examples.
func TestEveryCommandHasHelp(t *testing.T) {
	h := cmdtest.New(t)
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Short == "" || c.Long == "" || c.Example == "" {
			t.Errorf("%s lacks Short, Long or Example", c.CommandPath())
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(NewCmdServiceAccount(h.F))
}
