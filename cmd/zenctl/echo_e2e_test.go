package main

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

// readAs is what a person reads in zenctl's escaped output: the visible
// escapes (`\x1b[0m`, `\u0301`) skipped, accents ignored, fullwidth
// letters read as letters.
func readAs(s string) string {
	s = regexp.MustCompile(`\\x1b\[[0-9;]*m|\\x[0-9a-f]{2}|\\u[0-9a-f]{4}`).ReplaceAllString(s, "")
	return strings.Map(func(r rune) rune {
		if unicode.In(r, unicode.Mn, unicode.Me) {
			return -1
		}
		return r
	}, norm.NFKD.String(s))
}

// A 401 that echoes the password in a disguise a reader still reads must
// not print it: `ZENML_STORE_PASSWORD=... zenctl token`.
func TestEchoedPasswordDisguisesAreRedacted(t *testing.T) {
	t.Parallel()
	const password = "Hunter2Secret"
	fullwidth := strings.Map(func(r rune) rune { return r - '!' + '！' }, password)
	for name, echoed := range map[string]string{
		"combining marks": strings.Join(strings.Split(password, ""), "\u0301"),
		"fullwidth":       fullwidth,
		"ANSI":            strings.Join(strings.Split(password, ""), "\x1b[0m"),
	} {
		fake := zenmltest.NewTest(t, zenmltest.Options{})
		detail, _ := json.Marshal(map[string]string{"detail": "user u with password " + echoed + " is not active"})
		fake.InjectFault("POST /api/v1/login", zenmltest.Fault{Status: http.StatusUnauthorized, JSON: string(detail)})
		c := newCLI(t)
		c.env["ZENML_STORE_URL"] = fake.URL()
		c.env["ZENML_STORE_USERNAME"] = "u"
		c.env["ZENML_STORE_PASSWORD"] = password
		r := c.run("", "token")
		if r.code == 0 {
			t.Fatalf("%s: token succeeded", name)
		}
		if strings.Contains(readAs(r.stdout+r.stderr), password) || !strings.Contains(r.stderr, "[REDACTED]") {
			t.Errorf("%s: the password reads in:\n%s%s", name, r.stdout, r.stderr)
		}
	}
}
