package zenml

import (
	"context"
	"errors"
	"testing"

	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

func strp(s string) *string { return &s }

func TestUserLifecycle(t *testing.T) {
	forBothProfiles(t, zenmltest.Options{}, func(t *testing.T, fake *zenmltest.Server) {
		ctx := context.Background()
		admin := adminClient(t, fake, Options{})

		invited, token, err := admin.CreateUser(ctx, UserRequest{Name: "ann"})
		if err != nil {
			t.Fatal(err)
		}
		if invited.Body.Active || len(token) != 64 {
			t.Fatalf("invitation: active %v, token %q", invited.Body.Active, token)
		}
		anon := newTestClient(t, fake.URL(), Options{})
		if _, err := anon.ActivateUser(ctx, "ann", "0000", "pw-1"); !errors.Is(err, ErrUnauthorized) {
			t.Fatalf("wrong activation token: %v", err)
		}
		if u, err := anon.ActivateUser(ctx, "ann", token, "pw-1"); err != nil || !u.Body.Active {
			t.Fatalf("activate: %v %+v", err, u)
		}
		tok, err := anon.LoginPassword(ctx, "ann", "pw-1")
		if err != nil {
			t.Fatal(err)
		}
		ann := anon.WithTokens(StaticToken(tok.AccessToken))

		// Own email through PUT /users/{id} is dropped; full name applies.
		u, err := ann.UpdateUser(ctx, invited.ID, UserUpdate{FullName: strp("Ann"), Email: strp("a@example.com")})
		if err != nil || u.Body.FullName != "Ann" {
			t.Fatalf("self update: %v %+v", err, u)
		}
		if _, err := ann.UpdateCurrentUser(ctx, UserUpdate{Email: strp("a@example.com")}); err != nil {
			t.Fatal(err)
		}
		if me, _ := ann.CurrentUser(ctx); me.Metadata == nil || me.Metadata.Email != "a@example.com" {
			t.Fatalf("email through /current-user: %+v", me.Metadata)
		}
		if _, err := ann.UpdateCurrentUser(ctx, UserUpdate{Password: strp("pw-2"), OldPassword: strp("wrong")}); !errors.Is(err, ErrForbidden) {
			t.Fatalf("wrong old password: %v", err)
		}
		if _, err := ann.UpdateCurrentUser(ctx, UserUpdate{Password: strp("pw-2"), OldPassword: strp("pw-1")}); err != nil {
			t.Fatal(err)
		}
		if _, err := ann.CurrentUser(ctx); err != nil {
			t.Fatalf("a token from before the password change must keep working: %v", err)
		}
		if _, _, err := ann.CreateUser(ctx, UserRequest{Name: "bob"}); !errors.Is(err, ErrForbidden) {
			t.Fatalf("non-admin create: %v", err)
		}

		_, again, err := admin.DeactivateUser(ctx, "ann")
		if err != nil || len(again) != 64 {
			t.Fatalf("deactivate: %v %q", err, again)
		}
		if _, err := ann.CurrentUser(ctx); !errors.Is(err, ErrUnauthorized) {
			t.Fatalf("token of a deactivated user: %v", err)
		}
		if _, err := anon.ActivateUser(ctx, "ann", again, "pw-3"); err != nil {
			t.Fatal(err)
		}
		if _, err := ann.CurrentUser(ctx); err != nil {
			t.Fatalf("activation revives the old token: %v", err)
		}
		if err := admin.DeleteUser(ctx, "ann"); err != nil {
			t.Fatal(err)
		}
		if _, err := admin.GetUser(ctx, "ann"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("deleted user: %v", err)
		}
	})
}

func TestAllUsersReadsEveryPage(t *testing.T) {
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	for _, n := range []string{"u1", "u2", "u3", "u4"} {
		fake.CreateUser(n, "pw")
	}
	c := adminClient(t, fake, Options{})
	var names []string
	for u, err := range c.AllUsers(context.Background(), ListParams{Size: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, u.Name)
	}
	if len(names) != 5 {
		t.Fatalf("users %v, want default and u1..u4", names)
	}
}

func TestResolveUserByIDPrefix(t *testing.T) {
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	id := fake.CreateUser("carol", "pw")
	c := adminClient(t, fake, Options{})
	u, err := c.ResolveUser(context.Background(), id[:8])
	if err != nil || u.Name != "carol" {
		t.Fatalf("prefix %s: %v %+v", id[:8], err, u)
	}
}
