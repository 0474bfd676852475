package config

import (
	"strings"

	"github.com/spf13/viper"

	"github.com/zenctl/zenctl/pkg/zenml"
)

// Env is the ZENML_STORE_* environment, which lets zenctl run against a
// server with no stored state at all (CI, containers), like the zenml CLI.
type Env struct {
	StoreURL      string // ZENML_STORE_URL
	StoreAPIKey   string // ZENML_STORE_API_KEY
	StoreAPIToken string // ZENML_STORE_API_TOKEN (a bare token, not refreshable)
	StoreUsername string // ZENML_STORE_USERNAME
	// StorePassword is ZENML_STORE_PASSWORD. A getenv cannot tell empty from
	// unset, so with StoreUsername set an empty password is a valid one.
	StorePassword string
	// VerifySSL is from ZENML_STORE_VERIFY_SSL: true/false, or a CA bundle
	// path (which means verify, against CAPath). nil when unset.
	VerifySSL *bool
	CAPath    string
}

// storeEnv is the ZENML_STORE_* environment as v read it (see Resolve).
func storeEnv(v *viper.Viper) Env {
	e := Env{
		// Read apart from the server setting: --server wins over it there,
		// yet it still says that the environment names a server.
		StoreURL:      strings.TrimSpace(v.GetString(keyStoreURL)),
		StoreAPIKey:   zenml.CleanAPIKey(v.GetString(keyStoreAPIKey)),
		StoreAPIToken: strings.TrimSpace(v.GetString(keyStoreAPIToken)),
		StoreUsername: v.GetString(keyStoreUsername),
		StorePassword: v.GetString(keyStorePassword),
	}
	e.VerifySSL, e.CAPath = parseVerifySSL(v.GetString(keyStoreVerifySSL))
	return e
}

// parseVerifySSL reads ZENML_STORE_VERIFY_SSL: true/false, or a CA bundle
// path (which means verify), as zenml reads it; nil when unset.
func parseVerifySSL(raw string) (verify *bool, caPath string) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, ""
	}
	on := true
	switch strings.ToLower(raw) {
	case "true", "1", "yes", "on":
	case "false", "0", "no", "off":
		on = false
	default:
		caPath = raw // same rule as zenml: a non-boolean value is a CA path
	}
	return &on, caPath
}

// Any reports whether any ZENML_STORE_* variable is set. Callers that run
// from the environment still need StoreURL; VerifySSL/CAPath alone only
// adjust TLS for the stored server.
func (e Env) Any() bool {
	return e.StoreURL != "" || e.StoreAPIKey != "" || e.StoreAPIToken != "" ||
		e.StoreUsername != "" || e.StorePassword != "" || e.VerifySSL != nil
}

// Variable documents one environment variable for `zenctl help environment`.
type Variable struct {
	Name        string
	Description string
}

// Variables lists every environment variable zenctl's config and
// credentials layers read, in the order the help topic shows them.
var Variables = []Variable{
	{"ZENCTL_CONFIG_DIR", "Directory for config.yaml, credentials.json and locks (default: $XDG_CONFIG_HOME/zenctl or the OS config dir); each directory is a profile whose keyring entries no other directory sees."},
	{"ZENCTL_ACCOUNT", "Account to act as on the server, instead of its active account (see 'zenctl server list'); overridden by --account. logout ignores it: only --account narrows a logout."},
	{"ZENCTL_STORAGE", "Where secrets are stored: keyring (default) or file; overrides the config, overridden by --storage."},
	{"ZENCTL_OUTPUT", "Default output format: table, json or yaml; overridden by --output."},
	{"ZENCTL_HTTP_TIMEOUT", "HTTP timeout in seconds for requests to the server (default 30)."},
	{"ZENCTL_DEBUG", "Set to 1 or true to print debugging diagnostics to stderr."},
	{"ZENML_STORE_URL", "Server URL to use instead of the active server; with a credential below, or for a server without authentication (NO_AUTH), no login is needed."},
	{"ZENML_STORE_API_KEY", "API key used to obtain access tokens for ZENML_STORE_URL."},
	{"ZENML_STORE_API_TOKEN", "Access token used as is for ZENML_STORE_URL (not refreshed)."},
	{"ZENML_STORE_USERNAME", "Username to log in to ZENML_STORE_URL with ZENML_STORE_PASSWORD."},
	{"ZENML_STORE_PASSWORD", "Password for ZENML_STORE_USERNAME."},
	{"ZENML_STORE_VERIFY_SSL", "true or false to turn TLS verification on or off, or the path of a CA bundle to verify against (refused if another user could have written it); for ZENML_STORE_URL when it is set, else for the server of each command; never recorded by login."},
	{"BROWSER", "The browser to open for the device flow (default: the system's); none is opened without a terminal or a display."},
	{"ZENML_CONFIG_PATH", "The zenml CLI's config directory, read by 'zenctl import zenml' (default: zenml's own)."},
}
