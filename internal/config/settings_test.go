package config

import (
	"strings"
	"testing"
	"time"
)

// setenv clears every variable the settings read, then sets env, for the
// rest of the test: the settings read the process environment, as Viper
// does, so these tests cannot run in parallel.
func setenv(t *testing.T, env map[string]string) {
	t.Helper()
	for _, s := range settingSpecs {
		t.Setenv(s.env, "")
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
}

func TestSettingsDefaults(t *testing.T) {
	setenv(t, nil)
	s, err := Resolve(&Config{}, nil)
	must(t, err)
	if s.Storage != "keyring" || s.StorageSource != SourceDefault || s.Output != "table" || s.HTTPTimeout != 30*time.Second || s.Debug ||
		s.Server.Value != "" || s.Server.Source != SourceDefault || s.Account.Value != "" || s.Store.Any() {
		t.Fatalf("got %+v", s)
	}
}

// Each setting's value and source, from each layer, with every stronger
// layer empty: the table is the precedence, read back from Viper.
func TestSettingsSources(t *testing.T) {
	file := &Config{ActiveServer: "https://file", Storage: "file", Output: "yaml", HTTPTimeout: 5}
	type want struct {
		server, account, storage, output Setting
		timeout                          time.Duration
		debug                            bool
	}
	def := want{server: Setting{Source: SourceDefault}, account: Setting{Source: SourceDefault},
		storage: Setting{Value: "keyring", Source: SourceDefault}, output: Setting{Value: "table"}, timeout: 30 * time.Second}
	cases := []struct {
		name  string
		file  *Config
		env   map[string]string
		flags Flags
		want  want
	}{
		{name: "default", file: &Config{}, want: def},
		{name: "config", file: file, want: want{
			server: Setting{Value: "https://file", Source: SourceConfig}, account: Setting{Source: SourceDefault},
			storage: Setting{Value: "file", Source: SourceConfig}, output: Setting{Value: "yaml"}, timeout: 5 * time.Second}},
		{name: "environment over config", file: file, env: map[string]string{
			"ZENML_STORE_URL": " https://env ", "ZENCTL_ACCOUNT": "ci-bot", "ZENCTL_STORAGE": "KEYRING",
			"ZENCTL_OUTPUT": "json", "ZENCTL_HTTP_TIMEOUT": "1m", "ZENCTL_DEBUG": "1"}, want: want{
			server:  Setting{Value: "https://env", Source: SourceEnv, Env: "ZENML_STORE_URL"},
			account: Setting{Value: "ci-bot", Source: SourceEnv, Env: "ZENCTL_ACCOUNT"},
			storage: Setting{Value: "keyring", Source: SourceEnv}, output: Setting{Value: "json"}, timeout: time.Minute, debug: true}},
		{name: "an empty or blank variable is unset", file: file, env: map[string]string{"ZENML_STORE_URL": "", "ZENCTL_STORAGE": " ", "ZENCTL_HTTP_TIMEOUT": "\t"}, want: want{
			server: Setting{Value: "https://file", Source: SourceConfig}, account: Setting{Source: SourceDefault},
			storage: Setting{Value: "file", Source: SourceConfig}, output: Setting{Value: "yaml"}, timeout: 5 * time.Second}},
		{name: "flags over environment", file: file,
			env:   map[string]string{"ZENML_STORE_URL": "https://env", "ZENCTL_ACCOUNT": "ci-bot", "ZENCTL_STORAGE": "file"},
			flags: Flags{Server: "https://flag", Account: "alice", Storage: "keyring", Debug: true}, want: want{
				server:  Setting{Value: "https://flag", Source: SourceFlag},
				account: Setting{Value: "alice", Source: SourceFlag},
				storage: Setting{Value: "keyring", Source: SourceFlag}, output: Setting{Value: "yaml"}, timeout: 5 * time.Second, debug: true}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			setenv(t, tc.env)
			s, err := Resolve(tc.file, tc.flags.FlagSet())
			must(t, err)
			got := want{server: s.Server, account: s.Account, storage: Setting{Value: s.Storage, Source: s.StorageSource},
				output: Setting{Value: s.Output}, timeout: s.HTTPTimeout, debug: s.Debug}
			if got != tc.want {
				t.Fatalf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// A flag the person did not type never masks the environment.
func TestSettingsUntypedFlag(t *testing.T) {
	setenv(t, map[string]string{"ZENML_STORE_URL": "https://env", "ZENCTL_STORAGE": "file"})
	s, err := Resolve(&Config{ActiveServer: "https://file"}, Flags{}.FlagSet())
	must(t, err)
	if s.Server.Source != SourceEnv || s.Server.Value != "https://env" || s.StorageSource != SourceEnv || s.StorageRequested() != "file" {
		t.Fatalf("%+v", s)
	}
	if got := s.Server.Describe("server"); got != "ZENML_STORE_URL" {
		t.Errorf("describe: %q", got)
	}
	setenv(t, nil)
	s, err = Resolve(&Config{ActiveServer: "https://file", Storage: "file"}, nil)
	must(t, err)
	if s.StorageRequested() != "" {
		t.Error("the config file's storage is a default, not a request to move logins")
	}
}

func TestSettingsInvalid(t *testing.T) {
	for key, val := range map[string]string{
		"ZENCTL_STORAGE":      "plaintext",
		"ZENCTL_HTTP_TIMEOUT": "-3",
	} {
		setenv(t, map[string]string{key: val})
		_, err := Resolve(nil, nil)
		if err == nil || !strings.Contains(err.Error(), key) || !strings.Contains(err.Error(), val) {
			t.Errorf("want error naming %s and %q, got %v", key, val, err)
		}
	}
	// An overflowing number of seconds is refused, not wrapped around.
	for _, val := range []string{"18446744074", "9223372037", "100000", "0", "1e9s"} {
		setenv(t, map[string]string{"ZENCTL_HTTP_TIMEOUT": val})
		if _, err := Resolve(nil, nil); err == nil {
			t.Errorf("ZENCTL_HTTP_TIMEOUT=%s accepted", val)
		}
	}
	setenv(t, nil)
	if _, err := Resolve(&Config{HTTPTimeout: -1}, nil); err == nil || !strings.Contains(err.Error(), "config file") {
		t.Errorf("bad config timeout: %v", err)
	}
}

// Viper must only ever see the fixed setting keys: a URL with dots as a
// key would be split into nested maps and lowercased.
func TestViperNeverSeesServerURLs(t *testing.T) {
	setenv(t, nil)
	cfg := &Config{
		ActiveServer: "https://Zen.Example.com:8080/a.b",
		Output:       "json",
		Servers:      []Server{{URL: "https://Zen.Example.com:8080/a.b"}},
	}
	allowed := map[string]bool{}
	for _, s := range settingSpecs {
		allowed[s.key] = true
	}
	cfg.Extra = map[string]any{"https://zen.example.com": "x"}
	v, err := NewViper(cfg, nil)
	must(t, err)
	for _, k := range v.AllKeys() {
		if !allowed[k] {
			t.Fatalf("unexpected Viper key %q", k)
		}
	}
	if got := v.GetString(KeyServer); got != cfg.ActiveServer {
		t.Fatalf("the active server as a value must stay byte for byte: %q", got)
	}
	dir := t.TempDir()
	must(t, Update(dir, func(c *Config) error { *c = *cfg; return nil }))
	c, err := Load(dir)
	must(t, err)
	if c.ActiveServer != cfg.ActiveServer || c.Server("https://Zen.Example.com:8080/a.b") == nil {
		t.Fatalf("URL changed: %+v", c)
	}
}
