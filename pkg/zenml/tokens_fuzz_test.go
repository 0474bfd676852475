package zenml

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// fuzzJWT builds an unsigned token whose payload is payload, the way the
// server lays one out: base64url header, payload and signature.
func fuzzJWT(payload []byte) string {
	return "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9." + base64.RawURLEncoding.EncodeToString(payload) + ".c2ln"
}

// FuzzDecodeJWTClaims checks that claims written into a token come back
// unchanged, that arbitrary text never panics, and that only three-part
// tokens decode.
func FuzzDecodeJWTClaims(f *testing.F) {
	f.Add("sub-id", int64(1767225600), int64(1767222000), true, true, "key-id", "", "x.y.z")
	f.Add("", int64(0), int64(0), false, false, "", "device", "not a jwt")
	f.Add("ü", int64(-1), int64(-9223372036854775808), true, false, "", "", "a.eyJleHAiOjF9.c")
	f.Add("s", int64(9223372036854775807), int64(1), false, true, "", "", "a.eyJleHAiOjF9==.c")
	f.Fuzz(func(t *testing.T, sub string, exp, iat int64, hasExp, hasIat bool, apiKeyID, deviceID, raw string) {
		// Arbitrary text: no panic; success only for header.payload.sig.
		if _, err := DecodeJWTClaims(raw); err == nil && strings.Count(raw, ".") != 2 {
			t.Fatalf("DecodeJWTClaims(%q) accepted a token without exactly three parts", raw)
		}

		if !utf8.ValidString(sub) || !utf8.ValidString(apiKeyID) || !utf8.ValidString(deviceID) {
			return // JSON would replace the invalid bytes; nothing to compare
		}
		claims := map[string]any{"sub": sub, "iss": "server", "api_key_id": apiKeyID, "device_id": deviceID}
		if hasExp {
			claims["exp"] = exp
		}
		if hasIat {
			claims["iat"] = iat
		}
		payload, err := json.Marshal(claims)
		if err != nil {
			t.Fatal(err)
		}
		for _, token := range []string{
			fuzzJWT(payload),
			// Some encoders keep the base64 padding; it must not matter.
			"eyJhbGciOiJIUzI1NiJ9." + base64.URLEncoding.EncodeToString(payload) + ".c2ln",
		} {
			got, err := DecodeJWTClaims(token)
			if err != nil {
				t.Fatalf("DecodeJWTClaims(%s): %v", payload, err)
			}
			if got.Subject != sub || got.Issuer != "server" || got.APIKeyID != apiKeyID || got.DeviceID != deviceID {
				t.Fatalf("claims %s decoded as %+v", payload, got)
			}
			if !sameInt64(got.ExpiresAt, clampUnix(exp), hasExp) || !sameInt64(got.IssuedAt, clampUnix(iat), hasIat) {
				t.Fatalf("claims %s: exp=%v iat=%v", payload, deref(got.ExpiresAt), deref(got.IssuedAt))
			}
		}
	})
}

// clampUnix is the documented range of decoded times: 1970 to 9999.
func clampUnix(v int64) int64 { return min(max(v, 0), maxUnixTime) }

