//go:build !unix

package main

import (
	"errors"
	"os"
)

// lockExclusive: the e2e tests run on Unix; elsewhere they only compile.
func lockExclusive(*os.File) error { return errors.New("no flock on this platform") }
