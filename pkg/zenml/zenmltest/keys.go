package zenmltest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
)

const apiKeyPrefix = "ZENKEY_"

// encodeAPIKey builds the ZENKEY_ value. 0.58 serialised the JSON with
// Python's default separators (", " and ": "), 0.93 compactly; clients must
// only ever treat the value as opaque, but the transcripts pin 0.58's form.
func (s *Server) encodeAPIKey(id uuid.UUID, secret string) string {
	payload := fmt.Sprintf(`{"id":%q,"key":%q}`, id.String(), secret)
	if s.is058() {
		payload = fmt.Sprintf(`{"id": %q, "key": %q}`, id.String(), secret)
	}
	return apiKeyPrefix + base64.StdEncoding.EncodeToString([]byte(payload))
}

func decodeAPIKey(value string) (uuid.UUID, string, bool) {
	if !strings.HasPrefix(value, apiKeyPrefix) {
		return uuid.Nil, "", false
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(value, apiKeyPrefix))
	if err != nil {
		return uuid.Nil, "", false
	}
	var parsed struct {
		ID  string `json:"id"`
		Key string `json:"key"`
	}
	if json.Unmarshal(raw, &parsed) != nil || parsed.Key == "" {
		return uuid.Nil, "", false
	}
	id, err := uuid.Parse(parsed.ID)
	if err != nil {
		return uuid.Nil, "", false
	}
	return id, parsed.Key, true
}

// verifyAPIKeyValue authenticates a full ZENKEY_ value (API-key login, or a
// raw key bearer in 0.93). It returns the failure message ZenML uses.
func (s *Server) verifyAPIKeyValue(value string) (*apiKey, string) {
	id, secret, valid := decodeAPIKey(value)
	if !valid {
		return nil, "Authentication error: error decoding API key"
	}
	key, msg := s.checkAPIKey(id.String())
	if msg != "" {
		return nil, msg
	}
	if !s.keySecretMatches(key, secret) {
		return nil, "Authentication error: could not verify key value for API key " + key.name
	}
	now := s.clock.now()
	key.lastLogin = &now
	return key, ""
}

// checkAPIKey is the part of the key check that also guards tokens issued
// from a key: the key must exist, its service account and itself be active.
func (s *Server) checkAPIKey(keyID string) (*apiKey, string) {
	id, err := uuid.Parse(keyID)
	var key *apiKey
	if err == nil {
		key = s.st.keys[id]
	}
	if key == nil {
		return nil, "Authentication error: error retrieving API key " + keyID
	}
	sa := s.st.accounts[key.serviceAccountID]
	if !sa.active {
		return nil, fmt.Sprintf("Authentication error: service account %s associated with API key %s is not active", sa.name, key.name)
	}
	if !key.active {
		return nil, fmt.Sprintf("Authentication error: API key %s associated with service account %s is not active", key.name, sa.name)
	}
	return key, ""
}

// keySecretMatches accepts the current secret, or the one replaced by the
// last rotation while its retain period lasts.
func (s *Server) keySecretMatches(key *apiKey, secret string) bool {
	if secretMatches(key.secretHash, secret) {
		return true
	}
	if key.previousHash == nil || key.lastRotated == nil {
		return false
	}
	retainedUntil := key.lastRotated.Add(time.Duration(key.retainMinutes) * time.Minute)
	return s.clock.now().Before(retainedUntil) && secretMatches(key.previousHash, secret)
}

// keyServiceAccount resolves the {id} path parameter of the api_keys routes,
// which (unlike the service account routes) must be a UUID.
func (s *Server) keyServiceAccount(req *request) (*account, *response) {
	id, err := uuid.Parse(req.params["id"])
	if err != nil {
		r := requestValidationError(fieldError{loc: "path -> service_account_id", msg: "value is not a valid uuid", typ: "type_error.uuid"})
		return nil, &r
	}
	sa := s.st.lookupAccount(id.String(), true)
	if sa == nil {
		r := keyError(fmt.Sprintf("No service account with the '%s' name or ID was found", id))
		return nil, &r
	}
	return sa, nil
}

func (s *Server) keyNotFound(sa *account, nameOrID string) response {
	return keyError(fmt.Sprintf("An API key with ID or name '%s' is not configured for service account with ID '%s'.", nameOrID, sa.id))
}

func (s *Server) keyNameTaken(sa *account, name string, except *apiKey) bool {
	for _, k := range s.st.keys {
		if k != except && k.serviceAccountID == sa.id && k.name == name {
			return true
		}
	}
	return false
}

// createAPIKeyLocked stores a new key and returns it with its full value.
func (s *Server) createAPIKeyLocked(sa *account, name, description string) (*apiKey, string) {
	now := s.clock.now()
	secret := randomHex(32)
	key := &apiKey{
		id:               uuid.New(),
		serviceAccountID: sa.id,
		name:             name,
		description:      description,
		active:           true,
		secretHash:       s.hashSecret(secret),
		created:          now,
		updated:          now,
	}
	s.st.keys[key.id] = key
	return key, s.encodeAPIKey(key.id, secret)
}

