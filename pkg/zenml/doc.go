// Package zenml is a typed client for the authentication and access endpoints
// of a ZenML server's REST API (/api/v1/...): login with an API key, a
// password or the OAuth device flow, server info, the current account,
// short-lived API tokens, service accounts and their API keys.
//
// It speaks both the current wire format (0.93) and the older 0.58 one.
// Authentication is a transport concern: give the client a TokenSource
// (for example a Session, which re-exchanges a stored API key when the
// access token expires) and every request carries a valid bearer token.
package zenml
