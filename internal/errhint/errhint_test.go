package errhint

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/zenctl/zenctl/internal/exitcode"
	"github.com/zenctl/zenctl/pkg/zenml"
	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

func TestUntrustedCertificateGetsTheFlags(t *testing.T) {
	fake := zenmltest.NewTest(t, zenmltest.Options{TLS: true})
	c, err := zenml.NewClient(fake.URL(), zenml.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Info(context.Background())
	got := Add(fmt.Errorf("cannot reach a ZenML server at %s: %w", fake.URL(), err))
	if !strings.HasSuffix(got.Error(), "; "+UntrustedCertificate) || !strings.Contains(got.Error(), "certificate not trusted") {
		t.Errorf("got %q", got)
	}
	var tlsErr *zenml.TLSError
	if !errors.As(got, &tlsErr) {
		t.Error("the hinted error no longer unwraps to the *TLSError")
	}
	if again := Add(got); again.Error() != got.Error() {
		t.Errorf("hint added twice: %q", again)
	}
}

func TestTimeoutNamesTheVariable(t *testing.T) {
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	fake.InjectFault("GET /api/v1/info", zenmltest.Fault{Delay: 2 * time.Second})
	c, err := zenml.NewClient(fake.URL(), zenml.Options{Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Info(context.Background())
	if got := Add(err); !strings.Contains(got.Error(), "timed out") || !strings.HasSuffix(got.Error(), Timeout) {
		t.Errorf("got %q", got)
	}
}

func TestURLWithCredentials(t *testing.T) {
	_, err := zenml.NormalizeServerURL("https://bob:pw@zenml.example.com")
	if got := Add(err); !strings.HasSuffix(got.Error(), URLCredentials) || strings.Contains(got.Error(), "pw") {
		t.Errorf("got %q", got)
	}
	_, err = zenml.NormalizeServerURL("zenml.example.com")
	if got := Add(err); got != err {
		t.Errorf("a hint for %q: %q", err, got)
	}
}

func TestOtherErrorsUnchangedAndExitCodesKept(t *testing.T) {
	if Add(nil) != nil {
		t.Error("nil got a hint")
	}
	plain := errors.New("x")
	if Add(plain) != plain {
		t.Error("a plain error was wrapped")
	}
	reauth := &zenml.ReauthRequiredError{Server: "https://z", Reason: "expired"}
	if exitcode.For(Add(reauth)) != exitcode.AuthRequired {
		t.Error("exit code changed")
	}
}

// A non-admin's refusal names the way to act as an admin; other
// permission errors are left as they are.
func TestAdminOnlySuggestsAnAdminAccount(t *testing.T) {
	adminOnly := &zenml.Error{StatusCode: 403, Exception: "IllegalOperationError", Kind: zenml.KindPermission,
		Message: "Only admin users can perform `deactivate user` without RBAC enabled."}
	if got := Add(adminOnly); !strings.HasSuffix(got.Error(), AdminOnly) {
		t.Errorf("got %q", got)
	}
	self := &zenml.Error{StatusCode: 403, Exception: "IllegalOperationError", Kind: zenml.KindPermission, Message: "Cannot deactivate yourself."}
	if got := Add(self); got != error(self) {
		t.Errorf("a hint for %q: %q", self.Message, got)
	}
}
