package zenml

import (
	"errors"
	"testing"
)

func TestDeactivatedBy(t *testing.T) {
	for _, c := range []struct {
		msg   string
		want  Deactivated
		whole bool
	}{
		{"Authentication error: service account ci associated with API key k is not active", Deactivated{What: "service account", Name: "ci"}, true},
		{"Authentication error: API key k associated with service account ci is not active", Deactivated{What: "API key", Name: "k", ServiceAccount: "ci"}, false},
		{"Authentication error: account ann is not active", Deactivated{What: "account", Name: "ann"}, true},
		{"Authentication error: user ann is not active", Deactivated{What: "user", Name: "ann"}, true},
	} {
		d, ok := DeactivatedBy(&Error{Kind: KindCredentials, Message: c.msg})
		if !ok || d != c.want || d.WholeAccount() != c.whole {
			t.Errorf("%q: %+v %v", c.msg, d, ok)
		}
	}
	if _, ok := DeactivatedBy(&Error{Kind: KindCredentials, Message: "Authentication error: invalid API key"}); ok {
		t.Error("an invalid key is not a deactivated one")
	}
	var nilErr *Error
	if _, ok := DeactivatedBy(nilErr); ok {
		t.Error("nil")
	}
	if _, ok := DeactivatedBy(errors.New("account x is not active")); ok {
		t.Error("not a server's rejection")
	}
}

// A ReauthRequiredError caused by a deactivated account says that logging
// in again cannot help, naming no program; any other ends with logging in.
func TestReauthRequiredErrorSaysWhenLoggingInCannotHelp(t *testing.T) {
	whole := &ReauthRequiredError{Server: "https://z", Reason: "the server rejected the credentials: x",
		Rejection: &Error{Kind: KindCredentials, Message: "Authentication error: service account ci associated with API key k is not active"}}
	if got, want := whole.Error(), "the server rejected the credentials: x; logging in again cannot help: only reactivating service account ci does"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	keyOnly := &ReauthRequiredError{Server: "https://z", Reason: "r",
		Rejection: &Error{Kind: KindCredentials, Message: "Authentication error: API key k associated with service account ci is not active"}}
	if got, want := keyOnly.Error(), "r; log in to https://z again"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
