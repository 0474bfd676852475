package audit

import (
	"encoding/base64"
	"strings"
	"testing"
)

func TestKeyIDReadsTheIDAKeyCarries(t *testing.T) {
	const id = "6a29e836-d022-4609-a343-ad1bfacc2fcc"
	secret := strings.Repeat("0f", 32)
	for name, payload := range map[string]string{
		"0.93 and 0.85": `{"id":"` + id + `","key":"` + secret + `"}`,
		"0.58":          `{"id": "` + id + `", "key": "` + secret + `"}`,
	} {
		key := "ZENKEY_" + base64.StdEncoding.EncodeToString([]byte(payload))
		if got, cut, err := keyID(key); err != nil || got != id || cut {
			t.Errorf("%s: %q %v %v", name, got, cut, err)
		}
		// A log cut the key after its id: still found, and said so.
		if got, cut, err := keyID(key[:75]); err != nil || got != id || !cut {
			t.Errorf("%s cut short: %q %v %v", name, got, cut, err)
		}
		// Cut inside the id: not guessed.
		if _, _, err := keyID(key[:40]); err == nil {
			t.Errorf("%s cut inside the id: no error", name)
		}
	}
	if _, _, err := keyID("ZENKEY_" + base64.StdEncoding.EncodeToString([]byte(`{"key":"x"}`))); err == nil {
		t.Error("a key without an id: no error")
	}
}
