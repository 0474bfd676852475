// Command keyrotation shows pkg/zenml in a program of its own: it logs in
// with an API key, lists every service account, and rotates one API key,
// keeping the previous secret valid for a while.
//
//	ZENML_API_KEY=ZENKEY_... go run ./examples/keyrotation -server https://zenml.example.com -account ci-bot -key default
//
// Without -server it starts a fake ZenML server (pkg/zenml/zenmltest) with
// an admin service account and acts on that, so it runs anywhere.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/zenctl/zenctl/pkg/zenml"
	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Getenv("ZENML_API_KEY"), os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "keyrotation:", err)
		os.Exit(1)
	}
}

type config struct {
	server, account, key string
	retain               time.Duration
}

func run(ctx context.Context, args []string, apiKey string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("keyrotation", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg config
	fs.StringVar(&cfg.server, "server", "", "the ZenML server's URL (default: start a fake one)")
	fs.StringVar(&cfg.account, "account", "ci-bot", "the service account whose key to rotate")
	fs.StringVar(&cfg.key, "key", "default", "the API key to rotate")
	fs.DurationVar(&cfg.retain, "retain", time.Hour, "how long the previous secret keeps working")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if cfg.server == "" {
		fake := zenmltest.New(zenmltest.Options{})
		defer fake.Close()
		cfg.server = fake.URL()
		apiKey = fake.CreateAPIKey(fake.CreateServiceAccount(cfg.account), cfg.key)
		fmt.Fprintln(stderr, "started a fake ZenML server at", cfg.server)
	}
	if apiKey == "" {
		return errors.New("set ZENML_API_KEY to an API key")
	}

	login, err := zenml.NewClient(cfg.server, zenml.Options{UserAgent: "keyrotation-example"})
	if err != nil {
		return err
	}
	c := login.WithTokens(&zenml.Session{Login: login, Initial: zenml.Credentials{APIKey: apiKey}})

	n := 0
	for sa, err := range c.AllServiceAccounts(ctx, zenml.ListParams{SortBy: "name"}) {
		if err != nil {
			return fmt.Errorf("listing service accounts: %w", err)
		}
		fmt.Fprintf(stderr, "service account %s (active: %v)\n", sa.Name, sa.Body.Active)
		n++
	}
	fmt.Fprintf(stderr, "%d service accounts\n", n)

	sa, err := c.GetServiceAccount(ctx, cfg.account)
	if err != nil {
		return explain(err, "service account "+cfg.account)
	}
	rotated, err := c.RotateAPIKey(ctx, sa.ID, cfg.key, cfg.retain)
	if err != nil {
		return explain(err, "API key "+cfg.key)
	}
	fmt.Fprintf(stderr, "rotated %s/%s; the previous secret works for %s more\n", sa.Name, rotated.Name, cfg.retain)
	fmt.Fprintln(stdout, rotated.Secret())
	return nil
}

// explain turns the errors a user can act on into advice.
func explain(err error, what string) error {
	switch {
	case errors.Is(err, zenml.ErrNotFound):
		return fmt.Errorf("%s does not exist", what)
	case errors.Is(err, zenml.ErrForbidden):
		return fmt.Errorf("this API key's account may not change %s", what)
	case errors.Is(err, zenml.ErrUnauthorized):
		return fmt.Errorf("the API key no longer works: %w", err)
	}
	return err
}
