// Package importzenml holds `zenctl import zenml`, which copies the logins
// the zenml CLI stored (credentials.yaml from 0.70 on, the store: section of
// config.yaml before) into zenctl's secret store, so that moving to zenctl
// does not mean logging in to every server again.
package importzenml

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/zenctl/zenctl/internal/cmd/cmdargs"
	"github.com/zenctl/zenctl/internal/cmd/factory"
	"github.com/zenctl/zenctl/internal/cmd/outputflag"
	"github.com/zenctl/zenctl/internal/config"
	"github.com/zenctl/zenctl/internal/exitcode"
	"github.com/zenctl/zenctl/internal/iostreams"
	"github.com/zenctl/zenctl/internal/login"
	"github.com/zenctl/zenctl/internal/output"
	"github.com/zenctl/zenctl/pkg/zenml"
)

// NewCmdImport builds `zenctl import` with its subcommands.
func NewCmdImport(f *factory.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "import <command>",
		Short: "Import logins from other tools",
		Long: heredoc.Doc(`
			Copy logins that another tool stored into zenctl, so that you do
			not have to log in to every server again.
		`),
		Example: "$ zenctl import zenml --dry-run\n$ zenctl import zenml",
	}
	cmd.AddCommand(NewCmdZenML(f, nil))
	return cmd
}

// ZenMLOptions are the inputs of `zenctl import zenml`.
type ZenMLOptions struct {
	IO     *iostreams.IOStreams
	Format func(flagValue string) (output.Format, error)
	// Logins is zenctl's login layer, where the logins go; NewClient a
	// client for --verify's checks; Getenv reads ZENML_CONFIG_PATH and
	// the home directory.
	Logins    func() (*login.Manager, error)
	NewClient login.ClientFunc
	Getenv    func(string) string

	ConfigPath string
	DryRun     bool
	Servers    []string
	Overwrite  bool
	Verify     bool
	Output     string

	// Now replaces the clock (tests).
	Now func() time.Time
}

// Report is `zenctl import zenml -o json`.
type Report struct {
	// DryRun is set when nothing was written: Imported lists what would be.
	DryRun   bool       `json:"dry_run"`
	Imported []Imported `json:"imported"`
	Skipped  []Skipped  `json:"skipped"`
}

// Imported is one login stored (or, with --dry-run, that would be).
type Imported struct {
	Server     string `json:"server"`
	AuthMethod string `json:"auth_method"`
	// Account and AccountType are whom the login acts as, when known
	// (a dry run without --verify does not ask the server).
	Account     string `json:"account,omitempty"`
	AccountType string `json:"account_type,omitempty"`
}

// Skipped is one login not imported, and why.
type Skipped struct {
	Server string `json:"server"`
	Reason string `json:"reason"`
}

