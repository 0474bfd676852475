package config

import (
	"fmt"
	"testing"
)

// BenchmarkLoadAndResolve is what every command (including `zenctl token`)
// pays before doing work: read config.yaml and resolve settings.
func BenchmarkLoadAndResolve(b *testing.B) {
	dir := b.TempDir()
	_ = Update(dir, func(c *Config) error {
		c.Output = "json"
		for i := range 10 {
			c.UpsertServer(Server{URL: fmt.Sprintf("https://s%d.example.com", i), ServerName: "x", Accounts: []Account{{Name: "ci", AuthMethod: AuthAPIKey, SecretStore: "keyring"}}})
		}
		return nil
	})
	b.ResetTimer()
	for b.Loop() {
		c, err := Load(dir)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Resolve(c, nil); err != nil {
			b.Fatal(err)
		}
	}
}
