package serviceaccount

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/zenctl/zenctl/internal/cmd/cmdtest"
	"github.com/zenctl/zenctl/internal/exitcode"
	"github.com/zenctl/zenctl/internal/prompt"
	"github.com/zenctl/zenctl/pkg/zenml"
	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

const createKeyEndpoint = "POST /api/v1/service_accounts/{id}/api_keys"

func TestCreatePrintsKeyAloneOnStdout(t *testing.T) {
	eachProfile(t, func(t *testing.T, profile string) {
		e := newEnv(t, zenmltest.Options{Profile: profile})
		r := e.mustRun("create", "ci", "-d", "CI bot")

		key := strings.TrimSuffix(r.stdout, "\n")
		if !strings.HasPrefix(key, zenml.APIKeyPrefix) || strings.ContainsAny(key, "\n ") {
			t.Fatalf("stdout = %q, want the key alone", r.stdout)
		}
		if !e.keyLogsIn(key) {
			t.Error("the new key does not log in")
		}
		mustContain(t, "stderr", r.stderr, "Created service account ci", "Created API key default",
			"the server will not show it again", "zenctl login "+e.fake.URL()+" --api-key")

		sa, err := e.admin().GetServiceAccount(e.ctx, "ci")
		if err != nil || !sa.Body.Active || sa.Description() != "CI bot" {
			t.Fatalf("service account = %+v, %v: want active with the description", sa, err)
		}
		k, err := e.admin().GetAPIKey(e.ctx, sa.ID, "default")
		if err != nil || k.Description() != "Default API key." {
			t.Errorf("key = %+v, %v", k, err)
		}
	})
}

func TestCreateConflictCreatesNothing(t *testing.T) {
	eachProfile(t, func(t *testing.T, profile string) {
		e := newEnv(t, zenmltest.Options{Profile: profile})
		e.fake.CreateServiceAccount("ci")
		e.fake.ResetCounts()

		r := e.run("create", "ci")
		if r.err == nil || !strings.Contains(r.err.Error(), "Found existing service account with this name") ||
			!strings.Contains(r.err.Error(), "`zenctl service-account describe ci` shows it") {
			t.Fatalf("err = %v, want the server's conflict message and where to look", r.err)
		}
		if code := exitcode.For(r.err); code != exitcode.Error {
			t.Errorf("exit code %d, want 1", code)
		}
		if r.stdout != "" {
			t.Errorf("stdout = %q, want nothing", r.stdout)
		}
		if n := e.fake.Count(createKeyEndpoint); n != 0 {
			t.Errorf("%d API keys were created after the conflict", n)
		}
	})
}

func TestCreateWithoutKey(t *testing.T) {
	e := newEnv(t, zenmltest.Options{})
	r := e.mustRun("create", "ci", "--create-api-key", "false", "-o", "json")
	var res map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatal(err)
	}
	if v, ok := res["api_key"]; !ok || v != nil {
		t.Errorf("api_key = %v, want null", v)
	}
	if n := e.fake.Count(createKeyEndpoint); n != 0 {
		t.Errorf("%d keys created", n)
	}
}

func TestCreateJSONFieldNames(t *testing.T) {
	eachProfile(t, func(t *testing.T, profile string) {
		e := newEnv(t, zenmltest.Options{Profile: profile})
		r := e.mustRun("create", "ci", "-o", "json")
		var res map[string]map[string]any
		if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
			t.Fatalf("%v:\n%s", err, r.stdout)
		}
		if got, want := keysOf(res), "api_key,service_account"; got != want {
			t.Errorf("top-level fields %s, want %s", got, want)
		}
		if got, want := keysOf(res["service_account"]), "active,created,description,id,name,updated"; got != want {
			t.Errorf("service_account fields %s, want %s", got, want)
		}
		if got, want := keysOf(res["api_key"]), "id,key,name"; got != want {
			t.Errorf("api_key fields %s, want %s", got, want)
		}
		if key, _ := res["api_key"]["key"].(string); !e.keyLogsIn(key) {
			t.Error("the key in the JSON does not log in")
		}
	})
}

func keysOf[V any](m map[string]V) string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return strings.Join(ks, ",")
}

