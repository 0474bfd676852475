package main

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zenctl/zenctl/pkg/zenml"
	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

// execChildArg makes the test binary the command of `zenctl exec`: it
// reports the environment it got and who the server says its token is, as
// the zenml Python client would find out.
const execChildArg = "zenctl-e2e-exec-child"

type childReport struct {
	Env   map[string]string
	User  string
	Error string
}

func execChild() int {
	rep := childReport{Env: map[string]string{}}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		rep.Env[k] = v
	}
	client, err := zenml.NewClient(os.Getenv("ZENML_STORE_URL"), zenml.Options{Tokens: zenml.StaticToken(os.Getenv("ZENML_STORE_API_TOKEN"))})
	if err == nil {
		var user *zenml.User
		if user, err = client.CurrentUser(context.Background()); err == nil {
			rep.User = user.Name
		}
	}
	if err != nil {
		rep.Error = err.Error()
	}
	if err := json.NewEncoder(os.Stdout).Encode(rep); err != nil {
		return 99
	}
	if len(os.Args) > 2 {
		code, _ := strconv.Atoi(os.Args[2])
		return code
	}
	return 0
}

func childCommand(t *testing.T, extra ...string) []string {
	t.Helper()
	return append([]string{zenctlBinary, execChildArg}, extra...)
}

func parseChild(t *testing.T, r result) childReport {
	t.Helper()
	var rep childReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("the child's report: %v\nstdout: %s\nstderr: %s", err, r.stdout, r.stderr)
	}
	return rep
}

// checkChildEnv: the child got the server and a token that works there,
// and none of the secrets nor any ZENML_STORE_* variable zenctl does not
// set itself.
func checkChildEnv(t *testing.T, rep childReport, serverURL, wantUser string, secrets ...string) {
	t.Helper()
	if rep.User != wantUser || rep.Error != "" {
		t.Errorf("current-user with the child's token: %q, error %q; want %s", rep.User, rep.Error, wantUser)
	}
	if got := rep.Env["ZENML_STORE_URL"]; got != serverURL {
		t.Errorf("ZENML_STORE_URL = %q, want %q", got, serverURL)
	}
	if rep.Env["DISABLE_CREDENTIALS_DISK_CACHING"] != "true" {
		t.Errorf("DISABLE_CREDENTIALS_DISK_CACHING = %q", rep.Env["DISABLE_CREDENTIALS_DISK_CACHING"])
	}
	for k, v := range rep.Env {
		if strings.HasPrefix(k, "ZENML_STORE_") && k != "ZENML_STORE_URL" && k != "ZENML_STORE_API_TOKEN" {
			t.Errorf("the child got %s=%q", k, v)
		}
		for _, s := range secrets {
			if s != "" && strings.Contains(v, s) {
				t.Errorf("the child's %s holds a secret of the login", k)
			}
		}
	}
}

// tokenLifetime is how long after the server's now a token expires.
func tokenLifetime(t *testing.T, fake *zenmltest.Server, token string) time.Duration {
	t.Helper()
	claims, err := zenml.DecodeJWTClaims(token)
	if err != nil || claims.ExpiresAt == nil {
		t.Fatalf("token without expiry: %v", err)
	}
	return time.Unix(*claims.ExpiresAt, 0).Sub(fake.Now()).Round(time.Minute)
}

