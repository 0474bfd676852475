// Package api implements `zenctl api`: an authenticated request to any
// path of the selected ZenML server, modelled on `gh api`.
package api

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"regexp"
	"strings"

	"github.com/MakeNowJust/heredoc"
	"github.com/itchyny/gojq"
	"github.com/spf13/cobra"

	"github.com/zenctl/zenctl/internal/cmd/factory"
	"github.com/zenctl/zenctl/internal/exitcode"
	"github.com/zenctl/zenctl/internal/iostreams"
	"github.com/zenctl/zenctl/pkg/zenml"
)

// APIOptions are the inputs of `zenctl api`.
type APIOptions struct {
	IO *iostreams.IOStreams
	// Client authenticates as the command's server and account.
	Client func(context.Context) (*zenml.Client, *factory.Target, error)

	// Path is the PATH argument as given.
	Path string
	// Method is the HTTP method; empty until resolved by NewCmdAPI (GET, or
	// POST when a body is given).
	Method      string
	RawFields   []string
	TypedFields []string
	// Input is the body file, "-" for stdin; empty for none.
	Input    string
	Headers  []string
	Paginate bool
	Include  bool
	JQ       string

	// header is Headers parsed; jq is JQ compiled. Both are set by NewCmdAPI
	// so that bad input is refused before anything is sent.
	header http.Header
	jq     *gojq.Code
}

// apiHelp is the long help of `zenctl api`: the rules of PATH, fields,
// headers, pagination and --jq.
var apiHelp = heredoc.Doc(`
	Send an authenticated HTTP request to the selected ZenML server and
	print the response body.

	PATH is a path on the server, /api/v1/current-user, or just
	current-user, which is taken relative to /api/v1/. A query string in
	PATH is kept. A full URL is accepted only when it points at the
	selected server: zenctl never sends its credentials to another host.
	Dot segments (..) are resolved first, and a PATH they lead outside
	a server mounted under a path (https://host/zenml) is refused.

	The default method is GET, or POST when there is a body (fields or
	--input); -X overrides it.

	Fields: -f key=value adds a string; -F key=value adds a typed value:
	true, false and null become JSON literals, integers become numbers,
	and @FILE reads the value from a file (@- from stdin). For POST, PUT
	and PATCH the fields become a JSON object body; keys may nest with
	key[sub]=value and build arrays with key[]=value. For GET, HEAD and
	DELETE, and whenever --input supplies the body, fields become query
	parameters instead, with keys used as given. A body is sent as
	application/json unless -H sets another Content-Type.

	The session's own credentials authenticate every request and renew
	themselves when they expire. -H cannot set Authorization or Cookie:
	either would silently replace the session (the server even prefers
	a cookie to the Authorization header); use curl for another
	credential. zenctl sets User-Agent, Source-Context and, for POST,
	Idempotency-Key itself.

	The body is printed unchanged, or indented when stdout is a terminal;
	-i prints the status line and the response headers first. The body
	of a response with status 400 or above is printed too, unfiltered,
	and zenctl exits 1, or 4 when the server needs a new login.

	--paginate follows ZenML's page envelope (index, total_pages, items)
	with the page query parameter and prints the items of all pages as
	one JSON array, written as the pages arrive: memory holds one page
	at a time however long the list. --jq then sees that array whole, so
	with --jq the items are gathered, up to 32 MiB; past that zenctl
	stops with an error (leave out --jq and pipe into jq instead). -i
	prints the first page's status line and headers. A page that fails
	after the first ends the command with exit 1 and the array unclosed
	(not valid JSON). A response that is not a page is printed as it is.

	--jq filters JSON output with a jq expression (gojq, built in):
	strings print raw, like jq -r; other values as JSON, one per line.
`)

