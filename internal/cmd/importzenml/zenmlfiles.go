package importzenml

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/zenctl/zenctl/internal/iostreams"
)

// The files of the zenml CLI's config dir that hold logins.
const (
	credentialsFile = "credentials.yaml" // 0.70+: one entry per server URL
	configFile      = "config.yaml"      // all releases; its store: section held the secrets before 0.70
)

// maxFileSize bounds what is read from zenml's files: both are a few KB, and
// a config dir pointed at the wrong place must not make zenctl read a
// multi-GB file into memory.
const maxFileSize = 8 << 20

// zenmlLogin is one server login found in zenml's files. Secrets are held
// here only on their way into zenctl's secret store; nothing prints them.
type zenmlLogin struct {
	// RawURL is the URL as written (entry url, else the mapping key).
	RawURL string
	// Source names where the entry was found, for messages.
	Source string
	// Malformed, when set, is why the entry could not be read.
	Malformed string
	// SQLStore marks config.yaml's store when it is zenml's local database.
	SQLStore bool

	APIKey      string
	Username    string
	Password    string
	HasPassword bool
	Token       string
	// TokenExpiresAt is api_token.expires_at as written (credentials.yaml);
	// TokenExpiresIn is api_token.expires_in.
	TokenExpiresAt string
	TokenExpiresIn *int64

	ServerID       string
	ServerName     string
	Version        string
	DeploymentType string
	// ProFields lists the fields present on the entry that only a ZenML
	// Pro workspace has. pro_api_url, pro_dashboard_url and
	// api_token.device_id are not among them: zenml 0.85 writes
	// pro_api_url (equal to the server URL) for every login, and a
	// self-hosted server's device flow answers a device_id too.
	ProFields []string

	// VerifySSL and CACert come from config.yaml's store section and so
	// apply only to the store's server.
	VerifySSL *bool
	CACert    string
	// Active marks the server that config.yaml's store points at.
	Active bool
}

func (l *zenmlLogin) hasCredential() bool {
	return l.APIKey != "" || l.Username != "" || l.Token != ""
}

// credentialsEntry is one value of credentials.yaml (ServerCredentials in
// zenml/login/credentials.py).
type credentialsEntry struct {
	URL            string      `yaml:"url"`
	APIKey         string      `yaml:"api_key"`
	Username       string      `yaml:"username"`
	Password       *string     `yaml:"password"`
	APIToken       *tokenEntry `yaml:"api_token"`
	ServerID       string      `yaml:"server_id"`
	ServerName     string      `yaml:"server_name"`
	Version        string      `yaml:"version"`
	DeploymentType string      `yaml:"deployment_type"`

	OrganizationName string `yaml:"organization_name"`
	OrganizationID   string `yaml:"organization_id"`
	WorkspaceName    string `yaml:"workspace_name"`
	WorkspaceID      string `yaml:"workspace_id"`
}

// tokenEntry is credentials.yaml's api_token (APIToken in
// zenml/login/credentials.py).
type tokenEntry struct {
	AccessToken string `yaml:"access_token"`
	ExpiresIn   *int64 `yaml:"expires_in"`
	// ExpiresAt is kept as text: PyYAML may have written it quoted or as a
	// bare timestamp, tz-aware or naive, with 'T' or a space.
	ExpiresAt string `yaml:"expires_at"`
}

// storeSection is config.yaml's store: (RestZenStoreConfiguration or
// SqlZenStoreConfiguration). Up to 0.6x it also held the secrets.
type storeSection struct {
	Type     string    `yaml:"type"`
	URL      string    `yaml:"url"`
	Username string    `yaml:"username"`
	Password *string   `yaml:"password"`
	APIKey   string    `yaml:"api_key"`
	APIToken yaml.Node `yaml:"api_token"`
	// VerifySSL is a bool or the path of a CA bundle.
	VerifySSL yaml.Node `yaml:"verify_ssl"`
}