func (s *Server) handleCreateAPIKey(req *request) response {
	sa, errResp := s.keyServiceAccount(req)
	if errResp != nil {
		return *errResp
	}
	obj, errResp := decodeObject(req.body)
	if errResp != nil {
		return *errResp
	}
	f := fieldReader{obj: obj}
	name := f.str("name", true)
	description := f.str("description", false)
	if errResp := f.failure(); errResp != nil {
		return *errResp
	}
	if s.keyNameTaken(sa, *name, nil) {
		return entityExists(fmt.Sprintf("Unable to register API key with name '%s': Found an existing API key with the same name configured for the same '%s' service account.", *name, sa.name))
	}
	desc := ""
	if description != nil {
		desc = *description
	}
	key, full := s.createAPIKeyLocked(sa, *name, desc)
	return ok(s.apiKeyModel(key, true, full))
}

func (s *Server) handleListAPIKeys(req *request) response {
	sa, errResp := s.keyServiceAccount(req)
	if errResp != nil {
		return *errResp
	}
	q := req.URL.Query()
	pg, errResp := s.pageQuery(q, false)
	if errResp != nil {
		return *errResp
	}
	var keys []listItem
	for _, k := range s.st.keys {
		if k.serviceAccountID != sa.id {
			continue
		}
		matched, errResp := s.matchFilters(q, map[string]string{
			"id": k.id.String(), "name": k.name, "description": k.description,
		}, map[string]bool{"active": k.active})
		if errResp != nil {
			return *errResp
		}
		if matched {
			keys = append(keys, listItem{id: k.id.String(), name: k.name, created: k.created, updated: k.updated, render: func(h bool) any { return s.apiKeyModel(k, h, "") }})
		}
	}
	return s.page(keys, pg, q)
}

func (s *Server) handleGetAPIKey(req *request) response {
	sa, errResp := s.keyServiceAccount(req)
	if errResp != nil {
		return *errResp
	}
	hydrate, errResp := queryHydrate(req.URL.Query(), true)
	if errResp != nil {
		return *errResp
	}
	key := s.st.lookupKey(sa.id, req.params["key"])
	if key == nil {
		return s.keyNotFound(sa, req.params["key"])
	}
	return ok(s.apiKeyModel(key, hydrate, ""))
}

func (s *Server) handleUpdateAPIKey(req *request) response {
	sa, errResp := s.keyServiceAccount(req)
	if errResp != nil {
		return *errResp
	}
	obj, errResp := decodeObject(req.body)
	if errResp != nil {
		return *errResp
	}
	f := fieldReader{obj: obj}
	name := f.str("name", false)
	description := f.str("description", false)
	active := f.boolean("active", false)
	if errResp := f.failure(); errResp != nil {
		return *errResp
	}
	key := s.st.lookupKey(sa.id, req.params["key"])
	if key == nil {
		return s.keyNotFound(sa, req.params["key"])
	}
	if name != nil && s.keyNameTaken(sa, *name, key) {
		return entityExists(fmt.Sprintf("Unable to update API key with name '%s': Found an existing API key with the same name configured for the same '%s' service account.", *name, sa.name))
	}
	if active == nil && s.is058() {
		// 0.58's APIKeyUpdate defaulted active to True and applied every
		// non-null field, so omitting it re-activated the key.
		t := true
		active = &t
	}
	if name != nil {
		key.name = *name
	}
	if description != nil {
		key.description = *description
	}
	if active != nil {
		key.active = *active
	}
	key.updated = s.clock.now()
	return ok(s.apiKeyModel(key, true, ""))
}

func (s *Server) handleRotateAPIKey(req *request) response {
	sa, errResp := s.keyServiceAccount(req)
	if errResp != nil {
		return *errResp
	}
	obj, errResp := decodeObject(req.body)
	if errResp != nil {
		return *errResp
	}
	f := fieldReader{obj: obj}
	retain := f.integer("retain_period_minutes", false)
	if errResp := f.failure(); errResp != nil {
		return *errResp
	}
	key := s.st.lookupKey(sa.id, req.params["key"])
	if key == nil {
		return s.keyNotFound(sa, req.params["key"])
	}
	now := s.clock.now()
	secret := randomHex(32)
	// Only the secret being replaced is retained; any older one is dropped.
	key.previousHash = key.secretHash
	key.secretHash = s.hashSecret(secret)
	key.retainMinutes = 0
	if retain != nil {
		key.retainMinutes = *retain
	}
	key.lastRotated = &now
	key.updated = now
	// The real rotate response carries the new key but no metadata.
	return ok(s.apiKeyModel(key, false, s.encodeAPIKey(key.id, secret)))
}

func (s *Server) handleDeleteAPIKey(req *request) response {
	sa, errResp := s.keyServiceAccount(req)
	if errResp != nil {
		return *errResp
	}
	key := s.st.lookupKey(sa.id, req.params["key"])
	if key == nil {
		return s.keyNotFound(sa, req.params["key"])
	}
	delete(s.st.keys, key.id)
	return ok(nil)
}
