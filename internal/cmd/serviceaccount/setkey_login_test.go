package serviceaccount

import (
	"strings"
	"testing"

	"github.com/zenctl/zenctl/internal/config"
	"github.com/zenctl/zenctl/internal/credentials"
	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

// The playbook's order: deactivate the service account, then rotate its
// key with --set-key. The new key is stored (the old one is dead too),
// with a warning, and the command succeeds.
func TestSetKeyOfADeactivatedAccountStoresItWithAWarning(t *testing.T) {
	e := newEnv(t, zenmltest.Options{})
	saID := e.fake.CreateServiceAccount("ci")
	e.fake.CreateAPIKey(saID, "default")
	e.mustRun("deactivate", "ci")

	r := e.mustRun("api-key", "ci", "rotate", "default", "--set-key")
	newKey := strings.TrimSpace(r.stdout)
	mustContain(t, "stderr", r.stderr, "Stored the new key for account", "deactivated", "works once the account is active again")
	c := e.h.Config()
	s := c.Server(e.fake.URL())
	if a := s.Account("ci"); a == nil || a.AuthMethod != config.AuthAPIKey {
		t.Fatalf("account ci: %+v", s)
	}
	store := credentials.NewFileStore(e.h.Dir)
	secret, err := store.Get(credentials.Key(c.ID, e.fake.URL(), "ci"))
	if err != nil {
		kr, kerr := credentials.OpenExisting("keyring", credentials.Options{Keyring: e.h.Keyring, Dir: e.h.Dir})
		if kerr == nil {
			secret, err = kr.Get(credentials.Key(c.ID, e.fake.URL(), "ci"))
		}
	}
	if err != nil || secret.APIKey != newKey {
		t.Errorf("stored %v, err %v; want the new key", secret.APIKey != "", err)
	}
}
