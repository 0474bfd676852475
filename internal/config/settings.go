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
	KeyServer      = "server"
	KeyAccount     = "account"
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
	// MaxHTTPTimeout bounds ZENCTL_HTTP_TIMEOUT: a larger value is a typo
	// (or an overflow), not a wish to wait for days.
	MaxHTTPTimeout = 24 * time.Hour
)

// Source says where a setting's value came from, for messages and
// `zenctl status` (as gh names GH_TOKEN).
type Source string

// Sources, from the strongest to the weakest.
const (
	SourceFlag    Source = "flag"
	SourceEnv     Source = "environment"
	SourceConfig  Source = "config"
	SourceDefault Source = "default"
)

// Flags are the global flags' values; "" (false) means not given.
type Flags struct {
	Server  string
	Account string
	Storage string
	Debug   bool
}

// Setting is one resolved value and where it came from.
type Setting struct {
	Value  string
	Source Source
	// Env names the variable when Source is SourceEnv.
	Env string
}

// Describe says where the value came from: "--server", "ZENML_STORE_URL",
// "the config file" or "the default".
func (s Setting) Describe(flag string) string {
	switch s.Source {
	case SourceFlag:
		return "--" + flag
	case SourceEnv:
		return s.Env
	case SourceConfig:
		return "the config file"
	}
	return "the default"
}

// Settings are the resolved non-secret settings.
type Settings struct {
	// Server is the server URL as given (not normalised): --server, else
	// ZENML_STORE_URL, else the config's active server.
	Server Setting
	// Account is --account, else ZENCTL_ACCOUNT; empty means the server's
	// active account (which the login layer resolves).
	Account Setting
	Storage string // "keyring" | "file"
	// StorageSource is SourceDefault unless a flag, ZENCTL_STORAGE or the
	// config file chose Storage; only an explicit keyring fails instead of
	// falling back (credentials.Options.Explicit).
	StorageSource Source
	Output        string // "table" | "json" | "yaml", unchecked
	HTTPTimeout   time.Duration
	Debug         bool
}

// StorageExplicit reports whether someone chose the storage mode.
func (s Settings) StorageExplicit() bool { return s.StorageSource != SourceDefault }

// StorageRequested is the mode a flag or ZENCTL_STORAGE asks for, or "":
// the config file's mode is a default for new logins, not a request to
// move existing ones.
func (s Settings) StorageRequested() string {
	if s.StorageSource == SourceFlag || s.StorageSource == SourceEnv {
		return s.Storage
	}
	return ""
}

// settingSpec binds one setting's flag, environment variable and config
// file key: the one place that says where each setting comes from.
type settingSpec struct {
	key, env string
	flag     func(Flags) (string, bool)
	fromFile func(*Config) (any, bool)
}

var settingSpecs = []settingSpec{
	{key: KeyServer, env: "ZENML_STORE_URL",
		flag:     func(f Flags) (string, bool) { return f.Server, f.Server != "" },
		fromFile: func(c *Config) (any, bool) { return c.ActiveServer, c.ActiveServer != "" }},
	{key: KeyAccount, env: "ZENCTL_ACCOUNT",
		flag:     func(f Flags) (string, bool) { return f.Account, f.Account != "" },
		fromFile: noFileValue},
	{key: KeyStorage, env: "ZENCTL_STORAGE",
		flag:     func(f Flags) (string, bool) { return f.Storage, f.Storage != "" },
		fromFile: func(c *Config) (any, bool) { return c.Storage, c.Storage != "" }},
	{key: KeyOutput, env: "ZENCTL_OUTPUT", flag: noFlag,
		fromFile: func(c *Config) (any, bool) { return c.Output, c.Output != "" }},
	{key: KeyHTTPTimeout, env: "ZENCTL_HTTP_TIMEOUT", flag: noFlag,
		fromFile: func(c *Config) (any, bool) { return c.HTTPTimeout, c.HTTPTimeout != 0 }},
	{key: KeyDebug, env: "ZENCTL_DEBUG",
		flag:     func(f Flags) (string, bool) { return "true", f.Debug },
		fromFile: noFileValue},
}

// noFlag and noFileValue mark settings without a global flag (output has
// one per command) or without a config file key.
func noFlag(Flags) (string, bool)     { return "", false }
func noFileValue(*Config) (any, bool) { return nil, false }

