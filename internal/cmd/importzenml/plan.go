package importzenml

import (
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/zenctl/zenctl/internal/config"
	"github.com/zenctl/zenctl/internal/credentials"
	"github.com/zenctl/zenctl/internal/iostreams"
	"github.com/zenctl/zenctl/pkg/zenml"
)

// Skip reasons that scripts may match on; the rest carry details.
const (
	ReasonAlreadyLoggedIn = "already logged in to zenctl"
	ReasonNoCredential    = "no stored credential"
	ReasonSQLStore        = "local SQL store (zenml's own database), not a server"
	ReasonPro             = "ZenML Pro is not supported (zenctl works with self-hosted ZenML servers)"
	ReasonDuplicate       = "duplicate of an earlier entry for the same server"
	ReasonNotFound        = "not found in the zenml configuration"
)

// proAPIKeyPrefix starts ZenML Pro organization API keys, which self-hosted
// servers do not accept.
const proAPIKeyPrefix = "ZENPROKEY_"

// importable is a login that zenctl can store.
type importable struct {
	URL    string
	Method string // config.AuthAPIKey, AuthPassword or AuthToken
	Secret credentials.Secret
	// Server is the metadata to record, without the secret store kind.
	Server config.Server
	// Account is the user the login acts as, when known: the username of
	// a password login, or what --verify learnt.
	Account, AccountType string
	Active               bool
}

// classify decides what to do with one zenml login: import it, or skip it
// with a reason. It does no I/O, so the dry run and the real run agree.
func classify(l *zenmlLogin, now time.Time) (*importable, string) {
	if l.Malformed != "" {
		return nil, l.Malformed
	}
	if l.SQLStore {
		return nil, ReasonSQLStore
	}
	if strings.TrimSpace(l.RawURL) == "" {
		return nil, "no server URL in " + l.Source
	}
	serverURL, err := normalizeURL(l.RawURL)
	if err != nil {
		return nil, err.Error()
	}
	if isPro(l, serverURL) {
		return nil, ReasonPro
	}

	imp := &importable{URL: serverURL, Active: l.Active, Server: config.Server{
		URL: serverURL, ServerID: l.ServerID, ServerName: l.ServerName, ServerVersion: l.Version,
		VerifySSL: l.VerifySSL, CACertPath: l.CACert,
	}}
	if imp.Server.CACertPath != "" && !filepath.IsAbs(imp.Server.CACertPath) {
		// zenml stores absolute paths; a relative one would silently
		// change meaning with zenctl's working directory.
		imp.Server.CACertPath = ""
	}

	tokenExpiresAt, lifetime, tokenProblem := checkToken(l, now)
	token := func(s *credentials.Secret) {
		if l.Token != "" && tokenProblem == "" {
			s.AccessToken, s.ExpiresAt, s.Lifetime = l.Token, tokenExpiresAt, lifetime
		}
	}

	badKey := false
	if l.APIKey != "" {
		if _, err := zenml.DecodeAPIKeyID(l.APIKey); err == nil {
			imp.Method = config.AuthAPIKey
			imp.Secret = credentials.Secret{APIKey: l.APIKey}
			// A still-valid token saves the first command a login.
			token(&imp.Secret)
			return imp, ""
		}
		badKey = true
	}
	if l.Username != "" {
		imp.Method = config.AuthPassword
		// A username without a password is zenml's default user, whose
		// password is empty; zenml logs in with "" then too.
		imp.Secret = credentials.Secret{Username: l.Username, Password: l.Password}
		imp.Account, imp.AccountType = l.Username, config.AccountUser
		token(&imp.Secret)
		return imp, ""
	}
	if l.Token != "" {
		if tokenProblem != "" {
			return nil, tokenProblem
		}
		// A bare token cannot be renewed: it works until it expires, like
		// a device login, and then needs `zenctl login`.
		imp.Method = config.AuthToken
		token(&imp.Secret)
		return imp, ""
	}
	if badKey {
		return nil, "the API key is not a valid ZENKEY_ key"
	}
	return nil, ReasonNoCredential
}

// checkToken works out when the stored token expires, from both
// api_token.expires_at and the JWT's exp claim (the earlier wins), and
// returns why it cannot be used, if it cannot.
func checkToken(l *zenmlLogin, now time.Time) (expiresAt time.Time, lifetime time.Duration, problem string) {
	if l.Token == "" {
		return time.Time{}, 0, ""
	}
	claims, err := zenml.DecodeJWTClaims(l.Token)
	if err != nil {
		return time.Time{}, 0, "the stored token is not a ZenML JWT"
	}
	if claims.ExpiresAt != nil {
		expiresAt = time.Unix(*claims.ExpiresAt, 0).UTC()
	}
	if l.TokenExpiresAt != "" {
		at, err := zenml.ParseTime(l.TokenExpiresAt) // zenml writes UTC, naive or not
		if err != nil && expiresAt.IsZero() {
			return time.Time{}, 0, "cannot tell when the stored token expires (" + err.Error() + ")"
		}
		if err == nil && (expiresAt.IsZero() || at.Before(expiresAt)) {
			expiresAt = at
		}
	}
	if !expiresAt.IsZero() && !now.Before(expiresAt) {
		return expiresAt, 0, "token expired at " + expiresAt.Format(time.RFC3339)
	}
	switch {
	case expiresAt.IsZero():
	case claims.ExpiresAt != nil && claims.IssuedAt != nil:
		lifetime = time.Unix(*claims.ExpiresAt, 0).Sub(time.Unix(*claims.IssuedAt, 0))
	case l.TokenExpiresIn != nil && *l.TokenExpiresIn > 0:
		lifetime = time.Duration(*l.TokenExpiresIn) * time.Second
	default:
		lifetime = expiresAt.Sub(now)
	}
	return expiresAt, lifetime, ""
}

// isPro reports whether a login belongs to ZenML Pro: the Pro API itself,
// a Pro workspace, or a Pro organization key. zenctl talks to self-hosted
// servers only, and Pro tokens come from a different login flow. Only
// what marks Pro counts (zenml-api.md §10): zenml 0.85 writes pro_api_url
// and deployment_type "other" for self-hosted logins too.
func isPro(l *zenmlLogin, serverURL string) bool {
	if u, err := url.Parse(serverURL); err == nil {
		host := u.Hostname()
		if host == "zenml.io" || strings.HasSuffix(host, ".zenml.io") {
			return true
		}
	}
	return len(l.ProFields) > 0 ||
		strings.HasPrefix(l.APIKey, proAPIKeyPrefix) || strings.EqualFold(l.DeploymentType, "cloud")
}

// normalizeURL is zenml.NormalizeServerURL with messages that never repeat
// the URL: it may carry a password or a token in its user info or query,
// and the report shows the redacted URL already.
func normalizeURL(raw string) (string, error) {
	if u, err := url.Parse(strings.TrimSpace(raw)); err == nil && u.User != nil {
		return "", errors.New("invalid server URL: it embeds credentials")
	}
	u, err := zenml.NormalizeServerURL(raw)
	if err == nil {
		return u, nil
	}
	var urlErr *zenml.URLError
	if errors.As(err, &urlErr) {
		return "", fmt.Errorf("invalid server URL: %s", strings.ReplaceAll(urlErr.Reason, strings.TrimSpace(raw), iostreams.SafeURL(raw)))
	}
	return "", fmt.Errorf("invalid server URL: %v", err)
}
