//go:build !unix

package main

// fakeZenml is unix-only, like the tests that use it.
func fakeZenml([]string) int { return 1 }
