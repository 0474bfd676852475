package credentials

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
)

// FuzzFileStoreGet feeds arbitrary bytes to the file store as
// credentials.json. Get either finds a secret, reports ErrNotFound, or
// fails with a one-line error naming the file. A file Get cannot read is
// never replaced (a Set for another server fails and leaves it as it
// was); a file it can read keeps every secret when another server's is
// added.
func FuzzFileStoreGet(f *testing.F) {
	const server = "https://zenml.example.com"
	f.Add([]byte(`{"version":1,"servers":{"https://zenml.example.com":{"api_key":"ZENKEY_x","access_token":"a.b.c","expires_at":"2030-01-02T03:04:05Z","lifetime":3600}}}`), server)
	f.Add([]byte(`{"version":1,"servers":{"http://127.0.0.1:8237/p.v1":{"username":"alice","has_password":true}}}`), "http://127.0.0.1:8237/p.v1")
	f.Add([]byte(`{"version":2,"servers":{}}`), server)
	f.Add([]byte(`{"version":1,"servers":null}`), server)
	f.Add([]byte(`{"servers":{"https://zenml.example.com":{"expires_at":"not a time"}}}`), server)
	f.Add([]byte(`{"servers":{"https://zenml.example.com":{"lifetime":"3600"}}}`), server)
	f.Add([]byte(`{"version":1,"servers":{"a":{}},"servers":{"b":{}}}`), "a")
	f.Add([]byte("{\n  \"version\": 1,\n  \"servers\": {\n"), server)
	f.Add([]byte("   "), server)
	f.Add([]byte(`[]`), server)
	f.Add([]byte(`{"SERVERS":{"x":{"API_KEY":"k"}}}`), "x")
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte, srv string) {
		if srv == "" {
			srv = server
		}
		st := NewFileStore(dir)
		if err := os.WriteFile(st.Path(), data, 0o600); err != nil {
			t.Fatal(err)
		}
		secret, err := st.Get(srv)
		other := srv + "/fuzz-other"
		if err != nil && !errors.Is(err, ErrNotFound) {
			msg := err.Error()
			if !strings.Contains(msg, st.Path()) {
				t.Fatalf("error does not name %s: %q", st.Path(), msg)
			}
			if strings.ContainsAny(msg, "\r\n") {
				t.Fatalf("error spans lines: %q", msg)
			}
			if err := st.Set(other, Secret{APIKey: "k"}); err == nil {
				t.Fatalf("Set replaced a credentials file that Get rejected (%v)", msg)
			}
			if after, _ := os.ReadFile(st.Path()); !bytes.Equal(after, data) {
				t.Fatal("a rejected credentials file was changed")
			}
			return
		}

		if err := st.Set(other, Secret{APIKey: "k"}); err != nil {
			t.Fatalf("Set on a file Get accepted: %v", err)
		}
		again, err2 := st.Get(srv)
		if errors.Is(err, ErrNotFound) {
			if !errors.Is(err2, ErrNotFound) {
				t.Fatalf("secret appeared after another server's Set: %+v, %v", again, err2)
			}
		} else {
			if err2 != nil {
				t.Fatalf("secret lost after another server's Set: %v", err2)
			}
			if !again.ExpiresAt.Equal(secret.ExpiresAt) {
				t.Fatalf("expiry changed: %v -> %v", secret.ExpiresAt, again.ExpiresAt)
			}
			again.ExpiresAt = secret.ExpiresAt
			if again != secret {
				t.Fatalf("secret changed after another server's Set: %+v -> %+v", secret, again)
			}
		}
		var c fileContent
		written, _ := os.ReadFile(st.Path())
		if err := json.Unmarshal(written, &c); err != nil || c.Version != fileFormatVersion {
			t.Fatalf("rewritten file: version %d, %v", c.Version, err)
		}
	})
}
