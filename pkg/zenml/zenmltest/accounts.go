package zenmltest

import (
	"fmt"

	"github.com/google/uuid"
)

func (s *Server) serviceAccountNotFound(nameOrID string) response {
	return keyError(fmt.Sprintf("No service account with the '%s' name or ID was found", nameOrID))
}

// serviceAccountNameTaken checks uniqueness among service accounts only: a
// service account may share its name with a user (transcript 15).
func (s *Server) serviceAccountNameTaken(name string, except *account) bool {
	for _, a := range s.st.accounts {
		if a != except && a.serviceAccount && a.name == name {
			return true
		}
	}
	return false
}

func (s *Server) createUserLocked(name, password string, admin bool) uuid.UUID {
	now := s.clock.now()
	a := &account{id: uuid.New(), name: name, active: true, admin: admin, passwordHash: s.hashSecret(password), created: now, updated: now}
	s.st.accounts[a.id] = a
	return a.id
}

func (s *Server) createServiceAccountLocked(name, description string, active bool) *account {
	now := s.clock.now()
	a := &account{id: uuid.New(), name: name, serviceAccount: true, active: active, description: description, created: now, updated: now}
	s.st.accounts[a.id] = a
	return a
}

func (s *Server) handleCreateServiceAccount(req *request) response {
	obj, errResp := decodeObject(req.body)
	if errResp != nil {
		return *errResp
	}
	f := fieldReader{obj: obj}
	name := f.str("name", true)
	description := f.str("description", false)
	var fullName *string
	if !s.is058() {
		fullName = f.str("full_name", false)
	}
	active := f.boolean("active", true)
	if errResp := f.failure(); errResp != nil {
		return *errResp
	}
	if s.serviceAccountNameTaken(*name, nil) {
		return entityExists(fmt.Sprintf("Unable to create service account with name '%s': Found existing service account with this name.", *name))
	}
	desc := ""
	if description != nil {
		desc = *description
	}
	a := s.createServiceAccountLocked(*name, desc, *active)
	if fullName != nil {
		a.fullName = *fullName
	}
	return ok(s.serviceAccountModel(a, true))
}

func (s *Server) handleListServiceAccounts(req *request) response {
	q := req.URL.Query()
	pg, errResp := s.pageQuery(q, false)
	if errResp != nil {
		return *errResp
	}
	var items []listItem
	for _, a := range s.st.accounts {
		if !a.serviceAccount {
			continue
		}
		matched, errResp := s.matchFilters(q, map[string]string{
			"id": a.id.String(), "name": a.name, "description": a.description,
		}, map[string]bool{"active": a.active})
		if errResp != nil {
			return *errResp
		}
		if matched {
			items = append(items, listItem{id: a.id.String(), name: a.name, created: a.created, updated: a.updated, render: func(h bool) any { return s.serviceAccountModel(a, h) }})
		}
	}
	return s.page(items, pg, q)
}

func (s *Server) handleGetServiceAccount(req *request) response {
	hydrate, errResp := queryHydrate(req.URL.Query(), true)
	if errResp != nil {
		return *errResp
	}
	a := s.st.lookupAccount(req.params["id"], true)
	if a == nil {
		return s.serviceAccountNotFound(req.params["id"])
	}
	return ok(s.serviceAccountModel(a, hydrate))
}

func (s *Server) handleUpdateServiceAccount(req *request) response {
	obj, errResp := decodeObject(req.body)
	if errResp != nil {
		return *errResp
	}
	f := fieldReader{obj: obj}
	name := f.str("name", false)
	description := f.str("description", false)
	active := f.boolean("active", false)
	var fullName *string
	if !s.is058() {
		fullName = f.str("full_name", false)
	}
	if errResp := f.failure(); errResp != nil {
		return *errResp
	}
	a := s.st.lookupAccount(req.params["id"], true)
	if a == nil {
		return s.serviceAccountNotFound(req.params["id"])
	}
	if name != nil && s.serviceAccountNameTaken(*name, a) {
		return entityExists(fmt.Sprintf("Unable to update service account with name '%s': Found an existing service account with this name.", *name))
	}
	if name != nil {
		a.name = *name
	}
	if description != nil {
		a.description = *description
	}
	if active != nil {
		a.active = *active
	}
	if fullName != nil {
		a.fullName = *fullName
	}
	a.updated = s.clock.now()
	return ok(s.serviceAccountModel(a, true))
}

func (s *Server) handleDeleteServiceAccount(req *request) response {
	a := s.st.lookupAccount(req.params["id"], true)
	if a == nil {
		return s.serviceAccountNotFound(req.params["id"])
	}
	// API keys go with their service account (database cascade).
	for id, k := range s.st.keys {
		if k.serviceAccountID == a.id {
			delete(s.st.keys, id)
		}
	}
	delete(s.st.accounts, a.id)
	return ok(nil)
}
