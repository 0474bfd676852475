package execenv

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/gofrs/flock"

	"github.com/zenctl/zenctl/internal/atomicfile"
)

// A zenctl killed while its child runs (SIGKILL, a crash, a power cut)
// cannot take the token back. So before the child starts, exec records in
// zenctl's own config directory (0700) which token it handed on and where
// the child's zenml config directory is — the token's SHA-256, never the
// token — and holds a lock on the record while it lives. The next exec
// sweeps the tokens of every record whose lock is free (its zenctl is
// gone) before anything else: a concurrent exec's record stays locked,
// so its child keeps its token.

// pendingDirName is the directory of the records in zenctl's config dir.
const pendingDirName = "exec-pending"

// pendingRecord is one token handed to a child and not yet taken back.
type pendingRecord struct {
	ZenmlDir    string    `json:"zenml_dir"`
	TokenSHA256 string    `json:"token_sha256"`
	Since       time.Time `json:"since"`
	ExpiresAt   time.Time `json:"expires_at,omitzero"`
	// Created are the zenml token files the child created.
	Created []string `json:"created,omitempty"`
}

// pending is the record of the running exec: <id>.json, and <id>.lock,
// which it holds until the token is taken back.
type pending struct {
	lock *flock.Flock
	path string
}

// recordPending records sweep's token before the child starts.
func recordPending(zenctlDir string, sweep *tokenSweep, expiresAt time.Time) (*pending, error) {
	if sweep == nil || sweep.match.token == "" {
		return nil, nil
	}
	dir := filepath.Join(zenctlDir, pendingDirName)
	if err := atomicfile.EnsureDir(dir); err != nil {
		return nil, err
	}
	id := make([]byte, 12)
	if _, err := rand.Read(id); err != nil {
		return nil, err
	}
	base := filepath.Join(dir, hex.EncodeToString(id))
	lock := flock.New(base+".lock", flock.SetPermissions(0o600))
	if locked, err := lock.TryLock(); !locked {
		return nil, lockError(err)
	}
	rec := pendingRecord{ZenmlDir: sweep.dir, TokenSHA256: hex.EncodeToString(sweep.match.sum[:]),
		Since: sweep.since, ExpiresAt: expiresAt}
	for name := range sweep.created {
		rec.Created = append(rec.Created, name)
	}
	sort.Strings(rec.Created)
	data, err := json.Marshal(rec)
	if err == nil {
		err = atomicfile.WriteFile(base+".json", data, 0o600)
	}
	if err != nil {
		removeRecord(lock, base)
		return nil, err
	}
	return &pending{lock: lock, path: base}, nil
}

// done removes the record once its token is gone from zenml's files.
func (p *pending) done() {
	if p != nil {
		removeRecord(p.lock, p.path)
	}
}

// release leaves the record for the next exec to retry.
func (p *pending) release() {
	if p != nil {
		_ = p.lock.Close()
	}
}

func removeRecord(lock *flock.Flock, base string) {
	_ = os.Remove(base + ".json")
	_ = os.Remove(base + ".lock")
	_ = lock.Close()
}

// sweepPending takes back the tokens of the execs that ended without
// doing so, reporting what remains through report.
func sweepPending(zenctlDir string, now time.Time, report func([]sweepFailure, time.Time)) {
	dir := filepath.Join(zenctlDir, pendingDirName)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if id, ok := strings.CutSuffix(e.Name(), ".lock"); ok && e.Type().IsRegular() {
			sweepRecord(filepath.Join(dir, id), now, report)
		}
	}
}

func sweepRecord(base string, now time.Time, report func([]sweepFailure, time.Time)) {
	rec, readErr := readRecord(base + ".json")
	lock := flock.New(base+".lock", flock.SetPermissions(0o600))
	locked, _ := lock.TryLock()
	expired := readErr == nil && !rec.ExpiresAt.IsZero() && now.After(rec.ExpiresAt)
	if !locked && !expired {
		return // its exec still runs (or, without locks, may)
	}
	if readErr != nil {
		if locked {
			removeRecord(lock, base) // cut short before it was written
		}
		return
	}
	sum, err := hex.DecodeString(rec.TokenSHA256)
	if err != nil || len(sum) != sha256.Size {
		removeRecord(lock, base)
		return
	}
	s := &tokenSweep{dir: rec.ZenmlDir, match: matchSum([sha256.Size]byte(sum)), since: rec.Since, created: map[string]bool{}}
	for _, name := range rec.Created {
		s.created[name] = true
	}
	failures := s.run()
	report(failures, rec.ExpiresAt)
	if expired || !editable(failures) {
		removeRecord(lock, base)
		return
	}
	_ = lock.Close()
}

// editable reports whether a zenml token file still holds the token: a
// later sweep may clean it. A token in another file is reported once.
func editable(failures []sweepFailure) bool {
	for _, f := range failures {
		if f.edited {
			return true
		}
	}
	return false
}

func readRecord(path string) (pendingRecord, error) {
	var rec pendingRecord
	data, err := os.ReadFile(path)
	if err == nil {
		err = json.Unmarshal(data, &rec)
	}
	return rec, err
}

func lockError(err error) error {
	if err == nil {
		return os.ErrExist
	}
	return err
}
