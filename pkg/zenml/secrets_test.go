package zenml

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// No way of printing or logging a value that holds a secret shows it.
func TestSecretsNeverPrint(t *testing.T) {
	const secret = "s3cr3t-VALUE"
	key := secret
	expires := int64(60)
	creds := Credentials{APIKey: secret, Username: "alice", Password: secret, AccessToken: secret,
		ExpiresAt: time.Unix(1e9, 0), Lifetime: time.Hour}
	client, err := NewClient("http://127.0.0.1:1", Options{Tokens: StaticToken(secret)})
	if err != nil {
		t.Fatal(err)
	}
	values := map[string]any{
		"Credentials":          creds,
		"*Credentials":         &creds,
		"nested Credentials":   struct{ C Credentials }{creds},
		"TokenResponse":        TokenResponse{AccessToken: secret, TokenType: "bearer", ExpiresIn: &expires},
		"APIToken":             APIToken{Token: secret, ExpiresAt: time.Unix(1e9, 0)},
		"StaticToken":          StaticToken(secret),
		"DeviceAuthorization":  DeviceAuthorization{DeviceCode: secret, UserCode: "ABCD-EFGH", Interval: 5},
		"APIKey":               APIKey{ID: "k1", Name: "key", Body: APIKeyBody{Key: &key}},
		"*Client":              client,
		"*Client with a token": client.WithTokens(StaticToken(secret)),
		"*Session":             &Session{Login: client, Initial: creds},
		"UserRequest":          UserRequest{Name: "ann", Password: &key},
		"UserUpdate":           UserUpdate{Password: &key, OldPassword: &key},
	}
	for name, v := range values {
		var outputs []string
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
			outputs = append(outputs, verb+" "+fmt.Sprintf(verb, v))
		}
		var text, js bytes.Buffer
		slog.New(slog.NewTextHandler(&text, nil)).Info("m", "v", v)
		slog.New(slog.NewJSONHandler(&js, nil)).Info("m", "v", v)
		outputs = append(outputs, "slog text "+text.String(), "slog JSON "+js.String())
		if b, err := json.Marshal(v); err == nil {
			outputs = append(outputs, "json "+string(b))
		} else if name != "*Session" { // its BeforeExchange func field cannot be encoded
			t.Errorf("%s: json: %v", name, err)
		}
		for _, out := range outputs {
			if strings.Contains(out, secret) || strings.Contains(out, fmt.Sprintf("%x", secret)) {
				t.Errorf("%s: %s", name, out)
			}
		}
	}
}

// Redaction keeps what is not secret, and shows which secrets are set.
func TestRedactedValuesStayReadable(t *testing.T) {
	creds := Credentials{APIKey: "k", Username: "alice"}
	for _, c := range []struct{ got, want string }{
		{fmt.Sprintf("%v", creds), "{[REDACTED] alice   "},
		{fmt.Sprintf("%+v", creds), "{APIKey:[REDACTED] Username:alice Password: AccessToken: "},
		{fmt.Sprintf("%#v", creds), `zenml.Credentials{APIKey:"[REDACTED]", Username:"alice", Password:""`},
		{fmt.Sprintf("%#v", StaticToken("t")), `zenml.StaticToken("[REDACTED]")`},
		{fmt.Sprint(StaticToken("")), ""},
	} {
		if !strings.HasPrefix(c.got, c.want) {
			t.Errorf("got %s, want it to start with %s", c.got, c.want)
		}
	}
	b, _ := json.Marshal(creds)
	if !strings.Contains(string(b), `"Username":"alice"`) || !strings.Contains(string(b), `"APIKey":"[REDACTED]"`) {
		t.Errorf("json: %s", b)
	}
	// The fields themselves hold the secrets, for the program.
	if creds.APIKey != "k" || string(StaticToken("t")) != "t" {
		t.Error("the secret fields changed")
	}
}
