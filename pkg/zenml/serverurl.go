package zenml

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// URLError is a server URL that NormalizeServerURL refused.
type URLError struct {
	// URL is the URL as given but without user info, query and fragment,
	// which may hold a password or a token: errors end up in terminals and
	// CI logs.
	URL string
	// Reason says what is wrong and, where it can, how to write the URL,
	// e.g. "include the scheme, e.g. https://zenml.example.com".
	Reason string
	// HasUserInfo is set when the URL embeds credentials (user:password@).
	HasUserInfo bool
}

func (e *URLError) Error() string {
	if e.URL == "" {
		return "server URL is empty"
	}
	return fmt.Sprintf("invalid server URL %q: %s", e.URL, e.Reason)
}

// NormalizeServerURL checks a server URL and returns it in a canonical
// form, fit to key stored credentials by: http or https only, no embedded
// credentials, no query or fragment, no trailing slash, scheme and host in
// lower case. A path is kept: a server may be mounted under one (/zenml).
// A URL it refuses yields a *URLError.
func NormalizeServerURL(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", &URLError{Reason: "it is empty"}
	}
	shown := displayURL(raw)
	refuse := func(reason string) (string, error) {
		return "", &URLError{URL: shown, Reason: reason}
	}
	if authorityHasUserInfo(raw) {
		return "", &URLError{URL: shown, Reason: "remove the credentials embedded in it", HasUserInfo: true}
	}
	if !strings.Contains(raw, "://") {
		// "host:port" would otherwise parse as a scheme or fail with
		// url.Parse's "first path segment cannot contain colon".
		return refuse("include the scheme, e.g. " + suggestScheme(shown))
	}
	u, err := url.Parse(raw)
	if err != nil {
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			err = urlErr.Err
		}
		return refuse(err.Error())
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		if u.Scheme == "" || u.Host == "" && u.Opaque != "" {
			return refuse("include the scheme, e.g. https://" + shown)
		}
		return refuse("only http and https are supported")
	}
	if u.Host == "" {
		return refuse("no host")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return refuse("remove the query or fragment")
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Host = strings.ToLower(u.Host)
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u.String(), nil
}

// suggestScheme proposes a full URL for a scheme-less one: http for this
// machine, where local servers usually run without TLS, https elsewhere.
func suggestScheme(hostAndPath string) string {
	host := hostAndPath
	if i := strings.IndexAny(host, "/?#"); i >= 0 {
		host = host[:i]
	}
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if isLoopbackHost(host) {
		return "http://" + hostAndPath
	}
	return "https://" + hostAndPath
}

// isLoopbackHost reports whether a URL's host names this machine, by its
// name or address alone: no DNS look-up (which an attacker's resolver
// could answer, and which tests must not make).
func isLoopbackHost(host string) bool {
	host = strings.Trim(host, "[]")
	ip := net.ParseIP(host)
	return strings.EqualFold(host, "localhost") || ip != nil && ip.IsLoopback()
}

// SentInClear reports whether what is sent to serverURL crosses the
// network unencrypted: plain http to a host other than this machine.
// Loopback traffic never leaves the machine, and https is encrypted.
func SentInClear(serverURL string) bool {
	u, err := url.Parse(serverURL)
	if err != nil {
		return false
	}
	return strings.EqualFold(u.Scheme, "http") && !isLoopbackHost(u.Hostname())
}

// authorityHasUserInfo reports whether an '@' sits in the URL's authority
// (user:password@host), rather than in its path.
func authorityHasUserInfo(raw string) bool {
	rest := raw
	if i := strings.Index(rest, "://"); i >= 0 {
		rest = rest[i+3:]
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	return strings.Contains(rest, "@")
}

// displayURL is raw without user info, query and fragment.
func displayURL(raw string) string {
	if i := strings.IndexAny(raw, "?#"); i >= 0 {
		raw = raw[:i]
	}
	scheme, rest := "", raw
	if i := strings.Index(raw, "://"); i >= 0 {
		scheme, rest = raw[:i+3], raw[i+3:]
	}
	authority, path := rest, ""
	if i := strings.Index(rest, "/"); i >= 0 {
		authority, path = rest[:i], rest[i:]
	}
	if i := strings.LastIndex(authority, "@"); i >= 0 {
		authority = authority[i+1:]
	}
	return scheme + authority + path
}
