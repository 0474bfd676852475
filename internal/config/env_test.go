package config

import (
	"strings"
	"testing"
)

func TestStoreEnv(t *testing.T) {
	setenv(t, nil)
	if s, err := Resolve(nil, nil); err != nil || s.Store.Any() {
		t.Fatalf("empty env: %+v %v", s.Store, err)
	}
	setenv(t, map[string]string{
		"ZENML_STORE_URL":      "https://zenml.example.com",
		"ZENML_STORE_API_KEY":  " ZENKEY_abc ",
		"ZENML_STORE_USERNAME": "alice",
	})
	// --server wins the server setting; the environment still names one.
	s, err := Resolve(nil, Flags{Server: "https://flag"}.FlagSet())
	must(t, err)
	if e := s.Store; !e.Any() || e.StoreURL != "https://zenml.example.com" || e.StoreAPIKey != "ZENKEY_abc" || e.StoreUsername != "alice" || e.VerifySSL != nil {
		t.Fatalf("%+v", e)
	}
	// A password is a secret taken as it is, blanks included.
	setenv(t, map[string]string{"ZENML_STORE_USERNAME": "alice", "ZENML_STORE_PASSWORD": " p w "})
	if s, err := Resolve(nil, nil); err != nil || s.Store.StorePassword != " p w " {
		t.Fatalf("password %q, %v", s.Store.StorePassword, err)
	}
	for _, k := range []string{"ZENML_STORE_API_TOKEN", "ZENML_STORE_PASSWORD", "ZENML_STORE_VERIFY_SSL"} {
		setenv(t, map[string]string{k: "x"})
		if s, err := Resolve(nil, nil); err != nil || !s.Store.Any() {
			t.Fatalf("%s alone should count", k)
		}
	}
}

func TestReadEnvVerifySSL(t *testing.T) {
	for in, want := range map[string]struct {
		verify bool
		ca     string
	}{
		"true": {true, ""}, "1": {true, ""}, "False": {false, ""}, "0": {false, ""},
		"/etc/ssl/zen.pem": {true, "/etc/ssl/zen.pem"},
	} {
		setenv(t, map[string]string{"ZENML_STORE_VERIFY_SSL": in})
		s, err := Resolve(nil, nil)
		must(t, err)
		if e := s.Store; e.VerifySSL == nil || *e.VerifySSL != want.verify || e.CAPath != want.ca {
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
