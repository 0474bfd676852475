package zenmltest

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/google/uuid"
)

// The user routes follow the 0.58.2 and 0.85.0 transcripts 300–399, which
// agree on every status code except 317 (unknown keys in a create body).
// Without RBAC "admin" means is_admin; tokens are stateless, so every
// change to an account shows on the next request of its existing tokens.

// userNotFound words the 404 as ZenML does: a UUID is looked up as an
// account id, anything else as a user name (306, 398).
func userNotFound(nameOrID string) response {
	if _, err := uuid.Parse(nameOrID); err == nil {
		return keyError(fmt.Sprintf("No account with the '%s' name or ID was found", nameOrID))
	}
	return keyError(fmt.Sprintf("No user account with the '%s' name or ID was found", nameOrID))
}

func illegalOperation(msg string) response {
	return zenmlError(http.StatusForbidden, "IllegalOperationError", msg)
}

func adminOnly(operation string) response {
	return illegalOperation(fmt.Sprintf("Only admin users can perform `%s` without RBAC enabled.", operation))
}

func (s *Server) pathUser(req *request) (*account, *response) {
	u := s.st.lookupAccount(req.params["id"], false)
	if u == nil {
		r := userNotFound(req.params["id"])
		return nil, &r
	}
	return u, nil
}

// newActivationToken replaces a user's activation token and returns it; the
// server keeps only its hash and shows the value in this one response.
func (s *Server) newActivationToken(u *account) string {
	token := randomHex(32)
	u.activationHash = s.hashSecret(token)
	return token
}

func (s *Server) handleListUsers(req *request) response {
	q := req.URL.Query()
	pg, errResp := s.pageQuery(q, false)
	if errResp != nil {
		return *errResp
	}
	var items []listItem
	for _, a := range s.st.accounts {
		// A non-admin sees only itself (320).
		if a.serviceAccount || (!req.auth.account.admin && a != req.auth.account) {
			continue
		}
		matched, errResp := s.matchFilters(q, map[string]string{
			"id": a.id.String(), "name": a.name, "full_name": a.fullName,
		}, map[string]bool{"active": a.active, "is_admin": a.admin})
		if errResp != nil {
			return *errResp
		}
		if matched {
			items = append(items, listItem{id: a.id.String(), name: a.name, created: a.created, updated: a.updated, render: func(h bool) any { return s.userModel(a, h) }})
		}
	}
	return s.page(items, pg, q)
}

func (s *Server) handleGetUser(req *request) response {
	hydrate, errResp := queryHydrate(req.URL.Query(), true)
	if errResp != nil {
		return *errResp
	}
	u, errResp := s.pathUser(req)
	if errResp != nil {
		return *errResp
	}
	if u != req.auth.account && !req.auth.account.admin {
		return adminOnly("get other user")
	}
	return ok(s.userModel(u, hydrate))
}

// userCreateFields are the keys of 0.58.2's UserRequest, which forbids any
// other key (0.58: 317); 0.85 ignores unknown keys.
var userCreateFields = map[string]bool{
	"name": true, "full_name": true, "email": true, "email_opted_in": true, "password": true,
	"activation_token": true, "active": true, "is_admin": true, "user_metadata": true,
	"hub_token": true, "external_user_id": true,
}

func (s *Server) handleCreateUser(req *request) response {
	obj, errResp := decodeObject(req.body)
	if errResp != nil {
		return *errResp
	}
	f := fieldReader{obj: obj}
	name := f.str("name", true)
	admin := f.boolean("is_admin", true)
	password := f.str("password", false)
	fullName := f.str("full_name", false)
	email := f.str("email", false)
	if s.is058() {
		for k := range obj {
			if !userCreateFields[k] {
				f.errs = append(f.errs, fieldError{loc: "body -> " + k, msg: "extra fields not permitted", typ: "value_error.extra"})
			}
		}
	}
	if errResp := f.failure(); errResp != nil {
		return *errResp
	}
	if !req.auth.account.admin {
		return adminOnly("create user")
	}
	if s.st.lookupAccount(*name, false) != nil {
		return entityExists(fmt.Sprintf("Unable to create user with name '%s': Found an existing user account with this name.", *name))
	}
	now := s.clock.now()
	u := &account{id: uuid.New(), name: *name, admin: *admin, email: email, created: now, updated: now}
	if fullName != nil {
		u.fullName = *fullName
	}
	s.st.accounts[u.id] = u
	if password != nil {
		u.passwordHash = s.hashSecret(*password)
		u.active = true
		return ok(s.userModel(u, true))
	}
	// Without a password the user is invited: inactive until someone
	// presents this token to /activate (310).
	return ok(s.userModelView(u, userView{hydrate: true, activationToken: s.newActivationToken(u)}))
}

