package main

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/zenctl/zenctl/internal/cmd/factory"
	"github.com/zenctl/zenctl/internal/cmd/root"
	"github.com/zenctl/zenctl/internal/credentials"
	"github.com/zenctl/zenctl/internal/iostreams"
	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

// Secret hygiene: whatever a user runs, with --debug or not, no API key,
// password or access token reaches stderr or a log, secrets reach stdout
// only from the commands whose job is to print one, no flag takes a secret
// as its value (it would land in shell history and `ps`), and every file
// holding a secret is private to the user.

// hygieneCovered lists the commands TestSecretHygiene runs. A new command
// must be run there (with --debug) and added here before it ships.
var hygieneCovered = map[string]bool{}

func init() {
	for _, c := range []string{
		"login", "logout", "switch", "server list", "token", "status", "version", "api", "exec", "env",
		"service-account create", "service-account list", "service-account describe", "service-account update",
		"service-account activate", "service-account deactivate", "service-account delete",
		"service-account api-key create", "service-account api-key list", "service-account api-key describe",
		"service-account api-key update", "service-account api-key activate", "service-account api-key deactivate",
		"service-account api-key rotate", "service-account api-key delete", "service-account api-key",
		"import zenml",
		// These only print help, docs or shell code, and never open the
		// secret store or the network: covered by construction.
		"help", "completion bash", "completion fish", "completion powershell", "completion zsh",
		// Groups: with no arguments they print their help.
		"completion", "import", "service-account", "server",
	} {
		hygieneCovered["zenctl "+c] = true
	}
}

func newRootForInspection() *cobra.Command {
	ios, _, _, _ := iostreams.Test()
	return root.NewCmdRoot(&factory.Factory{IOStreams: ios, Getenv: func(string) string { return "" }})
}

func walkCommands(cmd *cobra.Command, fn func(*cobra.Command)) {
	fn(cmd)
	for _, c := range cmd.Commands() {
		walkCommands(c, fn)
	}
}

func TestSecretHygieneCoversEveryCommand(t *testing.T) {
	t.Parallel()
	var missing []string
	walkCommands(newRootForInspection(), func(c *cobra.Command) {
		if c.Runnable() && c.HasParent() && !hygieneCovered[c.CommandPath()] {
			missing = append(missing, c.CommandPath())
		}
	})
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("commands not exercised by TestSecretHygiene: %s\n(run them there with --debug and add them to hygieneCovered)", strings.Join(missing, ", "))
	}
}

// secretLikeFlag matches flag names that suggest a secret value.
var secretLikeFlag = regexp.MustCompile(`(?i)pass|secret|token|key|credential|cookie`)

// nonSecretStringFlags are string flags whose names look secret but whose
// values are not: each entry says why.
var nonSecretStringFlags = map[string]string{}

func TestNoFlagTakesASecretValue(t *testing.T) {
	t.Parallel()
	checked := 0
	walkCommands(newRootForInspection(), func(c *cobra.Command) {
		visit := func(fl *pflag.Flag) {
			if !secretLikeFlag.MatchString(fl.Name) {
				return
			}
			checked++
			typ := fl.Value.Type()
			if strings.Contains(typ, "string") || strings.Contains(typ, "bytes") {
				if _, ok := nonSecretStringFlags[fl.Name]; !ok {
					t.Errorf("%s --%s takes a %s value: secrets must come from a prompt, stdin, a file or the environment, never the command line", c.CommandPath(), fl.Name, typ)
				}
			}
		}
		c.LocalFlags().VisitAll(visit)
		c.PersistentFlags().VisitAll(visit)
	})
	if checked == 0 {
		t.Fatal("no flag checked: is --api-key gone?")
	}
	login, _, err := newRootForInspection().Find([]string{"login"})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"api-key", "password-stdin"} {
		if fl := login.Flags().Lookup(name); fl == nil || fl.Value.Type() != "bool" {
			t.Errorf("login --%s must exist and be a bool", name)
		}
	}
}

