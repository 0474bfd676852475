package auth

import (
	"strings"
	"testing"

	"github.com/zenctl/zenctl/internal/cmd/cmdtest"
	"github.com/zenctl/zenctl/internal/prompt"
	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

// Item 8 of issue 13: a wrong password at a terminal may be typed again,
// three tries in all.
func TestWrongPasswordMayBeTypedAgain(t *testing.T) {
	fake := zenmltest.NewTest(t, zenmltest.Options{AdminPassword: "right"})
	h := cmdtest.New(t,
		prompt.Answer{Kind: prompt.KindPassword, Value: "wrong"},
		prompt.Answer{Kind: prompt.KindPassword, Value: "typo"},
		prompt.Answer{Kind: prompt.KindPassword, Value: "right"})
	h.IO.SetStdinTTY(true)
	h.IO.SetStderrTTY(true)
	h.Setenv("ZENCTL_STORAGE", "file")
	if err := execute(t, NewCmdLogin(h.F, nil), fake.URL(), "--username", "default"); err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(h.ErrOut.String(), "try again"); got != 2 {
		t.Errorf("%d retries announced:\n%s", got, h.ErrOut)
	}

	h = cmdtest.New(t,
		prompt.Answer{Kind: prompt.KindPassword, Value: "a"},
		prompt.Answer{Kind: prompt.KindPassword, Value: "b"},
		prompt.Answer{Kind: prompt.KindPassword, Value: "c"})
	h.IO.SetStdinTTY(true)
	h.IO.SetStderrTTY(true)
	h.Setenv("ZENCTL_STORAGE", "file")
	if err := execute(t, NewCmdLogin(h.F, nil), fake.URL(), "--username", "default"); err == nil || !strings.Contains(err.Error(), "rejected the password") {
		t.Fatalf("after three wrong passwords: %v", err)
	}
}
