//go:build !linux

package execenv

// forbidMemoryReads has no equivalent here that zenctl uses: see
// docs/guides/python-client.md on what stays readable.
func forbidMemoryReads() error { return nil }
