package login

import (
	"context"
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