// hygieneRun is one command of TestSecretHygiene and what it printed.
type hygieneRun struct {
	args []string
	r    result
	// printsSecret marks the commands whose job is to print a secret on
	// stdout: token, and the commands that create or rotate a key.
	printsSecret bool
}

var (
	zenKeyPattern = regexp.MustCompile(`ZENKEY_[A-Za-z0-9+/=_-]+`)
	jwtPattern    = regexp.MustCompile(`eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*`)
)

func TestSecretHygiene(t *testing.T) {
	t.Parallel()
	forEachProfile(t, zenmltest.Options{TokenLifetime: time.Hour}, func(t *testing.T, fake *zenmltest.Server) {
		key := fake.CreateAPIKey(fake.CreateServiceAccount("ci"), "default")
		const password = "pw-Hygiene-7Qx-zz"
		user := fake.URL()
		// A second server for the password login, so both logins stay stored.
		other := zenmltest.NewTest(t, zenmltest.Options{Profile: fake.Profile(), TokenLifetime: time.Hour})
		other.CreateUser("alice", password)

		c := newCLI(t)
		secrets := []string{key, password}
		var printed []string // secrets that commands printed on purpose
		var runs []hygieneRun
		run := func(printsSecret bool, stdin string, args ...string) result {
			t.Helper()
			r := c.mustRun(stdin, append(args, "--debug")...)
			runs = append(runs, hygieneRun{args, r, printsSecret})
			if printsSecret {
				printed = append(printed, zenKeyPattern.FindAllString(r.stdout, -1)...)
			}
			return r
		}

		run(false, key+"\n", "login", user, "--api-key")
		run(false, password+"\n", "login", other.URL(), "--username", "alice", "--password-stdin")
		run(false, "", "login", other.URL()) // already logged in: checks the stored login
		run(false, "", "login", user)
		for _, args := range [][]string{{"token"}, {"token", "-o", "json"}, {"token", "--server", other.URL()}} {
			r := run(true, "", args...)
			tok := strings.TrimSpace(r.stdout)
			if args[len(args)-1] == "json" {
				var out struct{ Token string }
				if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
					t.Fatal(err)
				}
				tok = out.Token
			}
			printed = append(printed, tok)
		}
		// exec hands a token to its command, which prints it; the command's
		// environment itself is checked in exec_e2e_test.go.
		ex := c.mustRun("", "exec", "--debug", "--", "sh", "-c", `printf %s "$ZENML_STORE_API_TOKEN"`)
		runs = append(runs, hygieneRun{[]string{"exec"}, ex, true})
		printed = append(printed, ex.stdout)
		for _, args := range [][]string{{"env"}, {"env", "-o", "json"}} {
			r := run(true, "", args...)
			printed = append(printed, jwtPattern.FindString(r.stdout))
		}
		run(false, "", "status")
		run(false, "", "status", "-o", "json")
		run(false, "", "status", "--all")
		run(false, "", "server", "list")
		run(false, "", "server", "list", "-o", "json")
		run(false, "", "switch", user)
		run(false, "", "switch", other.URL(), "-o", "json")
		run(false, "", "switch", user)
		run(false, "", "version")

		// Managing service accounts and keys, as the logged-in service account.
		run(true, "", "service-account", "create", "bot1")
		run(true, "", "service-account", "create", "bot2", "-o", "json")
		run(false, "", "service-account", "list")
		run(false, "", "service-account", "list", "-o", "json")
		run(false, "", "service-account", "describe", "bot1", "-o", "yaml")
		run(false, "", "service-account", "update", "bot1", "-d", "hygiene")
		run(false, "", "service-account", "deactivate", "bot1")
		run(false, "", "service-account", "activate", "bot1")
		run(true, "", "service-account", "api-key", "bot1", "create", "deploy")
		run(false, "", "service-account", "api-key", "bot1", "list", "-o", "json")
		run(false, "", "service-account", "api-key", "bot1", "describe", "deploy")
		run(false, "", "service-account", "api-key", "bot1", "update", "deploy", "-d", "hygiene")
		run(false, "", "service-account", "api-key", "bot1", "deactivate", "deploy")
		run(false, "", "service-account", "api-key", "bot1", "activate", "deploy")
		run(true, "", "service-account", "api-key", "bot1", "rotate", "deploy", "-o", "json")
		run(true, "", "service-account", "api-key", "bot1", "rotate", "--all", "--retain", "5")
		run(false, "", "service-account", "api-key", "bot1", "delete", "deploy", "--yes")
		run(false, "", "service-account", "delete", "bot2", "--yes")
		// Rotating the key this client logs in with keeps the client working.
		run(true, "", "service-account", "api-key", "ci", "rotate", "default", "--set-key")
		run(false, "", "status")
		// Shell completion of names asks the server.
		compArgs := []string{"__complete", "--debug", "service-account", "describe", ""}
		comp := c.mustRun("", compArgs...)
		runs = append(runs, hygieneRun{compArgs, comp, false})
		if !strings.Contains(comp.stdout, "bot1") {
			t.Errorf("completion did not list the service accounts:\n%s", comp.stdout)
		}
		run(false, "", "api", "current-user")
		run(false, "", "api", "-i", "service_accounts?size=5")
		if len(printed) < 8 {
			t.Fatalf("only %d secrets printed by token, create and rotate: %q", len(printed), printed)
		}

		// A renewed session token, by forcing an exchange.
		fake.Advance(2 * time.Hour)
		run(true, "", "token", "--server", user)
		store := credentials.NewFileStore(c.configDir())
		for _, u := range []string{user, other.URL()} {
			s, err := store.Get(c.secretKey(u))
			if err != nil {
				t.Fatal(err)
			}
			secrets = append(secrets, s.AccessToken, s.APIKey)
		}
		if !strings.Contains(runs[0].r.stderr, "[REDACTED]") {
			t.Errorf("--debug traced nothing:\n%s", runs[0].r.stderr)
		}
		checkFileModes(t, c.configDir())
		run(false, "", "logout", other.URL())
		run(false, "", "logout", "--all", "--clear")

		// The environment mode, with the key in ZENML_STORE_API_KEY.
		env := newCLI(t)
		env.env["ZENML_STORE_URL"] = user
		env.env["ZENML_STORE_API_KEY"] = secrets[len(secrets)-3] // the rotated key
		r := env.mustRun("", "token", "--debug")
		printed = append(printed, strings.TrimSpace(r.stdout))
		runs = append(runs, hygieneRun{[]string{"token (environment)"}, r, true})
		r = env.mustRun("", "status", "--debug")
		runs = append(runs, hygieneRun{[]string{"status (environment)"}, r, false})

		// Importing the zenml CLI's stored logins, checked with the server.
		zenmlDir := t.TempDir()
		creds := user + ":\n  url: " + user + "\n  api_key: " + env.env["ZENML_STORE_API_KEY"] + "\n" +
			other.URL() + ":\n  url: " + other.URL() + "\n  username: alice\n  password: " + password + "\n"
		if err := os.WriteFile(filepath.Join(zenmlDir, "credentials.yaml"), []byte(creds), 0o600); err != nil {
			t.Fatal(err)
		}
		imp := newCLI(t)
		for _, args := range [][]string{{"import", "zenml", "--config-path", zenmlDir, "--dry-run", "-o", "json"}, {"import", "zenml", "--config-path", zenmlDir, "--verify"}} {
			r = imp.mustRun("", append(args, "--debug")...)
			runs = append(runs, hygieneRun{args, r, false})
		}
		imp.mustRun("", "token", "--server", other.URL())
		checkFileModes(t, imp.configDir())

		var all []string
		for _, s := range append(append([]string{}, secrets...), printed...) {
			if s != "" {
				all = append(all, s)
			}
		}
		for _, s := range all {
			if len(s) < 12 {
				t.Fatalf("secret %q too short to look for", s)
			}
		}
		for _, hr := range runs {
			name := "zenctl " + strings.Join(hr.args, " ")
			for _, s := range all {
				if strings.Contains(hr.r.stderr, s) {
					t.Errorf("%s: a secret on stderr:\n%s", name, hr.r.stderr)
				}
				if !hr.printsSecret && strings.Contains(hr.r.stdout, s) {
					t.Errorf("%s: a secret on stdout:\n%s", name, hr.r.stdout)
				}
			}
			if hr.printsSecret && (strings.Contains(hr.r.stdout, key) || strings.Contains(hr.r.stdout, password)) {
				t.Errorf("%s: the login credential on stdout", name)
			}
		}
	})
}