func TestCreateOutputFile(t *testing.T) {
	eachProfile(t, func(t *testing.T, profile string) {
		e := newEnv(t, zenmltest.Options{Profile: profile})
		path := filepath.Join(t.TempDir(), "ci.key")
		r := e.mustRun("create", "ci", "--output-file", path)
		if r.stdout != "" {
			t.Errorf("stdout = %q, want nothing", r.stdout)
		}
		mustContain(t, "stderr", r.stderr, "zenctl login "+e.fake.URL()+" --api-key < "+path)
		assertKeyFile(t, path)
		data, _ := os.ReadFile(path)
		if !e.keyLogsIn(strings.TrimSpace(string(data))) {
			t.Error("the key in the file does not log in")
		}

		// Refused before anything is created: the key would be lost.
		e.fake.ResetCounts()
		r = e.run("create", "ci2", "--output-file", path)
		if r.err == nil || !strings.Contains(r.err.Error(), "refusing to overwrite") {
			t.Fatalf("err = %v, want a refusal", r.err)
		}
		if after, _ := os.ReadFile(path); string(after) != string(data) {
			t.Error("the existing key file was changed")
		}
		if n := e.fake.Count("POST /api/v1/service_accounts"); n != 0 {
			t.Errorf("a service account was created although the key file could not be written")
		}
	})
}

func TestCreateOutputFileInAMissingDirectory(t *testing.T) {
	e := newEnv(t, zenmltest.Options{})
	path := filepath.Join(t.TempDir(), "no-such-dir", "ci.key")
	r := e.run("create", "ci", "--output-file", path)
	if r.err == nil || !strings.Contains(r.err.Error(), "the directory "+filepath.Dir(path)+" does not exist") {
		t.Fatalf("err = %v", r.err)
	}
	if n := e.fake.Count("POST /api/v1/service_accounts"); n != 0 {
		t.Errorf("a service account was created although its key could not be written")
	}
}

func TestCreateOutputFileRemovedOnFailure(t *testing.T) {
	e := newEnv(t, zenmltest.Options{})
	e.fake.CreateServiceAccount("ci")
	path := filepath.Join(t.TempDir(), "ci.key")
	if r := e.run("create", "ci", "--output-file", path); r.err == nil {
		t.Fatal("want the conflict error")
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("an empty key file was left behind (%v); it would block the retry", err)
	}
}

func TestCreateSetAPIKey(t *testing.T) {
	eachProfile(t, func(t *testing.T, profile string) {
		e := newEnv(t, zenmltest.Options{Profile: profile})
		r := e.mustRun("create", "ci", "--set-api-key")
		key := strings.TrimSpace(r.stdout)
		if strings.Contains(r.stderr, "zenctl login") {
			t.Errorf("advised a login although --set-api-key stored the key:\n%s", r.stderr)
		}
		// Stored for the service account's own account, beside the admin's
		// login, which stays the active one.
		secret, err := e.h.AccountSecret(e.fake.URL(), "ci")
		if err != nil || secret.APIKey != key {
			t.Fatalf("stored key differs from the new key (err %v)", err)
		}
		if s := e.h.Config().Server(e.fake.URL()); s.ActiveAccount != "default" || s.Account("ci").AuthMethod != "api_key" {
			t.Errorf("accounts after --set-api-key: active %q, %+v", s.ActiveAccount, s.Accounts)
		}
		e.fake.ResetCounts()
		e.mustRun("describe", "ci")
		if n := e.fake.Count("POST /api/v1/login"); n != 0 {
			t.Errorf("%d logins after adoption, want the stored token used", n)
		}
	})
}

