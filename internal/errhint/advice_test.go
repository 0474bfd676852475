package errhint

import (
	"errors"
	"strings"
	"testing"

	"github.com/zenctl/zenctl/pkg/zenml"
)

func TestIdentityAdviceIsAddedHereNotByTheLibrary(t *testing.T) {
	id := &zenml.ServerIdentityError{Server: "http://127.0.0.1:1", Recorded: "a", Reported: "b"}
	if strings.Contains(id.Error(), "zenctl") {
		t.Fatalf("library error carries CLI advice: %q", id.Error())
	}
	err := Add(id)
	if !strings.HasSuffix(err.Error(), TrustServer(id.Server)) || !errors.Is(err, id) {
		t.Fatalf("Add(identity) = %q", err)
	}
}

func TestLoginAgain(t *testing.T) {
	reauth := &zenml.ReauthRequiredError{Server: "http://s", Reason: "the server rejected the stored API key: gone"}
	for _, tt := range []struct{ from, command, want string }{
		{FromStore, "zenctl login http://s --account ci --api-key", "gone; run `zenctl login http://s --account ci --api-key`"},
		{FromAPIKey, "", "gone; set ZENML_STORE_API_KEY to a valid API key"},
		{FromUsername, "", "gone; check ZENML_STORE_USERNAME and ZENML_STORE_PASSWORD"},
		{FromAPIToken, "", "gone; set it to a valid token"},
	} {
		err := LoginAgain(reauth, tt.from, tt.command)
		var got *zenml.ReauthRequiredError
		if !strings.HasSuffix(err.Error(), tt.want) || strings.Contains(err.Error(), "log in to") || !errors.As(err, &got) {
			t.Errorf("LoginAgain(%q) = %q, want suffix %q", tt.from, err, tt.want)
		}
	}
	if LoginAgain(nil, FromStore, "x") != nil || BadAPIKey(nil) != nil {
		t.Fatal("nil error gained advice")
	}
	if err := BadAPIKey(errors.New("not a ZenML API key")); !strings.HasSuffix(err.Error(), WholeAPIKey) {
		t.Fatalf("BadAPIKey = %q", err)
	}
}
