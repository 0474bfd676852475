package zenml

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

func marshalJSON(v any) ([]byte, error) { return json.Marshal(v) }

// ListParams are the paging, sorting and filter parameters of list endpoints.
type ListParams struct {
	Page    int
	Size    int
	SortBy  string
	Hydrate bool
	// Filters are field filters, e.g. "name": "startswith:ci-", "active": "true".
	Filters map[string]string
}

func (p ListParams) query() url.Values {
	q := url.Values{}
	if p.Page > 0 {
		q.Set("page", strconv.Itoa(p.Page))
	}
	if p.Size > 0 {
		q.Set("size", strconv.Itoa(p.Size))
	}
	if p.SortBy != "" {
		q.Set("sort_by", p.SortBy)
	}
	if p.Hydrate {
		q.Set("hydrate", "true")
	}
	for k, v := range p.Filters {
		q.Set(k, v)
	}
	return q
}

const serviceAccountsPath = "/api/v1/service_accounts"

func serviceAccountPath(nameOrID string) string {
	return serviceAccountsPath + "/" + url.PathEscape(nameOrID)
}

func apiKeysPath(serviceAccountID string) string {
	return serviceAccountPath(serviceAccountID) + "/api_keys"
}

func apiKeyPath(serviceAccountID, nameOrID string) string {
	return apiKeysPath(serviceAccountID) + "/" + url.PathEscape(nameOrID)
}

// CreateServiceAccount creates a service account.
func (c *Client) CreateServiceAccount(ctx context.Context, req ServiceAccountRequest) (*ServiceAccount, error) {
	var sa ServiceAccount
	if err := c.doJSON(ctx, jsonRequest(http.MethodPost, serviceAccountsPath, req), &sa); err != nil {
		return nil, err
	}
	return &sa, nil
}

// ListServiceAccounts returns one page of service accounts.
func (c *Client) ListServiceAccounts(ctx context.Context, p ListParams) (*Page[ServiceAccount], error) {
	var page Page[ServiceAccount]
	err := c.doJSON(ctx, request{method: http.MethodGet, path: serviceAccountsPath, query: p.query(), auth: true, retryable: true}, &page)
	if err != nil {
		return nil, err
	}
	return &page, nil
}

// AllServiceAccounts iterates over every service account that p's filters
// select, fetching page after page as the loop goes on: of p.Size accounts,
// or, when 0, a small first page and then pages of MaxPageSize, so that a
// long list costs few round trips and its first items still come at once.
// The loop ends after the first error, which it yields.
func (c *Client) AllServiceAccounts(ctx context.Context, p ListParams) iter.Seq2[ServiceAccount, error] {
	return allItems(p, func(sa *ServiceAccount) string { return sa.ID }, func(p ListParams) (*Page[ServiceAccount], error) {
		return c.ListServiceAccounts(ctx, p)
	})
}

// GetServiceAccount fetches a service account by exact name or id.
func (c *Client) GetServiceAccount(ctx context.Context, nameOrID string) (*ServiceAccount, error) {
	var sa ServiceAccount
	err := c.doJSON(ctx, request{method: http.MethodGet, path: serviceAccountPath(nameOrID), auth: true, retryable: true}, &sa)
	if err != nil {
		return nil, err
	}
	return &sa, nil
}

// UpdateServiceAccount changes a service account.
func (c *Client) UpdateServiceAccount(ctx context.Context, nameOrID string, upd ServiceAccountUpdate) (*ServiceAccount, error) {
	var sa ServiceAccount
	if err := c.doJSON(ctx, jsonRequest(http.MethodPut, serviceAccountPath(nameOrID), upd), &sa); err != nil {
		return nil, err
	}
	return &sa, nil
}

// DeleteServiceAccount deletes a service account and, by cascade, its keys.
func (c *Client) DeleteServiceAccount(ctx context.Context, nameOrID string) error {
	return c.doJSON(ctx, request{method: http.MethodDelete, path: serviceAccountPath(nameOrID), auth: true}, nil)
}

// AmbiguousError is a name or id prefix that matches several entities.
type AmbiguousError struct {
	Kind       string // "service account", "API key"
	Ref        string
	Candidates []string // "name (id)"
}

func (e *AmbiguousError) Error() string {
	return fmt.Sprintf("%q matches %d %ss: %s; use the full id", e.Ref, len(e.Candidates), e.Kind, strings.Join(e.Candidates, ", "))
}

// ResolveServiceAccount finds a service account as the zenml CLI does: a
// full UUID directly, else the exact name, else a unique id prefix.
func (c *Client) ResolveServiceAccount(ctx context.Context, ref string) (*ServiceAccount, error) {
	return resolveRef(ctx, ref, "service account", c.GetServiceAccount, c.ListServiceAccounts,
		func(s ServiceAccount) (string, string) { return s.Name, s.ID })
}

// resolveRef finds an entity by full id or exact name (get), else by a
// unique id prefix (list filtered on the id), naming the candidates when
// the prefix is ambiguous. Users and service accounts resolve alike.
func resolveRef[T any](ctx context.Context, ref, kind string,
	get func(context.Context, string) (*T, error),
	list func(context.Context, ListParams) (*Page[T], error),
	nameAndID func(T) (string, string)) (*T, error) {
	v, err := get(ctx, ref)
	if err == nil || !errors.Is(err, ErrNotFound) || isUUID(ref) || !looksLikeIDPrefix(ref) {
		return v, err
	}
	page, listErr := list(ctx, ListParams{Size: 50, Filters: map[string]string{"id": "startswith:" + strings.ToLower(ref)}})
	if listErr != nil {
		return nil, err
	}
	switch len(page.Items) {
	case 0:
		return nil, err
	case 1:
		_, id := nameAndID(page.Items[0])
		return get(ctx, id)
	}
	return nil, &AmbiguousError{Kind: kind, Ref: ref, Candidates: candidatesOf(page.Items, nameAndID)}
}

