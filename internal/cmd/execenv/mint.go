package execenv

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"time"

	"github.com/spf13/pflag"

	"github.com/zenctl/zenctl/internal/exitcode"
)

// The token of `zenctl exec` is minted by another zenctl process — `zenctl
// env -o json`, with the same global flags and environment — so that the
// login's API key or password never enters the memory of the process that
// stays alive beside the command. Go cannot wipe a string it has read;
// a process that never reads it has nothing to wipe.

// minter runs the process that mints the token.
type minter struct {
	// self is zenctl's executable; globalArgs its global flags as given.
	self       func() (string, error)
	globalArgs func() []string
}

// newMinter reads the global flags through flags once they are parsed.
func newMinter(flags func() *pflag.FlagSet) minter {
	return minter{
		self: os.Executable,
		globalArgs: func() []string {
			var args []string
			globalFlags := flags()
			if globalFlags == nil {
				return nil
			}
			// VisitAll and Changed: a subcommand parses the global flags
			// into its own flag set, which the root's does not see.
			globalFlags.VisitAll(func(fl *pflag.Flag) {
				if fl.Changed {
					args = append(args, "--"+fl.Name+"="+fl.Value.String())
				}
			})
			return args
		},
	}
}

// mintedEnv runs `zenctl env -o json` and returns what exec hands on. Its
// stderr (warnings, progress, the error) is zenctl's; a failure it has
// already reported ends exec with its exit code.
func (s *source) mintedEnv(ctx context.Context) (storeEnv, error) {
	self, err := s.minter.self()
	if err != nil {
		return storeEnv{}, fmt.Errorf("cannot find zenctl's own executable to mint the token: %w", err)
	}
	args := append(s.minter.globalArgs(), "env", "-o", "json", "--expires-in", lifetime(s.ExpiresIn).String())
	cmd := exec.CommandContext(ctx, self, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, s.IO.ErrFile()
	// A prompt (a keyring to unlock) may need the terminal; a pipe on stdin
	// is the command's input and must not be read.
	if s.IO.IsStdinTTY() {
		cmd.Stdin = s.IO.In
	}
	err = cmd.Run()
	var exitErr *exec.ExitError
	switch {
	case errors.As(err, &exitErr) && exitErr.ExitCode() == exitcode.AuthRequired:
		return storeEnv{}, exitcode.SilentAuthError
	case errors.As(err, &exitErr) && exitErr.ExitCode() == exitcode.Cancelled:
		return storeEnv{}, exitcode.ErrCancelled
	case errors.As(err, &exitErr):
		return storeEnv{}, exitcode.ErrSilent
	case err != nil:
		return storeEnv{}, fmt.Errorf("minting the token: %w", err)
	}
	return parseMinted(out.Bytes())
}

// parseMinted reads `zenctl env -o json`.
func parseMinted(data []byte) (storeEnv, error) {
	var res EnvResult
	if err := json.Unmarshal(data, &res); err != nil {
		return storeEnv{}, fmt.Errorf("minting the token: unexpected output of zenctl env: %w", err)
	}
	var env storeEnv
	// In the order env prints them.
	for _, name := range []string{varStoreURL, varStoreToken, varVerifySSL, varNoDiskCache} {
		if v, ok := res.Variables[name]; ok {
			env.Set = append(env.Set, envVar{name, v})
		}
	}
	if len(env.Set) == 0 || env.Set[0].Name != varStoreURL {
		return storeEnv{}, errors.New("minting the token: zenctl env gave no server URL")
	}
	if res.ExpiresAt != nil {
		if at, err := time.Parse(time.RFC3339, *res.ExpiresAt); err == nil {
			env.ExpiresAt = at
		}
	}
	return env, nil
}
