package login

import (
	"strings"

	"github.com/google/uuid"

	"github.com/zenctl/zenctl/internal/iostreams"
)

// NamePlaceholder stands in a suggested command for a name that cannot be
// shown in it (see ShellWord).
const NamePlaceholder = "NAME"

// ShellWord quotes a name for a command line the user may paste: hints
// built from names like "ci bot" must still run. Names come from servers
// and stored records, so a name holding what a terminal must not see (ESC,
// other controls, a bidi override, a line break, bytes that are not
// UTF-8) can be neither printed as it is nor escaped into something that
// pastes as the same name: the command shows NamePlaceholder instead.
// ShellWordOr offers a better stand-in where there is one, such as the
// object's id.
func ShellWord(w string) string { return ShellWordOr(w, NamePlaceholder) }

// ShellWordOr is ShellWord with instead, quoted the same way, in place of
// a name that cannot be shown; instead is normally the object's id, which
// the commands accept wherever they take its name. A name starting with
// '-' takes the stand-in too, when that is an id (not a placeholder): as
// a positional, "-rf" or "--yes" would be read as a flag, and the id
// pastes wherever the name would, also before more flags.
func ShellWordOr(w, instead string) string {
	if !Showable(w) || strings.HasPrefix(w, "-") && isID(instead) {
		w = instead
		if !Showable(w) {
			w = NamePlaceholder
		}
	}
	return quote(w)
}

// isID reports whether a stand-in is an object's id (a UUID), not a
// placeholder such as NAME or FILE, which is no better than a dash name.
func isID(s string) bool { return uuid.Validate(s) == nil }

// ShellArg is ShellWord for the last word of a suggested command, a
// positional argument with no id to stand in for it: a name starting with
// '-' gets "--" before it, which ends the flags for cobra, so that
// `zenctl user deactivate -- -rf` deactivates the user "-rf". Where flags
// may follow the word, use ShellWordOr with the id instead. A flag's value
// needs neither: `--username -rf` gives "-rf" to --username.
func ShellArg(w string) string {
	if Showable(w) && strings.HasPrefix(w, "-") {
		return "-- " + quote(w)
	}
	return ShellWord(w)
}

// quote quotes w for a POSIX shell where it holds more than plain word
// characters.
func quote(w string) string {
	if w != "" && strings.IndexFunc(w, func(r rune) bool {
		return !(r == '-' || r == '_' || r == '.' || r == '@' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) < 0 {
		return w
	}
	// Inside single quotes a POSIX shell, bash and zsh take every
	// character literally but the quote itself.
	return "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
}

// Showable reports whether a word reaches a terminal unchanged by the
// terminal-safety escaping, as one line: only then is what the person
// reads (and copies) the word itself.
func Showable(w string) bool { return iostreams.EscapeLine(w) == w }

// PlaceholderNote is the note for a suggested command in which ShellWord
// put NamePlaceholder in place of w, and "" when it did not: the reader
// learns why the name is missing and where to find it.
func PlaceholderNote(w string) string {
	if Showable(w) {
		return ""
	}
	return " (" + NamePlaceholder + ": the name holds characters a terminal must not show; -o json has it exactly)"
}