// NewCmdZenML builds `zenctl import zenml`. runF replaces the work in tests.
func NewCmdZenML(f *factory.Factory, runF func(*ZenMLOptions) error) *cobra.Command {
	opts := &ZenMLOptions{IO: f.IOStreams, Format: f.OutputFormat,
		Logins: f.Logins, NewClient: f.NewClient, Getenv: f.Env}
	cmd := &cobra.Command{
		Use:   "zenml",
		Short: "Import the logins of the zenml CLI",
		Long: heredoc.Docf(`
			Copy the logins the zenml CLI stored into zenctl's secret store (the
			OS keyring, or the file zenctl falls back to).

			zenctl reads %[1]scredentials.yaml%[1]s (zenml 0.70 and later) and the store
			section of %[1]sconfig.yaml%[1]s (older releases, such as 0.58) in the zenml
			config directory: --config-path, else ZENML_CONFIG_PATH, else zenml's
			default (~/.config/zenml on Linux, ~/Library/Application Support/zenml
			on macOS, %%APPDATA%%\zenml on Windows). It only reads them: the zenml
			CLI keeps working as before.

			For each server it imports the API key if there is one, else the
			username and password, else the access token if it has not expired
			(a token cannot be renewed: log in again when it expires). It skips
			ZenML Pro entries, zenml's local SQL store, expired tokens, entries
			without a credential, invalid URLs, and servers zenctl is already
			logged in to (replace those with --overwrite).

			An API key or a token does not say whose it is, so the import asks
			its server (the current user, as zenctl login does) and records that
			account and its type; one whose server does not answer, or rejects
			it, is skipped. Password logins name their user and are not checked
			unless you pass --verify, which checks every credential with its
			server and skips those that do not work. A --dry-run contacts no
			server unless --verify.

			The report goes to stderr; -o json prints it on stdout as
			{"dry_run","imported":[{"server","auth_method","account","account_type"}],
			"skipped":[{"server","reason"}]} (account fields when known).
			No secret is ever printed.

			If zenctl has no active server yet, zenml's current server becomes
			the active one.
		`, "`"),
		Example: heredoc.Doc(`
			# See what would be imported, without writing anything
			$ zenctl import zenml --dry-run

			# Import everything, checking each login with its server
			$ zenctl import zenml --verify

			# Import one server from another zenml config dir, replacing zenctl's login
			$ zenctl import zenml --config-path /srv/ci/zenml --server https://zenml.example.com --overwrite
		`),
		Args: cmdargs.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Output != "" {
				if _, err := output.ParseFormat(opts.Output); err != nil {
					return exitcode.Usagef("%v", err)
				}
			}
			for _, s := range opts.Servers {
				if _, err := zenml.NormalizeServerURL(s); err != nil {
					return exitcode.Usagef("--server: %v", err)
				}
			}
			if runF != nil {
				return runF(opts)
			}
			return runZenML(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.ConfigPath, "config-path", "", "The zenml config `DIRECTORY` (default: ZENML_CONFIG_PATH, else zenml's default)")
	_ = cmd.MarkFlagDirname("config-path")
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "Show what would be imported without writing anything")
	// This shadows the global --server on purpose: here it selects which
	// of zenml's servers to import, and may be repeated.
	cmd.Flags().StringSliceVar(&opts.Servers, "server", nil, "Import only this server `URL` (repeatable)")
	cmd.Flags().BoolVar(&opts.Overwrite, "overwrite", false, "Replace zenctl's existing logins for the same servers")
	cmd.Flags().BoolVar(&opts.Verify, "verify", false, "Check each credential with its server before importing it")
	outputflag.Add(cmd, &opts.Output)
	return cmd
}

