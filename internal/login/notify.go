package login

import (
	"fmt"
	"io"
	"strings"
)

// Notifier shows the login layer's notices to the user. The layer says
// what happened; how it looks on a terminal (marks, colour) is the
// caller's, injected as Manager.Notify.
type Notifier interface {
	// Warn is something the user should know went wrong or differs from
	// what was asked, while the command goes on.
	Warn(msg string)
	// Note is progress: a wait for another process, a login moved.
	Note(msg string)
}

// WriterNotifier writes notices as lines to Out, a warning after
// WarnIcon.
type WriterNotifier struct {
	Out      io.Writer
	WarnIcon string
}

func (w WriterNotifier) Warn(msg string) {
	if w.Out == nil {
		return
	}
	icon := w.WarnIcon
	if icon == "" {
		icon = "Warning:"
	}
	fmt.Fprintf(w.Out, "%s %s\n", icon, msg)
}

func (w WriterNotifier) Note(msg string) {
	if w.Out != nil {
		fmt.Fprintln(w.Out, msg)
	}
}

// notify is Notify, else plain lines to Warn (what tests set), else
// nothing.
func (m *Manager) notify() Notifier {
	if m.Notify != nil {
		return m.Notify
	}
	return WriterNotifier{Out: m.Warn}
}

// credentialsWarnPrefix is what credentials.Open starts each of its
// warnings with when given no prefix: the notices it writes are split
// there and shown through the Notifier.
const credentialsWarnPrefix = "Warning: "

func splitCredentialsWarnings(text string) []string {
	text = strings.TrimPrefix(strings.TrimSuffix(text, "\n"), credentialsWarnPrefix)
	if text == "" {
		return nil
	}
	return strings.Split(text, "\n"+credentialsWarnPrefix)
}
