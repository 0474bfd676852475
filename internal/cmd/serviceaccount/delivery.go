package serviceaccount

import (
	"fmt"
	"strings"
	"time"

	"github.com/zenctl/zenctl/internal/exitcode"
	"github.com/zenctl/zenctl/internal/interrupt"
	"github.com/zenctl/zenctl/internal/iostreams"
	"github.com/zenctl/zenctl/internal/login"
	"github.com/zenctl/zenctl/internal/output"
	"github.com/zenctl/zenctl/pkg/zenml"
)

// undelivered describes new secrets the server issued that never reached
// their destination (a closed pipe, a full disk, a file that could not be
// named): the server has acted and will not show them again, so the person
// must learn which keys, what still works, and the command that issues
// new secrets.
type undelivered struct {
	serviceAccount string
	// serviceAccountID stands in for a name that would not paste.
	serviceAccountID string
	// keys are the names of the keys whose new secret is lost.
	keys []string
	// created: the keys are new (create), so there is no previous secret.
	created bool
	// retain and until: how long the previous secret still works.
	retain int
	until  time.Time
	// dest is where the secrets were going: "stdout" or the file.
	dest string
	err  error
	// delivered names the keys whose new secrets did arrive (rotate --all
	// on stdout before the pipe closed); notRotated those left alone.
	delivered, notRotated []string
}

// report writes the explanation on stderr — the one stream that may still
// work — and returns the error the command ends with. The explanation is
// printed by the command itself because main prints only "Cancelled." when
// a signal came, and a lost key must be said in any case.
func (u *undelivered) report(ios *iostreams.IOStreams) error {
	cs := ios.ErrColorScheme()
	w := ios.ErrOut
	sa := iostreams.Escape(u.serviceAccount)
	names := iostreams.Escape(strings.Join(u.keys, ", "))
	keyWord, secretWord, was := "API key", "secret", "was"
	if len(u.keys) > 1 {
		keyWord, secretWord, was = "API keys", "secrets", "were"
	}
	action := "rotated"
	if u.created {
		action = "created"
	}
	fmt.Fprintf(w, "%s %s %s of service account %s %s %s on the server, but the new %s could not be written to %s: %s\n",
		cs.FailureIcon(), keyWord, names, sa, was, action, secretWord, iostreams.Escape(u.dest), iostreams.OneLine(u.err.Error()))
	fmt.Fprintf(w, "  The server will not show the new %s again.\n", secretWord)
	switch {
	case u.created:
		fmt.Fprintf(w, "  The %s %s with a secret nobody has, which logs nothing in until rotated.\n", keyWord, agree(len(u.keys), "exists", "exist"))
	case u.retain == 0:
		fmt.Fprintf(w, "  The previous %s stopped working at the rotation.\n", secretWord)
	default:
		fmt.Fprintf(w, "  The previous %s still %s until %s (--retain), then %s.\n", secretWord, agree(len(u.keys), "works", "work"), output.AbsoluteTime(u.until), agree(len(u.keys), "stops", "stop"))
	}
	if len(u.delivered) > 0 {
		fmt.Fprintf(w, "  Delivered before the failure: %s.\n", iostreams.Escape(strings.Join(u.delivered, ", ")))
	}
	if len(u.notRotated) > 0 {
		fmt.Fprintf(w, "  Not rotated (their secrets are unchanged): %s.\n", iostreams.Escape(strings.Join(u.notRotated, ", ")))
	}
	fixes := make([]string, len(u.keys))
	for i, k := range u.keys {
		file := ""
		if u.dest != "stdout" {
			file = " --output-file " + login.ShellWordOr(u.dest, "FILE")
		}
		account := saWord(u.serviceAccount, u.serviceAccountID)
		if strings.HasPrefix(k, "-") {
			// A key named like a flag goes last, after "--".
			fixes[i] = fmt.Sprintf("zenctl service-account api-key %s rotate%s %s", account, file, lastWord(k))
		} else {
			fixes[i] = fmt.Sprintf("zenctl service-account api-key %s rotate %s%s", account, shownWord(k), file)
		}
	}
	fmt.Fprintf(w, "  To recover, run as an account that still works, with room for the output: %s\n", strings.Join(fixes, "; "))
	if u.created {
		fmt.Fprintf(w, "  (or delete the key: zenctl service-account api-key %s delete %s)\n", saWord(u.serviceAccount, u.serviceAccountID), lastWord(u.keys[0]))
	}
	return exitcode.ErrSilent
}

// agree picks the verb form for n subjects.
func agree(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// deliverCreated hands over the secret of a key just created (create,
// api-key create) and, on a failure after the server answered, says what
// was lost and how to recover. res is the document and kr its key entry.
func deliverCreated(crit *interrupt.Critical, ios *iostreams.IOStreams, file *keyFile, format output.Format, secret string, res any, kr *KeyResult, account *zenml.ServiceAccount) error {
	if secret == "" {
		return fmt.Errorf("the server did not return the new key's value")
	}
	err := emitNewKey(ios, file, format, secret, res, kr)
	if err == nil {
		err = file.finish()
		if err != nil && file.kept != "" {
			return err // the key is safe, elsewhere; the error says where
		}
	}
	if err == nil {
		return nil
	}
	crit.SetRisk(interrupt.Risk{})
	_ = file.finish()
	u := &undelivered{serviceAccount: account.Name, serviceAccountID: account.ID, keys: []string{kr.Name}, created: true, dest: file.destination(), err: err}
	return u.report(ios)
}
