package prompt

import (
	"errors"

	"github.com/zenctl/zenctl/internal/exitcode"
	"github.com/zenctl/zenctl/internal/iostreams"
)

// ConfirmOrYes asks before a command that destroys or ends something,
// unless yes (--yes) already answered. Without a terminal nobody can
// answer, so it refuses rather than hang or assume yes; "no" and Ctrl-C
// cancel (exit 2).
func ConfirmOrYes(ios *iostreams.IOStreams, p Prompter, yes bool, question string) error {
	if yes {
		return nil
	}
	if !ios.CanPrompt() {
		return exitcode.Usagef("refusing without confirmation: no terminal to ask on; pass --yes (-y) to confirm")
	}
	ok, err := p.Confirm(question, false)
	switch {
	case errors.Is(err, ErrCancelled):
		return exitcode.ErrCancelled
	case err != nil:
		return err
	case !ok:
		return exitcode.ErrCancelled
	}
	return nil
}
