package config

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzLoad feeds arbitrary bytes to Load as config.yaml. A file that does
// not parse must give a one-line error naming the file (never a panic,
// never a silent empty config); Load must not touch the file; and a file
// that parses must survive zenctl's own rewrite (as Update does it):
// the rewritten file parses to the same settings and servers, and
// rewriting it again changes nothing.
func FuzzLoad(f *testing.F) {
	f.Add([]byte("active_server: https://zenml.example.com\nstorage: keyring\noutput: json\nhttp_timeout: 30\nservers:\n  - url: https://zenml.example.com\n    auth_method: api_key\n    secret_store: keyring\n    token_expires_at: 2030-01-02T03:04:05Z\n"))
	f.Add([]byte("servers:\n  - server_name: no-url\n"))
	f.Add([]byte("servers: {url: x}\n"))
	f.Add([]byte("future_key: [1, 2]\nservers:\n  - url: http://127.0.0.1:8237/a.b\n    future_field: {nested: true}\n    verify_ssl: false\n"))
	f.Add([]byte("active_server: &a x\nstorage: *a\n"))
	f.Add([]byte("\t- not yaml: ["))
	f.Add([]byte("http_timeout: ninety\n"))
	f.Add([]byte("   \n\n"))
	f.Add([]byte("? [complex, key]\n: value\n"))
	dir := f.TempDir()
	path := Path(dir)
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := Load(dir)
		if after, _ := os.ReadFile(path); !bytes.Equal(after, data) {
			t.Fatal("Load changed the file")
		}
		if err != nil {
			msg := err.Error()
			if !strings.Contains(msg, path) {
				t.Fatalf("error does not name %s: %q", path, msg)
			}
			if strings.ContainsAny(msg, "\r\n") {
				t.Fatalf("error spans lines: %q", msg)
			}
			if c != nil {
				t.Fatal("config returned with an error")
			}
			return
		}
		for i, s := range c.Servers {
			if s.URL == "" {
				t.Fatalf("servers[%d] has no url but Load accepted it", i)
			}
		}

		out, err := c.marshal()
		if err != nil {
			// yaml.v3 cannot always re-encode what it decoded (e.g. some
			// unknown keys); Update then refuses to write, which is safe.
			return
		}
		c2, err := parse(filepath.Join(dir, "rewritten.yaml"), out)
		if err != nil {
			t.Fatalf("rewritten config does not parse: %v\ninput:\n%s\nrewritten:\n%s", err, data, out)
		}
		if c2.ActiveServer != c.ActiveServer || c2.Storage != c.Storage || c2.Output != c.Output || c2.HTTPTimeout != c.HTTPTimeout {
			t.Fatalf("settings changed by a rewrite: %+v -> %+v", c, c2)
		}
		if strings.Join(c2.ServerURLs(), "\n") != strings.Join(c.ServerURLs(), "\n") {
			t.Fatalf("servers changed by a rewrite: %q -> %q", c.ServerURLs(), c2.ServerURLs())
		}
		out2, err := c2.marshal()
		if err != nil || !bytes.Equal(out, out2) {
			t.Fatalf("second rewrite differs (%v):\n%s\n---\n%s", err, out, out2)
		}
	})
}
