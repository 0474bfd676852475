package login

import (
	"bytes"
	"reflect"
	"testing"
)

type recordingNotifier struct{ warnings, notes []string }

func (r *recordingNotifier) Warn(msg string) { r.warnings = append(r.warnings, msg) }
func (r *recordingNotifier) Note(msg string) { r.notes = append(r.notes, msg) }

func TestWriterNotifierMarksWarningsOnly(t *testing.T) {
	var out bytes.Buffer
	WriterNotifier{Out: &out, WarnIcon: "!"}.Warn("careful")
	WriterNotifier{Out: &out}.Warn("plain")
	WriterNotifier{Out: &out}.Note("waiting")
	WriterNotifier{}.Warn("nowhere") // no writer: dropped, no panic
	WriterNotifier{}.Note("nowhere")
	if want := "! careful\nWarning: plain\nwaiting\n"; out.String() != want {
		t.Fatalf("got %q, want %q", out.String(), want)
	}
}

func TestNotifyPrefersTheInjectedNotifier(t *testing.T) {
	var plain bytes.Buffer
	rec := &recordingNotifier{}
	m := &Manager{Warn: &plain, Notify: rec}
	m.notify().Warn("w")
	m.sayWaiting("http://127.0.0.1:1")(42)
	if plain.Len() != 0 || !reflect.DeepEqual(rec.warnings, []string{"w"}) || len(rec.notes) != 1 {
		t.Fatalf("plain %q, notifier %+v", plain.String(), rec)
	}
	m.Notify = nil
	m.notify().Note("n")
	if plain.String() != "n\n" {
		t.Fatalf("without a notifier, notices are plain lines to Warn: %q", plain.String())
	}
}

func TestSplitCredentialsWarnings(t *testing.T) {
	got := splitCredentialsWarnings("Warning: keyring gone.\nSecrets go to a file.\nWarning: could not record it.\n")
	want := []string{"keyring gone.\nSecrets go to a file.", "could not record it."}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	if splitCredentialsWarnings("") != nil {
		t.Fatal("no text, no warnings")
	}
}
