package serviceaccount

import (
	"slices"
	"testing"

	"github.com/spf13/cobra"

	"github.com/zenctl/zenctl/internal/cmd/cmdtest"
	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

func TestCompletionOffersNamesFromTheServer(t *testing.T) {
	e := newEnv(t, zenmltest.Options{})
	sa := e.fake.CreateServiceAccount("ci-bot")
	e.fake.CreateServiceAccount("deployer")
	e.fake.CreateAPIKey(sa, "default")
	e.fake.CreateAPIKey(sa, "nightly")

	names, _ := completeServiceAccountArg(e.h.F.AuthenticatedClient)(&cobra.Command{}, nil, "ci")
	if !slices.Equal(names, []string{"ci-bot"}) {
		t.Errorf("service accounts for %q: %v", "ci", names)
	}
	apiKey := NewCmdAPIKey(e.h.F)
	complete := completeAPIKeyArgs(e.h.F.AuthenticatedClient, apiKey)
	if subs, _ := complete(apiKey, []string{"ci-bot"}, ""); !slices.Contains(subs, "rotate") {
		t.Errorf("subcommands: %v", subs)
	}
	keys, _ := complete(apiKey, []string{"ci-bot", "rotate"}, "")
	slices.Sort(keys)
	if !slices.Equal(keys, []string{"default", "nightly"}) {
		t.Errorf("keys: %v", keys)
	}
}

func TestCompletionIsSilentWhenItCannotAsk(t *testing.T) {
	h := cmdtest.New(t) // not logged in anywhere
	names, directive := completeServiceAccountArg(h.F.AuthenticatedClient)(&cobra.Command{}, nil, "")
	if names != nil || directive != cobra.ShellCompDirectiveNoFileComp {
		t.Errorf("got %v %v", names, directive)
	}
	if h.ErrOut.Len() != 0 || h.Out.Len() != 0 {
		t.Errorf("completion printed: %q %q", h.Out, h.ErrOut)
	}
}