func TestDeactivateKillsExistingTokens(t *testing.T) {
	eachProfile(t, func(t *testing.T, profile string) {
		e := newEnv(t, zenmltest.Options{Profile: profile})
		saID := e.fake.CreateServiceAccount("ci")
		key := e.fake.CreateAPIKey(saID, "default")
		tok := e.tokenFor(key)
		if !e.tokenWorks(tok) {
			t.Fatal("fresh token rejected")
		}

		r := e.mustRun("api-key", "ci", "deactivate", "default")
		mustContain(t, "stderr", r.stderr, "Deactivated API key default", "session tokens obtained with it are rejected")
		if e.tokenWorks(tok) {
			t.Error("a token obtained before the key was deactivated still works")
		}
		if e.keyLogsIn(key) {
			t.Error("a deactivated key still logs in")
		}

		e.mustRun("api-key", "ci", "activate", "default")
		if !e.tokenWorks(tok) {
			t.Error("after activate the token should work again (documented in the help)")
		}

		r = e.mustRun("deactivate", "ci")
		mustContain(t, "stderr", r.stderr, "Deactivated service account ci", "every token already issued to it is rejected")
		if e.tokenWorks(tok) {
			t.Error("a token of a deactivated service account still works")
		}
		if e.keyLogsIn(key) {
			t.Error("a key of a deactivated service account still logs in")
		}
	})
}

func TestDeactivateOwnKeyWarns(t *testing.T) {
	eachProfile(t, func(t *testing.T, profile string) {
		e := newEnv(t, zenmltest.Options{Profile: profile})
		saID := e.fake.CreateServiceAccount("ci")
		e.loginWithKey(e.fake.CreateAPIKey(saID, "default"))
		r := e.mustRun("api-key", "ci", "deactivate", "default")
		mustContain(t, "stderr", r.stderr, "This client logs in to "+e.fake.URL()+" with this key")
	})
}

func TestDeactivateOwnServiceAccountWarns(t *testing.T) {
	e := newEnv(t, zenmltest.Options{})
	saID := e.fake.CreateServiceAccount("ci")
	e.loginWithKey(e.fake.CreateAPIKey(saID, "default"))
	r := e.mustRun("deactivate", "ci")
	mustContain(t, "stderr", r.stderr, "This client logs in to "+e.fake.URL()+" as ci")
}

func TestUpdateKeepsKeyStatus(t *testing.T) {
	// A 0.58 server re-activates a key whose update omits "active".
	eachProfile(t, func(t *testing.T, profile string) {
		e := newEnv(t, zenmltest.Options{Profile: profile})
		saID := e.fake.CreateServiceAccount("ci")
		key := e.fake.CreateAPIKey(saID, "default")
		e.mustRun("api-key", "ci", "deactivate", "default")

		e.mustRun("api-key", "ci", "update", "default", "--name", "old", "-d", "do not use")

		k, err := e.admin().GetAPIKey(e.ctx, saID, "old")
		if err != nil {
			t.Fatal(err)
		}
		if k.Body.Active || e.keyLogsIn(key) {
			t.Error("renaming a deactivated key re-activated it")
		}
		if k.Description() != "do not use" {
			t.Errorf("description = %q", k.Description())
		}
		for _, req := range e.fake.Requests() {
			if req.Method == "PUT" && strings.Contains(req.Path, "/api_keys/") && !strings.Contains(string(req.Body), `"active"`) {
				t.Errorf("key update without \"active\": %s", req.Body)
			}
		}
	})
}

func TestUpdateServiceAccount(t *testing.T) {
	eachProfile(t, func(t *testing.T, profile string) {
		e := newEnv(t, zenmltest.Options{Profile: profile})
		e.fake.CreateServiceAccount("ci")
		e.mustRun("update", "ci", "--name", "ci-runner", "--description", "runs CI", "--active", "false")
		sa, err := e.admin().GetServiceAccount(e.ctx, "ci-runner")
		if err != nil || sa.Body.Active || sa.Description() != "runs CI" {
			t.Fatalf("service account = %+v, %v", sa, err)
		}
		e.mustRun("activate", "ci-runner")
		if sa, _ := e.admin().GetServiceAccount(e.ctx, "ci-runner"); !sa.Body.Active {
			t.Error("not activated")
		}
	})
}

