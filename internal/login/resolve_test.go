package login

import (
	"testing"

	"github.com/zenctl/zenctl/internal/config"
)

// The Resolver answers from settings and a config in memory: no
// directory, no store, no server.
func TestResolverIsPure(t *testing.T) {
	const a, b = "https://a.example.com", "https://b.example.com"
	cfg := &config.Config{ActiveServer: a, Servers: []config.Server{
		{URL: a, ActiveAccount: "ann", Accounts: []config.Account{{Name: "ann", AuthMethod: config.AuthPassword}, {Name: "ci", AuthMethod: config.AuthAPIKey}}},
		{URL: b, Accounts: []config.Account{{Name: "bob", AuthMethod: config.AuthDevice}}},
	}}
	flag := func(v string) config.Setting { return config.Setting{Value: v, Source: config.SourceFlag} }
	for _, tt := range []struct {
		name              string
		settings          config.Settings
		wantURL, wantAcct string
		wantURLSrc        config.Source
		wantAcctSrc       config.Source
	}{
		{"active server, active account", config.Settings{}, a, "ann", config.SourceConfig, config.SourceConfig},
		{"--account", config.Settings{Account: flag("ci")}, a, "ci", config.SourceConfig, config.SourceFlag},
		{"--server, its only account", config.Settings{Server: flag(b + "/")}, b, "bob", config.SourceFlag, config.SourceDefault},
		{"ZENML_STORE_URL", config.Settings{Server: config.Setting{Value: b, Source: config.SourceEnv}, Store: config.Env{StoreURL: b + "/"}}, b, "bob", config.SourceEnv, config.SourceDefault},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := NewResolver(tt.settings)
			u, src, err := r.ServerURL(cfg)
			if err != nil || u != tt.wantURL || src.Source != tt.wantURLSrc {
				t.Fatalf("ServerURL = %q, %v, %v", u, src, err)
			}
			target, err := r.Target(cfg, u, src)
			if err != nil || target.AccountName() != tt.wantAcct || target.AccountSource != tt.wantAcctSrc || target.Store != nil {
				t.Fatalf("Target = %+v, %v", target, err)
			}
		})
	}
	env := NewResolver(config.Settings{Server: config.Setting{Value: "http://127.0.0.1:9", Source: config.SourceEnv},
		Store: config.Env{StoreURL: "http://127.0.0.1:9", StoreAPIKey: "k"}})
	if target, err := env.Target(nil, "http://127.0.0.1:9", config.Setting{}); err != nil || !target.FromEnv {
		t.Fatalf("environment mode: %+v, %v", target, err)
	}
	if _, _, err := NewResolver(config.Settings{}).ServerURL(nil); err == nil {
		t.Fatal("no config, no server: want an error")
	}
	if _, err := NewResolver(config.Settings{}).AccountTarget(cfg, a, config.Setting{}, "nobody"); err == nil {
		t.Fatal("unknown account: want an error")
	}
	bad := NewResolver(config.Settings{Server: config.Setting{Value: "::", Source: config.SourceEnv}, Store: config.Env{StoreURL: "::"}})
	if _, _, err := bad.ServerURL(cfg); err == nil {
		t.Fatal("ZENML_STORE_URL that is no URL: want an error")
	}
}
