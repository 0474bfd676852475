package zenmltest

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

const (
	grantPassword   = "password"
	grantAPIKey     = "zenml-api-key"
	grantDeviceCode = "urn:ietf:params:oauth:grant-type:device_code"
	grantExternal   = "zenml-external"
)

// authContext is who a request was authenticated as, and with what.
type authContext struct {
	account *account
	// claims and token are set when the bearer was a JWT; a raw API key
	// bearer (0.93) leaves them empty.
	claims *tokenClaims
	token  string
	apiKey *apiKey
	device *device
}

// credentialsInvalid is the 401 for a rejected bearer credential. 0.93
// raises CredentialsNotValid through the endpoint wrapper; 0.58 raised a
// plain HTTPException carrying WWW-Authenticate.
func (s *Server) credentialsInvalid(msg string) *response {
	if s.is058() {
		r := plainDetail(http.StatusUnauthorized, msg)
		r.header.Set("WWW-Authenticate", "Bearer")
		return &r
	}
	r := zenmlError(http.StatusUnauthorized, "CredentialsNotValid", msg)
	return &r
}

// loginFailure is the 401 for rejected login credentials.
func (s *Server) loginFailure(msg string) response {
	class := "CredentialsNotValid"
	if s.is058() {
		class = "AuthorizationException"
	}
	return zenmlError(http.StatusUnauthorized, class, msg)
}

// bearerToken extracts the credential like ZenML's cookie-aware
// OAuth2PasswordBearer: the auth cookie wins over the Authorization header.
func (s *Server) bearerToken(r *http.Request) (string, bool) {
	if c, err := r.Cookie(s.cookieName()); err == nil && c.Value != "" {
		return c.Value, true
	}
	h := r.Header.Get("Authorization")
	scheme, param, _ := strings.Cut(h, " ")
	if h == "" || !strings.EqualFold(scheme, "bearer") {
		return "", false
	}
	return param, true
}

// authenticate validates the request's bearer credential in the order
// ZenML's authenticate_credentials does, so that the first failing check
// decides the error message. Called with s.mu held.
func (s *Server) authenticate(r *http.Request) (*authContext, *response) {
	token, found := s.bearerToken(r)
	if !found {
		r := notAuthenticated()
		return nil, &r
	}
	if !s.is058() && strings.HasPrefix(token, apiKeyPrefix) {
		key, msg := s.verifyAPIKeyValue(token)
		if msg != "" {
			return nil, s.credentialsInvalid(msg)
		}
		return &authContext{account: s.st.accounts[key.serviceAccountID], apiKey: key}, nil
	}

	claims, err := verifyJWT(s.secret, token, s.id.String(), s.clock.now())
	if err != nil {
		return nil, s.credentialsInvalid("Authentication error: error decoding access token: " + decodeErrorText(err) + ".")
	}
	ctx := &authContext{claims: &claims, token: token}
	acct := s.st.accounts[uuid.MustParse(claims.Subject)]
	if acct == nil {
		return nil, s.credentialsInvalid("Authentication error: error retrieving token account " + claims.Subject)
	}
	if !acct.active {
		return nil, s.credentialsInvalid(fmt.Sprintf("Authentication error: account %s is not active", acct.name))
	}
	ctx.account = acct
	if claims.APIKeyID != "" {
		key, msg := s.checkAPIKey(claims.APIKeyID)
		if msg != "" {
			return nil, s.credentialsInvalid(msg)
		}
		// Every authentication through a key counts as its last login.
		now := s.clock.now()
		key.lastLogin = &now
		ctx.apiKey = key
	}
	if claims.DeviceID != "" {
		dev, msg := s.checkTokenDevice(claims.DeviceID, acct)
		if msg != "" {
			return nil, s.credentialsInvalid(msg)
		}
		ctx.device = dev
	}
	return ctx, nil
}

// authenticateNoAuth is ZenML's no_authentication(): it reads no header and
// no cookie and acts as the user named "default" (the constant, whatever
// the admin is called), without any password or active check. The context
// holds no token, which is why /api_token refuses (0.85: 411–413, 423).
func (s *Server) authenticateNoAuth() (*authContext, *response) {
	user := s.st.lookupAccount("default", false)
	if user == nil {
		return nil, s.credentialsInvalid("Authentication error: invalid credentials")
	}
	return &authContext{account: user}, nil
}

