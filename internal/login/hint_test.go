package login

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zenctl/zenctl/internal/config"
	"github.com/zenctl/zenctl/internal/credentials"
	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

func TestLoginCommandNamesAnAccountThatIsNotActive(t *testing.T) {
	t.Parallel()
	s := &config.Server{URL: serverURL, ActiveAccount: "ux-old-bot"}
	tests := []struct {
		account *config.Account
		want    string
	}{
		{nil, "zenctl login " + serverURL},
		{&config.Account{Name: "ux-old-bot", AuthMethod: config.AuthAPIKey}, "zenctl login " + serverURL + " --api-key"},
		{&config.Account{Name: "default", AuthMethod: config.AuthDevice}, "zenctl login " + serverURL + " --account default"},
		{&config.Account{Name: "ci bot", AuthMethod: config.AuthAPIKey}, "zenctl login " + serverURL + " --account 'ci bot' --api-key"},
		{&config.Account{Name: "alice", AuthMethod: config.AuthPassword}, "zenctl login " + serverURL + " --account alice --username alice"},
	}
	for _, tt := range tests {
		if got := LoginCommand(s, tt.account); got != tt.want {
			t.Errorf("LoginCommand(%+v) = %q, want %q", tt.account, got, tt.want)
		}
	}
}

// Finding 6: the device session of an account beside the active one ends;
// the hint logs in to that account, not the active one.
func TestEndedSessionOfAnotherAccountNamesIt(t *testing.T) {
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	m := fakeManager(t, nil)
	loggedInAs(t, m, fake, "ux-old-bot")
	ctx := context.Background()
	expired := credentials.Secret{AccessToken: fake.IssueToken(fake.AdminID(), time.Second), ExpiresAt: time.Now().Add(-time.Hour)}
	if _, err := m.Save(ctx, Login{URL: fake.URL(), Account: "default", Type: config.AccountUser, Method: config.AuthDevice,
		Secret: expired, Store: credentials.NewFileStore(m.Dir), KeepActiveAccount: true}); err != nil {
		t.Fatal(err)
	}
	other := managerAt(t, m.Dir, m.Keyring, map[string]string{"ZENCTL_STORAGE": "file", "--account": "default"})
	other.NewClient = m.NewClient
	client, _, err := other.Client(ctx)
	if err == nil {
		_, err = client.CurrentUser(ctx)
	}
	if err == nil || !strings.Contains(err.Error(), "zenctl login "+fake.URL()+" --account default") {
		t.Errorf("err = %v", err)
	}
}

// A renewal writes the secret store only; server list reads the new
// expiry there.
func TestRenewalLeavesTheConfigFileAlone(t *testing.T) {
	fake := zenmltest.NewTest(t, zenmltest.Options{TokenLifetime: time.Hour})
	m := fakeManager(t, nil)
	target, _ := loggedInAs(t, m, fake, "ci")
	key, _ := m.secretKey(fake.URL(), "ci")
	store := credentials.NewFileStore(m.Dir)
	secret, _ := store.Get(key)
	secret.AccessToken, secret.ExpiresAt = "expired", time.Now().Add(-time.Minute)
	if err := store.Set(key, secret); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(filepath.Join(m.Dir, "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	client, err := m.ClientFor(ctx, target, TLS{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.CurrentUser(ctx); err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(filepath.Join(m.Dir, "config.yaml"))
	if string(before) != string(after) {
		t.Error("the renewal rewrote config.yaml")
	}
	at, ok := m.StoredExpiry(fake.URL(), target.Account)
	if !ok || at.Before(time.Now().Add(50*time.Minute)) {
		t.Errorf("stored expiry %v, %v; want the renewed token's", at, ok)
	}
	if _, ok := m.StoredExpiry(fake.URL(), &config.Account{Name: "nobody", AuthMethod: config.AuthAPIKey}); ok {
		t.Error("an expiry for an account without a secret")
	}
}
