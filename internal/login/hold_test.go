package login

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/zenctl/zenctl/internal/config"
	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

// Two processes announcing the same rotation: the one holding the lock
// learns that the other comes after it; a different intent, or an
// announcement withdrawn, says nothing.
func TestQueuedRotationIsSeenByTheHolder(t *testing.T) {
	t.Parallel()
	m := fakeManager(t, nil)
	const u = "https://zenml.example.com"
	first := m.Queue(u, "ci-bot/default")
	second := m.Queue(u, "ci-bot/default")
	other := m.Queue(u, "ci-bot/other")
	defer other.Leave()

	release, err := first.Hold(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !m.store().holding(u) {
		t.Error("the holder's own takes of the lock would wait for themselves")
	}
	if !first.QueuedAfter() {
		t.Error("the holder did not see the later rotation of the same key")
	}
	second.Leave()
	if first.QueuedAfter() {
		t.Error("a withdrawn announcement still counts")
	}
	// Within the hold, this manager takes the lock again without waiting.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	unlock, err := m.Lock(ctx, u)
	if err != nil {
		t.Fatalf("the holder's own lock: %v", err)
	}
	unlock()
	release()
	if m.store().holding(u) {
		t.Error("still holding after release")
	}
}

// Every other account of the URL that does not trust the server now
// answering is named with the command that logs it in again; the account
// just logged in, and one without a secret, are not.
func TestBlockedAccountsAfterANewIdentity(t *testing.T) {
	t.Parallel()
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	m := fakeManager(t, nil)
	m.Warn = &bytes.Buffer{}
	loggedInAs(t, m, fake, "ci")
	loggedInAs(t, m, fake, "deployer")
	info, err := mustClient(t, m, fake.URL()).Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if b := m.BlockedAccounts(fake.URL(), "ci", info); len(b) != 0 {
		t.Fatalf("the same server blocks %v", b)
	}
	moved := *info
	moved.ID = "00000000-0000-0000-0000-00000000beef"
	b := m.BlockedAccounts(fake.URL(), "ci", &moved)
	if len(b) != 1 || b[0].Account != "deployer" || b[0].Command == "" {
		t.Fatalf("blocked after a new identity: %+v", b)
	}
	if b := m.BlockedAccounts("https://nowhere.invalid", "", &moved); b != nil {
		t.Errorf("an unknown server blocks %v", b)
	}

	// status --all resolves each stored account by name.
	for _, name := range []string{"ci", "deployer"} {
		tg, err := m.ResolveAccount(fake.URL(), config.Setting{Value: fake.URL(), Source: config.SourceFlag}, name)
		if err != nil || tg.AccountName() != name || tg.Store == nil {
			t.Errorf("ResolveAccount(%s): %v", name, err)
		}
	}
	if _, err := m.ResolveAccount(fake.URL(), config.Setting{Value: fake.URL(), Source: config.SourceFlag}, "nobody"); err == nil {
		t.Error("an unknown account resolved")
	}
}
