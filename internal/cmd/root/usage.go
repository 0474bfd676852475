package root

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/zenctl/zenctl/internal/cmd/docs"
)

// The usage section of every command's help is written here rather than by
// editing cobra's template: zenctl's usage lines differ from cobra's in two
// ways (a group has one line; `api-key` takes the service account before
// its subcommand), and flag help is wrapped to the terminal. It follows
// the shape of cobra's default, section by section.

// usageFunc returns the usage writer for a terminal of width() columns.
func usageFunc(width func() int) func(*cobra.Command) error {
	return func(c *cobra.Command) error {
		// Taken first: they merge the parents' persistent flags into c,
		// which the "[flags]" of its usage line depends on.
		local, inherited := c.LocalFlags(), c.InheritedFlags()
		// Wrapped at spaces only: a terminal cutting a long line breaks
		// inside words ("ZENCTL_AC" / "COUNT"). One column is left free, as
		// pflag does, so that no line ends in the terminal's last.
		cols := min(max(width(), 40), 160)
		var b strings.Builder
		b.WriteString("Usage:")
		for _, line := range usageLines(c) {
			b.WriteString("\n" + wrapUsageLine("  ", line, cols-1))
		}
		if len(c.Aliases) > 0 {
			b.WriteString("\n\nAliases:\n  " + c.NameAndAliases())
		}
		if c.HasExample() {
			b.WriteString("\n\nExamples:\n" + wrapHelp(c.Example, cols-1))
		}
		writeSubcommands(&b, c, cols-1)
		if c.HasAvailableLocalFlags() {
			b.WriteString("\n\nFlags:\n" + strings.TrimRight(local.FlagUsagesWrapped(cols-1), " \n"))
		}
		if c.HasAvailableInheritedFlags() {
			b.WriteString("\n\nGlobal Flags:\n" + strings.TrimRight(inherited.FlagUsagesWrapped(cols-1), " \n"))
		}
		if c.HasHelpSubCommands() {
			b.WriteString("\n\nAdditional help topics:")
			for _, sub := range c.Commands() {
				if sub.IsAdditionalHelpTopicCommand() {
					fmt.Fprintf(&b, "\n  %-*s %s", sub.CommandPathPadding(), sub.CommandPath(), sub.Short)
				}
			}
		}
		if c.HasAvailableSubCommands() {
			b.WriteString("\n\n" + wrapSentence(fmt.Sprintf("Use %q for more information about a command.", subcommandLine(c)+" --help"), cols-1))
		}
		b.WriteString("\n")
		_, err := io.WriteString(c.OutOrStderr(), b.String())
		return err
	}
}

// helpFunc returns cobra's help writer with the command's long
// description wrapped to a terminal of width() columns: ours are wrapped
// by hand at 80 for the reference docs, cobra's (completion) not at all.
func helpFunc(width func() int, help func(*cobra.Command, []string)) func(*cobra.Command, []string) {
	return func(c *cobra.Command, args []string) {
		long := c.Long
		defer func() { c.Long = long }()
		c.Long = wrapHelp(long, min(max(width(), 40), 160)-1)
		help(c, args)
	}
}

// usageLines are the ways to call c: a group has the one line that names
// its subcommands (rejectUnknownSubcommands makes groups runnable, which
// would add a second); a subcommand of `api-key` shows the service
// account before its name.
func usageLines(c *cobra.Command) []string {
	if c.HasAvailableSubCommands() {
		return []string{subcommandLine(c)}
	}
	if !c.Runnable() {
		return nil
	}
	line := c.UseLine()
	if arg := c.Annotations[docs.ArgBeforeAnnotation]; arg != "" && c.HasParent() {
		parent := c.Parent().CommandPath() + " "
		line = parent + arg + " " + strings.TrimPrefix(line, parent)
	}
	return []string{line}
}

// subcommandLine is how to call one of c's subcommands.
func subcommandLine(c *cobra.Command) string {
	for _, sub := range c.Commands() {
		if arg := sub.Annotations[docs.ArgBeforeAnnotation]; arg != "" {
			return c.CommandPath() + " " + arg + " <command>"
		}
	}
	return c.CommandPath() + " [command]"
}

// writeSubcommands lists c's subcommands, by group when c has groups,
// each summary wrapped to width under the summaries' column.
func writeSubcommands(b *strings.Builder, c *cobra.Command, width int) {
	if !c.HasAvailableSubCommands() {
		return
	}
	shown := func(sub *cobra.Command) bool { return sub.IsAvailableCommand() || sub.Name() == "help" }
	summary := func(sub *cobra.Command) {
		indent := 2 + sub.NamePadding() + 1
		fmt.Fprintf(b, "\n  %-*s %s", sub.NamePadding(), sub.Name(), hangingIndent(sub.Short, indent, width))
	}
	list := func(title, group string) {
		b.WriteString("\n\n" + title)
		for _, sub := range c.Commands() {
			if sub.GroupID == group && shown(sub) {
				summary(sub)
			}
		}
	}
	if len(c.Groups()) == 0 {
		b.WriteString("\n\nAvailable Commands:")
		for _, sub := range c.Commands() {
			if shown(sub) {
				summary(sub)
			}
		}
		return
	}
	for _, g := range c.Groups() {
		list(g.Title, g.ID)
	}
	if !c.AllChildCommandsHaveGroup() {
		list("Additional Commands:", "")
	}
}
