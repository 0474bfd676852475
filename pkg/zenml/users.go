package zenml

import (
	"context"
	"encoding/json"
	"iter"
	"net/http"
	"net/url"
)

const usersPath = "/api/v1/users"

func userPath(nameOrID string) string { return usersPath + "/" + url.PathEscape(nameOrID) }

// UserRequest creates a user. Without a Password the user starts inactive
// and the server answers with an activation token, once.
type UserRequest struct {
	Name     string  `json:"name"`
	FullName string  `json:"full_name,omitempty"`
	Password *string `json:"password,omitempty"`
	// IsAdmin is required by the server (422 without it), so it is always
	// sent.
	IsAdmin bool `json:"is_admin"`
}

// UserUpdate changes a user; nil fields are not sent. There is no Active
// field on purpose: the real server answers 500 to `active` in PUT
// /users/{id} and changes nothing; use DeactivateUser and ActivateUser.
//
// What applies depends on the route and the caller: through PUT
// /users/{id} an admin may change FullName and IsAdmin of others, anyone
// their own FullName and (with OldPassword) Password, while Email of
// oneself is silently dropped there; through UpdateCurrentUser FullName,
// Email and Password apply and IsAdmin is ignored.
type UserUpdate struct {
	Name        *string `json:"name,omitempty"`
	FullName    *string `json:"full_name,omitempty"`
	Email       *string `json:"email,omitempty"`
	IsAdmin     *bool   `json:"is_admin,omitempty"`
	Password    *string `json:"password,omitempty"`
	OldPassword *string `json:"old_password,omitempty"`
}

// activationOf reads body.activation_token, which the server fills only in
// the answers to a create without password and to a deactivation.
func activationOf(raw []byte) string {
	var v struct {
		Body struct {
			ActivationToken *string `json:"activation_token"`
		} `json:"body"`
	}
	if json.Unmarshal(raw, &v) != nil || v.Body.ActivationToken == nil {
		return ""
	}
	return *v.Body.ActivationToken
}

// userCall performs r and decodes the user it answers with, plus the
// activation token when the answer carries one.
func (c *Client) userCall(ctx context.Context, r request) (*User, string, error) {
	var raw json.RawMessage
	if err := c.doJSON(ctx, r, &raw); err != nil {
		return nil, "", err
	}
	var u User
	if err := json.Unmarshal(raw, &u); err != nil {
		return nil, "", &ResponseError{Server: c.ServerURL(), Method: r.method, Path: r.path, Status: http.StatusOK,
			Reason: "the server's answer is not the JSON this client expects: " + err.Error()}
	}
	return &u, activationOf(raw), nil
}

// ListUsers returns one page of users. Without RBAC a non-admin sees only
// itself.
func (c *Client) ListUsers(ctx context.Context, p ListParams) (*Page[User], error) {
	var page Page[User]
	err := c.doJSON(ctx, request{method: http.MethodGet, path: usersPath, query: p.query(), auth: true, retryable: true}, &page)
	if err != nil {
		return nil, err
	}
	return &page, nil
}

// AllUsers yields every user, reading page after page from p.Page (1 when
// unset), sized as AllServiceAccounts's.
func (c *Client) AllUsers(ctx context.Context, p ListParams) iter.Seq2[User, error] {
	return allItems(p, func(u *User) string { return u.ID }, func(p ListParams) (*Page[User], error) { return c.ListUsers(ctx, p) })
}

// GetUser fetches a user by exact name or id (hydrated).
func (c *Client) GetUser(ctx context.Context, nameOrID string) (*User, error) {
	u, _, err := c.userCall(ctx, request{method: http.MethodGet, path: userPath(nameOrID), auth: true, retryable: true})
	return u, err
}

// ResolveUser finds a user by id, exact name, or unique id prefix.
func (c *Client) ResolveUser(ctx context.Context, ref string) (*User, error) {
	return resolveRef(ctx, ref, "user", c.GetUser, c.ListUsers, func(u User) (string, string) { return u.Name, u.ID })
}

// CreateUser creates a user (admins only). activationToken is non-empty
// when the request had no password: the user stays inactive until someone
// presents it to ActivateUser. The server shows it only in this answer.
func (c *Client) CreateUser(ctx context.Context, req UserRequest) (u *User, activationToken string, err error) {
	r := jsonRequest(http.MethodPost, usersPath, userRequestWire(req))
	if req.Password != nil {
		r.secret = "password"
	}
	return c.userCall(ctx, r)
}

// UpdateUser changes a user through PUT /users/{id}; see UserUpdate for
// which fields apply. Compare the answer with the request: fields the
// server drops come back unchanged.
func (c *Client) UpdateUser(ctx context.Context, nameOrID string, upd UserUpdate) (*User, error) {
	u, _, err := c.userCall(ctx, upd.request(userPath(nameOrID)))
	return u, err
}

// UpdateCurrentUser changes the calling user through PUT /current-user, the
// only route that sets one's own email. Existing tokens keep working after
// a password change.
func (c *Client) UpdateCurrentUser(ctx context.Context, upd UserUpdate) (*User, error) {
	u, _, err := c.userCall(ctx, upd.request("/api/v1/current-user"))
	return u, err
}

func (upd UserUpdate) request(path string) request {
	r := jsonRequest(http.MethodPut, path, userUpdateWire(upd))
	if upd.Password != nil || upd.OldPassword != nil {
		r.secret = "password"
	}
	return r
}

// DeactivateUser blocks a user (admins only, not oneself). It revokes
// nothing: the user's tokens fail while it is inactive and work again after
// activation. The answer's activation token is the way back in.
func (c *Client) DeactivateUser(ctx context.Context, nameOrID string) (u *User, activationToken string, err error) {
	return c.userCall(ctx, request{method: http.MethodPut, path: userPath(nameOrID) + "/deactivate", auth: true})
}

// ActivateUser sets the password of an invited or deactivated user with its
// activation token. It needs no login: the token is the credential.
func (c *Client) ActivateUser(ctx context.Context, nameOrID, activationToken, password string) (*User, error) {
	r := jsonRequest(http.MethodPut, userPath(nameOrID)+"/activate", map[string]string{
		"activation_token": activationToken, "password": password,
	})
	r.auth, r.retryable, r.secret = false, false, "password"
	u, _, err := c.userCall(ctx, r)
	return u, err
}

// DeleteUser deletes a user (admins only, not oneself) with its devices;
// its tokens stop working.
func (c *Client) DeleteUser(ctx context.Context, nameOrID string) error {
	return c.doJSON(ctx, request{method: http.MethodDelete, path: userPath(nameOrID), auth: true}, nil)
}