// readZenMLDir reads every login of a zenml config dir. It opens the files
// read-only and never writes, renames or locks anything in that dir: the
// zenml CLI must keep working exactly as before. A file that does not
// parse is an error naming it, so nothing is imported from a half-read dir.
func readZenMLDir(dir string) ([]*zenmlLogin, error) {
	info, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no zenml configuration found: %s does not exist (use --config-path or ZENML_CONFIG_PATH)", dir)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read the zenml configuration in %s: %w", dir, unwrapPath(err))
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("%s is a file; pass the zenml config directory that contains it", dir)
	}

	credsPath := filepath.Join(dir, credentialsFile)
	credsData, credsFound, err := readFile(credsPath)
	if err != nil {
		return nil, err
	}
	cfgPath := filepath.Join(dir, configFile)
	cfgData, cfgFound, err := readFile(cfgPath)
	if err != nil {
		return nil, err
	}
	if !credsFound && !cfgFound {
		return nil, fmt.Errorf("no zenml configuration found in %s: neither %s nor %s exists", dir, credentialsFile, configFile)
	}

	logins, err := parseCredentials(credsPath, credsData)
	if err != nil {
		return nil, err
	}
	store, err := parseConfigStore(cfgPath, cfgData)
	if err != nil {
		return nil, err
	}
	if store != nil {
		logins = mergeStore(logins, store)
	}
	return logins, nil
}

// readFile reads a file read-only; a missing file is not an error.
func readFile(path string) (data []byte, found bool, err error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("cannot read %s: %w", path, unwrapPath(err))
	}
	defer f.Close()
	data, err = io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, false, fmt.Errorf("cannot read %s: %w", path, unwrapPath(err))
	}
	if len(data) > maxFileSize {
		return nil, false, fmt.Errorf("%s is larger than %d MiB; it is not a zenml file", path, maxFileSize>>20)
	}
	return data, true, nil
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// parseYAML parses a document into a node tree. Documents are decoded in
// two steps — syntax here, fields per entry later — because yaml.v3's type
// errors quote the start of the offending value, which may be a secret.
// Syntax errors give a line and a description only.
func parseYAML(path string, data []byte) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		msg := strings.TrimPrefix(iostreams.OneLine(err.Error()), "yaml: ")
		return nil, fmt.Errorf("%s is not valid YAML (%s); fix it with the zenml CLI or point --config-path elsewhere", path, msg)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, nil
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return nil, nil
	}
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s is not a zenml file: its top level is not a mapping", path)
	}
	return root, nil
}

func parseCredentials(path string, data []byte) ([]*zenmlLogin, error) {
	root, err := parseYAML(path, data)
	if err != nil || root == nil {
		return nil, err
	}
	var logins []*zenmlLogin
	for i := 0; i+1 < len(root.Content); i += 2 {
		key, value := root.Content[i], root.Content[i+1]
		l := &zenmlLogin{RawURL: key.Value, Source: fmt.Sprintf("%s:%d", credentialsFile, key.Line)}
		logins = append(logins, l)
		var e credentialsEntry
		if value.Kind != yaml.MappingNode || value.Decode(&e) != nil {
			// The decoder's message is not shown: it may quote a secret.
			l.Malformed = fmt.Sprintf("malformed entry in %s line %d", credentialsFile, key.Line)
			continue
		}
		if e.URL != "" {
			l.RawURL = e.URL
		}
		l.APIKey = strings.TrimSpace(e.APIKey)
		l.Username = e.Username
		if e.Password != nil {
			l.Password, l.HasPassword = *e.Password, true
		}
		if t := e.APIToken; t != nil {
			l.Token = strings.TrimSpace(t.AccessToken)
			l.TokenExpiresAt = t.ExpiresAt
			l.TokenExpiresIn = t.ExpiresIn
		}
		l.ServerID, l.ServerName, l.Version, l.DeploymentType = e.ServerID, e.ServerName, e.Version, e.DeploymentType
		for name, v := range map[string]string{
			"organization_name": e.OrganizationName, "organization_id": e.OrganizationID,
			"workspace_name": e.WorkspaceName, "workspace_id": e.WorkspaceID,
		} {
			if v != "" {
				l.ProFields = append(l.ProFields, name)
			}
		}
	}
	return logins, nil
}

