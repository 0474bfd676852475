package config

import (
	"strings"
	"testing"
)

func envMap(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestReadEnv(t *testing.T) {
	t.Parallel()
	if e := ReadEnv(envMap(nil)); e.Any() {
		t.Fatalf("empty env: %+v", e)
	}
	e := ReadEnv(envMap(map[string]string{
		"ZENML_STORE_URL":      "https://zenml.example.com",
		"ZENML_STORE_API_KEY":  " ZENKEY_abc ",
		"ZENML_STORE_USERNAME": "alice",
	}))
	if !e.Any() || e.StoreURL != "https://zenml.example.com" || e.StoreAPIKey != "ZENKEY_abc" || e.StoreUsername != "alice" || e.VerifySSL != nil {
		t.Fatalf("%+v", e)
	}
	for _, k := range []string{"ZENML_STORE_API_TOKEN", "ZENML_STORE_PASSWORD", "ZENML_STORE_VERIFY_SSL"} {
		if !ReadEnv(envMap(map[string]string{k: "x"})).Any() {
			t.Fatalf("%s alone should count", k)
		}
	}
}

func TestReadEnvVerifySSL(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]struct {
		verify bool
		ca     string
	}{
		"true": {true, ""}, "1": {true, ""}, "False": {false, ""}, "0": {false, ""},
		"/etc/ssl/zen.pem": {true, "/etc/ssl/zen.pem"},
	} {
		e := ReadEnv(envMap(map[string]string{"ZENML_STORE_VERIFY_SSL": in}))
		if e.VerifySSL == nil || *e.VerifySSL != want.verify || e.CAPath != want.ca {
			t.Fatalf("%q: verify=%v ca=%q", in, e.VerifySSL, e.CAPath)
		}
	}
}

func TestVariablesDocumented(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, v := range Variables {
		if seen[v.Name] || v.Description == "" || strings.Contains(v.Description, "\n") {
			t.Fatalf("bad entry %+v", v)
		}
		seen[v.Name] = true
	}
	for _, name := range []string{"ZENCTL_CONFIG_DIR", "ZENCTL_STORAGE", "ZENCTL_OUTPUT", "ZENCTL_DEBUG", "ZENML_STORE_URL", "ZENML_STORE_API_KEY", "ZENML_STORE_VERIFY_SSL"} {
		if !seen[name] {
			t.Fatalf("%s not documented", name)
		}
	}
}