func TestExecHandsTheCommandAFreshTokenAndNoSecret(t *testing.T) {
	t.Parallel()
	forEachProfile(t, zenmltest.Options{}, func(t *testing.T, fake *zenmltest.Server) {
		key := fake.CreateAPIKey(fake.CreateServiceAccount("ci-bot"), "default")
		c := newCLI(t)
		c.mustRun(key+"\n", "login", fake.URL(), "--api-key")
		c.env["ZENML_STORE_PASSWORD"] = "parent-password-1234"
		c.env["ZENML_STORE_HTTP_TIMEOUT"] = "5"
		session, err := c.fileSecret(fake.URL())
		if err != nil {
			t.Fatal(err)
		}

		r := c.mustRun("", append([]string{"exec", "--"}, childCommand(t)...)...)
		if r.stderr != "" {
			t.Errorf("stderr: %q", r.stderr)
		}
		rep := parseChild(t, r)
		checkChildEnv(t, rep, fake.URL(), "ci-bot", key, session.AccessToken, "parent-password-1234")
		if got := tokenLifetime(t, fake, rep.Env["ZENML_STORE_API_TOKEN"]); got != time.Hour {
			t.Errorf("token lives %v, want 1h by default", got)
		}
		for arg, want := range map[string]time.Duration{"30m": 30 * time.Minute, "1h10m": 70 * time.Minute} {
			rep := parseChild(t, c.mustRun("", append([]string{"exec", "--expires-in", arg, "--"}, childCommand(t)...)...))
			if got := tokenLifetime(t, fake, rep.Env["ZENML_STORE_API_TOKEN"]); got != want {
				t.Errorf("--expires-in %s: token lives %v, want %v", arg, got, want)
			}
		}

		// From the environment, the key in ZENML_STORE_API_KEY stays with
		// zenctl too.
		env := newCLI(t)
		env.env["ZENML_STORE_URL"] = fake.URL()
		env.env["ZENML_STORE_API_KEY"] = key
		rep = parseChild(t, env.mustRun("", append([]string{"exec", "--"}, childCommand(t)...)...))
		checkChildEnv(t, rep, fake.URL(), "ci-bot", key)
	})
}

// A 0.58 server hands a password session its own token back: the child
// gets it, and zenctl says so once on stderr. The password stays behind.
func TestExecWithAPasswordLogin(t *testing.T) {
	t.Parallel()
	forEachProfile(t, zenmltest.Options{}, func(t *testing.T, fake *zenmltest.Server) {
		const password = "pw-Exec-9Lk-aa"
		fake.CreateUser("alice", password)
		c := newCLI(t)
		c.mustRun(password+"\n", "login", fake.URL(), "--username", "alice", "--password-stdin")
		r := c.mustRun("", append([]string{"exec", "--"}, childCommand(t)...)...)
		checkChildEnv(t, parseChild(t, r), fake.URL(), "alice", password)
		warned := strings.Contains(r.stderr, "the session's own token")
		if want := fake.Profile() == zenmltest.Profile058; warned != want || strings.Count(r.stderr, "\n") > 1 {
			t.Errorf("stderr (a warning wanted: %v): %q", want, r.stderr)
		}
	})
}

func TestExecPassesStreamsAndStatus(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	c := adminCLI(t, fake)

	r := c.run("hello\n", "exec", "--", "sh", "-c", `read line; echo "got $line"; echo err >&2; exit 7`)
	if r.code != 7 || r.stdout != "got hello\n" || r.stderr != "err\n" {
		t.Errorf("exit %d, stdout %q, stderr %q; want 7, the child's streams", r.code, r.stdout, r.stderr)
	}
	// Killed by a signal: 128+N, as a shell reports it.
	expectCode(t, c.run("", "exec", "--", "sh", "-c", "kill -TERM $$"), 128+15)
	// Flags after -- are the command's.
	if r := c.mustRun("", "exec", "--", "sh", "-c", `echo "$1"`, "sh", "--expires-in"); r.stdout != "--expires-in\n" {
		t.Errorf("stdout %q", r.stdout)
	}

	minted := fake.Count("GET /api/v1/api_token")
	r = c.run("", "exec", "--", "zenctl-no-such-command")
	expectCode(t, r, 127)
	oneLineError(t, r, "zenctl-no-such-command", "not found")
	for _, args := range [][]string{{"exec", "sh", "-c", "echo started"}, {"exec", "--"}, {"exec"}} {
		r := c.run("", args...)
		expectCode(t, r, 1)
		oneLineError(t, r, "--")
	}
	if n := fake.Count("GET /api/v1/api_token"); n != minted {
		t.Errorf("%d tokens minted for commands that never ran", n-minted)
	}
}