func TestDeleteNeedsConfirmation(t *testing.T) {
	eachProfile(t, func(t *testing.T, profile string) {
		e := newEnv(t, zenmltest.Options{Profile: profile})
		saID := e.fake.CreateServiceAccount("ci")
		e.fake.CreateAPIKey(saID, "default")

		for _, args := range [][]string{{"delete", "ci"}, {"api-key", "ci", "delete", "default"}} {
			r := e.run(args...)
			if r.err == nil || !strings.Contains(r.err.Error(), "--yes") {
				t.Errorf("%v without a terminal: err = %v, want a pointer to --yes", args, r.err)
			}
		}
		if _, err := e.admin().GetAPIKey(e.ctx, saID, "default"); err != nil {
			t.Fatalf("the key was deleted without confirmation: %v", err)
		}

		tty := func(h *cmdtest.Harness) { h.IO.SetStdinTTY(true); h.IO.SetStderrTTY(true) }
		r := e.runWith(tty, []string{"delete", "ci"}, prompt.Answer{Kind: prompt.KindConfirm, Prompt: "Delete service account ci", Yes: false})
		if exitcode.For(r.err) != exitcode.Cancelled {
			t.Errorf("declined: err = %v, want exit 2", r.err)
		}
		if _, err := e.admin().GetServiceAccount(e.ctx, saID); err != nil {
			t.Fatalf("deleted although declined: %v", err)
		}

		r = e.runWith(tty, []string{"api-key", "ci", "delete", "default"}, prompt.Answer{Kind: prompt.KindConfirm, Prompt: "Delete API key default", Yes: true})
		if r.err != nil {
			t.Fatal(r.err)
		}
		if _, err := e.admin().GetAPIKey(e.ctx, saID, "default"); !errors.Is(err, zenml.ErrNotFound) {
			t.Errorf("key still there: %v", err)
		}

		e.mustRun("delete", "ci", "--yes")
		if _, err := e.admin().GetServiceAccount(e.ctx, saID); !errors.Is(err, zenml.ErrNotFound) {
			t.Errorf("service account still there: %v", err)
		}
	})
}

func TestResolveByNameIDAndPrefix(t *testing.T) {
	eachProfile(t, func(t *testing.T, profile string) {
		e := newEnv(t, zenmltest.Options{Profile: profile})
		// 17 random ids: at least two share their first hex digit.
		byFirst := map[byte][]string{}
		var ambiguous byte
		for i := range 17 {
			id := e.fake.CreateServiceAccount("sa" + string(rune('a'+i)))
			byFirst[id[0]] = append(byFirst[id[0]], id)
			if len(byFirst[id[0]]) == 2 {
				ambiguous = id[0]
			}
		}
		id := byFirst[ambiguous][0]

		for _, ref := range []string{"saa", id, id[:13]} {
			r := e.run("describe", ref, "-o", "json")
			if r.err != nil {
				t.Errorf("describe %s: %v", ref, r.err)
				continue
			}
			var v ServiceAccountView
			if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
				t.Fatal(err)
			}
			if ref != "saa" && v.ID != id {
				t.Errorf("describe %s found %s", ref, v.ID)
			}
		}

		r := e.run("describe", string(ambiguous))
		var amb *zenml.AmbiguousError
		if r.err == nil || !errors.As(r.err, &amb) {
			t.Fatalf("err = %v, want an ambiguity", r.err)
		}
		for _, cand := range byFirst[ambiguous] {
			mustContain(t, "error", r.err.Error(), cand)
		}

		if r := e.run("describe", "nope"); r.err == nil || !strings.Contains(r.err.Error(), "No service account") {
			t.Errorf("err = %v, want not found", r.err)
		}
	})
}

func TestResolveKeyByPrefixThroughSAName(t *testing.T) {
	eachProfile(t, func(t *testing.T, profile string) {
		e := newEnv(t, zenmltest.Options{Profile: profile})
		saID := e.fake.CreateServiceAccount("ci")
		key := e.fake.CreateAPIKey(saID, "default")
		keyID, _ := zenml.DecodeAPIKeyID(key)

		r := e.mustRun("api-key", saID[:8], "describe", keyID[:8], "-o", "json")
		var v APIKeyView
		if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
			t.Fatal(err)
		}
		if v.ID != keyID || v.ServiceAccountID != saID {
			t.Errorf("resolved %s of %s", v.ID, v.ServiceAccountID)
		}
		// The key routes take a UUID: the name must have been resolved.
		for _, req := range e.fake.Requests() {
			if strings.Contains(req.Path, "/api_keys") && !strings.Contains(req.Path, saID) {
				t.Errorf("key request without the service account's id: %s", req.Path)
			}
		}
	})
}

