// Package errhint is the one home of zenctl's advice on errors: the
// library and the secret stores say what happened; which command, flag or
// variable changes it is zenctl's business, and is written only here.
// Add runs where errors are printed (and where the login layer hands out
// an error that is shown without passing there, such as status's rows);
// the login layer, which knows the account, asks for LoginAgain.
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
	WholeAPIKey          = "copy the whole key that `service-account create` or `api-key rotate` printed"
)

// TrustServer is the advice on a server identity error: logging in again
// is what trusts the server that answers now.
func TrustServer(serverURL string) string {
	return "if you trust the server that answers now (a reinstalled server), run `zenctl login " + serverURL + "`, which replaces the recorded identity"
}

// Where a rejected credential came from, for LoginAgain.
const (
	FromStore    = ""
	FromAPIKey   = "ZENML_STORE_API_KEY"
	FromUsername = "ZENML_STORE_USERNAME"
	FromAPIToken = "ZENML_STORE_API_TOKEN"
)

// LoginAgain adds to an error that ends a login (a rejected or missing
// credential) what gets the user in again: for a stored login the command
// (login.LoginCommand, which names the account), for a ZENML_STORE_*
// variable which one to fix. The result unwraps to err.
func LoginAgain(err error, from, command string) error {
	if err == nil {
		return nil
	}
	var hint string
	switch from {
	case FromAPIKey:
		hint = "set ZENML_STORE_API_KEY to a valid API key"
	case FromUsername:
		hint = "check ZENML_STORE_USERNAME and ZENML_STORE_PASSWORD"
	case FromAPIToken:
		hint = "set it to a valid token"
	default:
		hint = "run `" + command + "`"
	}
	h := &hinted{err: err, hint: hint}
	if reauth, ok := err.(*zenml.ReauthRequiredError); ok {
		// Instead of the library's "log in to SERVER again".
		h.text = reauth.Reason
	}
	return h
}

// BadAPIKey adds to an API key that does not decode where a whole one is.
func BadAPIKey(err error) error {
	if err == nil {
		return nil
	}
	return &hinted{err: err, hint: WholeAPIKey}
}

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
	var idErr *zenml.ServerIdentityError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &idErr):
		return TrustServer(idErr.Server)
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
	// text, when set, replaces err's own text (which carries the
	// library's generic advice).
	text string
}

func (h *hinted) Error() string {
	if h.text != "" {
		return h.text + "; " + h.hint
	}
	return h.err.Error() + "; " + h.hint
}
func (h *hinted) Unwrap() error { return h.err }