func TestExecFailsBeforeStarting(t *testing.T) {
	t.Parallel()
	fails := func(c *cli, code int, args []string, contains ...string) {
		t.Helper()
		r := c.run("", append(append([]string{"exec"}, args...), "--", "sh", "-c", "echo started")...)
		expectCode(t, r, code)
		oneLineError(t, r, contains...)
		if r.stdout != "" {
			t.Errorf("the command ran: %q", r.stdout)
		}
	}
	c := newCLI(t)
	fails(c, 4, nil, "zenctl login")

	fake := zenmltest.NewTest(t, zenmltest.Options{MaxGenericTokenLifetime: 2 * time.Hour})
	c.mustRun("\n", "login", fake.URL(), "--username", "default", "--password-stdin")
	fails(c, 1, []string{"--expires-in", "3h"}, "7200 seconds")
	fails(c, 1, []string{"--expires-in", "soon"}, "--expires-in", "30m")
	fails(c, 1, []string{"--expires-in", "0"}, "--expires-in")
	fails(c, 1, []string{"--expires-in", "600"}, "600 has no unit: write 600s, 600m, 600h or 600d")
	// A refusal that is not about the credentials: exit 1, not 4.
	fake.InjectFault("GET /api/v1/api_token", zenmltest.Fault{Status: 403})
	fails(c, 1, nil, "minting a token")
}

// shell runs a POSIX shell script with $ZENCTL set to this zenctl.
func (c *cli) shell(script string) result {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := c.command(ctx, "")
	sh, err := exec.LookPath("sh")
	if err != nil {
		c.t.Skip("no sh")
	}
	cmd.Path, cmd.Args = sh, []string{"sh", "-c", script}
	cmd.Env = append(cmd.Env, "ZENCTL="+zenctlBinary)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	code := 0
	if exitErr, ok := err.(*exec.ExitError); ok {
		code = exitErr.ExitCode()
	} else if err != nil {
		c.t.Fatal(err)
	}
	return result{stdout: out.String(), stderr: errOut.String(), code: code}
}

func TestEnvForEval(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	key := fake.CreateAPIKey(fake.CreateServiceAccount("ci-bot"), "default")
	c := newCLI(t)
	c.mustRun(key+"\n", "login", fake.URL(), "--api-key")
	c.env["ZENML_STORE_PASSWORD"] = "parent-password-1234"

	r := c.shell(`eval "$("$ZENCTL" env)" && exec "$ZENCTL" ` + execChildArg)
	if r.code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	checkChildEnv(t, parseChild(t, r), fake.URL(), "ci-bot", key, "parent-password-1234")

	for shell, want := range map[string][]string{
		"sh":         {"unset ZENML_STORE_PASSWORD", "export ZENML_STORE_URL='" + fake.URL() + "'", "export ZENML_STORE_API_TOKEN='", "export DISABLE_CREDENTIALS_DISK_CACHING='true'"},
		"fish":       {"set -e ZENML_STORE_PASSWORD", "set -gx ZENML_STORE_URL '" + fake.URL() + "'", "set -gx ZENML_STORE_API_TOKEN '"},
		"powershell": {"Remove-Item Env:ZENML_STORE_PASSWORD", "$Env:ZENML_STORE_URL = '" + fake.URL() + "'", "$Env:ZENML_STORE_API_TOKEN = '"},
	} {
		r := c.mustRun("", "env", "--shell", shell)
		for _, line := range want {
			if !strings.Contains(r.stdout, "\n"+line) && !strings.HasPrefix(r.stdout, line) {
				t.Errorf("--shell %s: no %q in\n%s", shell, line, r.stdout)
			}
		}
	}

	var out struct {
		Variables map[string]string `json:"variables"`
		Unset     []string          `json:"unset"`
		ExpiresAt *time.Time        `json:"expires_at"`
	}
	r = c.mustRun("", "env", "--expires-in", "30m", "-o", "json")
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatal(err)
	}
	if out.Variables["ZENML_STORE_URL"] != fake.URL() || !tokenWorks(t, fake, out.Variables["ZENML_STORE_API_TOKEN"]) ||
		len(out.Unset) != 1 || out.Unset[0] != "ZENML_STORE_PASSWORD" || out.ExpiresAt == nil {
		t.Errorf("env -o json: %s", r.stdout)
	} else if got := out.ExpiresAt.Sub(fake.Now()).Round(time.Minute); got != 30*time.Minute {
		t.Errorf("expires_at in %v, want 30m", got)
	}

	r = c.run("", "env", "--shell", "csh")
	expectCode(t, r, 1)
	oneLineError(t, r, "fish, powershell, sh")
}

