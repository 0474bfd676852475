package config

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/viper"
)

// Viper keys of the settings. They are fixed words: no server URL (with its
// dots) ever becomes a Viper key.
const (
	KeyStorage     = "storage"
	KeyOutput      = "output"
	KeyHTTPTimeout = "http_timeout"
	KeyDebug       = "debug"
)

// Defaults for settings nobody set.
const (
	DefaultStorage     = "keyring"
	DefaultOutput      = "table"
	DefaultHTTPTimeout = 30 * time.Second
)

// Settings are the resolved non-secret settings.
type Settings struct {
	Storage string // "keyring" | "file"
	// StorageExplicit is true when a flag, ZENCTL_STORAGE or the config
	// file chose Storage; only then does an unavailable keyring fail
	// instead of falling back (credentials.Options.Explicit).
	StorageExplicit bool
	Output          string // "table" | "json" | "yaml"
	HTTPTimeout     time.Duration
	Debug           bool
}

// settingEnv names the environment variable of each setting.
var settingEnv = []struct{ key, env string }{
	{KeyStorage, "ZENCTL_STORAGE"},
	{KeyOutput, "ZENCTL_OUTPUT"},
	{KeyHTTPTimeout, "ZENCTL_HTTP_TIMEOUT"},
	{KeyDebug, "ZENCTL_DEBUG"},
}

// NewViper layers the settings of c under their environment variables,
// read with getenv (nil: the process environment). The command layer sets
// its flags on top (v.Set), giving flag > env > config file > default. It
// never reads or writes a file itself: c was loaded by Load.
//
// The environment goes in through getenv rather than viper.BindEnv, which
// reads the process environment only: the command layer's own getenv
// (tests, embedding programs) must decide, as it does for ZENML_STORE_*.
func NewViper(c *Config, getenv func(string) string) *viper.Viper {
	if getenv == nil {
		getenv = os.Getenv
	}
	v := viper.New()
	file := map[string]any{}
	if c != nil {
		if c.Storage != "" {
			file[KeyStorage] = c.Storage
		}
		if c.Output != "" {
			file[KeyOutput] = c.Output
		}
		if c.HTTPTimeout != 0 {
			file[KeyHTTPTimeout] = c.HTTPTimeout
		}
	}
	_ = v.MergeConfigMap(file)
	for _, b := range settingEnv {
		if val := getenv(b.env); val != "" {
			v.Set(b.key, val)
		}
	}
	// No SetDefault for storage: IsSet counts defaults, and StorageExplicit
	// must know whether anyone actually chose the mode.
	v.SetDefault(KeyOutput, DefaultOutput)
	v.SetDefault(KeyHTTPTimeout, int(DefaultHTTPTimeout/time.Second))
	return v
}

// ResolveSettings reads and validates the settings from v (see NewViper).
// Errors name the setting and all places it can come from.
func ResolveSettings(v *viper.Viper) (Settings, error) {
	s := Settings{Debug: v.GetBool(KeyDebug)}

	storage := strings.ToLower(strings.TrimSpace(v.GetString(KeyStorage)))
	switch storage {
	case "":
		s.Storage = DefaultStorage
	case "keyring", "file":
		s.Storage, s.StorageExplicit = storage, true
	default:
		return Settings{}, fmt.Errorf("invalid storage %q (from --storage, ZENCTL_STORAGE or the config file): use keyring or file", v.GetString(KeyStorage))
	}

	// Checked where it is used (factory.OutputFormat): `token` ignores it
	// on purpose, and a bad ZENCTL_OUTPUT must not break it.
	s.Output = strings.ToLower(strings.TrimSpace(v.GetString(KeyOutput)))

	raw := strings.TrimSpace(v.GetString(KeyHTTPTimeout))
	secs, err := parseSeconds(raw)
	if err != nil {
		return Settings{}, fmt.Errorf("invalid http_timeout %q (from ZENCTL_HTTP_TIMEOUT or the config file): use a number of seconds from 1 to %d", raw, int(maxHTTPTimeout/time.Second))
	}
	s.HTTPTimeout = secs
	return s, nil
}

// maxHTTPTimeout bounds http_timeout: more seconds overflow a Duration
// (18446744074 became 0.29 s), and no request needs a day.
const maxHTTPTimeout = 24 * time.Hour

// parseSeconds accepts whole seconds ("30") and, for convenience, Go
// durations ("1m30s").
func parseSeconds(raw string) (time.Duration, error) {
	if n, err := strconv.Atoi(raw); err == nil {
		if n <= 0 || n > int(maxHTTPTimeout/time.Second) {
			return 0, errors.New("not positive")
		}
		return time.Duration(n) * time.Second, nil
	}
	d, err := time.ParseDuration(raw)
	if err != nil || d <= 0 || d > maxHTTPTimeout {
		return 0, errors.New("not a positive duration")
	}
	return d, nil
}
