package credentials

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Options select and configure the secret store.
type Options struct {
	// Mode is the resolved storage mode (flag > ZENCTL_STORAGE > config);
	// "" means DefaultMode.
	Mode Mode
	// Explicit is true when Mode came from a flag, env var or config rather
	// than the default. An explicit keyring never falls back.
	Explicit bool
	// Dir is the config dir holding the file backend's credentials.json.
	Dir string
	// Timeout bounds each keyring call; <= 0 means DefaultKeyringTimeout.
	Timeout time.Duration
	// Keyring is the keyring implementation; nil means the real OS keyring
	// (with a fast session-bus check first on Linux/BSD).
	Keyring KeyringAPI
	// Warn receives the fallback warning (stderr); nil discards it.
	Warn io.Writer
	// WarnPrefix starts each warning, so that it looks like the
	// command's own; default "Warning:".
	WarnPrefix string
	// RecordFallback persists a fallback decision (writes "storage: file"
	// to config) so later commands do not probe a dead keyring again.
	RecordFallback func(Mode) error
}

// Open returns the store to write a new secret to (login). For the keyring
// it checks availability first: an explicit keyring fails fast with a clear
// error; the default keyring falls back to the file store once, says so on
// Warn and records the choice. A keyring that does not answer in time, or
// stays locked, is never treated as missing: it exists, and quietly moving
// secrets to a plain file would be the wrong answer to "unlock me".
//
// To read, or replace, the secret of a server that is already logged in,
// use OpenExisting: reads never fall back.
func Open(opts Options) (SecretStore, error) {
	mode, err := ParseMode(string(opts.Mode))
	if err != nil {
		return nil, err
	}
	if mode == "" {
		mode = DefaultMode
	}
	if mode == ModeFile {
		if opts.Dir == "" {
			return nil, errors.New("internal error: no config dir for the credentials file")
		}
		return NewFileStore(opts.Dir), nil
	}

	ks := NewKeyringStore(opts.Keyring, opts.Timeout)
	var unavailable error
	if opts.Keyring == nil {
		if err := sessionBusCheck(); err != nil {
			unavailable = &storeError{
				msg:   "the OS keyring is not available: " + err.Error(),
				kind:  ErrKeyringUnavailable,
				cause: err,
			}
		}
	}
	if unavailable == nil {
		// Probe even an explicit keyring: login should fail before the user
		// goes through a device flow, not after.
		err := ks.probe()
		if err == nil {
			return ks, nil
		}
		if errors.Is(err, ErrKeyringTimeout) || errors.Is(err, ErrKeyringLocked) {
			return nil, err
		}
		unavailable = err
	}

	if opts.Explicit {
		return nil, &storeError{
			msg:   unavailable.Error() + "; to store credentials in a plain file instead, use --storage file (or ZENCTL_STORAGE=file)",
			kind:  ErrKeyringUnavailable,
			cause: unavailable,
		}
	}
	if opts.Dir == "" {
		return nil, errors.New("internal error: no config dir for the credentials file")
	}
	fileStore := NewFileStore(opts.Dir)
	prefix := opts.WarnPrefix
	if prefix == "" {
		prefix = "Warning:"
	}
	if opts.Warn != nil {
		fmt.Fprintf(opts.Warn, "%s %s.\nSecrets will be stored in the plain file %s (mode 0600), and zenctl will keep using it (storage: file). To require the keyring, use --storage keyring.\n",
			prefix, sentence(unavailable.Error()), fileStore.Path())
	}
	if opts.RecordFallback != nil {
		if err := opts.RecordFallback(ModeFile); err != nil && opts.Warn != nil {
			fmt.Fprintf(opts.Warn, "%s could not record storage: file in the config (%v); the keyring will be probed again next time.\n", prefix, err)
		}
	}
	return fileStore, nil
}

// OpenExisting returns the store recorded as holding a server's secret
// (config.Server.SecretStore: "keyring" or "file"; "" means opts.Mode). It
// never probes and never falls back, so a read costs one keyring call and a
// second, plain copy of a secret can never appear. Keyring problems surface
// from the store's own calls.
func OpenExisting(kind string, opts Options) (SecretStore, error) {
	mode, err := ParseMode(kind)
	if err != nil {
		return nil, fmt.Errorf("invalid secret store %q recorded in the config: use keyring or file", kind)
	}
	if mode == "" {
		if mode, err = ParseMode(string(opts.Mode)); err != nil {
			return nil, err
		}
	}
	if mode == "" {
		mode = DefaultMode
	}
	if mode == ModeFile {
		if opts.Dir == "" {
			return nil, errors.New("internal error: no config dir for the credentials file")
		}
		return NewFileStore(opts.Dir), nil
	}
	if opts.Keyring == nil {
		if err := sessionBusCheck(); err != nil {
			return nil, &storeError{
				msg:   "the OS keyring is not available: " + err.Error() + "; log in again with --storage file (or ZENCTL_STORAGE=file)",
				kind:  ErrKeyringUnavailable,
				cause: err,
			}
		}
	}
	return NewKeyringStore(opts.Keyring, opts.Timeout), nil
}

// sentence capitalises an error message that starts a warning line.
func sentence(msg string) string {
	if msg == "" {
		return msg
	}
	return strings.ToUpper(msg[:1]) + msg[1:]
}
