package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

// shellWords splits a suggested command as a POSIX shell would, for the
// quoting login.ShellWord uses: plain words and single-quoted strings.
func shellWords(t *testing.T, line string) []string {
	t.Helper()
	var words []string
	var cur strings.Builder
	inWord, quoted := false, false
	for _, r := range line {
		switch {
		case quoted && r == '\'':
			quoted = false
		case quoted:
			cur.WriteRune(r)
		case r == '\'':
			quoted, inWord = true, true
		case r == '\\':
			t.Fatalf("unexpected backslash in %q", line)
		case r == ' ':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}

// suggested finds the command zenctl suggests starting with prefix (up to
// a backquote, parenthesis or the end of the line) and returns its
// arguments after "zenctl".
func suggested(t *testing.T, stderr, prefix string) []string {
	t.Helper()
	m := regexp.MustCompile(regexp.QuoteMeta(prefix) + "[^`\n(]*").FindString(stderr)
	if m == "" {
		t.Fatalf("no suggested %q in:\n%s", prefix, stderr)
	}
	return shellWords(t, strings.TrimSpace(m))[1:]
}

// A user may be named like a flag: the commands zenctl suggests for it
// must run as pasted, not fail with "unknown shorthand flag" or take the
// name for --yes.
func TestSuggestedCommandsForDashNamesRun(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	c := adminCLI(t, fake)
	for _, name := range []string{"-rf", "--yes"} {
		r := c.mustRun("", "user", "create", "--", name)
		activate := suggested(t, r.stderr, "zenctl user activate ")
		// A wrong token: the error suggests a new deactivation.
		r = c.run("wrong-token\nNew-passw0rd-long\n", append(activate, "--activation-token-stdin")...)
		if r.code == 0 {
			t.Fatalf("activation with a wrong token succeeded:\n%s", r.stderr)
		}
		r = c.mustRun("", suggested(t, r.stderr, "zenctl user deactivate ")...)
		if !strings.Contains(r.stderr, "Deactivated user "+name) {
			t.Errorf("the suggested deactivation did not deactivate %q:\n%s", name, r.stderr)
		}
		r = c.mustRun("", append(suggested(t, r.stderr, "zenctl user delete "), "--yes")...)
		if !strings.Contains(r.stderr, name) {
			t.Errorf("the suggested delete did not name %q:\n%s", name, r.stderr)
		}
		if r := c.run("", "user", "describe", "--", name); r.code == 0 {
			t.Errorf("user %q still exists after the suggested delete:\n%s", name, r.stdout)
		}
	}
}

// The same for service accounts and API keys: the account, which comes
// before the key command (where "--" cannot help), is named by its id, and
// a key as the last word gets "--" before it.
func TestSuggestedServiceAccountCommandsForDashNamesRun(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	c := adminCLI(t, fake)
	for _, name := range []string{"-rf", "--yes"} {
		c.mustRun("", "service-account", "create", "--create-api-key=false", "--", name)
		r := c.mustRun("", "service-account", "deactivate", "--", name)
		r = c.mustRun("", suggested(t, r.stderr, "zenctl service-account activate ")...)
		if !strings.Contains(r.stderr, "Activated service account "+name) {
			t.Errorf("the suggested activation did not activate %q:\n%s", name, r.stderr)
		}
		r = c.mustRun("", "service-account", "describe", "-o", "json", "--", name)
		var sa struct{ ID string }
		mustJSON(t, r.stdout, &sa)
		id := sa.ID
		c.mustRun("", "service-account", "api-key", id, "create", "--", name)
		r = c.mustRun("", "service-account", "api-key", id, "deactivate", "--", name)
		undo := suggested(t, r.stderr, "zenctl service-account api-key ")
		if r := c.mustRun("", undo...); !strings.Contains(r.stderr, "Activated API key "+name) {
			t.Errorf("the suggested %q did not activate key %q:\n%s", undo, name, r.stderr)
		}
		r = c.mustRun("", suggested(t, r.stderr, "zenctl service-account deactivate ")...)
		if !strings.Contains(r.stderr, "Deactivated service account ") {
			t.Errorf("the suggested deactivation did not deactivate %q:\n%s", name, r.stderr)
		}
	}
}

// "--" before the account makes cobra read the key command as an argument
// too: the error says what works instead.
func TestKeyCommandAfterDoubleDashSaysToUseTheID(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	c := adminCLI(t, fake)
	r := c.run("", "service-account", "api-key", "--", "-rf", "create", "deploy")
	if r.code != 1 || !strings.Contains(r.stderr, "name the account by its id") || strings.Contains(r.stderr, "did you mean") {
		t.Errorf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
}

// token and exec leave the maximum lifetime to the server, which names it;
// zero is refused locally in both, as not positive.
func TestDurationLifetimeZeroAndServerMaximum(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	c := adminCLI(t, fake)
	for _, args := range [][]string{{"token", "--expires-in", "0"}, {"exec", "--expires-in", "0s", "--", "true"}} {
		r := c.run("", args...)
		if r.code != 1 || !strings.Contains(r.stderr, "must be positive") {
			t.Errorf("%v: exit %d, stderr:\n%s", args, r.code, r.stderr)
		}
	}
	r := c.run("", "token", "--expires-in", "8d")
	if r.code != 1 || !strings.Contains(r.stderr, "604800 seconds") {
		t.Errorf("token --expires-in 8d: exit %d, stderr:\n%s", r.code, r.stderr)
	}
}
