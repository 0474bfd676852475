package prompt

import "github.com/zenctl/zenctl/internal/iostreams"

// HoldEcho turns the terminal's echo off from now until the returned
// function is called, for a command that will ask for a secret after
// some slow work (connecting to the server): what the user types ahead,
// the password as often as not, must not appear on the screen meanwhile.
// The hidden prompt itself then reads what was typed. It does nothing
// when no prompt could be shown.
func HoldEcho(ios *iostreams.IOStreams) (release func()) {
	if !ios.CanPrompt() {
		return func() {}
	}
	f, ok := ios.In.(interface{ Fd() uintptr })
	if !ok {
		return func() {}
	}
	return echoOff(int(f.Fd()))
}