func TestListAndJSON(t *testing.T) {
	eachProfile(t, func(t *testing.T, profile string) {
		e := newEnv(t, zenmltest.Options{Profile: profile})
		saID := e.fake.CreateServiceAccount("ci")
		e.fake.CreateServiceAccount("web")
		e.fake.CreateAPIKey(saID, "default")
		e.mustRun("deactivate", "web")

		r := e.mustRun("list", "--active", "true")
		if lines := strings.Split(strings.TrimSpace(r.stdout), "\n"); len(lines) != 1 || !strings.HasPrefix(lines[0], "ci\t"+saID+"\tactive") {
			t.Errorf("list --active true:\n%s", r.stdout)
		}

		r = e.mustRun("list", "-o", "json", "--size", "1")
		var page ListView[ServiceAccountView]
		if err := json.Unmarshal([]byte(r.stdout), &page); err != nil {
			t.Fatal(err)
		}
		if page.Total != 2 || page.TotalPages != 2 || len(page.Items) != 1 || page.Page != 1 {
			t.Errorf("page = %+v", page)
		}

		r = e.mustRun("api-key", "ci", "list", "-o", "json")
		var keys map[string]any
		if err := json.Unmarshal([]byte(r.stdout), &keys); err != nil {
			t.Fatal(err)
		}
		items, _ := keys["items"].([]any)
		if len(items) != 1 {
			t.Fatalf("items = %v", keys["items"])
		}
		item := items[0].(map[string]any)
		if got, want := keysOf(item), "active,created,description,effective_active,id,last_login,last_rotated,name,retain_period_minutes,service_account,service_account_id,updated,used_by_this_client"; got != want {
			t.Errorf("key fields %s, want %s", got, want)
		}
		if strings.Contains(r.stdout, zenml.APIKeyPrefix) {
			t.Error("list printed a key value")
		}
	})
}

func TestAPIKeyListMarksThisClientOnTerminal(t *testing.T) {
	e := newEnv(t, zenmltest.Options{})
	saID := e.fake.CreateServiceAccount("ci")
	e.loginWithKey(e.fake.CreateAPIKey(saID, "default"))
	e.fake.CreateAPIKey(saID, "other")
	r := e.runWith(func(h *cmdtest.Harness) { h.IO.SetStdoutTTY(true); h.IO.SetTerminalWidth(300) }, []string{"api-key", "ci", "list"})
	mustContain(t, "stdout", r.stdout, "NAME", "default (this client)")
	if strings.Contains(r.stdout, "other (this client)") {
		t.Error("marked the wrong key")
	}
	// Piped output keeps bare names for scripts.
	r = e.mustRun("api-key", "ci", "list")
	if strings.Contains(r.stdout, "(this client)") {
		t.Error("piped output is decorated")
	}
}

func TestAPIKeyCreate(t *testing.T) {
	eachProfile(t, func(t *testing.T, profile string) {
		e := newEnv(t, zenmltest.Options{Profile: profile})
		e.fake.CreateServiceAccount("ci")
		r := e.mustRun("api-key", "ci", "create", "deploy", "-d", "Deploy", "-o", "json")
		var res KeyResult
		if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || res.Key == nil {
			t.Fatalf("%v:\n%s", err, r.stdout)
		}
		if res.Name != "deploy" || !e.keyLogsIn(*res.Key) {
			t.Errorf("result %+v", res)
		}
		r = e.run("api-key", "ci", "create", "deploy")
		if r.err == nil || !strings.Contains(r.err.Error(), "Found an existing API key") || r.stdout != "" {
			t.Errorf("duplicate: err = %v, stdout %q", r.err, r.stdout)
		}
	})
}

