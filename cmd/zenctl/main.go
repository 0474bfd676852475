// Command zenctl is a fast, safe client for a ZenML server's
// authentication and access commands.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/zenctl/zenctl/internal/browser"
	"github.com/zenctl/zenctl/internal/cmd/factory"
	"github.com/zenctl/zenctl/internal/cmd/root"
	"github.com/zenctl/zenctl/internal/cmd/serviceaccount"
	"github.com/zenctl/zenctl/internal/errhint"
	"github.com/zenctl/zenctl/internal/exitcode"
	"github.com/zenctl/zenctl/internal/interrupt"
	"github.com/zenctl/zenctl/internal/iostreams"
	"github.com/zenctl/zenctl/internal/prompt"
	"github.com/zenctl/zenctl/pkg/zenml"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

// run executes one zenctl command and returns its exit code; every error
// is printed here, once, as one line.
func run(args []string) int {
	ios := iostreams.System()
	f := &factory.Factory{
		IOStreams: ios,
		Prompter:  prompt.New(ios),
		Browser:   browser.New(ios.ErrOut),
		Getenv:    os.Getenv,
	}
	// The first Ctrl-C or SIGTERM cancels ctx; see package interrupt for
	// what else it does.
	ctx, signals := interrupt.Listen(context.Background(), ios.ErrOut, ios.StopProgress)

	cmd := root.NewCmdRoot(f)
	args = serviceaccount.CobraOrder(cmd, args)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(ctx)
	signals.Stop()
	ios.StopProgress()
	// A status passed on from a child comes first: a signal that stopped
	// the child is the child's to report, not zenctl's cancellation.
	var pass *exitcode.PassThrough
	if errors.As(err, &pass) {
		if pass.Err != nil {
			fmt.Fprintf(ios.ErrOut, "%s %s\n", ios.ErrColorScheme().Red("error:"), iostreams.OneLine(pass.Err.Error()))
		}
		return pass.Code
	}
	// Checked before success: a command that finished a request after the
	// signal (to show a new key) still exits "cancelled".
	if signals.Interrupted() || errors.Is(err, exitcode.ErrCancelled) {
		fmt.Fprintln(ios.ErrOut, "Cancelled.")
		return exitcode.Cancelled
	}
	if err == nil {
		return exitcode.OK
	}
	if !errors.Is(err, exitcode.ErrSilent) {
		cs := ios.ErrColorScheme()
		msg := iostreams.OneLine(errhint.Add(err).Error())
		if u := zenml.ServerOf(err); u != "" && aboutTheServer(err) && !strings.Contains(msg, u) {
			msg = u + ": " + msg
		}
		var usage *exitcode.UsageError
		if errors.As(err, &usage) {
			msg += " (see `zenctl " + commandPath(cmd, args) + "--help`)"
		}
		fmt.Fprintf(ios.ErrOut, "%s %s\n", cs.Red("error:"), msg)
	}
	return exitcode.For(err)
}

// aboutTheServer reports whether err is the server's failure (no answer, a
// broken answer, a 5xx or 429), which means nothing without its name.
func aboutTheServer(err error) bool {
	var reqErr *zenml.RequestError
	var respErr *zenml.ResponseError
	return errors.As(err, &reqErr) || errors.As(err, &respErr) ||
		errors.Is(err, zenml.ErrServer) || errors.Is(err, zenml.ErrRateLimited)
}
