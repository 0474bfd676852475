package execenv

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/zenctl/zenctl/internal/atomicfile"
)

// The zenml Python client copies the token it is handed into its config
// directory and leaves it there, readable by everyone (0644): 0.58 in
// config.yaml's store.api_token, 0.85 in credentials.yaml under the
// server's URL (shared/zenml-api.md §10). DISABLE_CREDENTIALS_DISK_CACHING
// does not stop 0.58. So once the child has ended, exec takes back what it
// gave: the token it minted, and nothing else.

// maxSweptFile bounds the files read: zenml's own files are a few KB;
// anything bigger (a local store's artifacts) is not where it writes
// credentials.
const maxSweptFile = 1 << 20

// mtimeSlack allows for filesystems with coarse modification times.
const mtimeSlack = 2 * time.Second

// tokenSweep removes one token from the files of the zenml config dir.
type tokenSweep struct {
	dir   string
	token string
	// since: files not modified after it cannot hold the token, minted
	// just before the child started.
	since time.Time
	// existed are the files there before the child started: a file the
	// child created that holds nothing but the token goes entirely.
	existed map[string]bool
}

// newTokenSweep records the state of dir before the child starts.
func newTokenSweep(dir, token string) *tokenSweep {
	if dir == "" || token == "" {
		return nil
	}
	s := &tokenSweep{dir: dir, token: token, since: time.Now().Add(-mtimeSlack), existed: map[string]bool{}}
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			s.existed[path] = true
		}
		return nil
	})
	return s
}

// sweepFailure is a file that still holds the token.
type sweepFailure struct {
	path string
	err  error
}

// run removes the token from every file of the directory that holds it,
// leaving the rest of each file, its mode and every other file as they
// are. Concurrent execs sweeping the same directory take turns.
func (s *tokenSweep) run() []sweepFailure {
	if s == nil {
		return nil
	}
	unlock := lockDir(s.dir)
	defer unlock()
	var failures []sweepFailure
	_ = filepath.WalkDir(s.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil // symlinks are not followed: what they point at is not zenml's
		}
		if err := s.sweepFile(path); err != nil {
			failures = append(failures, sweepFailure{path, err})
		}
		return nil
	})
	return failures
}

func (s *tokenSweep) sweepFile(path string) error {
	fi, err := os.Lstat(path)
	if err != nil || fi.Size() > maxSweptFile || fi.ModTime().Before(s.since) {
		return nil
	}
	data, err := os.ReadFile(path)
	if err != nil || !bytes.Contains(data, []byte(s.token)) {
		return err
	}
	if data, err = readWhole(path, data); err != nil {
		return err
	}
	cleaned, empty := withoutToken(data, s.token)
	if empty && !s.existed[path] {
		return os.Remove(path)
	}
	// The same mode: a file is never made more readable than the child
	// left it.
	return atomicfile.WriteFile(path, cleaned, fi.Mode().Perm())
}

// readWhole rereads a file another process may be rewriting (zenml
// truncates and writes in place) while data, its last read, does not
// parse, so that a half-written file is not taken for the whole.
func readWhole(path string, data []byte) ([]byte, error) {
	for range 5 {
		var doc yaml.Node
		if yaml.Unmarshal(data, &doc) == nil {
			return data, nil
		}
		time.Sleep(20 * time.Millisecond)
		var err error
		if data, err = os.ReadFile(path); err != nil {
			return nil, err
		}
	}
	return data, nil
}

// withoutToken is data without the token: for YAML, every entry whose
// value holds it (and an entry left with nothing but its url: the
// credentials entry zenml made for the token alone); for anything else,
// the token's bytes. empty reports that nothing is left.
func withoutToken(data []byte, token string) (cleaned []byte, empty bool) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil || doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		cleaned = bytes.ReplaceAll(data, []byte(token), nil)
		return cleaned, len(bytes.TrimSpace(cleaned)) == 0
	}
	root := doc.Content[0]
	if drop, _ := dropToken(root, token); drop {
		if root.Kind == yaml.MappingNode {
			// What zenml itself writes for no entries.
			return []byte("{}\n"), true
		}
		return nil, true
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil || enc.Close() != nil {
		return bytes.ReplaceAll(data, []byte(token), nil), false
	}
	if root.Kind == yaml.MappingNode && len(root.Content) == 0 {
		return b.Bytes(), true
	}
	return b.Bytes(), false
}

// dropToken removes from n every part that holds token; drop reports
// that n itself holds it and should go, changed that a part of it went.
func dropToken(n *yaml.Node, token string) (drop, changed bool) {
	switch n.Kind {
	case yaml.ScalarNode:
		return strings.Contains(n.Value, token), false
	case yaml.SequenceNode:
		kept := n.Content[:0]
		for _, item := range n.Content {
			if d, c := dropToken(item, token); !d {
				kept = append(kept, item)
				changed = changed || c
			} else {
				changed = true
			}
		}
		n.Content = kept
		return changed && len(kept) == 0, changed
	case yaml.MappingNode:
		kept := n.Content[:0]
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			dk, _ := dropToken(k, token)
			dv, cv := dropToken(v, token)
			if dk || dv || cv && madeForTheToken(k, v) {
				changed = true
				continue
			}
			changed = changed || cv
			kept = append(kept, k, v)
		}
		n.Content = kept
		return changed && len(kept) == 0, changed
	}
	return false, false
}

// madeForTheToken reports whether the mapping v under key k, once the
// token is gone, is an entry of credentials.yaml that zenml made for the
// token alone: keyed by a server URL and holding nothing but that url.
func madeForTheToken(k, v *yaml.Node) bool {
	return v.Kind == yaml.MappingNode && len(v.Content) == 2 &&
		v.Content[0].Value == "url" && v.Content[1].Value == k.Value
}

// zenmlConfigDir is the directory the zenml client of a process with
// environment env uses: ZENML_CONFIG_PATH, else click's app dir for
// "zenml" (shared/zenml-api.md §7).
func zenmlConfigDir(env []string) string {
	getenv := func(name string) string {
		for i := len(env) - 1; i >= 0; i-- {
			if k, v, _ := strings.Cut(env[i], "="); k == name {
				return v
			}
		}
		return ""
	}
	if d := getenv("ZENML_CONFIG_PATH"); d != "" {
		return d
	}
	switch runtime.GOOS {
	case "windows":
		if d := getenv("APPDATA"); d != "" {
			return filepath.Join(d, "zenml")
		}
	case "darwin":
		if h := getenv("HOME"); h != "" {
			return filepath.Join(h, "Library", "Application Support", "zenml")
		}
	default:
		if d := getenv("XDG_CONFIG_HOME"); d != "" {
			return filepath.Join(d, "zenml")
		}
		if h := getenv("HOME"); h != "" {
			return filepath.Join(h, ".config", "zenml")
		}
	}
	return ""
}