// checkTokenDevice validates the device a device-grant token is bound to.
func (s *Server) checkTokenDevice(deviceID string, acct *account) (*device, string) {
	id, err := uuid.Parse(deviceID)
	var dev *device
	if err == nil {
		dev = s.st.devices[id]
	}
	if dev == nil {
		return nil, "Authentication error: error retrieving token device " + deviceID
	}
	if dev.userID == nil || *dev.userID != acct.id {
		return nil, fmt.Sprintf("Authentication error: device %s does not belong to user %s", deviceID, acct.name)
	}
	if dev.status != DeviceStatusActive {
		return nil, fmt.Sprintf("Authentication error: device %s is not active", deviceID)
	}
	now := s.clock.now()
	if dev.expires != nil && !now.Before(*dev.expires) {
		return nil, fmt.Sprintf("Authentication error: device %s has expired", deviceID)
	}
	dev.lastLogin = &now
	return dev, ""
}

func (s *Server) handleLogin(req *request) response {
	form, errResp := s.parseForm(req.Request)
	if errResp != nil {
		return *errResp
	}
	grant := form.Get("grant_type")
	username, password := form.Get("username"), form.Get("password")
	clientID, deviceCode := form.Get("client_id"), form.Get("device_code")
	if grant == "" {
		switch {
		case username != "":
			grant = grantPassword
		case password != "":
			grant = grantAPIKey
		case deviceCode != "":
			grant = grantDeviceCode
		case s.is058():
			// 0.58 falls back to the external grant, which a normal server
			// then refuses.
			grant = grantExternal
		default:
			grant = grantPassword
		}
	}

	switch grant {
	case grantPassword:
		if username == "" {
			return plainDetail(http.StatusBadRequest, "Invalid request: username is required.")
		}
		user := s.st.lookupAccount(username, false)
		if user == nil || !secretMatches(user.passwordHash, password) {
			return s.loginFailure("Authentication error: invalid username or password")
		}
		if !user.active {
			return s.loginFailure(fmt.Sprintf("Authentication error: user %s is not active", user.name))
		}
		return s.tokenResponse(tokenClaims{Subject: user.id.String()}, s.loginExpiry(), true)
	case grantAPIKey:
		if password == "" {
			return plainDetail(http.StatusBadRequest, "API key is required.")
		}
		key, msg := s.verifyAPIKeyValue(password)
		if msg != "" {
			return s.loginFailure(msg)
		}
		claims := tokenClaims{Subject: key.serviceAccountID.String(), APIKeyID: key.id.String()}
		// 0.58 also set the auth cookie for API-key logins; 0.93 stopped.
		return s.tokenResponse(claims, s.loginExpiry(), s.is058())
	case grantDeviceCode:
		if s.deviceFlowRefused() {
			return deviceAuthorizationNotSupported()
		}
		if deviceCode == "" || clientID == "" {
			return plainDetail(http.StatusBadRequest, "Invalid request: device code and client ID are required.")
		}
		id, err := uuid.Parse(clientID)
		if err != nil {
			return plainDetail(http.StatusBadRequest, "Invalid request: invalid client ID.")
		}
		return s.deviceLogin(id, deviceCode)
	case grantExternal:
		return plainDetail(http.StatusBadRequest, "Unsupported grant type: "+grant+".")
	default:
		return plainDetail(http.StatusBadRequest, "Unsupported grant type: "+grant)
	}
}

// parseForm reads an OAuth form. 0.93's middleware refuses multipart bodies
// before any endpoint runs (handled in dispatch); 0.58 accepted them.
func (s *Server) parseForm(r *http.Request) (url.Values, *response) {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			resp := plainDetail(http.StatusBadRequest, "There was an error parsing the body")
			return nil, &resp
		}
		return r.PostForm, nil
	}
	// Non-form bodies (e.g. JSON) are simply not read, like FastAPI's Form().
	if err := r.ParseForm(); err != nil {
		return url.Values{}, nil
	}
	return r.PostForm, nil
}

