package credentials

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// zenml.Credentials prints and marshals redacted; the stores must still
// write the real secrets, in the format zenctl has always written (older
// versions read these files and keyring entries).
func TestStoresWriteTheRealSecretsInTheOldFormat(t *testing.T) {
	t.Parallel()
	const server = "https://zenml.example.com"
	s := Secret{APIKey: "ZENKEY_x", Username: "alice", Password: "pw", AccessToken: "a.b.c",
		ExpiresAt: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC), Lifetime: time.Hour}

	dir := filepath.Join(t.TempDir(), "zenctl")
	file := NewFileStore(dir)
	if err := file.Set(server, s); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(file.Path())
	if err != nil {
		t.Fatal(err)
	}
	const wantFile = `{
  "version": 1,
  "servers": {
    "https://zenml.example.com": {
      "api_key": "ZENKEY_x",
      "username": "alice",
      "password": "pw",
      "has_password": true,
      "access_token": "a.b.c",
      "expires_at": "2030-01-02T03:04:05Z",
      "lifetime": 3600
    }
  }
}
`
	if string(data) != wantFile {
		t.Errorf("credentials file:\n%s\nwant:\n%s", data, wantFile)
	}
	if got, err := file.Get(server); err != nil || got != s {
		t.Errorf("file round trip: %v, %v", got.Username, err)
	}

	mem := NewMemoryKeyring()
	kr := NewKeyringStore(mem, 0)
	if err := kr.Set(server, s); err != nil {
		t.Fatal(err)
	}
	entry, _ := mem.Get(KeyringService, server)
	const wantEntry = `{"api_key":"ZENKEY_x","username":"alice","password":"pw","has_password":true,"access_token":"a.b.c","expires_at":"2030-01-02T03:04:05Z","lifetime":3600}`
	if entry != wantEntry {
		t.Errorf("keyring entry %s, want %s", entry, wantEntry)
	}
	if got, err := kr.Get(server); err != nil || got != s {
		t.Errorf("keyring round trip: %v, %v", got.Username, err)
	}
}