func runZenML(ctx context.Context, opts *ZenMLOptions) error {
	format, err := opts.Format(opts.Output)
	if err != nil {
		return err
	}
	m, err := opts.Logins()
	if err != nil {
		return err
	}
	if !opts.DryRun {
		if err := m.RefuseToStoreWhileEnvSet("import", false); err != nil {
			return err
		}
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	dir, err := zenmlConfigDir(opts.ConfigPath, opts.Getenv, runtime.GOOS)
	if err != nil {
		return err
	}
	logins, err := readZenMLDir(dir)
	if err != nil {
		return err
	}
	cfg, err := m.Config()
	if err != nil {
		return err
	}

	sel := selectLogins(opts, cfg, logins, now)
	plan := sel.plan
	switch {
	case opts.Verify:
		plan = verifyAll(ctx, opts.NewClient, plan, &sel.report)
	case !opts.DryRun:
		plan = identifyAll(ctx, opts.NewClient, plan, &sel.report)
	}
	plan, location, activate, writeErr := storeImports(ctx, m, cfg, opts.DryRun, plan, sel.zenmlActive)
	report := sel.report
	for _, imp := range plan {
		report.Imported = append(report.Imported, Imported{Server: imp.URL, AuthMethod: imp.Method, Account: imp.Account, AccountType: imp.AccountType})
	}

	err = output.Print(opts.IO, format, report, func() error {
		printReport(opts.IO, dir, opts.DryRun, plan, report.Skipped, activate, location)
		return nil
	})
	if err != nil {
		return err
	}
	warnTLS(opts.IO, plan)
	if writeErr != nil {
		return writeErr
	}
	if len(sel.missing) > 0 {
		// A script asking for a server that is not there must not see
		// success.
		return fmt.Errorf("the zenml CLI has no login for %s in %s", strings.Join(sel.missing, ", "), dir)
	}
	return nil
}

// selection is what zenml's logins come to before any is checked or
// stored: those to import, the report of those skipped, zenml's current
// server, and the --server URLs zenml has no login for.
type selection struct {
	report      Report
	plan        []*importable
	zenmlActive string
	missing     []string
}

// selectLogins sorts zenml's logins into those to import and those to
// skip (with the reason), keeping only the servers --server names.
func selectLogins(opts *ZenMLOptions, cfg *config.Config, logins []*zenmlLogin, now func() time.Time) *selection {
	wanted := map[string]bool{}
	for _, s := range opts.Servers {
		u, _ := zenml.NormalizeServerURL(s) // validated by NewCmdZenML
		wanted[u] = false
	}
	sel := &selection{report: Report{DryRun: opts.DryRun, Imported: []Imported{}, Skipped: []Skipped{}}}
	seen := map[string]bool{}
	for _, l := range logins {
		imp, reason := classify(l, now())
		server := iostreams.SafeURL(l.RawURL)
		key := sameServerKey(l.RawURL)
		if imp != nil {
			server, key = imp.URL, imp.URL
		}
		if len(wanted) > 0 {
			if _, ok := wanted[key]; !ok {
				continue
			}
			wanted[key] = true
		}
		if l.Active {
			if u, err := normalizeURL(l.RawURL); err == nil {
				sel.zenmlActive = u
			}
		}
		switch {
		case imp == nil:
		case seen[imp.URL]:
			imp, reason = nil, ReasonDuplicate
		case cfg.Server(imp.URL) != nil && !opts.Overwrite:
			imp, reason = nil, ReasonAlreadyLoggedIn
		}
		if imp == nil {
			sel.report.Skipped = append(sel.report.Skipped, Skipped{Server: server, Reason: reason})
			continue
		}
		seen[imp.URL] = true
		sel.plan = append(sel.plan, imp)
	}
	for _, s := range opts.Servers {
		u, _ := zenml.NormalizeServerURL(s)
		if !wanted[u] {
			wanted[u] = true // report each once
			sel.missing = append(sel.missing, u)
			sel.report.Skipped = append(sel.report.Skipped, Skipped{Server: u, Reason: ReasonNotFound})
		}
	}
	return sel
}

// storeImports stores the plan, unless this is a dry run, and makes
// zenml's current server the active one if zenctl has none. It returns
// the logins stored (or, in a dry run, that would be), where, the server
// made active, and the error that stopped it.
func storeImports(ctx context.Context, m *login.Manager, cfg *config.Config, dryRun bool, plan []*importable, zenmlActive string) (stored []*importable, location, activated string, err error) {
	switch {
	case dryRun:
		if cfg.ActiveServer == "" && zenmlActive != "" && (cfg.Server(zenmlActive) != nil || inPlan(plan, zenmlActive)) {
			activated = zenmlActive
		}
		return plan, "", activated, nil
	case len(plan) > 0:
		return saveImports(ctx, m, plan, zenmlActive)
	case cfg.ActiveServer == "" && zenmlActive != "" && cfg.Server(zenmlActive) != nil:
		// Nothing new, but zenml's current server is a zenctl login
		// already: still honour "zenml's server becomes the active one".
		if err := m.Switch(zenmlActive, ""); err != nil {
			return plan, "", "", err
		}
		return plan, "", zenmlActive, nil
	}
	return plan, "", "", nil
}

func inPlan(plan []*importable, url string) bool {
	for _, imp := range plan {
		if imp.URL == url {
			return true
		}
	}
	return false
}

// zenmlConfigDir finds the zenml CLI's config dir as zenml does:
// ZENML_CONFIG_PATH, else click.get_app_dir("zenml"). The flag comes first.
func zenmlConfigDir(flag string, getenv func(string) string, goos string) (string, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	if flag != "" {
		return flag, nil
	}
	if d := getenv("ZENML_CONFIG_PATH"); d != "" {
		return d, nil
	}
	home := func() (string, error) {
		for _, k := range []string{"HOME", "USERPROFILE"} {
			if h := getenv(k); h != "" {
				return h, nil
			}
		}
		h, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("cannot find the zenml config directory (%v); use --config-path", err)
		}
		return h, nil
	}
	switch goos {
	case "windows":
		if d := getenv("APPDATA"); d != "" {
			return filepath.Join(d, "zenml"), nil
		}
		h, err := home()
		return filepath.Join(h, "zenml"), err
	case "darwin":
		h, err := home()
		return filepath.Join(h, "Library", "Application Support", "zenml"), err
	default:
		if d := getenv("XDG_CONFIG_HOME"); d != "" {
			return filepath.Join(d, "zenml"), nil
		}
		h, err := home()
		return filepath.Join(h, ".config", "zenml"), err
	}
}

// verifyAll checks each login with its server (GET /api/v1/info, then the
// current user) and moves those that fail to the skipped list. A checked
// login gains the account name and, for an API key or password, the fresh
// token the check obtained.
func verifyAll(ctx context.Context, newClient login.ClientFunc, plan []*importable, report *Report) []*importable {
	var ok []*importable
	for _, imp := range plan {
		if reason := verify(ctx, newClient, imp); reason != "" {
			report.Skipped = append(report.Skipped, Skipped{Server: imp.URL, Reason: reason})
			continue
		}
		ok = append(ok, imp)
	}
	return ok
}

