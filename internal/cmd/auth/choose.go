package auth

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/zenctl/zenctl/internal/exitcode"
	"github.com/zenctl/zenctl/internal/iostreams"
	"github.com/zenctl/zenctl/internal/prompt"
)

// choose lets a terminal pick one of several choices by number; a script
// gets an error that lists them, since guessing would act on the wrong
// login. what names the choices ("server", "account"), hint the command
// that picks one without a menu.
func choose(ios *iostreams.IOStreams, p prompt.Prompter, what string, choices []string, hint string) (int, error) {
	if !ios.CanPrompt() {
		return 0, fmt.Errorf("choose a %s: %s; e.g. `%s`", what, strings.Join(choices, ", "), hint)
	}
	fmt.Fprintf(ios.ErrOut, "Choose a %s:\n", what)
	for i, c := range choices {
		fmt.Fprintf(ios.ErrOut, "  %d. %s\n", i+1, iostreams.EscapeLine(c))
	}
	for range 3 {
		answer, err := p.Input(fmt.Sprintf("Number (1-%d)", len(choices)), "")
		if err != nil {
			return 0, promptError(err)
		}
		if n, err := strconv.Atoi(strings.TrimSpace(answer)); err == nil && n >= 1 && n <= len(choices) {
			return n - 1, nil
		}
		fmt.Fprintf(ios.ErrOut, "Give a number from 1 to %d\n", len(choices))
	}
	return 0, exitcode.ErrCancelled
}

// chooseStoredServer is the server a command without SERVER_URL acts on
// when none is active: the only stored one, or one chosen at a terminal.
func chooseStoredServer(ios *iostreams.IOStreams, p prompt.Prompter, urls []string, command string) (string, error) {
	switch len(urls) {
	case 0:
		return "", exitcode.Usagef("no server given: run `zenctl %s <server-url>`, e.g. zenctl %s https://zenml.example.com", command, command)
	case 1:
		fmt.Fprintf(ios.ErrOut, "No server is active; using the only stored one, %s\n", urls[0])
		return urls[0], nil
	}
	i, err := choose(ios, p, "server", urls, "zenctl "+command+" "+urls[0])
	if err != nil {
		var usage *exitcode.UsageError
		if errors.As(err, &usage) || errors.Is(err, exitcode.ErrCancelled) {
			return "", err
		}
		return "", fmt.Errorf("no server is active: %w", err)
	}
	return urls[i], nil
}
