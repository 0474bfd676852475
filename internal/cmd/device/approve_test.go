package device

import (
	"strings"
	"testing"
)

func TestParseVerificationLink(t *testing.T) {
	const id, code = "e3e2ef71-9258-4f81-8376-0f59cd9614a0", "84dfadd50ff62da348b6ee77ad0671d1"
	for _, in := range []string{
		"https://zenml.example.com/devices/verify?device_id=" + id + "&user_code=" + code,
		"  '/devices/verify?device_id=" + id + "&user_code=" + code + "'\n",
		"<http://127.0.0.1:8080/devices/verify?user_code=" + code + "&device_id=" + id + ">",
	} {
		link, err := parseVerificationLink(in)
		if err != nil || link.deviceID != id || link.userCode != code {
			t.Errorf("%q: %+v, %v", in, link, err)
		}
	}
	for in, want := range map[string]string{
		code:                              "a user code alone",
		"84dfadd5":                        "a user code alone",
		"":                                "not a verification link",
		"/devices/verify?device_id=" + id: "no device_id and user_code",
		"/devices/verify?device_id=x&user_code=" + code:     "not a device id",
		"/devices/verify?device_id=" + id + "&user_code=zz": "not a code the server issues",
	} {
		if _, err := parseVerificationLink(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", in, err, want)
		}
	}
}