// parseConfigStore returns config.yaml's store section as a login, or nil
// when there is none.
func parseConfigStore(path string, data []byte) (*zenmlLogin, error) {
	root, err := parseYAML(path, data)
	if err != nil || root == nil {
		return nil, err
	}
	var node *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "store" {
			node = root.Content[i+1]
		}
	}
	if node == nil || node.Tag == "!!null" {
		return nil, nil
	}
	l := &zenmlLogin{Source: fmt.Sprintf("%s:%d", configFile, node.Line), Active: true}
	var s storeSection
	if node.Kind != yaml.MappingNode || node.Decode(&s) != nil {
		l.RawURL = "(store in " + configFile + ")"
		l.Malformed = fmt.Sprintf("malformed store section in %s line %d", configFile, node.Line)
		return l, nil
	}
	l.RawURL = s.URL
	// zenml infers the type from the URL when it is absent: sqlite:// and
	// mysql:// are its own database, not a server to log in to.
	if strings.EqualFold(s.Type, "sql") || (s.Type == "" && !isHTTPURL(s.URL)) {
		l.SQLStore = true
		return l, nil
	}
	l.APIKey = strings.TrimSpace(s.APIKey)
	l.Username = s.Username
	if s.Password != nil {
		l.Password, l.HasPassword = *s.Password, true
	}
	switch s.APIToken.Kind {
	case yaml.ScalarNode:
		// 0.58: the raw JWT string.
		if s.APIToken.Tag != "!!null" {
			l.Token = strings.TrimSpace(s.APIToken.Value)
		}
	case yaml.MappingNode:
		// Releases between 0.58 and 0.70 never wrote this shape, but
		// decoding it costs nothing and matches credentials.yaml.
		var t tokenEntry
		if s.APIToken.Decode(&t) == nil {
			l.Token, l.TokenExpiresAt, l.TokenExpiresIn = strings.TrimSpace(t.AccessToken), t.ExpiresAt, t.ExpiresIn
		}
	}
	l.VerifySSL, l.CACert = parseVerifySSL(&s.VerifySSL)
	return l, nil
}

// parseVerifySSL reads verify_ssl, which is a bool or the path of a CA
// bundle (what `zenml login --ssl-ca-cert` stores).
func parseVerifySSL(n *yaml.Node) (verify *bool, caCert string) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" || strings.TrimSpace(n.Value) == "" {
		return nil, ""
	}
	switch strings.ToLower(strings.TrimSpace(n.Value)) {
	case "true", "yes", "on", "1":
		return nil, ""
	case "false", "no", "off", "0":
		off := false
		return &off, ""
	}
	return nil, n.Value
}

func isHTTPURL(raw string) bool {
	u, err := url.Parse(strings.TrimSpace(raw))
	return err == nil && (strings.EqualFold(u.Scheme, "http") || strings.EqualFold(u.Scheme, "https"))
}

// mergeStore folds config.yaml's store into the credentials.yaml logins.
// The store names the active server and carries its TLS settings; from 0.70
// on its secrets live in credentials.yaml, which then wins, and before 0.70
// the store is the only place they are.
func mergeStore(logins []*zenmlLogin, store *zenmlLogin) []*zenmlLogin {
	if store.SQLStore || store.Malformed != "" {
		return append(logins, store)
	}
	want := sameServerKey(store.RawURL)
	for _, l := range logins {
		if l.Malformed != "" || sameServerKey(l.RawURL) != want {
			continue
		}
		l.Active = true
		l.VerifySSL, l.CACert = store.VerifySSL, store.CACert
		if !l.hasCredential() {
			l.APIKey, l.Username, l.Password, l.HasPassword = store.APIKey, store.Username, store.Password, store.HasPassword
			l.Token, l.TokenExpiresAt, l.TokenExpiresIn = store.Token, store.TokenExpiresAt, store.TokenExpiresIn
		}
		return logins
	}
	return append(logins, store)
}

// sameServerKey compares URLs the way zenctl keys them, falling back to the
// raw text for URLs zenctl would reject.
func sameServerKey(raw string) string {
	if u, err := normalizeURL(raw); err == nil {
		return u
	}
	return strings.TrimRight(strings.TrimSpace(raw), "/")
}
