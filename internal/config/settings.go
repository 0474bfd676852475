package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"github.com/spf13/viper"
	"gopkg.in/yaml.v3"
)

// Viper keys of the settings: config.yaml's keys for those it may hold.
// They are fixed words: no server URL (with its dots) ever becomes a Viper
// key.
const (
	KeyServer      = "active_server"
	KeyAccount     = "account"
	KeyStorage     = "storage"
	KeyOutput      = "output"
	KeyHTTPTimeout = "http_timeout"
	KeyDebug       = "debug"

	keyStoreURL       = "store_url"
	keyStoreAPIKey    = "store_api_key"
	keyStoreAPIToken  = "store_api_token"
	keyStoreUsername  = "store_username"
	keyStorePassword  = "store_password"
	keyStoreVerifySSL = "store_verify_ssl"
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

// Flags are global flags' values for a program (or a test) that has no
// command line of its own; "" (false) means not given. See FlagSet.
type Flags struct {
	Server  string
	Account string
	Storage string
	Debug   bool
}

// FlagSet is a flag set holding f as typed flags, for Resolve.
func (f Flags) FlagSet() *pflag.FlagSet {
	fs := pflag.NewFlagSet("zenctl", pflag.ContinueOnError)
	fs.String("server", "", "")
	fs.String("account", "", "")
	fs.String("storage", "", "")
	fs.Bool("debug", false, "")
	for name, val := range map[string]string{"server": f.Server, "account": f.Account, "storage": f.Storage} {
		if val != "" {
			_ = fs.Set(name, val)
		}
	}
	if f.Debug {
		_ = fs.Set("debug", "true")
	}
	return fs
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
	// Store is the ZENML_STORE_* environment, read here once for every
	// command.
	Store Env
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

// settingSpec binds one setting to its flag, environment variable and
// config file key: the one place that says where each setting comes from.
// The Viper key is the config file's key, so the file needs no mapping.
type settingSpec struct {
	key, env, flag string
	// verbatim values are secrets, taken as they are: a password may be
	// blanks.
	verbatim bool
}

var settingSpecs = []settingSpec{
	{key: KeyServer, env: "ZENML_STORE_URL", flag: "server"},
	{key: KeyAccount, env: "ZENCTL_ACCOUNT", flag: "account"},
	{key: KeyStorage, env: "ZENCTL_STORAGE", flag: "storage"},
	{key: KeyOutput, env: "ZENCTL_OUTPUT"}, // --output is per command
	{key: KeyHTTPTimeout, env: "ZENCTL_HTTP_TIMEOUT"},
	{key: KeyDebug, env: "ZENCTL_DEBUG", flag: "debug"},
	{key: keyStoreURL, env: "ZENML_STORE_URL"},
	{key: keyStoreAPIKey, env: "ZENML_STORE_API_KEY"},
	{key: keyStoreAPIToken, env: "ZENML_STORE_API_TOKEN"},
	{key: keyStoreUsername, env: "ZENML_STORE_USERNAME"},
	{key: keyStorePassword, env: "ZENML_STORE_PASSWORD", verbatim: true},
	{key: keyStoreVerifySSL, env: "ZENML_STORE_VERIFY_SSL"},
}

// SettingVariables names the environment variables Resolve reads (from
// the process environment, as Viper does).
func SettingVariables() []string {
	names := make([]string, 0, len(settingSpecs))
	for _, s := range settingSpecs {
		if !slices.Contains(names, s.env) {
			names = append(names, s.env)
		}
	}
	return names
}

// fileSettings are the settings config.yaml may hold, with its keys.
type fileSettings struct {
	ActiveServer string `yaml:"active_server,omitempty"`
	Storage      string `yaml:"storage,omitempty"`
	Output       string `yaml:"output,omitempty"`
	HTTPTimeout  int    `yaml:"http_timeout,omitempty"`
}

// NewViper binds every setting in one place; Viper's own precedence
// (flag > environment > config file > default) is the only one. Flags are
// bound with BindPFlag (nil: none), the environment with BindEnv (the
// process's: Viper has no other), and the file's settings are read with
// ReadConfig. Viper never opens config.yaml itself: Load reads it once,
// with its ownership and mode checks, and here only the settings keys of
// what it read are handed over, so no server URL, server record or
// unknown key ever becomes a Viper key (Viper lowercases keys and splits
// them on dots).
func NewViper(c *Config, flags *pflag.FlagSet) (*viper.Viper, error) {
	if c == nil {
		c = &Config{}
	}
	v := viper.New()
	for _, s := range settingSpecs {
		if s.envSet() {
			if err := v.BindEnv(s.key, s.env); err != nil {
				return nil, err
			}
		}
		if fl := lookupFlag(flags, s.flag); fl != nil {
			if err := v.BindPFlag(s.key, fl); err != nil {
				return nil, err
			}
		}
	}
	file, err := yaml.Marshal(fileSettings{ActiveServer: c.ActiveServer, Storage: c.Storage, Output: c.Output, HTTPTimeout: c.HTTPTimeout})
	if err != nil {
		return nil, err
	}
	v.SetConfigType("yaml")
	if err := v.ReadConfig(bytes.NewReader(file)); err != nil {
		return nil, err
	}
	// No default for storage: StorageSource must know whether anyone
	// actually chose the mode.
	v.SetDefault(KeyOutput, DefaultOutput)
	v.SetDefault(KeyHTTPTimeout, int(DefaultHTTPTimeout/time.Second))
	return v, nil
}

func lookupFlag(fs *pflag.FlagSet, name string) *pflag.Flag {
	if fs == nil || name == "" {
		return nil
	}
	return fs.Lookup(name)
}

// envSet reports whether the setting's variable counts as set: not empty, not only
// blanks (a stray "ZENCTL_HTTP_TIMEOUT= " in an env file). Only such
// variables are bound, so a blank one leaves the config file's value.
func (s settingSpec) envSet() bool {
	val := os.Getenv(s.env)
	if s.verbatim {
		return val != ""
	}
	return strings.TrimSpace(val) != ""
}

// setting reads one value from v and names the layer it came from, asking
// each layer in Viper's order whether it holds the key: a flag the person
// typed (Viper itself reads a bound flag only when Changed), a bound
// variable (see envSet), the config file, else the default.
func setting(v *viper.Viper, flags *pflag.FlagSet, s settingSpec) Setting {
	r := Setting{Value: strings.TrimSpace(v.GetString(s.key)), Source: SourceDefault}
	if fl := lookupFlag(flags, s.flag); fl != nil && fl.Changed {
		r.Source = SourceFlag
	} else if s.envSet() {
		r.Source, r.Env = SourceEnv, s.env
	} else if v.InConfig(s.key) {
		r.Source = SourceConfig
	}
	return r
}

// Resolve reads and validates the settings: flags from flags (nil: none),
// the environment of the process, the settings in c. Errors name the
// setting and the place its value came from.
func Resolve(c *Config, flags *pflag.FlagSet) (Settings, error) {
	v, err := NewViper(c, flags)
	if err != nil {
		return Settings{}, err
	}
	resolved := map[string]Setting{}
	for _, spec := range settingSpecs {
		resolved[spec.key] = setting(v, flags, spec)
	}
	source := func(key string) Setting { return resolved[key] }

	s := Settings{Server: source(KeyServer), Account: source(KeyAccount), Debug: v.GetBool(KeyDebug), Store: storeEnv(v)}
	storage := source(KeyStorage)
	switch mode := strings.ToLower(storage.Value); mode {
	case "":
		s.Storage, s.StorageSource = DefaultStorage, SourceDefault
	case "keyring", "file":
		s.Storage, s.StorageSource = mode, storage.Source
	default:
		return Settings{}, fmt.Errorf("invalid storage %q (from %s): use keyring or file", storage.Value, storage.Describe("storage"))
	}

	// Checked where it is used: `token` ignores it on purpose, and a bad
	// ZENCTL_OUTPUT must not break it.
	s.Output = strings.ToLower(source(KeyOutput).Value)

	timeout := source(KeyHTTPTimeout)
	secs, err := parseSeconds(timeout.Value)
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