func verify(ctx context.Context, newClient login.ClientFunc, imp *importable) string {
	tlsOpts := login.TLS{
		InsecureSkipVerify: imp.Server.VerifySSL != nil && !*imp.Server.VerifySSL,
		CACert:             imp.Server.CACertPath,
	}
	client, err := newClient(imp.URL, tlsOpts, nil)
	if err != nil {
		return "cannot check it: " + iostreams.OneLine(err.Error())
	}
	info, err := client.Info(ctx)
	if err != nil {
		return "cannot check it with the server: " + iostreams.OneLine(err.Error())
	}
	if info.DeploymentType == "cloud" {
		return ReasonPro
	}
	client.SetServerVersion(info.Version)
	var fresh *zenml.Credentials
	// No Store: the check keeps the credentials in memory, so a dry run
	// with --verify still writes nothing.
	session := &zenml.Session{Login: client, Initial: imp.Secret,
		OnExchange: func(c zenml.Credentials) { fresh = &c }}
	user, err := client.WithTokens(session).CurrentUser(ctx)
	if err != nil {
		var reauth *zenml.ReauthRequiredError
		var apiErr *zenml.Error
		switch {
		case errors.As(err, &reauth):
			return iostreams.OneLine(reauth.Reason)
		case errors.As(err, &apiErr) && apiErr.Kind == zenml.KindCredentials:
			return "the server rejected the credentials: " + iostreams.OneLine(apiErr.Message)
		}
		return "cannot check it with the server: " + iostreams.OneLine(err.Error())
	}
	if fresh != nil {
		imp.Secret = *fresh
	}
	imp.Server.ServerID, imp.Server.ServerName, imp.Server.ServerVersion = info.ID, info.Name, info.Version
	imp.Account, imp.AccountType = user.Name, login.AccountType(user)
	return ""
}

// identifyAll asks the server whose each API key and token is: neither
// says so itself, and the account zenctl records must be the one the
// server acts as (status, token --account and logout name it). A login
// whose owner cannot be learnt is skipped rather than stored under a
// made-up name; a password login names its user already and stays offline.
func identifyAll(ctx context.Context, newClient login.ClientFunc, plan []*importable, report *Report) []*importable {
	var ok []*importable
	for _, imp := range plan {
		if imp.Account == "" {
			if reason := verify(ctx, newClient, imp); reason != "" {
				report.Skipped = append(report.Skipped, Skipped{Server: imp.URL,
					Reason: fmt.Sprintf("cannot learn whose %s it is (%s); import it again when the server answers, or run zenctl login", credentialWord(imp.Method), reason)})
				continue
			}
		}
		ok = append(ok, imp)
	}
	return ok
}

func credentialWord(method string) string {
	if method == config.AuthAPIKey {
		return "API key"
	}
	return "token"
}

// saveImports stores each login through the login layer, as `zenctl
// login` would, each the active account of its server but without making
// any server active; it stops at the first failure
// and returns what was stored. zenml's current server then becomes the
// active one if zenctl has none.
func saveImports(ctx context.Context, m *login.Manager, plan []*importable, zenmlActive string) (stored []*importable, location, activated string, err error) {
	store, err := m.NewStore()
	if err != nil {
		return nil, "", "", err
	}
	for _, imp := range plan {
		l := login.Login{URL: imp.URL, Account: imp.Account, Type: imp.AccountType, Method: imp.Method,
			Secret: imp.Secret, Store: store, KeepActiveServer: true}
		if l.Account == "" {
			// identifyAll leaves none unnamed; storing one under a
			// made-up name would contradict what the server says.
			return stored, store.Location(), "", fmt.Errorf("storing the credentials of %s: the account they belong to is unknown", imp.URL)
		}
		if imp.Server.ServerID != "" {
			l.Info = &zenml.ServerInfo{ID: imp.Server.ServerID, Name: imp.Server.ServerName, Version: imp.Server.ServerVersion}
		}
		if imp.Active {
			// zenml records TLS settings for its current server only.
			l.TLS = &login.TLS{InsecureSkipVerify: imp.Server.VerifySSL != nil && !*imp.Server.VerifySSL, CACert: imp.Server.CACertPath}
		}
		if _, err := m.Save(ctx, l); err != nil {
			return stored, store.Location(), "", fmt.Errorf("storing the credentials of %s: %w", imp.URL, err)
		}
		stored = append(stored, imp)
	}
	cfg, err := m.Config()
	if err != nil {
		return stored, store.Location(), "", err
	}
	if cfg.ActiveServer == "" && zenmlActive != "" && cfg.Server(zenmlActive) != nil {
		if err := m.Switch(zenmlActive, ""); err != nil {
			return stored, store.Location(), "", err
		}
		activated = zenmlActive
	}
	return stored, store.Location(), activated, nil
}

