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
