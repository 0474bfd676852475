package login

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/zenctl/zenctl/internal/config"
	"github.com/zenctl/zenctl/internal/credentials"
	"github.com/zenctl/zenctl/pkg/zenml"
	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

// onRequest calls hook after each answer of the fake whose request
// matches method and path; it is how a test interleaves another process.
type onRequest struct {
	next         http.RoundTripper
	method, path string
	hook         func()
}

func (o *onRequest) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := o.next.RoundTrip(r)
	if r.Method == o.method && strings.HasSuffix(r.URL.Path, o.path) && o.hook != nil {
		hook := o.hook
		o.hook = nil
		hook()
	}
	return resp, err
}

// fakeManager is a login layer over a fresh config dir whose clients talk
// to the fake; rt, when set, sits between them.
func fakeManager(t *testing.T, rt http.RoundTripper) *Manager {
	t.Helper()
	m := newManager(t, credentials.NewMemoryKeyring(), map[string]string{"ZENCTL_STORAGE": "file"})
	m.NewClient = func(serverURL string, tls TLS, tokens zenml.TokenSource) (*zenml.Client, error) {
		opts := zenml.Options{Tokens: tokens, MaxRetries: -1}
		if rt != nil {
			opts.HTTPClient = &http.Client{Transport: rt}
		}
		return zenml.NewClient(serverURL, opts)
	}
	return m
}

// loggedInAs stores an API-key login of a new service account on the fake
// and returns its target and the service account's id.
func loggedInAs(t *testing.T, m *Manager, fake *zenmltest.Server, name string) (*Target, string) {
	t.Helper()
	ctx := context.Background()
	saID := fake.CreateServiceAccount(name)
	key := fake.CreateAPIKey(saID, "default")
	client, _ := m.NewClient(fake.URL(), TLS{}, nil)
	info, err := client.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	secret, err := client.Exchange(ctx, credentials.Secret{APIKey: key}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Save(ctx, Login{URL: fake.URL(), Info: info, Account: name, Type: config.AccountServiceAccount,
		Method: config.AuthAPIKey, Secret: secret, Store: credentials.NewFileStore(m.Dir)}); err != nil {
		t.Fatal(err)
	}
	target, err := m.Resolve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return target, saID
}

func storedKey(t *testing.T, m *Manager, serverURL, account string) string {
	t.Helper()
	key, _ := m.secretKey(serverURL, account)
	secret, err := credentials.NewFileStore(m.Dir).Get(key)
	if err != nil {
		t.Fatal(err)
	}
	return secret.APIKey
}

func rotate(t *testing.T, fake *zenmltest.Server, saID string) string {
	t.Helper()
	admin, _ := zenml.NewClient(fake.URL(), zenml.Options{Tokens: zenml.StaticToken(fake.AdminToken())})
	k, err := admin.RotateAPIKey(context.Background(), saID, "default", 0)
	if err != nil {
		t.Fatal(err)
	}
	return k.Secret()
}

// Finding 4: a rotation that lands between another adoption's check and
// its save is the later one, and what is stored in the end.
func TestLaterOfTwoConcurrentRotationsIsStored(t *testing.T) {
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	interleave := &onRequest{next: http.DefaultTransport, method: http.MethodPost, path: "/api/v1/login"}
	m := fakeManager(t, interleave)
	target, saID := loggedInAs(t, m, fake, "ci")
	ctx := context.Background()

	first := rotate(t, fake, saID)
	var second string
	secondDone := make(chan error, 1)
	interleave.hook = func() {
		// The other process rotates right after this one's key was
		// checked, and adopts its key as soon as it can.
		second = rotate(t, fake, saID)
		other := managerAt(t, m.Dir, m.Keyring, map[string]string{"ZENCTL_STORAGE": "file"})
		other.NewClient = m.NewClient
		go func() {
			otherTarget, err := other.Resolve(ctx)
			if err == nil {
				_, _, err = other.AdoptAPIKey(ctx, otherTarget, second)
			}
			secondDone <- err
		}()
		select { // without the lock around check and save, it finishes now
		case <-secondDone:
			secondDone <- nil
		case <-time.After(300 * time.Millisecond):
		}
	}
	if _, _, err := m.AdoptAPIKey(ctx, target, first); err != nil {
		t.Fatal(err)
	}
	if err := <-secondDone; err != nil {
		t.Fatalf("the later adoption: %v", err)
	}
	if got := storedKey(t, m, fake.URL(), "ci"); got != second {
		t.Errorf("stored the superseded key")
	}

	// The earlier rotation adopted last finds its key superseded and
	// leaves the later one.
	third := rotate(t, fake, saID)
	fourth := rotate(t, fake, saID)
	if _, _, err := m.AdoptAPIKey(ctx, target, fourth); err != nil {
		t.Fatal(err)
	}
	if _, _, err := m.AdoptAPIKey(ctx, target, third); !errors.Is(err, ErrKeySuperseded) {
		t.Errorf("err = %v, want ErrKeySuperseded", err)
	}
	if got := storedKey(t, m, fake.URL(), "ci"); got != fourth {
		t.Errorf("the superseded key replaced the later one")
	}
}

// Finding 5: the playbook's order, deactivate then rotate --set-key.
func TestAdoptedKeyOfADeactivatedAccountIsStoredWithAWarning(t *testing.T) {
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	m := fakeManager(t, nil)
	target, saID := loggedInAs(t, m, fake, "ci")
	ctx := context.Background()
	admin, _ := zenml.NewClient(fake.URL(), zenml.Options{Tokens: zenml.StaticToken(fake.AdminToken())})
	off, on := false, true
	if _, err := admin.UpdateServiceAccount(ctx, saID, zenml.ServiceAccountUpdate{Active: &off}); err != nil {
		t.Fatal(err)
	}
	key := rotate(t, fake, saID)
	user, saved, err := m.AdoptAPIKey(ctx, target, key)
	if err != nil {
		t.Fatal(err)
	}
	if user.Name != "ci" || !strings.Contains(saved.Inactive, "deactivated") {
		t.Errorf("user %s, saved %+v", user.Name, saved)
	}
	if got := storedKey(t, m, fake.URL(), "ci"); got != key {
		t.Error("the new key was not stored")
	}
	// Dead while deactivated: the next command says so rather than use
	// the old token.
	client, _, err := m.Client(ctx)
	if err == nil {
		_, err = client.CurrentUser(ctx)
	}
	if err == nil {
		t.Error("a command worked with the deactivated account's key")
	}
	if _, err := admin.UpdateServiceAccount(ctx, saID, zenml.ServiceAccountUpdate{Active: &on}); err != nil {
		t.Fatal(err)
	}
	client, _, err = m.Client(ctx)
	if err == nil {
		_, err = client.CurrentUser(ctx)
	}
	if err != nil {
		t.Errorf("once active again: %v", err)
	}
}
