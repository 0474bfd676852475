package root

import (
	"slices"
	"strings"
)

// Help text is wrapped here at spaces to the terminal's width: a terminal
// left to wrap a long line breaks it inside a word ("cre|dentials").

// hangingIndent wraps text to width columns, lines after the first
// indented by indent spaces: a command's summary under its own column.
func hangingIndent(text string, indent, width int) string {
	return strings.ReplaceAll(wrapAtSpaces(text, max(width-indent, 20)), "\n", "\n"+strings.Repeat(" ", indent))
}

// wrapHelp wraps the lines of a help text or an Examples section that
// are wider than width. A command line
// ("$ zenctl …") is broken only at spaces outside quotes, each broken line
// ending with " \" so that the whole still pastes into a shell; other
// lines wrap at spaces under their own indentation.
func wrapHelp(text string, width int) string {
	lines := strings.Split(text, "\n")
	for i, line := range lines {
		if len([]rune(line)) <= width {
			continue
		}
		body := strings.TrimLeft(line, " ")
		indent := line[:len(line)-len(body)]
		if strings.HasPrefix(body, "$ ") {
			lines[i] = joinWrapped(indent, splitOutsideGroups(body), indent+"    ", " \\", width)
		} else {
			lines[i] = indent + hangingIndent(body, len(indent), width)
		}
	}
	return strings.Join(lines, "\n")
}

// wrapSentence wraps a sentence at spaces outside quotes: "Use "zenctl
// … --help" for more information" keeps the command whole.
func wrapSentence(text string, width int) string {
	return joinWrapped("", splitOutsideGroups(text), "", "", width)
}

// wrapUsageLine wraps a usage line ("zenctl … {KEY | --all} [flags]")
// at spaces outside its brackets, so that "{KEY | --all}" stays whole,
// and breaks first where the arguments start, which keeps the command's
// path on a line of its own.
func wrapUsageLine(indent, line string, width int) string {
	words := splitOutsideGroups(line)
	next := indent + "    "
	if len([]rune(indent+line)) <= width {
		return indent + line
	}
	args := slices.IndexFunc(words, func(w string) bool { return strings.ContainsAny(w[:1], "{[<") })
	if head := indent + strings.Join(words[:max(args, 0)], " "); args > 0 && len([]rune(head)) <= width {
		return head + "\n" + joinWrapped(next, words[args:], next, "", width)
	}
	return joinWrapped(indent, words, next, "", width)
}

// joinWrapped joins words with spaces into lines of at most width columns
// (a word longer than that gets a line of its own), the first line after
// first, the others after next, each line but the last ending in suffix.
func joinWrapped(first string, words []string, next, suffix string, width int) string {
	var b strings.Builder
	line := first
	fresh := true
	for _, w := range words {
		if !fresh && len([]rune(line))+1+len([]rune(w))+len([]rune(suffix)) > width {
			b.WriteString(line + suffix + "\n")
			line, fresh = next, true
		}
		if !fresh {
			line += " "
		}
		line += w
		fresh = false
	}
	b.WriteString(line)
	return b.String()
}

// splitOutsideGroups splits s at the spaces that are not inside quotes
// or brackets: the places a shell command or usage line may be broken.
func splitOutsideGroups(s string) []string {
	var words []string
	var quote rune
	depth := 0
	start := 0
	for i, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '\'' || r == '"':
			quote = r
		case strings.ContainsRune("{[(<", r):
			depth++
		case strings.ContainsRune("}])>", r) && depth > 0:
			depth--
		case r == ' ' && depth == 0:
			if i > start {
				words = append(words, s[start:i])
			}
			start = i + 1
		}
	}
	if start < len(s) {
		words = append(words, s[start:])
	}
	return words
}
