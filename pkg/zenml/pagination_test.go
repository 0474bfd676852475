package zenml

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"testing"

	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

func TestAllServiceAccountsStreamsPageByPage(t *testing.T) {
	forBothProfiles(t, zenmltest.Options{}, func(t *testing.T, fake *zenmltest.Server) {
		var want []string
		for i := range 7 {
			name := fmt.Sprintf("bot-%d", i)
			fake.CreateServiceAccount(name)
			want = append(want, name)
		}
		c := adminClient(t, fake, Options{})
		ctx := context.Background()
		var got []string
		for sa, err := range c.AllServiceAccounts(ctx, ListParams{Size: 3, SortBy: "name"}) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, sa.Name)
		}
		if !slices.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
		if n := fake.Count("GET /api/v1/service_accounts"); n != 3 {
			t.Errorf("%d pages fetched, want 3", n)
		}

		// Breaking out of the loop fetches nothing more.
		fake.ResetCounts()
		for range c.AllServiceAccounts(ctx, ListParams{Size: 3}) {
			break
		}
		if n := fake.Count("GET /api/v1/service_accounts"); n != 1 {
			t.Errorf("%d pages fetched after a break, want 1", n)
		}
	})
}

func TestAllAPIKeys(t *testing.T) {
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	sa := fake.CreateServiceAccount("bot")
	for i := range 5 {
		fake.CreateAPIKey(sa, fmt.Sprintf("key-%d", i))
	}
	c := adminClient(t, fake, Options{})
	n := 0
	for k, err := range c.AllAPIKeys(context.Background(), sa, ListParams{Size: 2}) {
		if err != nil || k.Name == "" {
			t.Fatal(k, err)
		}
		n++
	}
	if n != 5 {
		t.Errorf("%d keys", n)
	}
}

