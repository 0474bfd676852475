//go:build !unix

package prompt

// echoOff is not needed where the console does not echo typed-ahead
// input before a program reads it.
func echoOff(int) func() { return func() {} }