// printReport writes the human report to stderr, where login messages go:
// stdout stays empty unless -o asks for data.
func printReport(ios *iostreams.IOStreams, dir string, dryRun bool, imported []*importable, skipped []Skipped, activated, location string) {
	cs := ios.ErrColorScheme()
	w := ios.ErrOut
	// Everything shown comes from a foreign file: escape it (the colours
	// are zenctl's own and stay).
	esc := iostreams.EscapeLine
	dir, activated = esc(dir), esc(activated)
	if len(imported) == 0 && len(skipped) == 0 {
		fmt.Fprintf(w, "No zenml logins found in %s\n", dir)
		return
	}
	verb := "Imported"
	if dryRun {
		verb = "Would import"
	}
	// One column width for both lists, so the two read as one table.
	width := 0
	for _, imp := range imported {
		width = max(width, utf8.RuneCountInString(esc(imp.URL)))
	}
	for _, sk := range skipped {
		width = max(width, utf8.RuneCountInString(esc(sk.Server)))
	}
	row := func(icon, server, detail string) {
		server = esc(server)
		fmt.Fprintf(w, "  %s %s%s  %s\n", icon, server, strings.Repeat(" ", width-utf8.RuneCountInString(server)), esc(detail))
	}
	if len(imported) > 0 {
		fmt.Fprintf(w, "%s from %s:\n", verb, dir)
		for _, imp := range imported {
			row(cs.SuccessIcon(), imp.URL, methodText(imp))
		}
	} else {
		fmt.Fprintf(w, "Nothing to import from %s\n", dir)
	}
	if len(skipped) > 0 {
		fmt.Fprintln(w, "Skipped:")
		for _, sk := range skipped {
			row(cs.Gray("-"), sk.Server, sk.Reason)
		}
	}
	if activated != "" {
		if dryRun {
			fmt.Fprintf(w, "Would make %s the active server\n", activated)
		} else {
			fmt.Fprintf(w, "%s Active server is now %s\n", cs.SuccessIcon(), activated)
		}
	}
	if dryRun {
		fmt.Fprintln(w, "Dry run: nothing was written")
	} else if len(imported) > 0 {
		fmt.Fprintf(w, "Credentials stored in %s; check them with `zenctl status --all`\n", location)
	}
}

func methodText(imp *importable) string {
	switch imp.Method {
	case config.AuthAPIKey:
		if imp.Account != "" {
			return "API key of " + accountText(imp)
		}
		return "API key"
	case config.AuthPassword:
		return "password of " + imp.Secret.Username
	case config.AuthToken:
		if imp.Account != "" {
			return "token of " + accountText(imp) + tokenExpiry(imp)
		}
		return "token" + tokenExpiry(imp)
	}
	return imp.Method
}

func accountText(imp *importable) string {
	if imp.AccountType == config.AccountServiceAccount {
		return "service account " + imp.Account
	}
	return "user " + imp.Account
}

func tokenExpiry(imp *importable) string {
	if imp.Secret.ExpiresAt.IsZero() {
		return " (does not expire)"
	}
	return " (expires " + imp.Secret.ExpiresAt.UTC().Format(time.RFC3339) + "; then run zenctl login)"
}

// warnTLS points out imported TLS settings that will not work as the user
// expects: zenctl honours zenml's verify_ssl, including turning checks off.
func warnTLS(ios *iostreams.IOStreams, imported []*importable) {
	cs := ios.ErrColorScheme()
	for _, imp := range imported {
		if v := imp.Server.VerifySSL; v != nil && !*v {
			fmt.Fprintf(ios.ErrOut, "%s TLS certificate verification is off for %s, as it was in zenml\n", cs.WarningIcon(), iostreams.EscapeLine(imp.URL))
		}
		if p := imp.Server.CACertPath; p != "" {
			if _, err := os.Stat(p); err != nil {
				u := iostreams.EscapeLine(imp.URL)
				fmt.Fprintf(ios.ErrOut, "%s The CA certificate %s for %s is missing; run `zenctl login %s --ssl-ca-cert FILE`\n",
					cs.WarningIcon(), iostreams.EscapeLine(p), u, u)
			}
		}
	}
}
