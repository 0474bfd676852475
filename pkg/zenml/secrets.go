package zenml

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
)

// The types below hold an API key, a password, a token or a device code.
// However a program prints or logs one of them (fmt with any verb,
// including %#v; log/slog; encoding/json), the secret shows as
// [REDACTED], and an empty one stays empty so that a reader still sees
// which credentials are set. A program reads the secrets from the fields;
// one that stores them writes its own format (JSON of these types cannot
// carry them).

// mask is what a secret field shows.
func mask(s string) string {
	if s == "" {
		return ""
	}
	return redacted
}

// formatRedacted prints view, a copy of a value of the type named typeName
// with its secrets masked and without methods, for any verb: %#v as Go
// syntax under the real type's name, everything else as %v or %+v.
func formatRedacted(f fmt.State, verb rune, typeName string, view any) {
	switch {
	case verb == 'v' && f.Flag('#'):
		s := fmt.Sprintf("%#v", view)
		if _, fields, ok := strings.Cut(s, "{"); ok {
			s = typeName + "{" + fields
		}
		fmt.Fprint(f, s)
	case f.Flag('+'):
		fmt.Fprintf(f, "%+v", view)
	default:
		fmt.Fprintf(f, "%v", view)
	}
}

// credentialsView is Credentials without methods, for printing.
type credentialsView Credentials

func (c Credentials) redacted() credentialsView {
	v := credentialsView(c)
	v.APIKey, v.Password, v.AccessToken = mask(v.APIKey), mask(v.Password), mask(v.AccessToken)
	return v
}

// String shows the credentials with their secrets redacted.
func (c Credentials) String() string { return fmt.Sprintf("%+v", c.redacted()) }

// GoString implements fmt.GoStringer, redacted.
func (c Credentials) GoString() string { return fmt.Sprintf("%#v", c) }

// Format implements fmt.Formatter, redacted for every verb.
func (c Credentials) Format(f fmt.State, verb rune) {
	formatRedacted(f, verb, "zenml.Credentials", c.redacted())
}

// LogValue implements slog.LogValuer, redacted.
func (c Credentials) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("APIKey", mask(c.APIKey)),
		slog.String("Username", c.Username),
		slog.String("Password", mask(c.Password)),
		slog.String("AccessToken", mask(c.AccessToken)),
		slog.Time("ExpiresAt", c.ExpiresAt),
		slog.Duration("Lifetime", c.Lifetime),
	)
}

// MarshalJSON implements json.Marshaler, redacted.
func (c Credentials) MarshalJSON() ([]byte, error) { return json.Marshal(c.redacted()) }

// tokenResponseView is TokenResponse without methods, for printing.
type tokenResponseView TokenResponse

func (t TokenResponse) redacted() tokenResponseView {
	v := tokenResponseView(t)
	v.AccessToken = mask(v.AccessToken)
	return v
}

// String shows the answer with its token redacted.
func (t TokenResponse) String() string { return fmt.Sprintf("%+v", t.redacted()) }

// GoString implements fmt.GoStringer, redacted.
func (t TokenResponse) GoString() string { return fmt.Sprintf("%#v", t) }

// Format implements fmt.Formatter, redacted for every verb.
func (t TokenResponse) Format(f fmt.State, verb rune) {
	formatRedacted(f, verb, "zenml.TokenResponse", t.redacted())
}

// LogValue implements slog.LogValuer, redacted.
func (t TokenResponse) LogValue() slog.Value {
	attrs := []slog.Attr{slog.String("access_token", mask(t.AccessToken)), slog.String("token_type", t.TokenType)}
	if t.ExpiresIn != nil {
		attrs = append(attrs, slog.Int64("expires_in", *t.ExpiresIn))
	}
	if t.DeviceID != nil {
		attrs = append(attrs, slog.String("device_id", *t.DeviceID))
	}
	return slog.GroupValue(attrs...)
}

// MarshalJSON implements json.Marshaler, redacted.
func (t TokenResponse) MarshalJSON() ([]byte, error) { return json.Marshal(t.redacted()) }

// apiTokenView is APIToken without methods, for printing.
type apiTokenView APIToken

func (t APIToken) redacted() apiTokenView {
	v := apiTokenView(t)
	v.Token = mask(v.Token)
	return v
}

// String shows the token's expiry, the token itself redacted.
func (t APIToken) String() string { return fmt.Sprintf("%+v", t.redacted()) }

// GoString implements fmt.GoStringer, redacted.
func (t APIToken) GoString() string { return fmt.Sprintf("%#v", t) }

// Format implements fmt.Formatter, redacted for every verb.
func (t APIToken) Format(f fmt.State, verb rune) {
	formatRedacted(f, verb, "zenml.APIToken", t.redacted())
}

// LogValue implements slog.LogValuer, redacted.
func (t APIToken) LogValue() slog.Value {
	return slog.GroupValue(slog.String("Token", mask(t.Token)), slog.Time("ExpiresAt", t.ExpiresAt),
		slog.Bool("SessionToken", t.SessionToken))
}

// MarshalJSON implements json.Marshaler, redacted.
func (t APIToken) MarshalJSON() ([]byte, error) { return json.Marshal(t.redacted()) }