// NewCmdAPI builds `zenctl api`.
func NewCmdAPI(f *factory.Factory, runF func(*APIOptions) error) *cobra.Command {
	opts := &APIOptions{IO: f.IOStreams, Client: f.AuthenticatedClient}
	cmd := &cobra.Command{
		Use:   "api PATH",
		Short: "Make an authenticated request to the ZenML API",
		Long:  apiHelp,
		Example: heredoc.Doc(`
			$ zenctl api current-user
			$ zenctl api 'service_accounts?size=100' --paginate --jq '.[].name'
			$ zenctl api service_accounts -f name=ci-bot -F active=true
			$ zenctl api -X PUT service_accounts/ci-bot -F active=false
			$ echo '{"name": "ci-bot", "active": true}' | zenctl api service_accounts --input -
			$ zenctl api -i /health
		`),
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return exitcode.Usagef("expected one PATH argument, got %d", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Path = args[0]
			if err := opts.validate(cmd.Flags().Changed("method")); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return runAPI(cmd.Context(), opts)
		},
	}
	opts.addFlags(cmd)
	return cmd
}

// addFlags binds the flags of `zenctl api` to o.
func (o *APIOptions) addFlags(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVarP(&o.Method, "method", "X", "", "The HTTP `METHOD` (default GET, or POST with a body)")
	fl.StringArrayVarP(&o.RawFields, "raw-field", "f", nil, "Add a string field as `KEY=VALUE`")
	fl.StringArrayVarP(&o.TypedFields, "field", "F", nil, "Add a typed field as `KEY=VALUE` (true, false, null, integers, @file)")
	fl.StringVar(&o.Input, "input", "", "Read the request body from `FILE` (\"-\" for stdin)")
	fl.StringArrayVarP(&o.Headers, "header", "H", nil, "Add a request header as `HEADER` ('Name: value')")
	fl.BoolVar(&o.Paginate, "paginate", false, "Fetch every page and print all items as one JSON array")
	fl.BoolVarP(&o.Include, "include", "i", false, "Print the status line and response headers before the body")
	fl.StringVarP(&o.JQ, "jq", "q", "", "Filter the JSON output with a jq `EXPRESSION`")
}

// methodRE is an HTTP method token; refusing anything else keeps a typo
// such as "-X 'GET /x'" from becoming a malformed request line.
var methodRE = regexp.MustCompile(`^[A-Za-z]+$`)

// validate checks the flags and resolves the method, so that bad input is
// a usage error before any request (or any login) happens.
func (o *APIOptions) validate(methodSet bool) error {
	if strings.TrimSpace(o.Path) == "" {
		return exitcode.Usagef("PATH is empty")
	}
	switch {
	case methodSet:
		if !methodRE.MatchString(o.Method) {
			return exitcode.Usagef("invalid --method %q", o.Method)
		}
		o.Method = strings.ToUpper(o.Method)
	case o.Input != "" || len(o.RawFields)+len(o.TypedFields) > 0:
		o.Method = http.MethodPost
	default:
		o.Method = http.MethodGet
	}
	if o.Paginate && o.Method != http.MethodGet {
		return exitcode.Usagef("--paginate works only with GET requests, not %s", o.Method)
	}
	for _, fld := range append(append([]string(nil), o.RawFields...), o.TypedFields...) {
		if _, _, err := splitField(fld); err != nil {
			return err
		}
	}
	for _, fld := range o.TypedFields {
		// stdin can be read only once.
		if _, v, _ := splitField(fld); v == "@-" && o.Input == "-" {
			return exitcode.Usagef("--input - and -F %s both read stdin", fld)
		}
	}
	header, err := parseHeaders(o.Headers)
	if err != nil {
		return err
	}
	o.header = header
	if o.JQ != "" {
		q, err := gojq.Parse(o.JQ)
		if err != nil {
			return exitcode.Usagef("invalid --jq expression: %v", err)
		}
		// No environment loader: $ENV and env stay empty, so a filter cannot
		// print ZENML_STORE_API_KEY or any other variable.
		code, err := gojq.Compile(q)
		if err != nil {
			return exitcode.Usagef("invalid --jq expression: %v", err)
		}
		o.jq = code
	}
	return nil
}