// checkFileModes: every file zenctl wrote in its config dir is private.
func checkFileModes(t *testing.T, dir string) {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if perm := info.Mode().Perm(); perm&0o077 != 0 {
			t.Errorf("%s has mode %v: readable by others", path, perm)
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 3 {
		t.Errorf("only %d entries under %s: did the logins write nothing?", n, dir)
	}
}

// TestMistypedCommandsFail: a typo in a command or help topic is an error
// with a suggestion, never the help text and exit 0 that a script would
// take for success.
func TestMistypedCommandsFail(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	for args, want := range map[string]string{
		"logn":                                `unknown command "logn" for "zenctl"; did you mean "login"?`,
		"service-account lst":                 `unknown command "lst" for "zenctl service-account"; did you mean "list"?`,
		"import zenm":                         `unknown command "zenm" for "zenctl import"`,
		"help nosuch":                         `unknown help topic "nosuch"`,
		"help envirnment":                     `unknown help topic "envirnment"; did you mean "environment"?`,
		"sa api-key ci lst":                   `unknown command "lst" for zenctl service-account api-key SA_NAME_OR_ID; did you mean "list"?`,
		"help service-account lst":            `unknown help topic "service-account lst"`,
		"token -e soon":                       "invalid value \"soon\" for --expires-in: want a number with a unit — d, h, m or s — or several largest first, e.g. 30m, 8h, 1d or 1d12h (see `zenctl token --help`)",
		"token -e 60":                         "invalid value \"60\" for --expires-in: 60 has no unit: write 60s, 60m, 60h or 60d (see `zenctl token --help`)",
		"sa api-key ci rotate k --retain 90s": "want a whole number of minutes, not 90s (see `zenctl service-account api-key rotate --help`)",
	} {
		r := c.run("", strings.Fields(args)...)
		expectCode(t, r, 1)
		oneLineError(t, r, want)
		if r.stdout != "" {
			t.Errorf("zenctl %s printed on stdout:\n%s", args, r.stdout)
		}
	}
	for _, args := range []string{"help", "help exit-codes", "help service-account list", "service-account", "import"} {
		if r := c.run("", strings.Fields(args)...); r.code != 0 || r.stdout == "" {
			t.Errorf("zenctl %s: exit %d, stdout %q", args, r.code, r.stdout)
		}
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	line := c.mustRun("", "--version").stdout
	if !strings.HasPrefix(line, "zenctl ") || strings.Count(line, "\n") != 1 {
		t.Errorf("--version: %q", line)
	}
	if v := c.mustRun("", "version").stdout; v != line {
		t.Errorf("version %q differs from --version %q", v, line)
	}
	var info struct{ Version, Commit, Date *string }
	js := c.mustRun("", "version", "-o", "json").stdout
	if err := json.Unmarshal([]byte(js), &info); err != nil || info.Version == nil || info.Commit == nil || info.Date == nil ||
		!strings.HasPrefix(line, "zenctl "+*info.Version) {
		t.Errorf("version -o json: %v\n%s", err, js)
	}
	// Like token, version ignores ZENCTL_OUTPUT.
	c.env["ZENCTL_OUTPUT"] = "json"
	if v := c.mustRun("", "version").stdout; v != line {
		t.Errorf("ZENCTL_OUTPUT changed version's output: %q", v)
	}
}
