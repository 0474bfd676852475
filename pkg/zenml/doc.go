// Package zenml is a client for the authentication and access endpoints of
// a ZenML server's REST API (/api/v1/...): logging in with an API key, a
// password or the OAuth device flow, server info, the current account,
// short-lived API tokens, service accounts and their API keys. It speaks
// both the current wire format (0.93) and the older 0.58 one.
//
// # Getting started
//
// A Client talks to one server. Log in with an API key, then hand the token
// to a copy of the client that sends it with every request:
//
//	c, err := zenml.NewClient("https://zenml.example.com", zenml.Options{})
//	tok, err := c.LoginAPIKey(ctx, os.Getenv("ZENML_API_KEY"))
//	authed := c.WithTokens(zenml.StaticToken(tok.AccessToken))
//	me, err := authed.CurrentUser(ctx)
//
// For a program that runs longer than a token lives, use a Session as the
// TokenSource instead: it exchanges the API key (or password) again shortly
// before the token expires or when the server rejects it, and can keep the
// credentials in a CredentialsStore shared by several processes.
//
// # Configuration
//
// Options configure a Client; their zero value is usable and every zero
// field means a documented default. Options.HTTPClient or
// Options.Transport plug in a program's own HTTP stack (proxies, tracing);
// TLS settings given in Options are applied to it, or refused, never
// dropped. UserAgent and SourceContext say who is calling.
//
// # Errors
//
// Every non-2xx answer is an *Error, whatever the shape of its body; test
// it with errors.Is against ErrNotFound, ErrUnauthorized, ErrForbidden,
// ErrConflict, ErrInvalid, ErrRateLimited or ErrServer, or read its Kind.
// A request that got no answer is a *RequestError (a failed TLS handshake
// is a *TLSError inside it); a server URL that cannot be used is a
// *URLError; credentials that need the user again are a
// *ReauthRequiredError. Messages say what happened, not what to do about
// it: that is the calling program's to add, in its own terms. They are
// stripped of the secrets the request carried, even when the server echoes
// them, by the rules that redact the Options.Debug trace.
//
// # Retries
//
// A request is retried only where another attempt can help (a refused or
// reset connection, 429, 502, 503, 504) and only where repeating it is
// safe: reads always, creates only on servers that replay them by
// Idempotency-Key. A Retry-After is honoured up to Options.Timeout.
// Options.OnRetry hears of every retry, to tell a user why nothing happens.
//
// # Lists
//
// List... methods return one Page; All... methods return an iter.Seq2 that
// fetches page after page as the loop consumes them.
//
// # Testing
//
// Package zenmltest runs a fake ZenML server in-process, on loopback, with
// the semantics of the real one (bcrypt-hashed keys, JWTs, rotation, the
// device flow) and fault injection: start one in a test and point a Client
// at its URL. The examples of this package run against it.
//
// # Importing
//
//	go get github.com/zenctl/zenctl/pkg/zenml@latest
//
//	import "github.com/zenctl/zenctl/pkg/zenml"
//
// The package needs only the standard library and github.com/google/uuid,
// none of the zenctl CLI's dependencies, and builds with the Go release
// that the module's go line names.
//
// # Compatibility
//
// From the module's tag v0.1.0 on, every release keeps the exported API of
// this package and of zenmltest compatible with the release before:
// exported identifiers are not removed or renamed, function signatures do
// not change, and fields are only added (use keyed struct literals). New
// ErrorKind values, TLSProblem values, CredentialKind values and fields of
// response models may appear in any release. Error message wording is not
// part of the API: branch on types, sentinels and fields. The continuous
// integration of this repository compares every change with the newest
// tag and refuses an incompatible one (.ci/apidiff.sh); a break would need
// a new major version.
//
// # Secrets
//
// Values that hold an API key, password, token or device code (Credentials,
// TokenResponse, APIToken, StaticToken, DeviceAuthorization, an APIKey's
// secret, a Client's or Session's token source) print and log redacted
// with fmt, log/slog and encoding/json; read the fields to use them.
package zenml