// CreateAPIKey creates an API key; the answer holds the full key, once.
func (c *Client) CreateAPIKey(ctx context.Context, serviceAccountID string, req APIKeyRequest) (*APIKey, error) {
	var k APIKey
	if err := c.doJSON(ctx, jsonRequest(http.MethodPost, apiKeysPath(serviceAccountID), req), &k); err != nil {
		return nil, err
	}
	return &k, nil
}

// ListAPIKeys returns one page of a service account's API keys.
func (c *Client) ListAPIKeys(ctx context.Context, serviceAccountID string, p ListParams) (*Page[APIKey], error) {
	var page Page[APIKey]
	err := c.doJSON(ctx, request{method: http.MethodGet, path: apiKeysPath(serviceAccountID), query: p.query(), auth: true, retryable: true}, &page)
	if err != nil {
		return nil, err
	}
	return &page, nil
}

// AllAPIKeys iterates over every API key of a service account, fetching
// page after page as the loop goes on, sized as AllServiceAccounts's. The
// loop ends after the first error, which it yields.
func (c *Client) AllAPIKeys(ctx context.Context, serviceAccountID string, p ListParams) iter.Seq2[APIKey, error] {
	return allItems(p, func(k *APIKey) string { return k.ID }, func(p ListParams) (*Page[APIKey], error) {
		return c.ListAPIKeys(ctx, serviceAccountID, p)
	})
}

// GetAPIKey fetches an API key by name or id.
func (c *Client) GetAPIKey(ctx context.Context, serviceAccountID, nameOrID string) (*APIKey, error) {
	var k APIKey
	err := c.doJSON(ctx, request{method: http.MethodGet, path: apiKeyPath(serviceAccountID, nameOrID), auth: true, retryable: true}, &k)
	if err != nil {
		return nil, err
	}
	return &k, nil
}

// ResolveAPIKey finds a key by id, exact name, or unique id prefix.
func (c *Client) ResolveAPIKey(ctx context.Context, serviceAccountID, ref string) (*APIKey, error) {
	k, err := c.GetAPIKey(ctx, serviceAccountID, ref)
	if err == nil || !errors.Is(err, ErrNotFound) || isUUID(ref) || !looksLikeIDPrefix(ref) {
		return k, err
	}
	var matches []APIKey
	for key, listErr := range c.AllAPIKeys(ctx, serviceAccountID, ListParams{}) {
		if listErr != nil {
			return nil, err
		}
		if strings.HasPrefix(key.ID, strings.ToLower(ref)) {
			matches = append(matches, key)
		}
	}
	switch len(matches) {
	case 0:
		return nil, err
	case 1:
		return c.GetAPIKey(ctx, serviceAccountID, matches[0].ID)
	}
	return nil, &AmbiguousError{Kind: "API key", Ref: ref, Candidates: candidatesOf(matches, func(k APIKey) (string, string) { return k.Name, k.ID })}
}

// UpdateAPIKey changes an API key.
func (c *Client) UpdateAPIKey(ctx context.Context, serviceAccountID, nameOrID string, upd APIKeyUpdate) (*APIKey, error) {
	var k APIKey
	if err := c.doJSON(ctx, jsonRequest(http.MethodPut, apiKeyPath(serviceAccountID, nameOrID), upd), &k); err != nil {
		return nil, err
	}
	return &k, nil
}

// RotateAPIKey gives the key a new secret; the previous secret keeps
// working for retain (0: it stops now). The server counts whole minutes:
// retain is rounded up to one, so the old secret never stops earlier than
// asked. The answer holds the new key.
func (c *Client) RotateAPIKey(ctx context.Context, serviceAccountID, nameOrID string, retain time.Duration) (*APIKey, error) {
	if retain < 0 {
		return nil, fmt.Errorf("zenml: a negative retention period (%s)", retain)
	}
	var k APIKey
	body := map[string]int64{"retain_period_minutes": int64((retain + time.Minute - 1) / time.Minute)}
	if err := c.doJSON(ctx, jsonRequest(http.MethodPut, apiKeyPath(serviceAccountID, nameOrID)+"/rotate", body), &k); err != nil {
		return nil, err
	}
	return &k, nil
}

// DeleteAPIKey deletes an API key; tokens obtained with it stop working.
func (c *Client) DeleteAPIKey(ctx context.Context, serviceAccountID, nameOrID string) error {
	return c.doJSON(ctx, request{method: http.MethodDelete, path: apiKeyPath(serviceAccountID, nameOrID), auth: true}, nil)
}

func isUUID(s string) bool {
	_, err := uuid.Parse(s)
	return err == nil && len(s) == 36
}

func looksLikeIDPrefix(s string) bool {
	if s == "" || len(s) > 36 {
		return false
	}
	for _, r := range strings.ToLower(s) {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r == '-') {
			return false
		}
	}
	return true
}

func candidatesOf[T any](items []T, describe func(T) (name, id string)) []string {
	out := make([]string, 0, len(items))
	for _, it := range items {
		name, id := describe(it)
		out = append(out, fmt.Sprintf("%s (%s)", name, id))
	}
	sort.Strings(out)
	return out
}
