package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

func init() {
	for _, c := range []string{
		"user", "user list", "user describe", "user create", "user update", "user activate", "user deactivate",
		"user delete", "user change-password",
		"device", "device list", "device describe", "device lock", "device unlock", "device delete",
		"audit",
	} {
		hygieneCovered["zenctl "+c] = true
	}
}

// TestLeversSecretHygiene runs every user, device and audit command with
// --debug and checks that passwords, tokens and activation tokens reach
// stdout only from the commands that exist to print them (an activation
// token, once) and never reach stderr.
func TestLeversSecretHygiene(t *testing.T) {
	t.Parallel()
	forEachProfile(t, zenmltest.Options{AdminPassword: "adm1n-Hygiene-pw", DevicePollingInterval: time.Second}, func(t *testing.T, fake *zenmltest.Server) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		const (
			adminPW = "adm1n-Hygiene-pw"
			annPW   = "ann-Hygiene-pw-1"
			annPW2  = "ann-Hygiene-pw-2"
			annPW3  = "ann-Hygiene-pw-3"
		)
		admin, ann := newCLI(t), newCLI(t)
		var runs []hygieneRun
		run := func(c *cli, printsSecret bool, stdin string, args ...string) result {
			t.Helper()
			r := c.mustRun(stdin, append(args, "--debug")...)
			runs = append(runs, hygieneRun{args, r, printsSecret})
			return r
		}
		run(admin, false, adminPW+"\n", "login", fake.URL(), "--username", "default", "--password-stdin")
		run(admin, false, annPW+"\n", "user", "create", "ann", "--password-stdin")
		invitation := strings.TrimSpace(run(admin, true, "", "user", "create", "bob", "-o", "yaml").stdout)
		run(admin, false, "", "user", "list", "-o", "json")
		run(admin, false, "", "user", "describe", "ann")
		run(admin, false, "", "user", "update", "ann", "--full-name", "Ann")
		run(ann, false, annPW+"\n", "login", fake.URL(), "--username", "ann", "--password-stdin")
		run(ann, false, annPW+"\n"+annPW2+"\n", "user", "change-password", "--password-stdin")
		laptop := deviceLoggedIn(ctx, t, fake.URL(), ann)
		id := strings.TrimSpace(ann.mustRun("", "device", "list", "-o", "json").stdout)
		id = id[strings.Index(id, `"id": "`)+7:][:36]
		run(laptop, false, "", "device", "list")
		run(ann, false, "", "device", "describe", id)
		run(ann, false, "", "device", "lock", id)
		run(ann, false, "", "device", "unlock", id)
		run(admin, false, "", "audit", "-o", "json")
		activation := strings.TrimSpace(run(admin, true, "", "user", "deactivate", "ann").stdout)
		run(newCLI(t), false, activation+"\n"+annPW3+"\n", "user", "activate", "ann", "--server", fake.URL(), "--activation-token-stdin")
		run(ann, false, "", "device", "delete", id, "--yes")
		run(admin, false, "", "user", "delete", "bob", "--yes")

		secrets := []string{adminPW, annPW, annPW2, annPW3, activation}
		for _, c := range []*cli{admin, ann, laptop} {
			s, err := c.fileSecret(fake.URL())
			if err != nil {
				t.Fatal(err)
			}
			secrets = append(secrets, s.AccessToken)
		}
		if !strings.Contains(invitation, "activation_token: ") || len(activation) != 64 {
			t.Fatalf("the activation tokens were not printed: %q %q", invitation, activation)
		}
		for _, hr := range runs {
			for _, s := range secrets {
				if strings.Contains(hr.r.stderr, s) {
					t.Errorf("zenctl %s: a secret on stderr:\n%s", strings.Join(hr.args, " "), hr.r.stderr)
				}
				if !hr.printsSecret && strings.Contains(hr.r.stdout, s) {
					t.Errorf("zenctl %s: a secret on stdout:\n%s", strings.Join(hr.args, " "), hr.r.stdout)
				}
			}
		}
		checkFileModes(t, admin.configDir())
	})
}
