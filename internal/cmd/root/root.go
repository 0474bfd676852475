// Package root assembles the zenctl command tree.
package root

import (
	"fmt"
	"strings"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/zenctl/zenctl/internal/build"
	"github.com/zenctl/zenctl/internal/cmd/api"
	"github.com/zenctl/zenctl/internal/cmd/auth"
	"github.com/zenctl/zenctl/internal/cmd/docs"
	"github.com/zenctl/zenctl/internal/cmd/factory"
	"github.com/zenctl/zenctl/internal/cmd/importzenml"
	"github.com/zenctl/zenctl/internal/cmd/serviceaccount"
	"github.com/zenctl/zenctl/internal/config"
	"github.com/zenctl/zenctl/internal/exitcode"
)

// NewCmdRoot returns the root command with every subcommand.
func NewCmdRoot(f *factory.Factory) *cobra.Command {
	version, commit, date := build.Info()
	if f.Version == "" {
		f.Version = version
	}
	cmd := &cobra.Command{
		Use:   "zenctl <command> [flags]",
		Short: "Log in to ZenML servers and manage service accounts and API keys",
		Long: heredoc.Doc(`
			zenctl logs in to ZenML servers, hands out short-lived tokens to
			scripts, and manages service accounts and their API keys.

			Secrets live in the OS keyring, and access tokens renew themselves.
		`),
		Example: heredoc.Doc(`
			$ zenctl login https://zenml.example.com
			$ zenctl status
			$ curl -H "Authorization: Bearer $(zenctl token)" https://zenml.example.com/api/v1/current-user
			$ zenctl service-account create ci-bot
		`),
		Version:       versionLine(version, commit, date),
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	cmd.SetVersionTemplate("{{.Version}}\n")
	cmd.SetOut(f.IOStreams.Out)
	cmd.SetErr(f.IOStreams.ErrOut)
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &exitcode.UsageError{Err: err}
	})
	cmd.PersistentFlags().StringVar(&f.ServerFlag, "server", "", "Act on this server `URL` instead of the active one (env ZENML_STORE_URL)")
	cmd.PersistentFlags().StringVar(&f.StorageFlag, "storage", "", "Where to store secrets: keyring or file (env ZENCTL_STORAGE)")
	cmd.PersistentFlags().BoolVar(&f.Debug, "debug", false, "Trace HTTP requests to stderr, secrets redacted (env ZENCTL_DEBUG=1)")
	_ = cmd.RegisterFlagCompletionFunc("server", f.CompleteServerURLs)
	_ = cmd.RegisterFlagCompletionFunc("storage", cobra.FixedCompletions([]string{"keyring", "file"}, cobra.ShellCompDirectiveNoFileComp))

	cmd.AddGroup(&cobra.Group{ID: "auth", Title: "Authentication"})
	for _, c := range []*cobra.Command{
		auth.NewCmdLogin(f, nil), auth.NewCmdLogout(f, nil), auth.NewCmdToken(f, nil), auth.NewCmdStatus(f, nil),
	} {
		c.GroupID = "auth"
		cmd.AddCommand(c)
	}
	cmd.AddGroup(&cobra.Group{ID: "access", Title: "Service accounts and the API"})
	for _, c := range []*cobra.Command{serviceaccount.NewCmdServiceAccount(f), api.NewCmdAPI(f, nil)} {
		c.GroupID = "access"
		cmd.AddCommand(c)
	}
	cmd.AddCommand(importzenml.NewCmdImport(f))
	cmd.AddCommand(newCmdVersion(f, version, commit, date))
	cmd.AddCommand(docs.NewCmdDocs(cmd))
	// Cobra would add these when the command runs; adding them now makes
	// the tree the same for the docs generator and its staleness test.
	cmd.InitDefaultHelpCmd()
	cmd.InitDefaultCompletionCmd()
	cmd.AddCommand(newHelpTopic("environment", "Environment variables zenctl reads", environmentTopic()))
	cmd.AddCommand(newHelpTopic("exit-codes", "Exit codes and what they mean", exitcode.Topic))
	return cmd
}

func versionLine(version, commit, date string) string {
	line := "zenctl " + version
	var extra []string
	if commit != "" {
		if len(commit) > 12 {
			commit = commit[:12]
		}
		extra = append(extra, "commit "+commit)
	}
	if date != "" {
		extra = append(extra, "built "+date)
	}
	if len(extra) > 0 {
		line += " (" + strings.Join(extra, ", ") + ")"
	}
	return line
}

func newCmdVersion(f *factory.Factory, version, commit, date string) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Long: heredoc.Doc(`
			Print zenctl's version, the commit it was built from and the build
			date. Release builds carry them from the build; 'go install' builds
			read them from the module's build information.
		`),
		Example: "$ zenctl version\n$ zenctl --version",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := fmt.Fprintln(f.IOStreams.Out, versionLine(version, commit, date))
			return err
		},
	}
}

// newHelpTopic is a command without Run: cobra lists it under "Additional
// help topics" and `zenctl help NAME` prints it.
func newHelpTopic(name, short, long string) *cobra.Command {
	return &cobra.Command{Use: name, Short: short, Long: long}
}

func environmentTopic() string {
	var b strings.Builder
	b.WriteString("Environment variables zenctl reads:\n\n")
	for _, v := range config.Variables {
		fmt.Fprintf(&b, "  %s\n      %s\n", v.Name, v.Description)
	}
	b.WriteString(heredoc.Doc(`

		With ZENML_STORE_URL and ZENML_STORE_API_KEY (or ZENML_STORE_API_TOKEN)
		set, zenctl needs no login and writes nothing to disk; 'zenctl login'
		refuses to store credentials while they are set.
		NO_COLOR, CLICOLOR and CLICOLOR_FORCE control colour as usual.
	`))
	return b.String()
}
