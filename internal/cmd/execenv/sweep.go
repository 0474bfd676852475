package execenv

import (
	"bytes"
	"errors"
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

// tokenFiles are the files the zenml client writes the token to (§10):
// the only ones exec edits, and only through their YAML structure. A
// token found anywhere else (a log, a local store's SQLite file) is
// reported, never cut out: its bytes are not zenctl's to rewrite.
var tokenFiles = []string{"config.yaml", "credentials.yaml"}

// maxSearchedFile bounds the files searched for the token: zenml's own
// files are a few KB, logs a few MB; a bigger artifact of a local store
// is not searched, so that exec does not read gigabytes when it ends.
const maxSearchedFile = 256 << 20

// mtimeSlack allows for filesystems with coarse modification times.
const mtimeSlack = 2 * time.Second

// tokenSweep removes one token from the files of the zenml config dir.
type tokenSweep struct {
	dir   string
	match tokenMatch
	// since: files not modified after it cannot hold the token, minted
	// just before the child started.
	since time.Time
	// created are the tokenFiles that did not exist before the child
	// started: one that holds nothing but the token goes entirely.
	created map[string]bool
}

// newTokenSweep records the state of dir before the child starts.
func newTokenSweep(dir, token string) *tokenSweep {
	if dir == "" || token == "" {
		return nil
	}
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	s := &tokenSweep{dir: dir, match: matchToken(token), since: time.Now().Add(-mtimeSlack), created: map[string]bool{}}
	for _, name := range tokenFiles {
		if _, err := os.Lstat(filepath.Join(dir, name)); errors.Is(err, fs.ErrNotExist) {
			s.created[name] = true
		}
	}
	return s
}

// sweepFailure is a file that still holds the token; edited reports that
// it is one of zenml's token files, which a later sweep may yet clean.
type sweepFailure struct {
	path   string
	err    error
	edited bool
}

// errNotZenmlTokenFile is why a file other than tokenFiles is left alone.
var errNotZenmlTokenFile = errors.New("zenctl edits only zenml's config.yaml and credentials.yaml, so it left this file as it is")

// run removes the token from zenml's token files, leaving the rest of
// each file, its mode and every other file as they are, and reports every
// file that still holds it. Concurrent execs sweeping the same directory
// take turns.
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
		name, own := s.tokenFile(path)
		if own {
			if err := s.sweepTokenFile(path, name); err != nil {
				failures = append(failures, sweepFailure{path, err, true})
			}
		} else if s.holdsToken(path) {
			failures = append(failures, sweepFailure{path, errNotZenmlTokenFile, false})
		}
		return nil
	})
	return failures
}

// tokenFile reports whether path is one of tokenFiles, and which.
func (s *tokenSweep) tokenFile(path string) (name string, own bool) {
	for _, name := range tokenFiles {
		if path == filepath.Join(s.dir, name) {
			return name, true
		}
	}
	return "", false
}

// changedSince reports whether the file at path may hold the token.
func (s *tokenSweep) changedSince(path string) (fs.FileInfo, bool) {
	fi, err := os.Lstat(path)
	if err != nil || fi.ModTime().Before(s.since) || fi.Size() > maxSearchedFile {
		return nil, false
	}
	return fi, true
}

// holdsToken searches a file that is not zenml's token file.
func (s *tokenSweep) holdsToken(path string) bool {
	if _, ok := s.changedSince(path); !ok {
		return false
	}
	found, _ := s.match.inFile(path)
	return found
}

func (s *tokenSweep) sweepTokenFile(path, name string) error {
	fi, ok := s.changedSince(path)
	if !ok {
		return nil
	}
	data, err := os.ReadFile(path)
	if err != nil || !s.match.inText(data) {
		return err
	}
	if data, err = readWhole(path, data); err != nil {
		return err
	}
	cleaned, empty, err := withoutToken(data, s.match)
	if err != nil {
		return err
	}
	if empty && s.created[name] {
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

// withoutToken is a zenml YAML file without the token: every entry whose
// value holds it (and an entry left with nothing but its url: the
// credentials entry zenml made for the token alone). empty reports that
// nothing is left. A file that is not YAML is an error, never cut.
func withoutToken(data []byte, m tokenMatch) (cleaned []byte, empty bool, err error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil || doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, false, errors.New("it is not the YAML zenml writes, so zenctl left it as it is")
	}
	root := doc.Content[0]
	if drop, _ := dropToken(root, m); drop {
		if root.Kind == yaml.MappingNode {
			// What zenml itself writes for no entries.
			return []byte("{}\n"), true, nil
		}
		return nil, true, nil
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil || enc.Close() != nil {
		return nil, false, errors.New("zenctl could not rewrite its YAML, so it left it as it is")
	}
	return b.Bytes(), root.Kind == yaml.MappingNode && len(root.Content) == 0, nil
}

// dropToken removes from n every part that holds token; drop reports
// that n itself holds it and should go, changed that a part of it went.
func dropToken(n *yaml.Node, m tokenMatch) (drop, changed bool) {
	switch n.Kind {
	case yaml.ScalarNode:
		return m.inScalar(n.Value), false
	case yaml.SequenceNode:
		kept := n.Content[:0]
		for _, item := range n.Content {
			if d, c := dropToken(item, m); !d {
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
			dk, _ := dropToken(k, m)
			dv, cv := dropToken(v, m)
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
