package execenv

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/zenctl/zenctl/internal/cmd/durationflag"
	"github.com/zenctl/zenctl/internal/cmd/factory"
	"github.com/zenctl/zenctl/internal/config"
	"github.com/zenctl/zenctl/internal/iostreams"
	"github.com/zenctl/zenctl/internal/login"
	"github.com/zenctl/zenctl/internal/output"
	"github.com/zenctl/zenctl/pkg/zenml"
)

// defaultLifetime is how long a token lives unless --expires-in says
// otherwise: long enough for a typical script, short enough to be cheap
// to lose.
const defaultLifetime = time.Hour

// source is what exec and env share: how they reach the server and how
// long the token they mint lives.
type source struct {
	IO *iostreams.IOStreams
	// Client is the authenticated client for the selected server.
	Client func(ctx context.Context) (*zenml.Client, *factory.Target, error)
	// Environ is zenctl's own environment, as KEY=VALUE entries.
	Environ   func() []string
	ExpiresIn time.Duration
	// minter mints exec's token in another process (see mint.go).
	minter minter
}

func newSource(f *factory.Factory, environ func() []string) source {
	return source{
		IO:        f.IOStreams,
		Client:    f.AuthenticatedClient,
		Environ:   environ,
		ExpiresIn: defaultLifetime,
		minter:    newMinter(func() *pflag.FlagSet { return f.GlobalFlags }),
	}
}

func (s *source) addLifetimeFlag(cmd *cobra.Command) {
	cmd.Flags().VarP((*lifetime)(&s.ExpiresIn), "expires-in", "e", "Token lifetime: a `DURATION` such as 30m, 8h or 1d (the server sets the maximum, 7d by default)")
	durationflag.Complete(cmd, "expires-in", "10m", "1h", "8h", "1d")
}

// storeEnv mints a token for the selected server and builds the variables
// that hand it on.
func (s *source) storeEnv(ctx context.Context) (storeEnv, error) {
	client, target, err := s.Client(ctx)
	if err != nil {
		return storeEnv{}, err
	}
	if needsNoToken(target) {
		return newStoreEnv(target, ""), nil
	}
	tok, err := client.APIToken(ctx, s.ExpiresIn)
	if err != nil {
		return storeEnv{}, login.MintError(ctx, client, target, err)
	}
	if tok.SessionToken || tok.ExpiresAt.IsZero() {
		s.warnNotFresh(target.URL, tok)
	}
	env := newStoreEnv(target, tok.Token)
	env.ExpiresAt = tok.ExpiresAt
	return env, nil
}

// needsNoToken reports whether target's server runs without
// authentication (NO_AUTH): it issues no tokens (its /api_token answers
// 401) and needs none, so the command gets its URL alone.
func needsNoToken(target *factory.Target) bool {
	return target.AuthMethod == config.AuthNone
}

// warnNotFresh says, once, that the token is not the short-lived one asked
// for: 0.58 servers hand a password session its own token back.
func (s *source) warnNotFresh(serverURL string, tok *zenml.APIToken) {
	expiry := "never expires"
	if !tok.ExpiresAt.IsZero() {
		expiry = "expires " + output.HumanTime(tok.ExpiresAt, time.Now())
	}
	what := "a token that " + expiry
	if tok.SessionToken {
		what = "the session's own token instead of a new one; it " + expiry
	}
	fmt.Fprintf(s.IO.ErrOut, "%s %s returned %s, not in %s\n", s.IO.ErrColorScheme().WarningIcon(), serverURL, what, lifetime(s.ExpiresIn))
}

// lifetime is --expires-in, in the grammar of every duration flag.
type lifetime time.Duration

func (l *lifetime) Set(s string) error {
	var d time.Duration
	if err := durationflag.NewDuration(&d).Positive().Set(s); err != nil {
		return err
	}
	if d < time.Second {
		return errors.New("want at least 1s")
	}
	*l = lifetime(d)
	return nil
}

func (l *lifetime) Type() string { return "duration" }

// String prints 1h rather than time.Duration's 1h0m0s.
func (l lifetime) String() string {
	s := time.Duration(l).String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