// userUpdate is a decoded UserUpdate body; nil means "not sent".
type userUpdate struct {
	name, fullName, email, password, oldPassword *string
	admin, active                                *bool
}

func decodeUserUpdate(body []byte) (userUpdate, *response) {
	obj, errResp := decodeObject(body)
	if errResp != nil {
		return userUpdate{}, errResp
	}
	f := fieldReader{obj: obj}
	u := userUpdate{
		name: f.str("name", false), fullName: f.str("full_name", false), email: f.str("email", false),
		password: f.str("password", false), oldPassword: f.str("old_password", false),
		admin: f.boolean("is_admin", false), active: f.boolean("active", false),
	}
	return u, f.failure()
}

// changePassword applies a password change on one's own account, which
// needs the current password (329–331, 336, 337). Existing tokens keep
// working (332); only the old password stops.
func (s *Server) changePassword(u *account, upd userUpdate) *response {
	if upd.password == nil {
		return nil
	}
	if upd.oldPassword == nil {
		r := illegalOperation("The current password must be supplied when changing the password.")
		return &r
	}
	if !secretMatches(u.passwordHash, *upd.oldPassword) {
		r := illegalOperation("The current password is incorrect.")
		return &r
	}
	u.passwordHash = s.hashSecret(*upd.password)
	return nil
}

func (s *Server) handleUpdateUser(req *request) response {
	upd, errResp := decodeUserUpdate(req.body)
	if errResp != nil {
		return *errResp
	}
	u, errResp := s.pathUser(req)
	if errResp != nil {
		return *errResp
	}
	caller := req.auth.account
	if u == caller {
		return s.updateSelf(u, upd)
	}
	if !caller.admin {
		return adminOnly("update other user account")
	}
	switch {
	case upd.email != nil:
		return illegalOperation("Cannot change the private user account information for another user account.")
	case upd.password != nil:
		return illegalOperation("Users cannot change the password of other users. Use the account deactivation and activation flow instead.")
	case upd.active != nil:
		return s.activeUpdateCrash(u)
	}
	if errResp := s.rename(u, upd.name); errResp != nil {
		return *errResp
	}
	if upd.fullName != nil {
		u.fullName = *upd.fullName
	}
	if upd.admin != nil {
		u.admin = *upd.admin
	}
	u.updated = s.clock.now()
	return ok(s.userModel(u, true))
}

// activeUpdateCrash reproduces the real server's answer to `active` in an
// admin's PUT /users/{id}: a handler bug copies is_admin=None into the
// update, the database refuses it and nothing changes (348, 383).
func (s *Server) activeUpdateCrash(u *account) response {
	release := "20"
	if s.is058() {
		release = "14"
	}
	msg := fmt.Sprintf("(sqlite3.IntegrityError) NOT NULL constraint failed: user.is_admin\n"+
		"[SQL: UPDATE user SET updated=?, is_admin=? WHERE user.id = ?]\n"+
		"[parameters: ('%s', None, '%s')]\n"+
		"(Background on this error at: https://sqlalche.me/e/%s/gkpj)",
		s.clock.now().Format("2006-01-02 15:04:05.000000"), strings.ReplaceAll(u.id.String(), "-", ""), release)
	return zenmlError(http.StatusInternalServerError, "RuntimeError", msg)
}