// zenmlThroughExec runs a read command of the real zenml CLI through
// `zenctl exec` with an empty zenml config directory, when the acceptance
// run asks for it (ZENCTL_ACCEPTANCE_ZENML=1, against the real server of
// ZENCTL_ACCEPTANCE_URL): the token alone is enough, and the token zenml
// copies into its directory (config.yaml on 0.58, credentials.yaml on
// 0.85) is gone once exec returns. Otherwise whatever zenml happens to be
// on the PATH is never run: the fake server has no stacks, and the tests
// with the stub zenml (exec_zenml_e2e_test.go) cover the clean-up.
func zenmlThroughExec(t *testing.T, c *cli) {
	t.Helper()
	if os.Getenv("ZENCTL_ACCEPTANCE_ZENML") != "1" || os.Getenv("ZENCTL_ACCEPTANCE_URL") == "" {
		t.Log("not running the real zenml: set ZENCTL_ACCEPTANCE_ZENML=1 with ZENCTL_ACCEPTANCE_URL")
		return
	}
	if _, err := exec.LookPath("zenml"); err != nil {
		t.Fatal("ZENCTL_ACCEPTANCE_ZENML=1 but zenml is not on the PATH")
	}
	zenmlDir := t.TempDir()
	defer func() { delete(c.env, "ZENML_CONFIG_PATH"); delete(c.env, "ZENML_ANALYTICS_OPT_IN") }()
	c.env["ZENML_CONFIG_PATH"] = zenmlDir
	c.env["ZENML_ANALYTICS_OPT_IN"] = "false"
	r := c.mustRun("", "exec", "--expires-in", "10m", "--", "zenml", "stack", "list")
	if strings.Contains(r.stderr, "Traceback") {
		t.Errorf("zenml failed:\n%s", r.stderr)
	}
	err := filepath.WalkDir(zenmlDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err == nil && jwtPattern.Match(data) {
			t.Errorf("the token zenml was handed is still in %s", path)
		}
		return err
	})
	if err != nil {
		t.Error(err)
	}
}

// The token is minted by a second zenctl process: the global flags given
// to exec reach it, so --server and --account pick the login as always.
func TestExecGlobalFlagsReachTheMintingProcess(t *testing.T) {
	t.Parallel()
	first := zenmltest.NewTest(t, zenmltest.Options{})
	second := zenmltest.NewTest(t, zenmltest.Options{})
	key := second.CreateAPIKey(second.CreateServiceAccount("ci-bot"), "default")
	c := newCLI(t)
	c.mustRun(key+"\n", "login", second.URL(), "--api-key")
	c.mustRun("\n", "login", first.URL(), "--username", "default", "--password-stdin")

	rep := parseChild(t, c.mustRun("", append([]string{"--server", second.URL(), "exec", "--"}, childCommand(t)...)...))
	checkChildEnv(t, rep, second.URL(), "ci-bot", key)
	rep = parseChild(t, c.mustRun("", append([]string{"exec", "--server", second.URL(), "--"}, childCommand(t)...)...))
	checkChildEnv(t, rep, second.URL(), "ci-bot", key)
	rep = parseChild(t, c.mustRun("", append([]string{"exec", "--"}, childCommand(t)...)...))
	checkChildEnv(t, rep, first.URL(), "default")
}
