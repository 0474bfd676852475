package credentials

import (
	"os"
	"testing"
)

// BenchmarkKeyringGetReal is the keyring's share of `zenctl token`: one
// KeyringStore.Get against the real Secret Service, on an already open
// D-Bus connection (a new process also pays the connection setup). It
// runs only inside .ci/keyring-session.sh, which sets
// ZENCTL_TEST_REAL_KEYRING=1 and a throwaway keyring:
//
//	dbus-run-session -- .ci/keyring-session.sh go test -run '^$' -bench KeyringGetReal ./internal/credentials
func BenchmarkKeyringGetReal(b *testing.B) {
	if os.Getenv("ZENCTL_TEST_REAL_KEYRING") != "1" {
		b.Skip("needs a throwaway Secret Service: run under .ci/keyring-session.sh")
	}
	st := NewKeyringStore(nil, 0)
	const server = "https://bench.zenctl.invalid"
	if err := st.Set(server, sampleSecret()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = st.Delete(server) })
	b.ReportAllocs()
	for b.Loop() {
		if _, err := st.Get(server); err != nil {
			b.Fatal(err)
		}
	}
}
