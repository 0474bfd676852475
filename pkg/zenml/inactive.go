package zenml

import (
	"errors"
	"regexp"
	"sync"
)

// Deactivated names what a server's rejection says is deactivated: a
// service account, a user, an API key, an account (user or service
// account) or a device. Logging in again cannot help then; only
// reactivating it does.
type Deactivated struct {
	// What is "service account", "API key", "user", "account" or "device".
	What string
	// Name is its name (a device's id).
	Name string
	// ServiceAccount is the service account of a deactivated API key.
	ServiceAccount string
}

// The wordings of ZenML 0.58 to 0.93 for a credential that is valid but
// belongs to something deactivated.
// Compiled on first use (see secretPatterns).
var (
	inactiveSAOfKey = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`service account (\S+) associated with API key \S+ is not active`)
	})
	inactiveKey = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`API key (\S+) associated with service account (\S+) is not active`)
	})
	inactiveOther = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`\b(account|user|device) (\S+) is not active`)
	})
)

// DeactivatedBy reports whether err is a server rejecting credentials
// because what they belong to is deactivated, and what that is.
func DeactivatedBy(err error) (Deactivated, bool) {
	var apiErr *Error
	if !errors.As(err, &apiErr) || apiErr == nil || apiErr.Kind != KindCredentials {
		return Deactivated{}, false
	}
	msg := apiErr.Message
	if m := inactiveSAOfKey().FindStringSubmatch(msg); m != nil {
		return Deactivated{What: "service account", Name: m[1]}, true
	}
	if m := inactiveKey().FindStringSubmatch(msg); m != nil {
		return Deactivated{What: "API key", Name: m[1], ServiceAccount: m[2]}, true
	}
	if m := inactiveOther().FindStringSubmatch(msg); m != nil {
		return Deactivated{What: m[1], Name: m[2]}, true
	}
	return Deactivated{}, false
}

// WholeAccount reports whether the account itself is deactivated, so
// that no credential of it logs in: another API key helps when only a
// key is deactivated, a new device flow when only a device is.
func (d Deactivated) WholeAccount() bool {
	return d.What != "API key" && d.What != "device"
}

// remedy says what gets the credentials working again, in words that name
// no program: logging in again does not help.
func (d Deactivated) remedy() string {
	if d.What == "API key" {
		return "logging in again cannot help: only reactivating API key " + d.Name + " of service account " + d.ServiceAccount + " does"
	}
	return "logging in again cannot help: only reactivating " + d.What + " " + d.Name + " does"
}
