package credentials

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkFileStoreGet is the file store's share of `zenctl token`: read
// and decode credentials.json (ten servers) and pick one.
func BenchmarkFileStoreGet(b *testing.B) {
	st := NewFileStore(b.TempDir())
	for i := range 10 {
		s := Secret{APIKey: "ZENKEY_" + fmt.Sprint(i), AccessToken: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.sig",
			ExpiresAt: time.Now().Add(time.Hour), Lifetime: time.Hour}
		if err := st.Set(fmt.Sprintf("https://s%d.example.com", i), s); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := st.Get("https://s7.example.com"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFileStoreSet is the write a token refresh makes: locked
// re-read, encode, atomic replace.
func BenchmarkFileStoreSet(b *testing.B) {
	st := NewFileStore(b.TempDir())
	s := Secret{APIKey: "ZENKEY_x", AccessToken: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.sig", ExpiresAt: time.Now().Add(time.Hour), Lifetime: time.Hour}
	b.ReportAllocs()
	for b.Loop() {
		if err := st.Set("https://zenml.example.com", s); err != nil {
			b.Fatal(err)
		}
	}
}
