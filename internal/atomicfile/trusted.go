package atomicfile

import (
	"fmt"
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
	return readChecked(f, fileLimits{
		path: path, mode: "644", max: MaxTrustedFileSize,
		tooBig: fmt.Sprintf("larger than %d MiB", MaxTrustedFileSize>>20),
	})
}
