package execenv

import (
	"context"
	"errors"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zenctl/zenctl/internal/cmd/factory"
	"github.com/zenctl/zenctl/internal/config"
	"github.com/zenctl/zenctl/internal/iostreams"
	"github.com/zenctl/zenctl/internal/login"
	"github.com/zenctl/zenctl/pkg/zenml"
)

// Values a shell must take literally: quotes, expansions, escapes, lines.
var awkwardValues = []string{
	"plain", "", "it's", `a\b\\c`, `$HOME $(id) ` + "`id`", `"double"`, "two\nlines", `\'`, "'", "ä ✓",
}

func TestQuoteShRoundTrips(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	for _, v := range awkwardValues {
		out, err := exec.Command(sh, "-c", "export V="+quoteSh(v)+`; printf %s "$V"`).Output()
		if err != nil || string(out) != v {
			t.Errorf("%q came back as %q (%v)", v, out, err)
		}
	}
}

func TestQuoteFishAndPowerShell(t *testing.T) {
	for in, want := range map[string]string{`it's`: `'it\'s'`, `a\b`: `'a\\b'`, `$x`: `'$x'`} {
		if got := quoteFish(in); got != want {
			t.Errorf("quoteFish(%q) = %s, want %s", in, got, want)
		}
	}
	for in, want := range map[string]string{`it's`: `'it''s'`, `a\b`: `'a\b'`, `$x`: `'$x'`, "it\u2019s": "'it\u2019\u2019s'"} {
		if got := quotePowerShell(in); got != want {
			t.Errorf("quotePowerShell(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestChildEnvironReplacesStoreVariables(t *testing.T) {
	env := newStoreEnv(&factory.Target{URL: "https://zen.example.com", TLS: login.TLS{InsecureSkipVerify: true}}, "tok-123")
	parent := []string{
		"PATH=/bin", "ZENML_STORE_API_KEY=ZENKEY_secret", "zenml_store_password=pw", "ZENML_STORE_URL=https://other.example.com",
		"DISABLE_CREDENTIALS_DISK_CACHING=false", "ZENML_CONFIG_PATH=/tmp/z", "HOME=/home/me",
	}
	got := env.childEnviron(parent)
	want := []string{
		"PATH=/bin", "ZENML_CONFIG_PATH=/tmp/z", "HOME=/home/me",
		"ZENML_STORE_URL=https://zen.example.com", "ZENML_STORE_API_TOKEN=tok-123", "ZENML_STORE_VERIFY_SSL=false", "DISABLE_CREDENTIALS_DISK_CACHING=true",
	}
	if !slices.Equal(got, want) {
		t.Errorf("child environment:\n got %q\nwant %q", got, want)
	}
	if stale := env.stale(parent); !slices.Equal(stale, []string{"ZENML_STORE_API_KEY", "zenml_store_password"}) {
		t.Errorf("stale = %q", stale)
	}
	// A name no shell takes as a word never reaches the shell code.
	hostile := append(parent, "ZENML_STORE_A;touch /tmp/pwned;#=1")
	if stale := env.stale(hostile); slices.ContainsFunc(stale, func(n string) bool { return strings.Contains(n, ";") }) {
		t.Errorf("stale = %q", stale)
	}
}

func TestStoreEnvTLS(t *testing.T) {
	verify := func(tls login.TLS) (string, bool) {
		for _, v := range newStoreEnv(&factory.Target{URL: "https://zen.example.com", TLS: tls}, "").Set {
			if v.Name == varVerifySSL {
				return v.Value, true
			}
		}
		return "", false
	}
	if v, ok := verify(login.TLS{}); ok {
		t.Errorf("default TLS sets %s=%q; zenml's default is to verify", varVerifySSL, v)
	}
	if v, _ := verify(login.TLS{CACert: "certs/ca.pem"}); !strings.HasPrefix(v, "/") || !strings.HasSuffix(v, "certs/ca.pem") {
		t.Errorf("a relative CA path is handed on as %q, not absolute", v)
	}
	if v, _ := verify(login.TLS{InsecureSkipVerify: true, CACert: "/ca.pem"}); v != "false" {
		t.Errorf("verification off: %q", v)
	}
}

// A server without authentication gets its URL alone: it mints no tokens
// (its /api_token answers 401) and needs none.
func TestNoTokenForAServerWithoutAuthentication(t *testing.T) {
	ios, _, _, errOut := iostreams.Test()
	src := source{
		IO: ios,
		Client: func(context.Context) (*zenml.Client, *factory.Target, error) {
			return nil, &factory.Target{URL: "http://127.0.0.1:8237", AuthMethod: config.AuthNone}, nil
		},
		ExpiresIn: time.Hour,
	}
	env, err := src.storeEnv(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if env.sets(varStoreToken) || !env.sets(varStoreURL) || errOut.Len() != 0 {
		t.Errorf("variables %v, stderr %q", env.Set, errOut)
	}
}

func TestLifetimeFlag(t *testing.T) {
	for in, want := range map[string]time.Duration{"1h": time.Hour, "30m": 30 * time.Minute, "1d": 24 * time.Hour, " 90s ": 90 * time.Second} {
		var l lifetime
		if err := l.Set(in); err != nil || time.Duration(l) != want {
			t.Errorf("Set(%q) = %v, %v; want %v", in, time.Duration(l), err, want)
		}
	}
	for _, in := range []string{"", "soon", "0", "-5m", "500ms", "600", "99999999999999999999"} {
		var l lifetime
		if err := l.Set(in); err == nil {
			t.Errorf("Set(%q) accepted: %v", in, time.Duration(l))
		}
	}
	for d, want := range map[time.Duration]string{time.Hour: "1h", 90 * time.Minute: "1h30m", 30 * time.Minute: "30m", 45 * time.Second: "45s"} {
		if got := lifetime(d).String(); got != want {
			t.Errorf("%v prints as %q, want %q", d, got, want)
		}
	}
}

func TestEnvRefusesATerminal(t *testing.T) {
	errRan := errors.New("ran")
	run := func(tty bool, args ...string) error {
		ios, _, _, _ := iostreams.Test()
		ios.SetStdoutTTY(tty)
		cmd := NewCmdEnv(&factory.Factory{IOStreams: ios}, func(*EnvOptions) error { return errRan })
		cmd.SetArgs(args)
		cmd.SilenceErrors, cmd.SilenceUsage = true, true
		return cmd.Execute()
	}
	if err := run(true); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Errorf("to a terminal: %v", err)
	}
	if err := run(true, "-o", "json"); err == nil || err == errRan {
		t.Errorf("json to a terminal: %v", err)
	}
	if err := run(true, "--force"); err != errRan {
		t.Errorf("--force: %v", err)
	}
	if err := run(false); err != errRan {
		t.Errorf("to a pipe: %v", err)
	}
	if err := run(false, "--shell", "fish", "-o", "yaml"); err == nil || err == errRan {
		t.Errorf("--shell with -o yaml: %v", err)
	}
}

func TestExecNeedsDashDash(t *testing.T) {
	var got []string
	for _, tc := range []struct {
		args []string
		ok   bool
	}{
		{[]string{"--", "python", "-c", "print(1)"}, true},
		{[]string{"--expires-in", "5m", "--", "zenml", "--help"}, true},
		{[]string{"python"}, false},
		{[]string{"--"}, false},
		{nil, false},
	} {
		ios, _, _, _ := iostreams.Test()
		cmd := NewCmdExec(&factory.Factory{IOStreams: ios}, func(o *ExecOptions) error { got = o.Command; return nil })
		cmd.SetArgs(tc.args)
		cmd.SilenceErrors, cmd.SilenceUsage = true, true
		got = nil
		err := cmd.Execute()
		if tc.ok != (err == nil) || tc.ok && !slices.Equal(got, tc.args[slices.Index(tc.args, "--")+1:]) {
			t.Errorf("exec %q: command %q, error %v", tc.args, got, err)
		}
	}
}
