package prompt

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
)

// MaxSecretLine bounds a line read for a secret. API keys and tokens are far
// shorter; the bound stops `zenctl … --api-key-stdin < /dev/zero` or a binary
// file piped by mistake from reading without end.
const MaxSecretLine = 64 << 10

// ErrEmptySecret means standard input had no secret on its first line.
var ErrEmptySecret = errors.New("no secret on standard input: expected one line")

// ReadSecretLine reads the first line of r, which is meant to be a pipe or a
// file rather than a terminal (`echo "$KEY" | zenctl auth login …`).
//
// Only the line ending ("\n" or "\r\n") is removed: spaces inside a secret
// are the secret's, and trimming them would hide a copy-paste mistake behind
// a confusing "invalid key" from the server. Anything after the first line
// is ignored. An empty line is an error, since an empty key can never be
// right.
func ReadSecretLine(r io.Reader) (string, error) {
	// Room for the longest accepted line plus "\r\n": a full buffer with no
	// newline in it means the line is too long.
	br := bufio.NewReaderSize(r, MaxSecretLine+2)
	line, err := br.ReadSlice('\n')
	switch {
	case errors.Is(err, bufio.ErrBufferFull):
		return "", fmt.Errorf("secret on standard input is longer than %d bytes", MaxSecretLine)
	case err != nil && !errors.Is(err, io.EOF):
		return "", fmt.Errorf("read standard input: %w", err)
	}
	s := strings.TrimSuffix(string(line), "\n")
	s = strings.TrimSuffix(s, "\r")
	if len(s) > MaxSecretLine {
		return "", fmt.Errorf("secret on standard input is longer than %d bytes", MaxSecretLine)
	}
	if s == "" {
		return "", ErrEmptySecret
	}
	return s, nil
}
