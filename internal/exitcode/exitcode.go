// Package exitcode maps command errors to zenctl's documented exit codes:
// 0 ok, 1 error, 2 cancelled, 3 findings, 4 authentication needed. Users' scripts
// depend on these numbers; never renumber them.
package exitcode

import (
	"context"
	"errors"
	"fmt"

	"github.com/zenctl/zenctl/pkg/zenml"
)

// The exit codes.
const (
	OK           = 0
	Error        = 1
	Cancelled    = 2
	Findings     = 3
	AuthRequired = 4
)

// Topic is the text of `zenctl help exit-codes`.
const Topic = `zenctl exits with one of these codes:

  0  success
  1  an error: bad input, a failed request, a server error
  2  cancelled: Ctrl-C, or a declined confirmation
  3  findings: 'zenctl audit --exit-status' found something that matches
     its filters (a report for a scheduled job, not a failure)
  4  authentication needed: not logged in, or the stored credentials no
     longer work and cannot be renewed; run 'zenctl login <url>'

'zenctl exec' exits with its command's status once the command has
started (128+N when a signal N killed it), 127 when the command is not
found and 126 when it cannot be run; before that, with the codes above.
`

// ErrCancelled means the user cancelled the command.
var ErrCancelled = errors.New("cancelled")

// ErrFindings means a check ran fine and found what it looks for (audit
// --exit-status); it has printed its report already, so it is silent too.
var ErrFindings = fmt.Errorf("findings: %w", ErrSilent)

// ErrSilent means the command has already explained the failure on
// stderr; exit 1 without printing more.
var ErrSilent = errors.New("silent error")

// AuthError is a failure that logging in again fixes.
type AuthError struct{ Err error }

func (e *AuthError) Error() string { return e.Err.Error() }
func (e *AuthError) Unwrap() error { return e.Err }

// SilentAuthError has been explained already and needs exit code 4.
var SilentAuthError = &AuthError{Err: ErrSilent}

// For returns the exit code for err.
func For(err error) int {
	if err == nil {
		return OK
	}
	var authErr *AuthError
	var reauth *zenml.ReauthRequiredError
	var pass *PassThrough
	switch {
	case errors.As(err, &pass):
		return pass.Code
	case errors.As(err, &authErr), errors.As(err, &reauth), errors.Is(err, zenml.ErrUnauthorized):
		return AuthRequired
	case errors.Is(err, ErrCancelled), errors.Is(err, context.Canceled):
		return Cancelled
	case errors.Is(err, ErrFindings):
		return Findings
	}
	return Error
}

// PassThrough makes zenctl exit with Code, a status it passes on rather
// than one of its own (`zenctl exec` exits with its command's). Err, when
// set, is printed first; without it nothing is printed.
type PassThrough struct {
	Code int
	Err  error
}

func (e *PassThrough) Error() string {
	if e.Err != nil {
		return e.Err.Error()
	}
	return fmt.Sprintf("exit status %d", e.Code)
}

func (e *PassThrough) Unwrap() error { return e.Err }

// UsageError is bad command-line input; the caller prints it with a hint
// to see --help.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// Usagef returns a UsageError.
func Usagef(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}
