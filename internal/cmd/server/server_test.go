package server

import (
	"strings"
	"testing"

	"github.com/zenctl/zenctl/internal/config"
	"github.com/zenctl/zenctl/internal/iostreams"
)

// Tester's report: one long URL or account name took TYPE, AUTH, STORAGE
// and TOKEN EXPIRES from every row even at 100 and 120 columns, and
// nothing said which of a server's two accounts it uses.
func TestServerListCutsLongNamesBeforeDroppingColumns(t *testing.T) {
	long := "https://zenml-production.internal.example-corporation.com:8080/api"
	servers := []Server{
		{URL: long, Active: true, Accounts: []Account{
			{Name: "alice", Type: config.AccountUser, AuthMethod: config.AuthAPIKey, SecretStore: "keyring"},
			{Name: "terraform-deployer-production-eu-west-1", Type: config.AccountServiceAccount, Active: true,
				AuthMethod: config.AuthAPIKey, SecretStore: "keyring"},
		}},
		{URL: "http://127.0.0.1:8237", Accounts: []Account{
			{Name: "default", Type: config.AccountUser, Active: true, AuthMethod: config.AuthNone, SecretStore: "file"},
		}},
	}
	render := func(width int, tty bool) string {
		ios, _, out, _ := iostreams.Test()
		ios.SetStdoutTTY(tty)
		ios.SetColorEnabled(false)
		ios.SetTerminalWidth(width)
		if err := printTable(ios, servers); err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
	for _, width := range []int{80, 100, 120} {
		screen := render(width, true)
		lines := strings.Split(strings.TrimSuffix(screen, "\n"), "\n")
		for _, l := range lines {
			if len([]rune(l)) > width {
				t.Errorf("%d columns: line of %d:\n%s", width, len([]rune(l)), screen)
			}
		}
		want := []string{"SERVER", "ACCOUNT", "TYPE", "AUTH"}
		if width >= 100 {
			want = append(want, "STORAGE", "TOKEN EXPIRES")
		}
		for _, h := range want {
			if !strings.Contains(lines[0], h) {
				t.Errorf("%d columns: no %s column:\n%s", width, h, screen)
			}
		}
		if !strings.Contains(screen, "https://zenml-productio") || !strings.Contains(screen, "…") {
			t.Errorf("%d columns: the long URL is not cut to its start:\n%s", width, screen)
		}
		if !strings.Contains(lines[1], "  alice") || !strings.Contains(lines[2], "* terraform") || strings.Contains(lines[3], "* default") {
			t.Errorf("%d columns: the active account of a two-account server is not marked:\n%s", width, screen)
		}
	}
	if piped := render(80, false); !strings.Contains(piped, "\talice\t") || !strings.Contains(piped, "\tterraform-deployer-production-eu-west-1\t") {
		t.Errorf("piped: account cells are not bare names:\n%s", piped)
	}
}