// loginExpiry is the expiry for password and API-key grant tokens.
func (s *Server) loginExpiry() *time.Time {
	if s.opts.TokenLifetime <= 0 {
		return nil
	}
	exp := s.clock.now().Add(s.opts.TokenLifetime)
	return &exp
}

// signToken fills in issuer, audience and expiry and signs.
func (s *Server) signToken(c tokenClaims, expires *time.Time) string {
	c.Issuer, c.Audience = s.id.String(), s.id.String()
	c.Expires = nil
	if expires != nil {
		e := expires.Unix()
		c.Expires = &e
	}
	return signJWT(s.secret, c)
}

// tokenResponse renders OAuthTokenResponse for a freshly issued token.
func (s *Server) tokenResponse(c tokenClaims, expires *time.Time, setCookie bool) response {
	token := s.signToken(c, expires)
	var expiresIn any
	maxAge := ""
	if expires != nil {
		secs := int(expires.Sub(s.clock.now()).Round(time.Second) / time.Second)
		if secs < 0 {
			secs = 0
		}
		expiresIn = secs
		maxAge = fmt.Sprintf("; Max-Age=%d", secs)
	}
	body := map[string]any{
		"access_token":  token,
		"token_type":    "bearer",
		"expires_in":    expiresIn,
		"refresh_token": nil,
		"scope":         nil,
	}
	if !s.is058() {
		body["csrf_token"] = nil
		body["device_id"] = nil
		body["device_metadata"] = nil
	}
	resp := ok(body)
	if setCookie {
		resp.header.Add("Set-Cookie", fmt.Sprintf("%s=%s; HttpOnly%s; Path=/; SameSite=lax", s.cookieName(), token, maxAge))
	}
	return resp
}

func (s *Server) handleLogout(*request) response {
	resp := ok(nil)
	expired := s.clock.now().Format(http.TimeFormat)
	resp.header.Add("Set-Cookie", fmt.Sprintf(`%s=""; expires=%s; HttpOnly; Max-Age=0; Path=/; SameSite=lax`, s.cookieName(), expired))
	return resp
}

func (s *Server) handleCurrentUser(req *request) response {
	return ok(s.userModelView(req.auth.account, userView{hydrate: true, ownEmail: true}))
}

func (s *Server) handleInfo(*request) response { return ok(s.serverInfo()) }

// deviceFlowRefused: 0.85 answers the device flow of a NO_AUTH server with
// 403 before any lookup (0.85: 410, 426). 0.58.2 did not block it (§8).
func (s *Server) deviceFlowRefused() bool { return s.noAuth() && !s.is058() }

func deviceAuthorizationNotSupported() response {
	return plainDetail(http.StatusForbidden, "Device authorization is not supported.")
}

// queryUUID validates an optional UUID query parameter like FastAPI.
func queryUUID(q url.Values, name string) (string, *fieldError) {
	v := q.Get(name)
	if v == "" {
		return "", nil
	}
	id, err := uuid.Parse(v)
	if err != nil {
		return "", &fieldError{loc: "query -> " + name, msg: "value is not a valid uuid", typ: "type_error.uuid"}
	}
	return id.String(), nil
}

func queryInt(q url.Values, name string) (*int, *fieldError) {
	v := q.Get(name)
	if v == "" {
		return nil, nil
	}
	i, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return nil, &fieldError{loc: "query -> " + name, msg: "value is not a valid integer", typ: "type_error.integer"}
	}
	return &i, nil
}

// handleAPIToken mints a token from the caller's token. The two profiles
// differ completely; unknown query parameters are ignored as FastAPI does,
// so a client may send both profiles' parameters.
func (s *Server) handleAPIToken(req *request) response {
	if req.auth.claims == nil && req.auth.apiKey == nil {
		// A NO_AUTH context carries no token to mint from.
		return zenmlError(http.StatusUnauthorized, "AuthorizationException", "Not authenticated.")
	}
	if s.is058() {
		return s.apiToken058(req)
	}
	return s.apiToken093(req)
}

