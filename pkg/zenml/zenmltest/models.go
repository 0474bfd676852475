package zenmltest

import (
	"fmt"
	"time"
)

// pyTime renders a naive UTC datetime like Python's isoformat(): microseconds
// only when non-zero, no timezone suffix.
func pyTime(t time.Time) string {
	t = t.UTC()
	s := t.Format("2006-01-02T15:04:05")
	if us := t.Nanosecond() / 1000; us != 0 {
		s += fmt.Sprintf(".%06d", us)
	}
	return s
}

func pyTimePtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return pyTime(*t)
}

func envelope(id, name string, body, metadata any) map[string]any {
	m := map[string]any{
		"id":                id,
		"permission_denied": false,
		"body":              body,
		"metadata":          metadata,
		"resources":         nil,
	}
	if name != "" {
		m["name"] = name
	}
	return m
}

// userView says what a UserResponse may reveal beyond the common fields.
type userView struct {
	hydrate bool
	// activationToken is the fresh token of a create-without-password or a
	// deactivate response, the only moments the server shows it.
	activationToken string
	// ownEmail: only GET /current-user fills metadata.email (transcript 346).
	ownEmail bool
}

// userModel renders a UserResponse; service accounts are rendered as users
// with is_service_account=true by /current-user.
func (s *Server) userModel(a *account, hydrate bool) map[string]any {
	return s.userModelView(a, userView{hydrate: hydrate})
}

func (s *Server) userModelView(a *account, v userView) map[string]any {
	var activationToken, emailOptedIn any
	if v.activationToken != "" {
		activationToken = v.activationToken
	}
	if a.emailOptedIn != nil {
		emailOptedIn = *a.emailOptedIn
	}
	body := map[string]any{
		"created":            pyTime(a.created),
		"updated":            pyTime(a.updated),
		"active":             a.active,
		"activation_token":   activationToken,
		"full_name":          a.fullName,
		"email_opted_in":     emailOptedIn,
		"is_service_account": a.serviceAccount,
		"is_admin":           a.admin,
	}
	if a.serviceAccount {
		body["email_opted_in"] = false
	}
	email := any(nil)
	if v.ownEmail && a.email != nil {
		email = *a.email
	}
	var metadata any
	if s.is058() {
		if v.hydrate {
			metadata = map[string]any{"email": email, "hub_token": nil, "external_user_id": nil, "user_metadata": map[string]any{}}
		}
	} else {
		body["default_project_id"] = nil
		body["avatar_url"] = nil
		if v.hydrate {
			if a.serviceAccount {
				email = ""
			}
			metadata = map[string]any{"email": email, "external_user_id": nil, "user_metadata": map[string]any{}}
		}
	}
	return envelope(a.id.String(), a.name, body, metadata)
}

func (s *Server) serviceAccountModel(a *account, hydrate bool) map[string]any {
	body := map[string]any{
		"created": pyTime(a.created),
		"updated": pyTime(a.updated),
		"active":  a.active,
	}
	var metadata map[string]any
	if hydrate {
		metadata = map[string]any{"description": a.description}
	}
	if !s.is058() {
		body["full_name"] = a.fullName
		body["avatar_url"] = nil
		if hydrate {
			metadata["external_user_id"] = nil
		}
	}
	if metadata == nil {
		return envelope(a.id.String(), a.name, body, nil)
	}
	return envelope(a.id.String(), a.name, body, metadata)
}

// apiKeyModel renders an APIKeyResponse. fullKey is only passed right after
// create or rotate, the only moments the server reveals the key value.
func (s *Server) apiKeyModel(k *apiKey, hydrate bool, fullKey string) map[string]any {
	var key any
	if fullKey != "" {
		key = fullKey
	}
	body := map[string]any{
		"created":         pyTime(k.created),
		"updated":         pyTime(k.updated),
		"key":             key,
		"active":          k.active,
		"service_account": s.serviceAccountModel(s.st.accounts[k.serviceAccountID], false),
	}
	var metadata any
	if hydrate {
		metadata = map[string]any{
			"description":           k.description,
			"retain_period_minutes": k.retainMinutes,
			"last_login":            pyTimePtr(k.lastLogin),
			"last_rotated":          pyTimePtr(k.lastRotated),
		}
	}
	return envelope(k.id.String(), k.name, body, metadata)
}

func strPtr(p *string) any {
	if p == nil {
		return nil
	}
	return *p
}

// deviceModel renders an OAuthDeviceResponse. 0.58 nests the owning user,
// 0.93 only carries its id.
func (s *Server) deviceModel(d *device, hydrate bool) map[string]any {
	body := map[string]any{
		"created":        pyTime(d.created),
		"updated":        pyTime(d.updated),
		"client_id":      d.clientID.String(),
		"expires":        pyTimePtr(d.expires),
		"trusted_device": d.trusted,
		"status":         d.status,
		"os":             strPtr(d.os),
		"ip_address":     d.ipAddress,
		"hostname":       strPtr(d.hostname),
	}
	if s.is058() {
		var user any
		if d.userID != nil {
			if a := s.st.accounts[*d.userID]; a != nil {
				user = s.userModel(a, false)
			}
		}
		body["user"] = user
	} else {
		var userID any
		if d.userID != nil {
			userID = d.userID.String()
		}
		body["user_id"] = userID
	}
	var resources any
	if !s.is058() {
		// 0.85 (and 0.93) carry the owner in resources instead, null while
		// nobody verified the device (0.85: 356, 172).
		var owner any
		if d.userID != nil {
			if a := s.st.accounts[*d.userID]; a != nil {
				owner = s.userModel(a, false)
			}
		}
		resources = map[string]any{"user": owner}
	}
	var metadata any
	if hydrate {
		metadata = map[string]any{
			"python_version":       strPtr(d.pythonVersion),
			"zenml_version":        strPtr(d.zenmlVersion),
			"city":                 "",
			"region":               "",
			"country":              "",
			"failed_auth_attempts": d.failedAttempts,
			"last_login":           pyTimePtr(d.lastLogin),
		}
	}
	m := envelope(d.id.String(), "", body, metadata)
	m["resources"] = resources
	return m
}

func (s *Server) serverInfo() map[string]any {
	info := map[string]any{
		"id":                 s.id.String(),
		"version":            s.version(),
		"active":             true,
		"debug":              false,
		"deployment_type":    "other",
		"database_type":      "sqlite",
		"secrets_store_type": "sql",
		"auth_scheme":        s.authScheme(),
		"server_url":         "",
		"dashboard_url":      s.opts.DashboardURL,
		"analytics_enabled":  false,
		"metadata":           map[string]any{},
	}
	if s.is058() {
		info["use_legacy_dashboard"] = false
		return info
	}
	info["name"] = "default"
	// 0.85 reports when any user last made a request (0.85: 02, 400).
	info["last_user_activity"] = pyTime(s.clock.now())
	for _, k := range []string{"pro_dashboard_url", "pro_api_url", "pro_organization_id", "pro_organization_name", "pro_workspace_id", "pro_workspace_name"} {
		info[k] = nil
	}
	return info
}
