package zenmltest

import (
	"sync"

	"golang.org/x/crypto/bcrypt"
)

// bcrypt is slow by design, and slower still under the race detector: it
// was a fifth of the CPU time of the test suites that use the fake. Yet
// the fake hashes and checks the same secrets over and over (every
// server's admin password; a key at each of its logins), so the results
// are remembered for the process: a secret is hashed once per cost, and a
// (hash, secret) pair is checked once. A bcrypt hash is never shown to
// clients, so nothing they can observe changes; what a secret is checked
// against is still the bcrypt of its first 72 bytes.
var bcryptMemo struct {
	mu      sync.Mutex
	hashes  map[bcryptHashKey][]byte
	matches map[bcryptMatchKey]bool
}

type bcryptHashKey struct {
	cost   int
	secret string
}

type bcryptMatchKey struct{ hash, secret string }

// bcryptMemoLimit bounds the memo of a long-running fake (the benchmark
// server): past it, the memo starts again.
const bcryptMemoLimit = 10000

func memoBcryptHash(input []byte, cost int) ([]byte, error) {
	k := bcryptHashKey{cost, string(input)}
	bcryptMemo.mu.Lock()
	h, ok := bcryptMemo.hashes[k]
	bcryptMemo.mu.Unlock()
	if ok {
		return h, nil
	}
	h, err := bcrypt.GenerateFromPassword(input, cost)
	if err != nil {
		return nil, err
	}
	bcryptMemo.mu.Lock()
	defer bcryptMemo.mu.Unlock()
	if len(bcryptMemo.hashes) >= bcryptMemoLimit || bcryptMemo.hashes == nil {
		bcryptMemo.hashes = map[bcryptHashKey][]byte{}
	}
	bcryptMemo.hashes[k] = h
	rememberMatch(bcryptMatchKey{string(h), string(input)}, true)
	return h, nil
}

func memoBcryptMatches(hash, input []byte) bool {
	k := bcryptMatchKey{string(hash), string(input)}
	bcryptMemo.mu.Lock()
	ok, known := bcryptMemo.matches[k]
	bcryptMemo.mu.Unlock()
	if known {
		return ok
	}
	ok = bcrypt.CompareHashAndPassword(hash, input) == nil
	bcryptMemo.mu.Lock()
	defer bcryptMemo.mu.Unlock()
	rememberMatch(k, ok)
	return ok
}

// rememberMatch records a check; bcryptMemo.mu is held.
func rememberMatch(k bcryptMatchKey, ok bool) {
	if len(bcryptMemo.matches) >= bcryptMemoLimit || bcryptMemo.matches == nil {
		bcryptMemo.matches = map[bcryptMatchKey]bool{}
	}
	bcryptMemo.matches[k] = ok
}
