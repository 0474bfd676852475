package user

import (
	"bufio"
	"errors"
	"fmt"
	"io"

	"github.com/zenctl/zenctl/internal/exitcode"
	"github.com/zenctl/zenctl/internal/iostreams"
	"github.com/zenctl/zenctl/internal/prompt"
)

// secretReader hands out secrets one at a time, from standard input (one
// per line, for scripts) or from hidden prompts on the terminal. Secrets
// never come from the command line.
type secretReader struct {
	ios      *iostreams.IOStreams
	prompter prompt.Prompter
	stdin    *bufio.Reader // nil: prompt
	flag     string        // the stdin flag, for messages
}

func newSecretReader(ios *iostreams.IOStreams, p prompt.Prompter, fromStdin bool, flag string) (*secretReader, error) {
	r := &secretReader{ios: ios, prompter: p, flag: flag}
	if fromStdin {
		// ReadSecretLine reuses a *bufio.Reader this large, so the second
		// line is still there for the second call.
		r.stdin = bufio.NewReaderSize(ios.In, prompt.MaxSecretLine+2)
		return r, nil
	}
	if !ios.CanPrompt() {
		return nil, exitcode.Usagef("no terminal to ask for the password on: use %s", flag)
	}
	return r, nil
}

// secret reads one secret: the next line of stdin, or a hidden prompt.
func (r *secretReader) secret(label string) (string, error) {
	if r.stdin != nil {
		s, err := prompt.ReadSecretLine(r.stdin)
		if errors.Is(err, prompt.ErrEmptySecret) || errors.Is(err, io.EOF) {
			return "", exitcode.Usagef("%s: no %s on standard input (one per line)", r.flag, label)
		}
		return s, err
	}
	s, err := r.prompter.Password(label)
	if errors.Is(err, prompt.ErrCancelled) {
		return "", exitcode.ErrCancelled
	}
	if err == nil && s == "" {
		return "", exitcode.Usagef("empty %s", label)
	}
	return s, err
}

// newPassword reads a new password: asked twice on a terminal, so a typo
// cannot lock anyone out; one line from stdin.
func (r *secretReader) newPassword(label string) (string, error) {
	pw, err := r.secret(label)
	if err != nil || r.stdin != nil {
		return pw, err
	}
	again, err := r.secret(label + " (again)")
	if err != nil {
		return "", err
	}
	if again != pw {
		return "", fmt.Errorf("the two passwords differ; nothing was changed")
	}
	return pw, nil
}
