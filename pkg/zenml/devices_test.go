package zenml

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"
	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

// deviceLogin runs a device flow that the fake's admin verifies and returns
// a client authenticated with the device token.
func deviceLogin(t *testing.T, fake *zenmltest.Server, clientID string) *Client {
	t.Helper()
	ctx := context.Background()
	anon := newTestClient(t, fake.URL(), Options{})
	da, err := anon.StartDeviceAuthorization(ctx, clientID)
	if err != nil {
		t.Fatal(err)
	}
	if err := fake.VerifyDevice(da.UserCode, false); err != nil {
		t.Fatal(err)
	}
	tok, err := anon.LoginDevice(ctx, clientID, da.DeviceCode)
	if err != nil {
		t.Fatal(err)
	}
	return anon.WithTokens(StaticToken(tok.AccessToken))
}

func TestDeviceLockUnlockDelete(t *testing.T) {
	forBothProfiles(t, zenmltest.Options{}, func(t *testing.T, fake *zenmltest.Server) {
		ctx := context.Background()
		clientID := uuid.NewString()
		laptop := deviceLogin(t, fake, clientID)
		admin := adminClient(t, fake, Options{})

		var devs []AuthorizedDevice
		for d, err := range admin.AllDevices(ctx, ListParams{}) {
			if err != nil {
				t.Fatal(err)
			}
			devs = append(devs, d)
		}
		if len(devs) != 1 || devs[0].Body.ClientID != clientID || devs[0].Owner() != fake.AdminID() {
			t.Fatalf("devices %+v", devs)
		}
		d, err := admin.ResolveDevice(ctx, devs[0].ID[:6])
		if err != nil || d.ID != devs[0].ID || d.Metadata == nil {
			t.Fatalf("resolve by prefix: %v %+v", err, d)
		}

		if d, err = admin.LockDevice(ctx, d.ID); err != nil || d.Body.Status != DeviceStatusLocked {
			t.Fatalf("lock: %v %+v", err, d)
		}
		if _, err := laptop.CurrentUser(ctx); !errors.Is(err, ErrUnauthorized) {
			t.Fatalf("token of a locked device: %v", err)
		}
		if _, err := admin.UnlockDevice(ctx, d.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := laptop.CurrentUser(ctx); err != nil {
			t.Fatalf("unlock revives the old token: %v", err)
		}
		if err := admin.DeleteDevice(ctx, d.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := laptop.CurrentUser(ctx); !errors.Is(err, ErrUnauthorized) {
			t.Fatalf("token of a deleted device: %v", err)
		}
		if _, err := admin.ResolveDevice(ctx, d.ID[:6]); !errors.Is(err, ErrNotFound) {
			t.Fatalf("deleted device by prefix: %v", err)
		}
	})
}
