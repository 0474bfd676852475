package main

import (
	"strings"
	"testing"
	"time"

	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

// After change-password, this client's stored password login renews with
// the new password: the old one no longer logs in.
func TestChangePasswordKeepsTheStoredLoginWorking(t *testing.T) {
	t.Parallel()
	forEachProfile(t, zenmltest.Options{TokenLifetime: time.Hour}, func(t *testing.T, fake *zenmltest.Server) {
		fake.CreateUser("ann", "Old-pw-1")
		c := newCLI(t)
		c.mustRun("Old-pw-1\n", "login", fake.URL(), "--username", "ann", "--password-stdin")
		r := c.mustRun("Old-pw-1\nNew-pw-2\n", "user", "change-password", "--password-stdin")
		if !strings.Contains(r.stderr, "stored login of ann now uses the new password") {
			t.Errorf("stderr: %s", r.stderr)
		}
		fake.Advance(2 * time.Hour) // the session token expires: the next command renews it
		fake.ResetCounts()
		c.mustRun("", "status")
		if n := fake.Count("POST /api/v1/login"); n != 1 {
			t.Errorf("%d logins to renew, want 1 with the new password", n)
		}
	})
}
