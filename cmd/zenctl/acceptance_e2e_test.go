package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/zenctl/zenctl/pkg/zenml"
)

// TestAcceptance runs the main auth flows against a real ZenML server
// named by ZENCTL_ACCEPTANCE_URL, logging in as the admin in
// ZENCTL_ACCEPTANCE_USERNAME / ZENCTL_ACCEPTANCE_PASSWORD. It creates one
// throwaway service account and deletes it at the end.
func TestAcceptance(t *testing.T) {
	serverURL := os.Getenv("ZENCTL_ACCEPTANCE_URL")
	if serverURL == "" {
		t.Skip("set ZENCTL_ACCEPTANCE_URL (and ZENCTL_ACCEPTANCE_USERNAME, ZENCTL_ACCEPTANCE_PASSWORD) to run against a real server")
	}
	username := os.Getenv("ZENCTL_ACCEPTANCE_USERNAME")
	if username == "" {
		username = "default"
	}
	password := os.Getenv("ZENCTL_ACCEPTANCE_PASSWORD")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	admin := newCLI(t)
	r := admin.mustRun(password+"\n", "login", serverURL, "--username", username, "--password-stdin")
	if r.stdout != "" || strings.Contains(r.stderr, password) && password != "" {
		t.Fatalf("login output leaks: stdout %q", r.stdout)
	}
	admin.mustRun("", "status")
	token := strings.TrimSpace(admin.mustRun("", "token", "--expires-in", "300").stdout)
	if token == "" {
		t.Fatal("no token")
	}

	name := fmt.Sprintf("zenctl-acceptance-%d", time.Now().UnixNano())
	client, err := zenml.NewClient(serverURL, zenml.Options{Tokens: zenml.StaticToken(token)})
	if err != nil {
		t.Fatal(err)
	}
	sa, err := client.CreateServiceAccount(ctx, zenml.ServiceAccountRequest{Name: name, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	defer client.DeleteServiceAccount(context.Background(), sa.ID)
	created, err := client.CreateAPIKey(ctx, sa.ID, zenml.APIKeyRequest{Name: "default"})
	if err != nil {
		t.Fatal(err)
	}

	bot := newCLI(t)
	bot.mustRun(created.Secret()+"\n", "login", serverURL, "--api-key")
	st := bot.mustRun("", "status", "-o", "json")
	if !strings.Contains(st.stdout, `"account": "`+name+`"`) || !strings.Contains(st.stdout, `"account_type": "service_account"`) {
		t.Errorf("status: %s", st.stdout)
	}
	bot.mustRun("", "token")

	// Rotation without a retain period cuts the old key off at once.
	rotated, err := client.RotateAPIKey(ctx, sa.ID, "default", 0)
	if err != nil {
		t.Fatal(err)
	}
	loginClient, _ := zenml.NewClient(serverURL, zenml.Options{})
	if _, err := loginClient.LoginAPIKey(ctx, created.Secret()); !zenml.IsKind(err, zenml.KindCredentials) {
		t.Errorf("old key after rotation: %v", err)
	}
	if _, err := loginClient.LoginAPIKey(ctx, rotated.Secret()); err != nil {
		t.Errorf("new key: %v", err)
	}

	bot.mustRun("", "logout", "--clear")
	expectCode(t, bot.run("", "token", "--server", serverURL), 4)
	admin.mustRun("", "logout", "--clear")
}
