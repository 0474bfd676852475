//go:build !((dragonfly && cgo) || (freebsd && cgo) || linux || netbsd || openbsd)

package credentials

// sessionBusCheck: macOS and Windows keyrings need no session bus; their
// calls are still bounded by the keyring timeout.
func sessionBusCheck() error { return nil }
