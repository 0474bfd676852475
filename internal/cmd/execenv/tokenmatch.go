package execenv

import (
	"bytes"
	"crypto/sha256"
	"io"
	"os"
	"regexp"
	"strings"
	"sync"
)

// tokenMatch recognises one token: by its text while exec holds it, by
// its SHA-256 when a later exec sweeps up after one that was killed (the
// pending record keeps the hash, never the token).
type tokenMatch struct {
	token string
	sum   [sha256.Size]byte
}

func matchToken(token string) tokenMatch {
	return tokenMatch{token: token, sum: sha256.Sum256([]byte(token))}
}

func matchSum(sum [sha256.Size]byte) tokenMatch { return tokenMatch{sum: sum} }

// jwtLike finds the candidates a hash is compared with: zenml's tokens
// are JWTs, whose header always starts with eyJ ({" in base64url).
var jwtLike = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*`) })

// inScalar reports whether a YAML value holds the token; zenml writes it
// verbatim.
func (m tokenMatch) inScalar(v string) bool {
	if m.token != "" {
		return strings.Contains(v, m.token)
	}
	return sha256.Sum256([]byte(strings.TrimSpace(v))) == m.sum
}

// inText reports whether the token is anywhere in data.
func (m tokenMatch) inText(data []byte) bool {
	if m.token != "" {
		return bytes.Contains(data, []byte(m.token))
	}
	for _, c := range jwtLike().FindAll(data, -1) {
		if sha256.Sum256(c) == m.sum {
			return true
		}
	}
	return false
}

// searchOverlap is kept from one chunk to the next, so that a token cut
// by a chunk's end is found whole in the next: longer than any JWT zenml
// issues.
const searchOverlap = 16 << 10

// inFile searches a file of any size in chunks, reading it only.
func (m tokenMatch) inFile(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	overlap := max(searchOverlap, len(m.token))
	window := make([]byte, 0, overlap+(256<<10))
	chunk := make([]byte, 256<<10)
	for {
		n, err := f.Read(chunk)
		window = append(window, chunk[:n]...)
		if m.inText(window) {
			return true, nil
		}
		if len(window) > overlap {
			window = append(window[:0], window[len(window)-overlap:]...)
		}
		if err == io.EOF {
			return false, nil
		}
		if err != nil {
			return false, err
		}
	}
}
