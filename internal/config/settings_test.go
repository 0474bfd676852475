package config

import (
	"strings"
	"testing"
	"time"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestSettingsDefaults(t *testing.T) {
	t.Parallel()
	s, err := Resolve(&Config{}, envOf(nil), Flags{})
	must(t, err)
	if s.Storage != "keyring" || s.StorageSource != SourceDefault || s.Output != "table" || s.HTTPTimeout != 30*time.Second || s.Debug ||
		s.Server.Value != "" || s.Server.Source != SourceDefault || s.Account.Value != "" {
		t.Fatalf("got %+v", s)
	}
}

func TestSettingsPrecedence(t *testing.T) {
	t.Parallel()
	cfg := &Config{ActiveServer: "https://file", Storage: "keyring", Output: "yaml", HTTPTimeout: 5}

	s, err := Resolve(cfg, envOf(nil), Flags{})
	must(t, err)
	if s.Storage != "keyring" || s.StorageSource != SourceConfig || s.Output != "yaml" || s.HTTPTimeout != 5*time.Second ||
		s.Server != (Setting{Value: "https://file", Source: SourceConfig}) {
		t.Fatalf("file: %+v", s)
	}
	if s.StorageRequested() != "" {
		t.Error("the config file's storage is a default, not a request to move logins")
	}

	env := envOf(map[string]string{"ZENCTL_STORAGE": "file", "ZENCTL_OUTPUT": "json", "ZENCTL_HTTP_TIMEOUT": "1m",
		"ZENCTL_DEBUG": "1", "ZENML_STORE_URL": "https://env", "ZENCTL_ACCOUNT": "ci-bot"})
	s, err = Resolve(cfg, env, Flags{})
	must(t, err)
	if s.Storage != "file" || s.StorageRequested() != "file" || s.Output != "json" || s.HTTPTimeout != time.Minute || !s.Debug ||
		s.Server != (Setting{Value: "https://env", Source: SourceEnv, Env: "ZENML_STORE_URL"}) ||
		s.Account != (Setting{Value: "ci-bot", Source: SourceEnv, Env: "ZENCTL_ACCOUNT"}) {
		t.Fatalf("env over file: %+v", s)
	}

	s, err = Resolve(cfg, env, Flags{Server: "https://flag", Account: "alice", Storage: "keyring"})
	must(t, err)
	if s.Storage != "keyring" || s.StorageSource != SourceFlag || s.Output != "json" ||
		s.Server != (Setting{Value: "https://flag", Source: SourceFlag}) || s.Account != (Setting{Value: "alice", Source: SourceFlag}) {
		t.Fatalf("flag over env (an unset flag must not mask env): %+v", s)
	}
	if got := s.Server.Describe("server"); got != "--server" {
		t.Errorf("describe: %q", got)
	}
}

func TestSettingsInvalid(t *testing.T) {
	t.Parallel()
	for key, val := range map[string]string{
		"ZENCTL_STORAGE":      "plaintext",
		"ZENCTL_HTTP_TIMEOUT": "-3",
	} {
		_, err := Resolve(nil, envOf(map[string]string{key: val}), Flags{})
		if err == nil || !strings.Contains(err.Error(), key) || !strings.Contains(err.Error(), val) {
			t.Errorf("want error naming %s and %q, got %v", key, val, err)
		}
	}
	// An overflowing number of seconds is refused, not wrapped around.
	for _, val := range []string{"18446744074", "9223372037", "100000", "0", "1e9s"} {
		if _, err := Resolve(nil, envOf(map[string]string{"ZENCTL_HTTP_TIMEOUT": val}), Flags{}); err == nil {
			t.Errorf("ZENCTL_HTTP_TIMEOUT=%s accepted", val)
		}
	}
	if _, err := Resolve(&Config{HTTPTimeout: -1}, envOf(nil), Flags{}); err == nil || !strings.Contains(err.Error(), "config file") {
		t.Errorf("bad config timeout: %v", err)
	}
}

// Viper must only ever see the fixed setting keys: a URL with dots as a
// key would be split into nested maps and lowercased.
func TestViperNeverSeesServerURLs(t *testing.T) {
	t.Parallel()
	cfg := &Config{
		ActiveServer: "https://Zen.Example.com:8080/a.b",
		Output:       "json",
		Servers:      []Server{{URL: "https://Zen.Example.com:8080/a.b"}},
	}
	allowed := map[string]bool{KeyServer: true, KeyAccount: true, KeyStorage: true, KeyOutput: true, KeyHTTPTimeout: true, KeyDebug: true}
	v := NewViper(cfg, envOf(nil), Flags{})
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
