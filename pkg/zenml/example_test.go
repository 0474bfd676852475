package zenml_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/zenctl/zenctl/pkg/zenml"
	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

// Log in with a service account's API key, then mint a short-lived token
// for a job that should not hold the key itself.
func ExampleClient_LoginAPIKey() {
	ctx := context.Background()
	server := zenmltest.New(zenmltest.Options{})
	defer server.Close()
	apiKey := server.CreateAPIKey(server.CreateServiceAccount("ci-bot"), "default")

	c, err := zenml.NewClient(server.URL(), zenml.Options{})
	if err != nil {
		log.Fatal(err)
	}
	tok, err := c.LoginAPIKey(ctx, apiKey)
	if err != nil {
		log.Fatal(err)
	}
	authed := c.WithTokens(zenml.StaticToken(tok.AccessToken))
	me, err := authed.CurrentUser(ctx)
	if err != nil {
		log.Fatal(err)
	}
	minted, err := authed.APIToken(ctx, time.Hour)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("logged in as", me.Name, "("+me.AccountType()+")")
	fmt.Println("minted a token:", minted.Token != "")
	// Output:
	// logged in as ci-bot (service account)
	// minted a token: true
}

// A Session renews the token by itself: give it the API key and use it as
// the client's TokenSource.
func ExampleSession() {
	ctx := context.Background()
	server := zenmltest.New(zenmltest.Options{TokenLifetime: time.Hour})
	defer server.Close()
	apiKey := server.CreateAPIKey(server.CreateServiceAccount("worker"), "default")

	login, err := zenml.NewClient(server.URL(), zenml.Options{})
	if err != nil {
		log.Fatal(err)
	}
	session := &zenml.Session{Login: login, Initial: zenml.Credentials{APIKey: apiKey}}
	c := login.WithTokens(session)
	me, err := c.CurrentUser(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(me.Name, "token expires:", !session.Current().ExpiresAt.IsZero())
	// Output: worker token expires: true
}

// Create a service account and an API key for it; the key's secret is in
// the answer once, and only there.
func ExampleClient_CreateAPIKey() {
	ctx := context.Background()
	server := zenmltest.New(zenmltest.Options{})
	defer server.Close()
	admin, err := zenml.NewClient(server.URL(), zenml.Options{Tokens: zenml.StaticToken(server.AdminToken())})
	if err != nil {
		log.Fatal(err)
	}

	desc := "deploys from CI"
	sa, err := admin.CreateServiceAccount(ctx, zenml.ServiceAccountRequest{Name: "deployer", Description: &desc, Active: true})
	if err != nil {
		log.Fatal(err)
	}
	key, err := admin.CreateAPIKey(ctx, sa.ID, zenml.APIKeyRequest{Name: "ci"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(sa.Name, key.Name, strings.HasPrefix(key.Secret(), zenml.APIKeyPrefix))
	// Output: deployer ci true
}

// Rotate a key and keep the previous secret working for an hour, so that
// running jobs can finish while the new one is rolled out.
func ExampleClient_RotateAPIKey() {
	ctx := context.Background()
	server := zenmltest.New(zenmltest.Options{})
	defer server.Close()
	saID := server.CreateServiceAccount("deployer")
	oldKey := server.CreateAPIKey(saID, "ci")
	admin, err := zenml.NewClient(server.URL(), zenml.Options{Tokens: zenml.StaticToken(server.AdminToken())})
	if err != nil {
		log.Fatal(err)
	}

	rotated, err := admin.RotateAPIKey(ctx, saID, "ci", time.Hour)
	if err != nil {
		log.Fatal(err)
	}
	login, err := zenml.NewClient(server.URL(), zenml.Options{})
	if err != nil {
		log.Fatal(err)
	}
	_, errOld := login.LoginAPIKey(ctx, oldKey)
	_, errNew := login.LoginAPIKey(ctx, rotated.Secret())
	fmt.Println("old key works:", errOld == nil)
	fmt.Println("new key works:", errNew == nil)

	server.Advance(61 * time.Minute)
	_, errOld = login.LoginAPIKey(ctx, oldKey)
	fmt.Println("old key after the retain period:", errors.Is(errOld, zenml.ErrUnauthorized))
	// Output:
	// old key works: true
	// new key works: true
	// old key after the retain period: true
}

// Iterate over every service account; pages are fetched as the loop needs
// them.
func ExampleClient_AllServiceAccounts() {
	ctx := context.Background()
	server := zenmltest.New(zenmltest.Options{})
	defer server.Close()
	for _, name := range []string{"alpha", "bravo", "charlie", "delta", "echo"} {
		server.CreateServiceAccount(name)
	}
	admin, err := zenml.NewClient(server.URL(), zenml.Options{Tokens: zenml.StaticToken(server.AdminToken())})
	if err != nil {
		log.Fatal(err)
	}

	for sa, err := range admin.AllServiceAccounts(ctx, zenml.ListParams{Size: 2, SortBy: "name"}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(sa.Name)
	}
	// Output:
	// alpha
	// bravo
	// charlie
	// delta
	// echo
}

// Branch on what went wrong with errors.Is, whatever the server's version
// or the shape of its error body.
func ExampleError() {
	ctx := context.Background()
	server := zenmltest.New(zenmltest.Options{})
	defer server.Close()
	admin, err := zenml.NewClient(server.URL(), zenml.Options{Tokens: zenml.StaticToken(server.AdminToken())})
	if err != nil {
		log.Fatal(err)
	}

	_, err = admin.GetServiceAccount(ctx, "nobody")
	switch {
	case errors.Is(err, zenml.ErrNotFound):
		fmt.Println("no such service account")
	case errors.Is(err, zenml.ErrUnauthorized):
		fmt.Println("log in again")
	case err != nil:
		fmt.Println("failed:", err)
	}

	_, err = admin.CreateServiceAccount(ctx, zenml.ServiceAccountRequest{Name: "dup", Active: true})
	if err != nil {
		log.Fatal(err)
	}
	_, err = admin.CreateServiceAccount(ctx, zenml.ServiceAccountRequest{Name: "dup", Active: true})
	fmt.Println("exists already:", errors.Is(err, zenml.ErrConflict))
	// Output:
	// no such service account
	// exists already: true
}
