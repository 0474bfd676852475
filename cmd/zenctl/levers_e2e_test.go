package main

import (
	"context"
	"strings"
	"testing"

	"github.com/zenctl/zenctl/internal/credentials"
	"github.com/zenctl/zenctl/pkg/zenml"
)

// deviceLoggedIn runs `zenctl login --device` on a new machine and verifies
// it as the dashboard would with approver's stored session, which makes
// approver's account the device's owner. It returns the logged-in machine.
func deviceLoggedIn(ctx context.Context, t *testing.T, serverURL string, approver *cli) *cli {
	t.Helper()
	session, err := credentials.NewFileStore(approver.configDir()).Get(serverURL)
	if err != nil {
		t.Fatal(err)
	}
	dashboard, err := zenml.NewClient(serverURL, zenml.Options{Tokens: zenml.StaticToken(session.AccessToken)})
	if err != nil {
		t.Fatal(err)
	}
	machine := newCLI(t)
	seen, code := machine.deviceFlow(ctx, func(deviceID, userCode string) {
		if _, err := dashboard.VerifyDevice(ctx, deviceID, userCode, false); err != nil {
			t.Errorf("verifying the device: %v", err)
		}
	}, "login", serverURL, "--device", "--no-browser")
	if code != 0 {
		t.Fatalf("device login: exit %d\n%s", code, strings.Join(seen, "\n"))
	}
	return machine
}