// String shows that a token is set, not the token.
func (t StaticToken) String() string { return mask(string(t)) }

// GoString implements fmt.GoStringer, redacted.
func (t StaticToken) GoString() string { return fmt.Sprintf("zenml.StaticToken(%q)", mask(string(t))) }

// Format implements fmt.Formatter, redacted for every verb.
func (t StaticToken) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		fmt.Fprint(f, t.GoString())
		return
	}
	fmt.Fprint(f, t.String())
}

// LogValue implements slog.LogValuer, redacted.
func (t StaticToken) LogValue() slog.Value { return slog.StringValue(t.String()) }

// MarshalJSON implements json.Marshaler, redacted.
func (t StaticToken) MarshalJSON() ([]byte, error) { return json.Marshal(t.String()) }

// deviceAuthorizationView is DeviceAuthorization without methods, for
// printing.
type deviceAuthorizationView DeviceAuthorization

// redacted masks the device code, with which anyone could collect the
// token once the user approves. The user code is shown to the user anyway.
func (d DeviceAuthorization) redacted() deviceAuthorizationView {
	v := deviceAuthorizationView(d)
	v.DeviceCode = mask(v.DeviceCode)
	return v
}

// String shows the authorization with its device code redacted.
func (d DeviceAuthorization) String() string { return fmt.Sprintf("%+v", d.redacted()) }

// GoString implements fmt.GoStringer, redacted.
func (d DeviceAuthorization) GoString() string { return fmt.Sprintf("%#v", d) }

// Format implements fmt.Formatter, redacted for every verb.
func (d DeviceAuthorization) Format(f fmt.State, verb rune) {
	formatRedacted(f, verb, "zenml.DeviceAuthorization", d.redacted())
}

// LogValue implements slog.LogValuer, redacted.
func (d DeviceAuthorization) LogValue() slog.Value {
	return slog.GroupValue(slog.String("device_code", mask(d.DeviceCode)), slog.String("user_code", d.UserCode),
		slog.String("verification_uri", d.VerificationURI), slog.Int("expires_in", d.ExpiresIn), slog.Int("interval", d.Interval))
}

// MarshalJSON implements json.Marshaler, redacted.
func (d DeviceAuthorization) MarshalJSON() ([]byte, error) { return json.Marshal(d.redacted()) }

// apiKeyBodyView is APIKeyBody without methods, for printing.
type apiKeyBodyView APIKeyBody

// MarshalJSON implements json.Marshaler with the key redacted. Printed with
// fmt, the key is a pointer and shows as an address; APIKey.Secret reads
// it.
func (b APIKeyBody) MarshalJSON() ([]byte, error) {
	v := apiKeyBodyView(b)
	v.Key = maskPtr(v.Key)
	return json.Marshal(v)
}

// Format implements fmt.Formatter: a Client shows its server, never the
// token source it holds (fmt would print an unexported StaticToken as it
// is).
func (c *Client) Format(f fmt.State, _ rune) {
	if c == nil || c.base == nil {
		fmt.Fprint(f, "(*zenml.Client)(nil)")
		return
	}
	fmt.Fprintf(f, "&zenml.Client{Server: %q}", c.base.Redacted())
}

// LogValue implements slog.LogValuer: the server.
func (c *Client) LogValue() slog.Value {
	if c == nil || c.base == nil {
		return slog.StringValue("<nil>")
	}
	return slog.GroupValue(slog.String("Server", c.base.Redacted()))
}

// Format implements fmt.Formatter: a Session shows its server and the
// credentials it started from, redacted, never the ones it holds now
// (fmt would print those unredacted, and reading them needs its lock).
func (s *Session) Format(f fmt.State, verb rune) {
	if s == nil {
		fmt.Fprint(f, "(*zenml.Session)(nil)")
		return
	}
	fmt.Fprintf(f, "&zenml.Session{Login: %v, Initial: %+v}", s.Login, s.Initial)
}

// LogValue implements slog.LogValuer, redacted.
func (s *Session) LogValue() slog.Value {
	if s == nil {
		return slog.StringValue("<nil>")
	}
	return slog.GroupValue(slog.Any("Login", s.Login), slog.Any("Initial", s.Initial))
}

// userRequestWire and userUpdateWire are what the client sends: the same
// fields without the redacting MarshalJSON, so the password reaches the
// server and nothing else.
type (
	userRequestWire UserRequest
	userUpdateWire  UserUpdate
)

// maskPtr is what an optional secret field shows.
func maskPtr(s *string) *string {
	if s == nil {
		return nil
	}
	masked := mask(*s)
	return &masked
}

// MarshalJSON implements json.Marshaler with the password redacted; the
// client sends the real one. Printed with fmt, the password is a pointer
// and shows as an address.
func (r UserRequest) MarshalJSON() ([]byte, error) {
	v := userRequestWire(r)
	v.Password = maskPtr(v.Password)
	return json.Marshal(v)
}

// MarshalJSON implements json.Marshaler with the passwords redacted; the
// client sends the real ones.
func (u UserUpdate) MarshalJSON() ([]byte, error) {
	v := userUpdateWire(u)
	v.Password, v.OldPassword = maskPtr(v.Password), maskPtr(v.OldPassword)
	return json.Marshal(v)
}
