// Package errhint adds zenctl's advice to errors from pkg/zenml. The
// library says what happened; which flag or variable changes it is
// zenctl's business, so the advice is added here, where errors are
// printed.
package errhint

import (
	"errors"
	"strings"

	"github.com/zenctl/zenctl/pkg/zenml"
)

// Hints, exported for tests that assert them.
const (
	UntrustedCertificate = "pass --ssl-ca-cert PATH, or --no-verify-ssl to skip verification"
	HostMismatch         = "use the host name the certificate is for, or pass --no-verify-ssl to skip verification"
	Timeout              = "set ZENCTL_HTTP_TIMEOUT (seconds) to wait longer"
	URLCredentials       = "log in with --api-key or --username instead"
	AdminOnly            = "run it as an admin: --account ADMIN picks an admin account stored for this server (`zenctl server list` lists them)"
)

// Add returns err with the advice that fits it appended, or err itself
// when there is none. The result still unwraps to err, so that exit codes
// and errors.As work as before.
func Add(err error) error {
	hint := hintFor(err)
	if hint == "" || strings.Contains(err.Error(), hint) {
		return err
	}
	return &hinted{err: err, hint: hint}
}

func hintFor(err error) string {
	var tlsErr *zenml.TLSError
	var reqErr *zenml.RequestError
	var urlErr *zenml.URLError
	var apiErr *zenml.Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &tlsErr):
		switch tlsErr.Problem {
		case zenml.TLSUntrusted:
			return UntrustedCertificate
		case zenml.TLSHostMismatch:
			return HostMismatch
		}
	case errors.As(err, &reqErr) && reqErr.Timeout():
		return Timeout
	case errors.As(err, &urlErr) && urlErr.HasUserInfo:
		return URLCredentials
	case errors.As(err, &apiErr) && apiErr.Kind == zenml.KindPermission && strings.Contains(strings.ToLower(apiErr.Message), "only admin"):
		// A non-admin's refusal: the server's text says who may, not how.
		return AdminOnly
	}
	return ""
}

type hinted struct {
	err  error
	hint string
}

func (h *hinted) Error() string { return h.err.Error() + "; " + h.hint }
func (h *hinted) Unwrap() error { return h.err }
