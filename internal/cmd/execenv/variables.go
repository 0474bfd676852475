// Package execenv implements `zenctl exec` and `zenctl env`, which hand
// other programs — above all the zenml Python client — a short-lived token
// for the selected server through the ZENML_STORE_* variables they read,
// so that no API key or password leaves zenctl.
package execenv

import (
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/zenctl/zenctl/internal/cmd/factory"
	"github.com/zenctl/zenctl/internal/config"
)

const (
	varStoreURL   = "ZENML_STORE_URL"
	varStoreToken = "ZENML_STORE_API_TOKEN"
	varVerifySSL  = "ZENML_STORE_VERIFY_SSL"
	// varNoDiskCache stops the zenml client (0.70 and later) from copying
	// the token it was given into its credentials.yaml; 0.58 ignores it
	// (see sweep.go).
	varNoDiskCache = "DISABLE_CREDENTIALS_DISK_CACHING"
	storePrefix    = "ZENML_STORE_"
)

// Variables documents what exec and env set, for `zenctl help environment`.
var Variables = []config.Variable{
	{Name: varStoreURL, Description: "The selected server's URL."},
	{Name: varStoreToken, Description: "A token minted for the command, valid for --expires-in (default 1h); not set for a server without authentication."},
	{Name: varVerifySSL, Description: "false when TLS verification is off for the server, or the path of its CA bundle; not set otherwise."},
	{Name: varNoDiskCache, Description: "true, so that the zenml client (0.70 and later) keeps the token in memory rather than in its credentials.yaml; exec removes what older clients write."},
}

// VariablesNote follows Variables in the help topic.
const VariablesNote = "Every other ZENML_STORE_* variable, ZENML_STORE_API_KEY and ZENML_STORE_PASSWORD among them, is removed: the API key or password never reaches the command."

// envVar is one variable to set.
type envVar struct{ Name, Value string }

// storeEnv is what exec and env hand on.
type storeEnv struct {
	// Set is in the order env prints it.
	Set []envVar
	// ExpiresAt is the token's expiry; zero when there is no token or it
	// never expires.
	ExpiresAt time.Time
}

// newStoreEnv builds the variables for target, with its TLS settings as
// zenctl uses them. token is empty for a server that needs none.
func newStoreEnv(target *factory.Target, token string) storeEnv {
	tls := target.TLS
	env := storeEnv{Set: []envVar{{varStoreURL, target.URL}}}
	if token != "" {
		env.Set = append(env.Set, envVar{varStoreToken, token})
	}
	switch {
	case tls.InsecureSkipVerify:
		env.Set = append(env.Set, envVar{varVerifySSL, "false"})
	case tls.CACert != "":
		// The command may change directory before it reads the path.
		path, err := filepath.Abs(tls.CACert)
		if err != nil {
			path = tls.CACert
		}
		env.Set = append(env.Set, envVar{varVerifySSL, path})
	}
	env.Set = append(env.Set, envVar{varNoDiskCache, "true"})
	return env
}

// token is the minted token handed on, or "" when there is none.
func (env storeEnv) token() string {
	for _, v := range env.Set {
		if v.Name == varStoreToken {
			return v.Value
		}
	}
	return ""
}

// isStoreVariable reports whether name is a ZENML_STORE_* variable. Case
// is ignored because Windows ignores it.
func isStoreVariable(name string) bool {
	return len(name) >= len(storePrefix) && strings.EqualFold(name[:len(storePrefix)], storePrefix)
}

// childEnviron is parent (KEY=VALUE entries) without any ZENML_STORE_*
// variable or one that env sets, followed by env's variables.
func (env storeEnv) childEnviron(parent []string) []string {
	out := make([]string, 0, len(parent)+len(env.Set))
	for _, kv := range parent {
		name, _, _ := strings.Cut(kv, "=")
		if isStoreVariable(name) || env.sets(name) {
			continue
		}
		out = append(out, kv)
	}
	for _, v := range env.Set {
		out = append(out, v.Name+"="+v.Value)
	}
	return out
}

// stale lists the ZENML_STORE_* variables of parent that env does not set:
// a shell that evaluates env's output must drop them.
func (env storeEnv) stale(parent []string) []string {
	var names []string
	for _, kv := range parent {
		name, _, _ := strings.Cut(kv, "=")
		// A name a shell cannot take as a plain word (ZENML_STORE_A;rm …)
		// is no variable a shell set: never written into shell code.
		if isStoreVariable(name) && shellName.MatchString(name) && !env.sets(name) && !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

// shellName is a variable name every shell takes as it is.
var shellName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func (env storeEnv) sets(name string) bool {
	return slices.ContainsFunc(env.Set, func(v envVar) bool { return strings.EqualFold(v.Name, name) })
}
