package zenmltest

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
)

// jwtLeeway is the server's default jwt_token_leeway_seconds.
const jwtLeeway = 10 * time.Second

// tokenClaims are the claims ZenML puts in its access tokens. Field order
// follows what the real server emits (sub, iss, aud, exp, ...), and optional
// claims are omitted rather than null, as PyJWT does with ZenML's encoder.
type tokenClaims struct {
	Subject       string `json:"sub"`
	Issuer        string `json:"iss"`
	Audience      string `json:"aud"`
	Expires       *int64 `json:"exp,omitempty"`
	APIKeyID      string `json:"api_key_id,omitempty"`
	DeviceID      string `json:"device_id,omitempty"`
	PipelineID    string `json:"pipeline_id,omitempty"`
	ScheduleID    string `json:"schedule_id,omitempty"`
	PipelineRunID string `json:"pipeline_run_id,omitempty"`
	DeploymentID  string `json:"deployment_id,omitempty"`
}

var jwtHeaderSegment = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))

func signJWT(secret []byte, c tokenClaims) string {
	payload, err := json.Marshal(c)
	if err != nil {
		panic(fmt.Sprintf("zenmltest: encode claims: %v", err))
	}
	signingInput := jwtHeaderSegment + "." + base64.RawURLEncoding.EncodeToString(payload)
	return signingInput + "." + hs256(secret, signingInput)
}

func hs256(secret []byte, signingInput string) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(signingInput))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// errJWT carries PyJWT's error text, because the server echoes it verbatim
// ("... Invalid JWT token: Signature has expired.") and clients match on it.
type errJWT string

func (e errJWT) Error() string { return string(e) }

// decodeB64Segment accepts both padded and unpadded base64url like PyJWT.
func decodeB64Segment(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}

// verifyJWT reproduces PyJWT's decode checks in PyJWT's order, returning its
// messages, then ZenML's own claim checks.
func verifyJWT(secret []byte, token, serverID string, now time.Time) (tokenClaims, error) {
	var c tokenClaims
	payloadRaw, err := verifyJWTSignature(secret, token)
	if err != nil {
		return c, err
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(payloadRaw, &raw); err != nil {
		return c, errJWT("Invalid payload string: " + err.Error())
	}
	if err := checkRegisteredClaims(raw, serverID, now, &c); err != nil {
		return c, err
	}
	return c, readZenMLClaims(raw, &c)
}

// verifyJWTSignature splits token, checks its header and HS256 signature
// as PyJWT does, and returns the decoded payload.
func verifyJWTSignature(secret []byte, token string) ([]byte, error) {
	dot := strings.LastIndexByte(token, '.')
	if dot < 0 {
		return nil, errJWT("Not enough segments")
	}
	signingInput, sig := token[:dot], token[dot+1:]
	headerSeg, payloadSeg, found := strings.Cut(signingInput, ".")
	if !found {
		return nil, errJWT("Not enough segments")
	}
	headerRaw, err := decodeB64Segment(headerSeg)
	if err != nil {
		return nil, errJWT("Invalid header padding")
	}
	var header map[string]any
	if err := json.Unmarshal(headerRaw, &header); err != nil {
		return nil, errJWT("Invalid header string: " + err.Error())
	}
	payloadRaw, err := decodeB64Segment(payloadSeg)
	if err != nil {
		return nil, errJWT("Invalid payload padding")
	}
	sigRaw, err := decodeB64Segment(sig)
	if err != nil {
		return nil, errJWT("Invalid crypto padding")
	}
	if alg, _ := header["alg"].(string); alg != "HS256" {
		return nil, errJWT("The specified alg value is not allowed")
	}
	want, _ := base64.RawURLEncoding.DecodeString(hs256(secret, signingInput))
	if !hmac.Equal(want, sigRaw) {
		return nil, errJWT("Signature verification failed")
	}
	return payloadRaw, nil
}

// checkRegisteredClaims checks exp, iss and aud as PyJWT does, in its
// order, and records them in c.
func checkRegisteredClaims(raw map[string]json.RawMessage, serverID string, now time.Time, c *tokenClaims) error {
	if expRaw, present := raw["exp"]; present {
		var exp json.Number
		dec := json.NewDecoder(bytes.NewReader(expRaw))
		dec.UseNumber()
		if err := dec.Decode(&exp); err != nil {
			return errJWT("Expiration Time claim (exp) must be an integer.")
		}
		expSeconds, err := exp.Float64()
		if err != nil {
			return errJWT("Expiration Time claim (exp) must be an integer.")
		}
		// PyJWT: expired when exp <= now - leeway.
		if expSeconds <= float64(now.Add(-jwtLeeway).UnixNano())/1e9 {
			return errJWT("Signature has expired")
		}
		e := int64(expSeconds)
		c.Expires = &e
	}
	var iss string
	if err := json.Unmarshal(raw["iss"], &iss); err != nil || iss != serverID {
		return errJWT("Invalid issuer")
	}
	audRaw, present := raw["aud"]
	if !present {
		return errJWT(`Token is missing the "aud" claim`)
	}
	if !audienceContains(audRaw, serverID) {
		return errJWT("Invalid audience")
	}
	c.Issuer, c.Audience = iss, serverID
	return nil
}

// readZenMLClaims reads the claims ZenML adds, of which the subject must
// be a UUID.
func readZenMLClaims(raw map[string]json.RawMessage, c *tokenClaims) error {
	strClaim := func(name string) string {
		var v string
		_ = json.Unmarshal(raw[name], &v)
		return v
	}
	c.Subject = strClaim("sub")
	if _, err := uuid.Parse(c.Subject); err != nil {
		return errJWT("the subject claim is missing or not a valid UUID")
	}
	c.APIKeyID = strClaim("api_key_id")
	c.DeviceID = strClaim("device_id")
	c.PipelineID = strClaim("pipeline_id")
	c.ScheduleID = strClaim("schedule_id")
	c.PipelineRunID = strClaim("pipeline_run_id")
	c.DeploymentID = strClaim("deployment_id")
	return nil
}

func audienceContains(raw json.RawMessage, want string) bool {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return one == want
	}
	var many []string
	if json.Unmarshal(raw, &many) == nil {
		for _, a := range many {
			if a == want {
				return true
			}
		}
	}
	return false
}

// decodeErrorText is the text ZenML puts after
// "Authentication error: error decoding access token: ".
func decodeErrorText(err error) string {
	var j errJWT
	if errors.As(err, &j) {
		return "Invalid JWT token: " + string(j)
	}
	return err.Error()
}