// forbiddenHeaders would replace the session's credentials without a word.
var forbiddenHeaders = map[string]string{
	"Authorization": "the session's token authenticates every request",
	"Cookie":        "the server would prefer its auth cookie to the session's token",
}

func parseHeaders(raw []string) (http.Header, error) {
	h := http.Header{}
	for _, line := range raw {
		name, value, ok := strings.Cut(line, ":")
		name = strings.TrimSpace(name)
		if !ok || name == "" || strings.ContainsAny(name, " \t") {
			// Only the first word: the rest may be a credential typed
			// without its colon (-H "Authorization Bearer eyJ…").
			first, _, _ := strings.Cut(strings.TrimSpace(line), " ")
			first, _, _ = strings.Cut(first, "=")
			return nil, exitcode.Usagef("invalid --header %q…: want 'Name: value'", first)
		}
		name = http.CanonicalHeaderKey(name)
		if why, bad := forbiddenHeaders[name]; bad {
			return nil, exitcode.Usagef("-H %s is not allowed: %s (use curl for another credential)", name, why)
		}
		h.Add(name, strings.TrimSpace(value))
	}
	return h, nil
}

func runAPI(ctx context.Context, opts *APIOptions) error {
	client, target, err := opts.Client(ctx)
	if err != nil {
		return err
	}
	path, query, err := resolvePath(opts.Path, target.URL)
	if err != nil {
		return err
	}
	body, err := opts.buildRequest(query)
	if err != nil {
		return err
	}
	p := &printer{io: opts.IO, include: opts.Include, jq: opts.jq}
	if opts.Paginate {
		return paginate(ctx, client, p, path, query, opts.header)
	}
	resp, err := client.Do(ctx, opts.Method, path, query, body, opts.header)
	if err != nil {
		return &requestError{opts.Method, path, err}
	}
	// The body is the result, but what the request itself sent (the
	// bearer token, a password) is not: a server may echo it.
	resp.Body = resp.BodyWithoutSent()
	return p.response(ctx, opts.Method, path, resp)
}

// buildRequest returns the request body and adds fields to query where
// they belong there.
func (o *APIOptions) buildRequest(query url.Values) ([]byte, error) {
	fields, err := parseFields(o.RawFields, o.TypedFields, o.readValueFile)
	if err != nil {
		return nil, err
	}
	if o.Input != "" {
		body, err := o.readInput()
		if err != nil {
			return nil, err
		}
		addQuery(query, fields)
		return body, nil
	}
	switch o.Method {
	case http.MethodGet, http.MethodHead, http.MethodDelete:
		addQuery(query, fields)
		return nil, nil
	}
	if len(fields) == 0 {
		return nil, nil
	}
	return fieldsBody(fields)
}

func (o *APIOptions) readInput() ([]byte, error) {
	if o.Input == "-" {
		b, err := io.ReadAll(o.IO.In)
		if err != nil {
			return nil, fmt.Errorf("reading the body from stdin: %w", err)
		}
		return b, nil
	}
	b, err := os.ReadFile(o.Input)
	if err != nil {
		return nil, fmt.Errorf("reading the body: %w", err)
	}
	return b, nil
}

// readValueFile serves -F key=@file and -F key=@-.
func (o *APIOptions) readValueFile(name string) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(o.IO.In)
	}
	return os.ReadFile(name)
}

