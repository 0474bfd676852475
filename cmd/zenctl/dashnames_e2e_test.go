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