// NewViper binds every setting in one place with the precedence
// flag > environment > config file > default. Flags are set with v.Set
// (Viper's top layer); the environment and the file are merged into the
// config layer, the environment last so it wins over the file. The
// environment goes in through getenv (nil: the process's) rather than
// viper.BindEnv, which reads only the process environment: tests and
// embedding programs decide it, as they do for ZENML_STORE_*. Viper never
// reads or writes a file itself: c was loaded by Load.
func NewViper(c *Config, getenv func(string) string, flags Flags) *viper.Viper {
	if getenv == nil {
		getenv = os.Getenv
	}
	if c == nil {
		c = &Config{}
	}
	v := viper.New()
	file, env := map[string]any{}, map[string]any{}
	for _, s := range settingSpecs {
		if val, ok := s.fromFile(c); ok {
			file[s.key] = val
		}
		if val := strings.TrimSpace(getenv(s.env)); val != "" {
			env[s.key] = val
		}
		if val, ok := s.flag(flags); ok {
			v.Set(s.key, val)
		}
	}
	_ = v.MergeConfigMap(file)
	_ = v.MergeConfigMap(env)
	// No default for storage: StorageSource must know whether anyone
	// actually chose the mode.
	v.SetDefault(KeyOutput, DefaultOutput)
	v.SetDefault(KeyHTTPTimeout, int(DefaultHTTPTimeout/time.Second))
	return v
}

// Resolve reads and validates the settings. Errors name the setting and
// the place its value came from.
func Resolve(c *Config, getenv func(string) string, flags Flags) (Settings, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	if c == nil {
		c = &Config{}
	}
	v := NewViper(c, getenv, flags)
	resolved := map[string]Setting{}
	for _, spec := range settingSpecs {
		r := Setting{Value: v.GetString(spec.key), Source: SourceDefault}
		_, fromFlag := spec.flag(flags)
		_, fromFile := spec.fromFile(c)
		switch {
		case fromFlag:
			r.Source = SourceFlag
		case strings.TrimSpace(getenv(spec.env)) != "":
			r.Source, r.Env = SourceEnv, spec.env
		case fromFile:
			r.Source = SourceConfig
		}
		resolved[spec.key] = r
	}
	source := func(key string) Setting { return resolved[key] }

	s := Settings{Server: source(KeyServer), Account: source(KeyAccount), Debug: v.GetBool(KeyDebug)}
	storage := source(KeyStorage)
	switch mode := strings.ToLower(strings.TrimSpace(storage.Value)); mode {
	case "":
		s.Storage, s.StorageSource = DefaultStorage, SourceDefault
	case "keyring", "file":
		s.Storage, s.StorageSource = mode, storage.Source
	default:
		return Settings{}, fmt.Errorf("invalid storage %q (from %s): use keyring or file", storage.Value, storage.Describe("storage"))
	}

	// Checked where it is used: `token` ignores it on purpose, and a bad
	// ZENCTL_OUTPUT must not break it.
	s.Output = strings.ToLower(strings.TrimSpace(v.GetString(KeyOutput)))

	timeout := source(KeyHTTPTimeout)
	secs, err := parseSeconds(strings.TrimSpace(timeout.Value))
	if err != nil {
		where := "ZENCTL_HTTP_TIMEOUT"
		if timeout.Source == SourceConfig {
			where = "http_timeout in the config file"
		}
		return Settings{}, fmt.Errorf("invalid %s %q: use a number of seconds (or a duration such as 2m) between 1s and %s", where, timeout.Value, MaxHTTPTimeout)
	}
	s.HTTPTimeout = secs
	return s, nil
}

// parseSeconds accepts whole seconds ("30") and, for convenience, Go
// durations ("1m30s"), between a moment and MaxHTTPTimeout.
func parseSeconds(raw string) (time.Duration, error) {
	var d time.Duration
	if n, err := strconv.ParseInt(raw, 10, 64); err == nil {
		if n <= 0 || n > int64(MaxHTTPTimeout/time.Second) {
			return 0, errors.New("out of range")
		}
		d = time.Duration(n) * time.Second
	} else {
		var perr error
		if d, perr = time.ParseDuration(raw); perr != nil {
			return 0, perr
		}
	}
	if d <= 0 || d > MaxHTTPTimeout {
		return 0, errors.New("out of range")
	}
	return d, nil
}