func TestDispatcherGlobalFlagsAndMisplacedServiceAccount(t *testing.T) {
	e := newEnv(t, zenmltest.Options{})
	saID := e.fake.CreateServiceAccount("ci")
	e.fake.CreateAPIKey(saID, "default")

	// A root that owns a global flag, as the real one does.
	run := func(args ...string) (string, error) {
		e.h.Reset()
		root := newTestRoot(e.h)
		root.SetArgs(CobraOrder(root, args))
		err := root.ExecuteContext(e.ctx)
		return e.h.Out.String(), err
	}
	out, err := run("service-account", "api-key", "--server", e.fake.URL(), "ci", "list", "--name", "default")
	if err != nil || !strings.HasPrefix(out, "default\t") {
		t.Fatalf("global flag before the service account: %v\n%s", err, out)
	}
	out, err = run("sa", "api-key", "ci", "list", "--server", e.fake.URL())
	if err != nil || !strings.HasPrefix(out, "default\t") {
		t.Fatalf("global flag after the command: %v\n%s", err, out)
	}
	if _, err = run("sa", "api-key", "rotate", "default"); err == nil || !strings.Contains(err.Error(), "comes before the command") {
		t.Errorf("service account left out: err = %v", err)
	}
	// The first word is the account even when it is named like a command.
	e.fake.CreateAPIKey(e.fake.CreateServiceAccount("list"), "k1")
	if out, err = run("sa", "api-key", "list", "list", "--server", e.fake.URL()); err != nil || !strings.HasPrefix(out, "k1\t") {
		t.Errorf("an account named list: %v\n%s", err, out)
	}
	if _, err = run("sa", "api-key", "ci", "rotat", "--server", e.fake.URL()); err == nil || !strings.Contains(err.Error(), `did you mean "rotate"`) {
		t.Errorf("a mistyped command: err = %v", err)
	}
	if _, err = run("sa", "api-key", "ci", "rotate", "default", "--bogus"); exitcode.For(err) != exitcode.Error || !strings.Contains(err.Error(), "bogus") {
		t.Errorf("unknown flag: err = %v", err)
	}
	// The usage line with the account first is the real root's; see
	// internal/cmd/root's golden help test.
	out, err = run("sa", "api-key", "ci", "rotate", "--help")
	if err != nil || !strings.Contains(out, "Rotate every API key of the service account") {
		t.Errorf("help: %v\n%s", err, out)
	}
}

// API tokens minted from a key's session (`zenctl token`) are bound to the
// account, not the key: they survive deleting the key, and only
// deactivating the account stops them. The messages say so.
func TestMintedTokensOutliveTheKeyButNotTheAccount(t *testing.T) {
	e := newEnv(t, zenmltest.Options{})
	saID := e.fake.CreateServiceAccount("ci")
	key := e.fake.CreateAPIKey(saID, "default")
	session := e.tokenFor(key)
	c, err := zenml.NewClient(e.fake.URL(), zenml.Options{Tokens: zenml.StaticToken(session)})
	if err != nil {
		t.Fatal(err)
	}
	minted, err := c.APIToken(e.ctx, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	r := e.mustRun("api-key", "ci", "delete", "default", "--yes")
	mustContain(t, "stderr", r.stderr, "API tokens minted from those sessions stay valid")
	if e.tokenWorks(session) {
		t.Error("the session token survived deleting its key")
	}
	if !e.tokenWorks(minted.Token) {
		t.Error("the fake no longer models minted tokens outliving their key; revisit the messages")
	}
	e.mustRun("deactivate", "ci")
	if e.tokenWorks(minted.Token) {
		t.Error("a minted token survived deactivating the account")
	}
}

func TestUnknownNamesSayWhereToLook(t *testing.T) {
	e := newEnv(t, zenmltest.Options{})
	e.fake.CreateAPIKey(e.fake.CreateServiceAccount("ci"), "default")
	if r := e.run("describe", "nosuch"); r.err == nil || exitcode.For(r.err) != exitcode.Error ||
		!strings.HasSuffix(r.err.Error(), "; `zenctl service-account list` shows the service accounts") {
		t.Errorf("describe nosuch: %v", r.err)
	}
	if r := e.run("api-key", "ci", "describe", "nosuch"); r.err == nil ||
		!strings.HasSuffix(r.err.Error(), "; `zenctl service-account api-key ci list` shows its keys") {
		t.Errorf("api-key describe nosuch: %v", r.err)
	}
}