// resolvePath turns PATH into a path relative to the server URL and its
// query. A full URL is accepted only for the selected server itself: the
// client always sends to the server's host, but saying so beats silently
// sending a request to somewhere other than the URL the user typed.
//
// Dot segments are resolved first, in both forms: a normalising proxy in
// front of a server mounted under /zenml would route /zenml/../other to
// another application, with the bearer token.
func resolvePath(arg, serverURL string) (string, url.Values, error) {
	u, err := url.Parse(strings.TrimSpace(arg))
	if err != nil {
		return "", nil, exitcode.Usagef("invalid PATH %q: %v", arg, err)
	}
	// In a full URL a fragment is the browser's business and is dropped;
	// in a bare PATH a '#' is part of a name that was not escaped.
	if u.Fragment != "" && u.Scheme == "" && u.Host == "" {
		return "", nil, exitcode.Usagef("PATH %q has a fragment (#%s), which would never reach the server; write # as %%23", arg, u.Fragment)
	}
	query := u.Query()
	base, err := url.Parse(serverURL)
	if err != nil {
		return "", nil, err
	}
	// The client takes an escaped path (pkg/zenml escapes names once):
	// hand it the path as typed, so that "a%2541b" stays the name "a%41b".
	if u.Scheme == "" && u.Host == "" {
		p := u.EscapedPath()
		switch {
		case strings.HasPrefix(p, "/"):
		case p == "api" || strings.HasPrefix(p, "api/"):
			p = "/" + p
		default:
			p = "/api/v1/" + p
		}
		if outside(base.Path, base.Path+p) {
			return "", nil, exitcode.Usagef("refusing %s: it leads outside the server's path %s", iostreams.SafeURL(u.String()), serverURL)
		}
		return cleanPath(p), query, nil
	}
	if u.Host == "" || (u.Scheme != "" && !strings.EqualFold(u.Scheme, base.Scheme)) || !sameHost(u, base) {
		return "", nil, exitcode.Usagef("refusing to send a request to %s: zenctl api talks only to the selected server, %s", iostreams.SafeURL(u.String()), serverURL)
	}
	if outside(base.Path, u.EscapedPath()) {
		return "", nil, exitcode.Usagef("refusing %s: it is outside the server's path %s", iostreams.SafeURL(u.String()), serverURL)
	}
	p := cleanPath(u.EscapedPath())
	if base.Path != "" {
		// Cut by segments, so that the rest keeps its escapes as typed.
		n := len(strings.Split(strings.Trim(base.Path, "/"), "/"))
		segs := strings.Split(strings.TrimPrefix(p, "/"), "/")
		p = ""
		if len(segs) > n {
			p = "/" + strings.Join(segs[n:], "/")
		}
	}
	if p == "" {
		p = "/"
	}
	return p, query, nil
}

// outside reports whether the escaped path full, with its dot segments
// resolved, lies outside prefix. It is judged decoded, as a proxy may
// decode %2e%2e to ".." ("a~b" is "a%7Eb" too).
func outside(prefix, full string) bool {
	decoded, err := url.PathUnescape(full)
	if err != nil {
		decoded = full
	}
	clean := path.Clean("/" + decoded)
	return prefix != "" && clean != prefix && !strings.HasPrefix(clean, prefix+"/")
}

// cleanPath resolves the dot segments of an escaped path, keeping a
// trailing slash.
func cleanPath(p string) string {
	clean := path.Clean("/" + p)
	if strings.HasSuffix(p, "/") && clean != "/" {
		clean += "/"
	}
	return clean
}

// sameHost compares hosts with the scheme's default port filled in.
func sameHost(u, base *url.URL) bool {
	port := func(x *url.URL, scheme string) string {
		if p := x.Port(); p != "" {
			return p
		}
		if strings.EqualFold(scheme, "http") {
			return "80"
		}
		return "443"
	}
	scheme := u.Scheme
	if scheme == "" {
		scheme = base.Scheme
	}
	return strings.EqualFold(u.Hostname(), base.Hostname()) && port(u, scheme) == port(base, base.Scheme)
}

// requestError names the request in the one-line error main prints. It
// keeps the cause reachable, so that a credentials failure exits 4.
type requestError struct {
	method, path string
	err          error
}

// Error folds the message onto one line: 422 validation messages span
// several lines, and the error form is one line.
func (e *requestError) Error() string {
	return e.method + " " + e.path + ": " + iostreams.OneLine(e.err.Error())
}

func (e *requestError) Unwrap() error { return e.err }