func (s *Server) apiToken058(req *request) response {
	q := req.URL.Query()
	var errs []fieldError
	pipelineID, e1 := queryUUID(q, "pipeline_id")
	scheduleID, e2 := queryUUID(q, "schedule_id")
	minutes, e3 := queryInt(q, "expires_minutes")
	for _, e := range []*fieldError{e1, e2, e3} {
		if e != nil {
			errs = append(errs, *e)
		}
	}
	if len(errs) > 0 {
		return requestValidationError(errs...)
	}
	c := *req.auth.claims
	// Tokens from neither an API key nor a device (password logins) are
	// handed back unchanged, exactly as 0.58.2 does.
	if c.APIKeyID == "" && c.DeviceID == "" {
		return ok(req.auth.token)
	}
	if pipelineID != "" {
		if c.PipelineID != "" && c.PipelineID != pipelineID {
			return zenmlError(http.StatusUnauthorized, "AuthorizationException", fmt.Sprintf(
				"Unable to scope API token to pipeline %s. The API token used to authorize this request is already scoped to pipeline %s.", pipelineID, c.PipelineID))
		}
		c.PipelineID = pipelineID
	}
	if scheduleID != "" {
		if c.ScheduleID != "" && c.ScheduleID != scheduleID {
			return zenmlError(http.StatusUnauthorized, "AuthorizationException", fmt.Sprintf(
				"Unable to scope API token to schedule %s. The API token used to authorize this request is already scoped to schedule %s.", scheduleID, c.ScheduleID))
		}
		c.ScheduleID = scheduleID
	}
	var expires *time.Time
	if minutes != nil {
		exp := s.clock.now().Add(time.Duration(*minutes) * time.Minute)
		expires = &exp
	}
	return ok(s.signToken(c, expires))
}

func (s *Server) apiToken093(req *request) response {
	if req.auth.claims == nil {
		// The handler needs a decoded JWT; a raw API key bearer has none.
		return zenmlError(http.StatusUnauthorized, "AuthorizationException", "Not authenticated.")
	}
	q := req.URL.Query()
	var errs []fieldError
	tokenType := q.Get("token_type")
	if tokenType == "" {
		tokenType = "generic"
	}
	if tokenType != "generic" && tokenType != "workload" {
		errs = append(errs, fieldError{loc: "query -> token_type", msg: "value is not a valid enumeration member; permitted: 'generic', 'workload'", typ: "type_error.enum"})
	}
	expiresIn, e1 := queryInt(q, "expires_in")
	scheduleID, e2 := queryUUID(q, "schedule_id")
	runID, e3 := queryUUID(q, "pipeline_run_id")
	deploymentID, e4 := queryUUID(q, "deployment_id")
	for _, e := range []*fieldError{e1, e2, e3, e4} {
		if e != nil {
			errs = append(errs, *e)
		}
	}
	if len(errs) > 0 {
		return requestValidationError(errs...)
	}
	scoped := scheduleID != "" || runID != "" || deploymentID != ""
	if tokenType == "workload" {
		if !scoped {
			return valueError("Workload API tokens must be scoped to a schedule, pipeline run or deployment.")
		}
		c := *req.auth.claims
		c.ScheduleID, c.PipelineRunID, c.DeploymentID = scheduleID, runID, deploymentID
		return ok(s.signToken(c, nil))
	}
	if scoped {
		return valueError("Generic API tokens cannot be scoped to a schedule, pipeline run or deployment.")
	}
	lifetime := s.opts.GenericTokenLifetime
	if expiresIn != nil && *expiresIn > 0 {
		lifetime = time.Duration(*expiresIn) * time.Second
	}
	if lifetime > s.opts.MaxGenericTokenLifetime {
		return valueError(fmt.Sprintf("The maximum expiration time for generic API tokens allowed by this server is %d seconds.", int(s.opts.MaxGenericTokenLifetime/time.Second)))
	}
	exp := s.clock.now().Add(lifetime)
	// Generic tokens carry neither api_key_id nor device_id: they survive the
	// key being deactivated and only die with the account.
	return ok(s.signToken(tokenClaims{Subject: req.auth.account.id.String()}, &exp))
}