func deref(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

func sameInt64(got *int64, want int64, present bool) bool {
	if !present {
		return got == nil
	}
	return got != nil && *got == want
}

// FuzzTokenExpiry checks TokenExpiry's contract on any input: the
// lifetime is never negative, a zero expiry means a zero lifetime, the
// login answer's expires_in wins over the token's exp claim, and the
// claim is used as is otherwise.
func FuzzTokenExpiry(f *testing.F) {
	f.Add(int64(1767225600), int64(1767222000), true, true, int64(0), false, int64(1767222000), "")
	f.Add(int64(1767225600), int64(0), true, false, int64(3600), true, int64(1767222000), "")
	f.Add(int64(100), int64(200), true, true, int64(0), false, int64(150), "")              // exp before iat
	f.Add(int64(100), int64(0), true, false, int64(-5), true, int64(1767222000), "")        // exp in the past, no iat
	f.Add(int64(0), int64(0), false, false, int64(9223372036854775807), true, int64(0), "") // absurd expires_in
	f.Add(int64(0), int64(0), false, false, int64(0), false, int64(0), "garbage")
	f.Add(int64(-9223372036854775808), int64(0), true, false, int64(0), false, int64(1767222000), "") // a huge negative exp
	f.Add(int64(9223372036854775807), int64(0), true, false, int64(0), false, int64(1767222000), "")  // a huge exp
	f.Fuzz(func(t *testing.T, exp, iat int64, hasExp, hasIat bool, expiresIn int64, hasExpiresIn bool, nowUnix int64, raw string) {
		now := time.Unix(nowUnix, 0)
		var in *int64
		if hasExpiresIn {
			in = &expiresIn
		}
		token := raw
		if raw == "" {
			claims := map[string]any{"sub": "s"}
			if hasExp {
				claims["exp"] = exp
			}
			if hasIat {
				claims["iat"] = iat
			}
			payload, _ := json.Marshal(claims)
			token = fuzzJWT(payload)
		}

		expiresAt, lifetime := TokenExpiry(token, in, now)
		if lifetime < 0 {
			t.Fatalf("TokenExpiry(exp=%d/%v iat=%d/%v expires_in=%d/%v now=%d) lifetime %s < 0", exp, hasExp, iat, hasIat, expiresIn, hasExpiresIn, nowUnix, lifetime)
		}
		if expiresAt.IsZero() && lifetime != 0 {
			t.Fatalf("no expiry but lifetime %s", lifetime)
		}
		switch {
		case hasExpiresIn && expiresIn > 0:
			if lifetime <= 0 || !expiresAt.After(now) {
				t.Fatalf("expires_in=%d: expiresAt %s (now %s), lifetime %s", expiresIn, expiresAt, now, lifetime)
			}
			if expiresIn < 1<<32 && (lifetime != time.Duration(expiresIn)*time.Second || !expiresAt.Equal(now.Add(lifetime))) {
				t.Fatalf("expires_in=%d: expiresAt %s lifetime %s", expiresIn, expiresAt, lifetime)
			}
		case raw == "" && hasExp:
			if expiresAt.Unix() != clampUnix(exp) {
				t.Fatalf("exp=%d: expiresAt %s (%d)", exp, expiresAt, expiresAt.Unix())
			}
		case raw == "" && hasExpiresIn:
			// expires_in of zero or less, no exp claim: spent now, not "never".
			if !expiresAt.Equal(now) || lifetime != 0 {
				t.Fatalf("expires_in=%d, no exp claim: expiresAt %s lifetime %s", expiresIn, expiresAt, lifetime)
			}
		case raw == "":
			if !expiresAt.IsZero() {
				t.Fatalf("no exp claim, no expires_in: expiresAt %s", expiresAt)
			}
		}
		// Whatever came in, the expiry must be storable: a credentials
		// file encodes it as JSON, which refuses years outside 0-9999.
		if _, err := json.Marshal(expiresAt); err != nil {
			t.Fatalf("exp=%d/%v expires_in=%d/%v: expiresAt %s does not encode: %v", exp, hasExp, expiresIn, hasExpiresIn, expiresAt, err)
		}
		// Whatever came in, the session's refresh arithmetic must not
		// panic and the leeway must be positive.
		if refreshLeeway(lifetime) <= 0 && lifetime > 0 {
			t.Fatalf("refreshLeeway(%s) <= 0", lifetime)
		}
	})
}

// FuzzDecodeAPIKeyID checks that a key built in the server's format always
// decodes to its id, padded or not, and that nothing else is accepted
// without the ZENKEY_ prefix, an id and a secret, nor echoed in an error.
func FuzzDecodeAPIKeyID(f *testing.F) {
	f.Add("ff095245-38ba-49ac-8171-3ac4876dae76", "25fa7eaf3b78046f66c793ee9125ebac7f28c8f6cef2fdc96575540c1d4d20cd", "")
	f.Add("id", "k", "ZENKEY_")
	f.Add("", "k", "ZENKEY_eyJpZCI6IiIsImtleSI6ImsifQ==")
	f.Add("i", "", "ZENKEY_eyJpZCI6ImkiLCJrZXkiOiIifQ")
	f.Add("\u00e9", "\u2028", "zenkey_eyJpZCI6ImkiLCJrZXkiOiJrIn0=")
	f.Fuzz(func(t *testing.T, id, secret, raw string) {
		// Arbitrary input: no panic, and a success means a ZENKEY_ value
		// with a non-empty id; a failure never repeats the key.
		got, err := DecodeAPIKeyID(raw)
		if err == nil {
			if !strings.HasPrefix(raw, APIKeyPrefix) || got == "" {
				t.Fatalf("DecodeAPIKeyID(%q) = %q, want an error", raw, got)
			}
		} else if len(raw) > len(APIKeyPrefix)+8 && strings.Contains(err.Error(), raw[len(APIKeyPrefix):]) {
			t.Fatalf("error %q repeats the key", err)
		}

		if !utf8.ValidString(id) || !utf8.ValidString(secret) {
			return
		}
		payload, err := json.Marshal(map[string]string{"id": id, "key": secret})
		if err != nil {
			t.Fatal(err)
		}
		for _, key := range []string{
			APIKeyPrefix + base64.StdEncoding.EncodeToString(payload),
			APIKeyPrefix + base64.RawStdEncoding.EncodeToString(payload),
		} {
			got, err := DecodeAPIKeyID(key)
			if id == "" || secret == "" {
				if err == nil {
					t.Fatalf("DecodeAPIKeyID accepted %s without an id or secret", payload)
				}
				continue
			}
			if err != nil || got != id {
				t.Fatalf("DecodeAPIKeyID(%s) = %q, %v; want %q", payload, got, err, id)
			}
		}
	})
}
