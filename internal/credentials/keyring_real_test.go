package credentials

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

// realKeyringEnv gates the tests that use the real OS keyring. CI sets it
// inside a throwaway D-Bus session with an unlocked gnome-keyring
// (.ci/keyring-session.sh); developers never run these by accident.
const realKeyringEnv = "ZENCTL_TEST_REAL_KEYRING"

// realKeyring returns a store on the real keyring and a unique URL prefix,
// deleting every entry the test used afterwards.
func realKeyring(t *testing.T) (*KeyringStore, func(path string) string) {
	t.Helper()
	if os.Getenv(realKeyringEnv) != "1" {
		t.Skipf("set %s=1 to test the real OS keyring (run via: dbus-run-session -- .ci/keyring-session.sh go test ./internal/credentials/)", realKeyringEnv)
	}
	if err := sessionBusCheck(); err != nil {
		t.Fatalf("%s=1 but %v", realKeyringEnv, err)
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	run := hex.EncodeToString(b)
	st := NewKeyringStore(nil, 0)
	var used []string
	t.Cleanup(func() {
		for _, u := range used {
			if err := st.Delete(u); err != nil {
				t.Errorf("cleanup %s: %v", u, err)
			}
		}
	})
	return st, func(path string) string {
		u := "https://zenctl-test-" + run + ".example.com" + path
		used = append(used, u)
		return u
	}
}

func TestRealKeyringTwoServers(t *testing.T) {
	st, url := realKeyring(t)
	a, b := url(""), url(":8443/zen")
	if _, err := st.Get(a); !errors.Is(err, ErrNotFound) {
		t.Fatalf("absent: %v", err)
	}
	must(t, st.Set(a, Secret{APIKey: "ZENKEY_a"}))
	must(t, st.Set(b, sampleSecret()))
	got, err := st.Get(a)
	if err != nil || got.APIKey != "ZENKEY_a" {
		t.Fatalf("a: %+v, %v", got, err)
	}
	got, err = st.Get(b)
	want := sampleSecret()
	if err != nil || got.AccessToken != want.AccessToken || !got.ExpiresAt.Equal(want.ExpiresAt) || got.Username != want.Username || got.Lifetime != time.Hour {
		t.Fatalf("b: %+v, %v", got, err)
	}

	must(t, st.Delete(a))
	if _, err := st.Get(a); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a after delete: %v", err)
	}
	if got, err := st.Get(b); err != nil || got.AccessToken != want.AccessToken {
		t.Fatalf("deleting a touched b: %+v, %v", got, err)
	}
	must(t, st.Delete(a)) // absent again: not an error
}

func TestRealKeyringURLKeysAreExact(t *testing.T) {
	st, url := realKeyring(t)
	// Dots, colons, slashes and a port: must be one opaque key, distinct
	// from its near neighbours.
	k1 := url(":8237/prefix.v1/api")
	k2 := url(":8237/prefix.v1")
	k3 := "http://127.0.0.1:8237/zenctl." + strings.TrimPrefix(k1, "https://")
	t.Cleanup(func() { _ = st.Delete(k3) })
	must(t, st.Set(k1, Secret{APIKey: "one"}))
	must(t, st.Set(k2, Secret{APIKey: "two"}))
	must(t, st.Set(k3, Secret{APIKey: "three"}))
	for k, want := range map[string]string{k1: "one", k2: "two", k3: "three"} {
		if got, err := st.Get(k); err != nil || got.APIKey != want {
			t.Fatalf("%s: %+v, %v", k, got, err)
		}
	}
}

func TestRealKeyringUpdateOverwrites(t *testing.T) {
	st, url := realKeyring(t)
	k := url("")
	must(t, st.Set(k, Secret{APIKey: "old", AccessToken: "t1"}))
	must(t, st.Set(k, Secret{APIKey: "new"}))
	got, err := st.Get(k)
	if err != nil || got.APIKey != "new" || got.AccessToken != "" {
		t.Fatalf("after overwrite: %+v, %v", got, err)
	}
}

func TestRealKeyringSizeCap(t *testing.T) {
	st, url := realKeyring(t)
	k := url("")
	atCap := secretOfSize(t, MaxSecretSize)
	must(t, st.Set(k, atCap))
	got, err := st.Get(k)
	if err != nil || got.AccessToken != atCap.AccessToken {
		t.Fatalf("value at cap did not round-trip: %v", err)
	}
	if err := st.Set(url("/over"), secretOfSize(t, MaxSecretSize+1)); err == nil {
		t.Fatal("value over cap accepted")
	}
}

func TestRealKeyringOpen(t *testing.T) {
	realKeyring(t)
	for _, explicit := range []bool{false, true} {
		st, err := Open(Options{Explicit: explicit, Dir: t.TempDir(), RecordFallback: func(Mode) error {
			t.Fatal("fell back with a working keyring")
			return nil
		}})
		must(t, err)
		if st.Kind() != "keyring" {
			t.Fatalf("explicit=%v: kind %q", explicit, st.Kind())
		}
	}
	st, err := OpenExisting("keyring", Options{Dir: t.TempDir()})
	must(t, err)
	if st.Kind() != "keyring" {
		t.Fatalf("OpenExisting kind %q", st.Kind())
	}
}