// An error ends the loop, once; a server that ignores the page parameter
// cannot make it loop forever.
func TestAllItemsStopsOnErrorsAndOnAStuckServer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"index":1,"max_size":1,"total_pages":3,"total":3,"items":[{"id":"a","name":"a"}]}`)
	}))
	t.Cleanup(srv.Close)
	c := newTestClient(t, srv.URL, Options{Tokens: StaticToken("t")})
	var items, errs int
	for _, err := range c.AllServiceAccounts(context.Background(), ListParams{}) {
		if err != nil {
			errs++
			continue
		}
		items++
	}
	if items != 1 || errs != 1 {
		t.Errorf("%d items, %d errors; want 1 and 1", items, errs)
	}

	fake := zenmltest.NewTest(t, zenmltest.Options{})
	fake.InjectFault("GET /api/v1/service_accounts", zenmltest.Fault{Status: 403})
	for _, err := range adminClient(t, fake, Options{}).AllServiceAccounts(context.Background(), ListParams{}) {
		if !errors.Is(err, ErrForbidden) {
			t.Errorf("err = %v", err)
		}
	}
}

// Every All... iterator ends on a server that ignores the page parameter,
// or whose page count runs away without an index.
func TestEveryIteratorEndsOnAStuckServer(t *testing.T) {
	for name, body := range map[string]string{
		"stuck on page 1":     `{"index":1,"max_size":1,"total_pages":5,"total":5,"items":[{"id":"a","name":"a"}]}`,
		"no index, 2e9 pages": `{"max_size":1,"total_pages":2000000000,"total":3,"items":[{"id":"a","name":"a"}]}`,
		"no index, no total":  `{"total_pages":1000000,"items":[{"id":"a","name":"a"}]}`,
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, body)
		}))
		c := newTestClient(t, srv.URL, Options{Tokens: StaticToken("t")})
		ctx := context.Background()
		count := func(seq func(func(struct{}, error) bool)) int {
			n := 0
			seq(func(struct{}, error) bool { n++; return n < 100 })
			return n
		}
		for it, n := range map[string]int{
			"users": count(func(y func(struct{}, error) bool) {
				c.AllUsers(ctx, ListParams{})(func(_ User, e error) bool { return y(struct{}{}, e) })
			}),
			"devices": count(func(y func(struct{}, error) bool) {
				c.AllDevices(ctx, ListParams{})(func(_ AuthorizedDevice, e error) bool { return y(struct{}{}, e) })
			}),
			"service accounts": count(func(y func(struct{}, error) bool) {
				c.AllServiceAccounts(ctx, ListParams{})(func(_ ServiceAccount, e error) bool { return y(struct{}{}, e) })
			}),
		} {
			if n >= 10 {
				t.Errorf("%s: %s yielded %d times", name, it, n)
			}
		}
		srv.Close()
	}
}

// listQueries is the page and size of every service-account list request
// the fake saw, in order.
func listQueries(fake *zenmltest.Server) []string {
	var out []string
	for _, r := range fake.Requests() {
		if r.Endpoint == "GET /api/v1/service_accounts" {
			q, _ := url.ParseQuery(r.RawQuery)
			out = append(out, "page="+q.Get("page")+" size="+q.Get("size"))
		}
	}
	return out
}

// Without a size, a walk asks for a small first page, so that its first
// items come at once, then for the server's largest: 250 accounts cost two
// round trips, not three (or eleven for a thousand at 100 a page).
func TestAllItemsGrowsItsPages(t *testing.T) {
	forBothProfiles(t, zenmltest.Options{}, func(t *testing.T, fake *zenmltest.Server) {
		var want []string
		for i := range 250 {
			name := fmt.Sprintf("bot-%03d", i)
			fake.CreateServiceAccount(name)
			want = append(want, name)
		}
		c := adminClient(t, fake, Options{})
		fake.ResetCounts()
		var got []string
		for sa, err := range c.AllServiceAccounts(context.Background(), ListParams{SortBy: "name"}) {
			if err != nil {
				t.Fatal(err)
			}
			if len(got) == 0 {
				if q := listQueries(fake); len(q) != 1 {
					t.Errorf("the first item came after %v, want after the first page only", q)
				}
			}
			got = append(got, sa.Name)
		}
		if !slices.Equal(got, want) {
			t.Errorf("got %d accounts %v…, want %d", len(got), got[:min(len(got), 3)], len(want))
		}
		wantQ := []string{"page=1 size=100", "page=1 size=10000"}
		if q := listQueries(fake); !slices.Equal(q, wantQ) {
			t.Errorf("requests %v, want %v", q, wantQ)
		}

		// A list that fits the first page costs one request.
		fake.ResetCounts()
		n := 0
		for _, err := range c.AllServiceAccounts(context.Background(), ListParams{Filters: map[string]string{"name": "startswith:bot-00"}}) {
			if err != nil {
				t.Fatal(err)
			}
			n++
		}
		if q := listQueries(fake); n != 10 || len(q) != 1 {
			t.Errorf("%d accounts in requests %v, want 10 in one", n, q)
		}
	})
}

// Accounts created or deleted between the small first page and the large
// one neither repeat nor hide others.
func TestAllItemsGrowingSurvivesChangesBetweenPages(t *testing.T) {
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	for i := range 150 {
		fake.CreateServiceAccount(fmt.Sprintf("bot-%03d", i))
	}
	c := adminClient(t, fake, Options{})
	ctx := context.Background()
	seen := map[string]int{}
	for sa, err := range c.AllServiceAccounts(ctx, ListParams{}) {
		if err != nil {
			t.Fatal(err)
		}
		if len(seen) == 0 {
			// Shifts every later account one place to the front.
			if err := c.DeleteServiceAccount(ctx, sa.ID); err != nil {
				t.Fatal(err)
			}
			fake.CreateServiceAccount("late")
		}
		seen[sa.Name]++
	}
	for i := range 150 {
		if name := fmt.Sprintf("bot-%03d", i); seen[name] != 1 {
			t.Errorf("%s seen %d times", name, seen[name])
		}
	}
	if seen["late"] != 1 {
		t.Errorf("the account created during the walk seen %d times", seen["late"])
	}
}