// updateSelf is PUT /users/{own id}: full_name and the password (with the
// old one) apply, email is silently dropped (326), admin and active status
// cannot be changed (327, 328).
func (s *Server) updateSelf(u *account, upd userUpdate) response {
	if upd.admin != nil && *upd.admin != u.admin {
		return illegalOperation("Cannot change the admin status of your own user account.")
	}
	if upd.active != nil && *upd.active != u.active {
		return illegalOperation("Cannot change the active status of your own user account.")
	}
	if errResp := s.changePassword(u, upd); errResp != nil {
		return *errResp
	}
	if errResp := s.rename(u, upd.name); errResp != nil {
		return *errResp
	}
	if upd.fullName != nil {
		u.fullName = *upd.fullName
	}
	u.updated = s.clock.now()
	return ok(s.userModel(u, true))
}

func (s *Server) rename(u *account, name *string) *response {
	if name == nil || *name == u.name {
		return nil
	}
	if s.st.lookupAccount(*name, false) != nil {
		r := entityExists(fmt.Sprintf("Unable to update user with name '%s': Found an existing user account with this name.", *name))
		return &r
	}
	u.name = *name
	return nil
}

// handleUpdateCurrentUser is PUT /current-user: full_name and email apply
// (0.85 also opts the email in), the password needs the old one, and
// is_admin and active are ignored without an error (335–340).
func (s *Server) handleUpdateCurrentUser(req *request) response {
	upd, errResp := decodeUserUpdate(req.body)
	if errResp != nil {
		return *errResp
	}
	u := req.auth.account
	if errResp := s.changePassword(u, upd); errResp != nil {
		return *errResp
	}
	if upd.fullName != nil {
		u.fullName = *upd.fullName
	}
	if upd.email != nil {
		u.email = upd.email
		if !s.is058() {
			optedIn := true
			u.emailOptedIn = &optedIn
		}
	}
	u.updated = s.clock.now()
	return ok(s.userModel(u, true))
}

// handleDeactivateUser blocks a user without revoking anything: its tokens
// fail while it is inactive and work again after activation (379, 387). The
// response carries the activation token for that (378).
func (s *Server) handleDeactivateUser(req *request) response {
	u, errResp := s.pathUser(req)
	if errResp != nil {
		return *errResp
	}
	if u == req.auth.account {
		return illegalOperation("Cannot deactivate yourself.")
	}
	if !req.auth.account.admin {
		return adminOnly("deactivate user")
	}
	u.active = false
	u.updated = s.clock.now()
	return ok(s.userModelView(u, userView{hydrate: true, activationToken: s.newActivationToken(u)}))
}

func (s *Server) handleActivateUser(req *request) response {
	obj, errResp := decodeObject(req.body)
	if errResp != nil {
		return *errResp
	}
	f := fieldReader{obj: obj}
	token := f.str("activation_token", false)
	password := f.str("password", false)
	if errResp := f.failure(); errResp != nil {
		return *errResp
	}
	u, errResp := s.pathUser(req)
	if errResp != nil {
		return *errResp
	}
	if token == nil {
		return s.loginFailure("Authentication error: no credentials provided")
	}
	if len(u.activationHash) == 0 {
		// passlib cannot verify against a cleared hash: a spent token is a
		// ValueError subclass, hence 422 in the detail shape (315).
		return zenmlError(http.StatusUnprocessableEntity, "ValueError", "hash could not be identified")
	}
	if !secretMatches(u.activationHash, *token) {
		return s.loginFailure("Authentication error: invalid activation token for user " + req.params["id"])
	}
	u.activationHash = nil
	u.active = true
	u.passwordHash = nil
	if password != nil {
		u.passwordHash = s.hashSecret(*password)
	}
	u.updated = s.clock.now()
	return ok(s.userModel(u, true))
}

// handleDeleteUser removes a user and its devices (396); its tokens die with
// it (394, 395). Oneself is refused before the admin check (392).
func (s *Server) handleDeleteUser(req *request) response {
	u, errResp := s.pathUser(req)
	if errResp != nil {
		return *errResp
	}
	if u == req.auth.account {
		return illegalOperation("You cannot delete the user account currently used to authenticate to the ZenML server. If you wish to delete this account, please authenticate with another account or contact your ZenML administrator.")
	}
	if !req.auth.account.admin {
		return adminOnly("delete user")
	}
	for id, d := range s.st.devices {
		if ownedBy(d, u) {
			delete(s.st.devices, id)
		}
	}
	delete(s.st.accounts, u.id)
	return ok(nil)
}
