package atomicfile

import (
	"fmt"
	"io"
	"os"
)

// MaxTrustedFileSize caps what ReadTrustedFile reads: the system's whole
// CA bundle is a few hundred KiB.
const MaxTrustedFileSize = 8 << 20

// ReadTrustedFile reads a file zenctl did not write but trusts with its
// secrets, such as a CA bundle (whoever can rewrite it can intercept the
// next login, key included). It follows symbolic links (system CA
// certificates are links), but the file it reaches is refused as
// config.yaml would be when another user than root owns it or group or
// others can write it; also anything but a regular file, and a file over
// MaxTrustedFileSize. The checks are made on the open file, which is the
// file read.
func ReadTrustedFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, &UnsafeError{Path: path, Problem: fmt.Sprintf("not a regular file (%s)", fi.Mode().Type())}
	}
	if err := checkOwnerAndMode(path, fi, "644"); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxTrustedFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxTrustedFileSize {
		return nil, &UnsafeError{Path: path, Problem: fmt.Sprintf("larger than %d MiB", MaxTrustedFileSize>>20)}
	}
	return data, nil
}
