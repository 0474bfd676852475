package api

import (
	"errors"
	"io/fs"
	"net/url"
	"strings"
	"testing"

	"github.com/zenctl/zenctl/internal/exitcode"
)

func readFixture(name string) ([]byte, error) {
	switch name {
	case "desc.txt":
		return []byte("line one\n"), nil
	case "-":
		return []byte("from stdin"), nil
	}
	return nil, fs.ErrNotExist
}

func TestFieldsBody(t *testing.T) {
	tests := []struct {
		raw, typed []string
		want       string
	}{
		{raw: []string{"name=ci", "n=12"}, typed: []string{"active=true", "count=42", "gone=null", "neg=-3", "big=99999999999999999999"},
			want: `{"active":true,"big":"99999999999999999999","count":42,"gone":null,"n":"12","name":"ci","neg":-3}`},
		{typed: []string{"description=@desc.txt", "note=@-", "at=@"},
			want: `{"at":"@","description":"line one\n","note":"from stdin"}`},
		{raw: []string{"meta[team]=ml", "meta[owner][name]=ann", "tags[]=a", "tags[]=b", "x=<&>"},
			want: `{"meta":{"owner":{"name":"ann"},"team":"ml"},"tags":["a","b"],"x":"<&>"}`},
		{raw: []string{"weird key]=v"}, want: `{"weird key]":"v"}`},
	}
	for _, tt := range tests {
		fields, err := parseFields(tt.raw, tt.typed, readFixture)
		if err != nil {
			t.Fatal(err)
		}
		body, err := fieldsBody(fields)
		if err != nil {
			t.Fatal(err)
		}
		if string(body) != tt.want {
			t.Errorf("%v %v:\n got %s\nwant %s", tt.raw, tt.typed, body, tt.want)
		}
	}
}

func TestFieldsBodyErrors(t *testing.T) {
	for _, raw := range [][]string{
		{"a=1", "a=2"},
		{"a=1", "a[b]=2"},
		{"a[b]=1", "a[]=2"},
		{"a[]=1", "a[b]=2"},
		{"[a]=1"},
		{"a[b=1"},
		{"a[b]c=1"},
		{"a[][b]=1"},
	} {
		fields, err := parseFields(raw, nil, readFixture)
		if err == nil {
			_, err = fieldsBody(fields)
		}
		var usage *exitcode.UsageError
		if !errors.As(err, &usage) {
			t.Errorf("%v: err = %v, want a usage error", raw, err)
		}
	}
	if _, err := parseFields(nil, []string{"d=@missing"}, readFixture); !errors.Is(err, fs.ErrNotExist) || !strings.HasPrefix(err.Error(), "field d: ") {
		t.Errorf("missing file: %v", err)
	}
}

func TestFieldsQuery(t *testing.T) {
	fields, err := parseFields([]string{"name=startswith:ci-", "tag=a"}, []string{"active=false", "size=5", "x=null", "tag=b"}, readFixture)
	if err != nil {
		t.Fatal(err)
	}
	q := url.Values{"page": {"2"}}
	addQuery(q, fields)
	if got, want := q.Encode(), "active=false&name=startswith%3Aci-&page=2&size=5&tag=a&tag=b&x="; got != want {
		t.Errorf("query = %s, want %s", got, want)
	}
}

func TestResolvePath(t *testing.T) {
	tests := []struct{ server, arg, path, query, err string }{
		{"http://h:8080", "current-user", "/api/v1/current-user", "", ""},
		{"http://h:8080", "/health", "/health", "", ""},
		{"http://h:8080", "api/v1/info", "/api/v1/info", "", ""},
		{"http://h:8080", "service_accounts?size=10&name=startswith:ci-", "/api/v1/service_accounts", "name=startswith%3Aci-&size=10", ""},
		{"http://h:8080", "HTTP://H:8080/api/v1/x#frag", "/api/v1/x", "", ""},
		{"https://h", "https://h:443/api/v1/x", "/api/v1/x", "", ""},
		{"https://h/zenml", "https://h/zenml", "/", "", ""},
		{"https://h/zenml", "https://h/zenmlx/api", "", "", "outside the server's path"},
		{"https://h", "http://h/api/v1/x", "", "", "refusing"},
		{"https://h", "https://evil/api/v1/x?token=secret", "", "", "refusing to send a request to https://evil/api/v1/x…:"},
		{"https://h", "https://user:pw@evil/", "", "", "https://evil/…:"},
		{"https://h", "mailto:x@h", "", "", "refusing"},
		{"https://h", "service_accounts/a#b", "", "", "write # as %23"},
		{"https://h", "service_accounts/a%23b", "/api/v1/service_accounts/a%23b", "", ""},
		{"https://h/a~b", "https://h/a%7Eb/api/v1/x", "/api/v1/x", "", ""},
		{"https://h/caf%C3%A9", "https://h/caf%c3%a9/api/v1/a%2541b", "/api/v1/a%2541b", "", ""},
	}
	for _, tt := range tests {
		path, q, err := resolvePath(tt.arg, tt.server)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) || strings.Contains(err.Error(), "secret") || strings.Contains(err.Error(), "pw") {
				t.Errorf("%s on %s: err = %v, want %q", tt.arg, tt.server, err, tt.err)
			}
			continue
		}
		if err != nil || path != tt.path || q.Encode() != tt.query {
			t.Errorf("%s on %s = %q, %q, %v; want %q, %q", tt.arg, tt.server, path, q.Encode(), err, tt.path, tt.query)
		}
	}
}
