package config

import (
	"strings"
	"testing"
	"time"
)

// These tests use t.Setenv (Viper reads the real environment), so they
// are not parallel.

func TestSettingsDefaults(t *testing.T) {
	clearEnv(t)
	s, err := ResolveSettings(NewViper(&Config{}, nil))
	must(t, err)
	want := Settings{Storage: "keyring", Output: "table", HTTPTimeout: 30 * time.Second}
	if s != want {
		t.Fatalf("got %+v want %+v", s, want)
	}
}

func TestSettingsPrecedence(t *testing.T) {
	clearEnv(t)
	cfg := &Config{Storage: "keyring", Output: "yaml", HTTPTimeout: 5}

	s, err := ResolveSettings(NewViper(cfg, nil))
	must(t, err)
	if s.Storage != "keyring" || !s.StorageExplicit || s.Output != "yaml" || s.HTTPTimeout != 5*time.Second {
		t.Fatalf("file: %+v", s)
	}

	t.Setenv("ZENCTL_STORAGE", "file")
	t.Setenv("ZENCTL_OUTPUT", "json")
	t.Setenv("ZENCTL_HTTP_TIMEOUT", "1m")
	t.Setenv("ZENCTL_DEBUG", "1")
	s, err = ResolveSettings(NewViper(cfg, nil))
	must(t, err)
	if s.Storage != "file" || s.Output != "json" || s.HTTPTimeout != time.Minute || !s.Debug {
		t.Fatalf("env over file: %+v", s)
	}

	// The command layer sets the flags that were given on top.
	v := NewViper(cfg, nil)
	v.Set(KeyStorage, "keyring")
	s, err = ResolveSettings(v)
	must(t, err)
	if s.Storage != "keyring" || !s.StorageExplicit || s.Output != "json" {
		t.Fatalf("flag over env (unset flag must not mask env): %+v", s)
	}

	// The environment comes from the getenv given, not the process's.
	s, err = ResolveSettings(NewViper(cfg, func(k string) string {
		return map[string]string{"ZENCTL_STORAGE": "keyring", "ZENCTL_OUTPUT": "table"}[k]
	}))
	must(t, err)
	if s.Storage != "keyring" || s.Output != "table" || s.HTTPTimeout != 5*time.Second || s.Debug {
		t.Fatalf("getenv over file, process env ignored: %+v", s)
	}
}

func TestSettingsStorageExplicitOnlyWhenChosen(t *testing.T) {
	clearEnv(t)
	s, err := ResolveSettings(NewViper(nil, nil))
	must(t, err)
	if s.StorageExplicit {
		t.Fatal("default storage reported as explicit")
	}
	t.Setenv("ZENCTL_STORAGE", "keyring")
	if s, _ = ResolveSettings(NewViper(nil, nil)); !s.StorageExplicit {
		t.Fatal("ZENCTL_STORAGE not explicit")
	}
}

func TestSettingsInvalid(t *testing.T) {
	for key, val := range map[string]string{
		"ZENCTL_STORAGE":      "plaintext",
		"ZENCTL_HTTP_TIMEOUT": "-3",
	} {
		t.Run(key, func(t *testing.T) {
			clearEnv(t)
			t.Setenv(key, val)
			_, err := ResolveSettings(NewViper(nil, nil))
			if err == nil || !strings.Contains(err.Error(), key) || !strings.Contains(err.Error(), val) {
				t.Fatalf("want error naming %s and %q, got %v", key, val, err)
			}
		})
	}
}

// Viper must only ever see the fixed setting keys: a URL with dots as a
// key would be split into nested maps and lowercased.
func TestViperNeverSeesServerURLs(t *testing.T) {
	clearEnv(t)
	cfg := &Config{
		ActiveServer: "https://Zen.Example.com:8080/a.b",
		Output:       "json",
		Servers:      []Server{{URL: "https://Zen.Example.com:8080/a.b"}},
	}
	allowed := map[string]bool{KeyStorage: true, KeyOutput: true, KeyHTTPTimeout: true, KeyDebug: true}
	for _, k := range NewViper(cfg, nil).AllKeys() {
		if !allowed[k] {
			t.Fatalf("unexpected Viper key %q", k)
		}
	}
	// And the config file keeps the URL byte for byte.
	dir := t.TempDir()
	must(t, Update(dir, func(c *Config) error { *c = *cfg; return nil }))
	c, err := Load(dir)
	must(t, err)
	if c.ActiveServer != cfg.ActiveServer || c.Server("https://Zen.Example.com:8080/a.b") == nil {
		t.Fatalf("URL changed: %+v", c)
	}
}

func clearEnv(t *testing.T) {
	for _, v := range Variables {
		t.Setenv(v.Name, "")
	}
}
