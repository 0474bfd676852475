package serviceaccount

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/zenctl/zenctl/internal/cmd/cmdtest"
	"github.com/zenctl/zenctl/internal/config"
	"github.com/zenctl/zenctl/internal/credentials"
	"github.com/zenctl/zenctl/internal/prompt"
	"github.com/zenctl/zenctl/pkg/zenml"
	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

// Every behaviour test runs against both server profiles: 0.58 differs in
// exactly the places these commands touch (key updates, error classes).
var profiles = []string{zenmltest.Profile093, zenmltest.Profile058}

func eachProfile(t *testing.T, fn func(t *testing.T, profile string)) {
	t.Helper()
	for _, p := range profiles {
		t.Run("zenml-"+p, func(t *testing.T) {
			t.Parallel()
			fn(t, p)
		})
	}
}

// env is one user's machine (the harness) and one server (the fake).
type env struct {
	t    *testing.T
	h    *cmdtest.Harness
	fake *zenmltest.Server
	ctx  context.Context
}

func newEnv(t *testing.T, opts zenmltest.Options) *env {
	t.Helper()
	fake := zenmltest.NewTest(t, opts)
	h := cmdtest.New(t)
	h.LoginPassword(fake.URL(), "default", "")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return &env{t: t, h: h, fake: fake, ctx: ctx}
}

// loginWithKey makes the harness log in with an API key, as
// `zenctl login URL --api-key` would.
func (e *env) loginWithKey(key string) {
	e.t.Helper()
	e.h.Login(e.fake.URL(), credentials.Secret{APIKey: key}, config.AuthAPIKey)
}

type result struct {
	stdout, stderr string
	err            error
}

// run executes `zenctl service-account ARGS` as a new process would.
func (e *env) run(args ...string) result {
	e.t.Helper()
	return e.runWith(nil, args)
}

// runWith is run with prompt answers and a hook to adjust the new
// process's streams or factory before it starts.
func (e *env) runWith(setup func(*cmdtest.Harness), args []string, answers ...prompt.Answer) result {
	e.t.Helper()
	e.h.Reset(answers...)
	if setup != nil {
		setup(e.h)
	}
	cmd := NewCmdServiceAccount(e.h.F)
	cmd.SetArgs(CobraOrder(cmd, args))
	cmd.SetOut(e.h.IO.Out)
	cmd.SetErr(e.h.IO.ErrOut)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err := cmd.ExecuteContext(e.ctx)
	r := result{stdout: e.h.Out.String(), stderr: e.h.ErrOut.String(), err: err}
	// Whatever the command, no secret may reach stderr, where CI logs and
	// terminal scrollback keep it.
	if strings.Contains(r.stderr, zenml.APIKeyPrefix) {
		e.t.Errorf("zenctl %s: an API key reached stderr:\n%s", strings.Join(args, " "), r.stderr)
	}
	return r
}

func (e *env) mustRun(args ...string) result {
	e.t.Helper()
	r := e.run(args...)
	if r.err != nil {
		e.t.Fatalf("zenctl service-account %s: %v\nstderr:\n%s", strings.Join(args, " "), r.err, r.stderr)
	}
	return r
}

// keyLogsIn reports whether an API key can log in now. Only a rejection
// of the credentials counts as "no"; any other failure fails the test.
func (e *env) keyLogsIn(key string) bool {
	e.t.Helper()
	_, err := e.anonClient().LoginAPIKey(e.ctx, key)
	if err != nil && !errors.Is(err, zenml.ErrUnauthorized) {
		e.t.Fatalf("the login neither worked nor was rejected: %v", err)
	}
	return err == nil
}

func (e *env) anonClient() *zenml.Client {
	e.t.Helper()
	c, err := zenml.NewClient(e.fake.URL(), zenml.Options{})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// tokenFor exchanges an API key for a token, as a CI job would have.
func (e *env) tokenFor(key string) string {
	e.t.Helper()
	tok, err := e.anonClient().LoginAPIKey(e.ctx, key)
	if err != nil {
		e.t.Fatalf("login with key: %v", err)
	}
	return tok.AccessToken
}

// tokenWorks reports whether a token is accepted; any other failure than
// a rejected credential fails the test.
func (e *env) tokenWorks(tok string) bool {
	e.t.Helper()
	_, err := e.anonClient().WithTokens(zenml.StaticToken(tok)).CurrentUser(e.ctx)
	if err != nil && !errors.Is(err, zenml.ErrUnauthorized) {
		e.t.Fatalf("current-user: unexpected error %v", err)
	}
	return err == nil
}

func (e *env) admin() *zenml.Client {
	return e.anonClient().WithTokens(zenml.StaticToken(e.fake.AdminToken()))
}

func mustContain(t *testing.T, what, s string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(s, w) {
			t.Errorf("%s does not contain %q:\n%s", what, w, s)
		}
	}
}
