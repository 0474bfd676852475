package prompt

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/zenctl/zenctl/internal/iostreams"
)

// fdReader gives a buffer the Fd method that Password looks for.
type fdReader struct{ io.Reader }

func (fdReader) Fd() uintptr { return 0 }

func testPrompter(t *testing.T, input string) (*terminalPrompter, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	ios, in, out, errOut := iostreams.Test()
	in.WriteString(input)
	ios.In = fdReader{in}
	ios.SetStdinTTY(true)
	ios.SetStderrTTY(true)
	p := New(ios).(*terminalPrompter)
	p.readPassword = func(int) ([]byte, error) { t.Error("unexpected readPassword"); return nil, io.EOF }
	p.saveTerminal = func(int) func() { return func() {} }
	p.signals = func() (<-chan os.Signal, func()) { return nil, func() {} }
	return p, out, errOut
}

func TestInput(t *testing.T) {
	t.Parallel()
	p, out, errOut := testPrompter(t, "  alice  \r\n\nsecond\n")
	got, err := p.Input("Username", "")
	if err != nil || got != "alice" {
		t.Fatalf("Input = %q, %v; want alice", got, err)
	}
	got, err = p.Input("Server URL:", "http://localhost:8080")
	if err != nil || got != "http://localhost:8080" {
		t.Fatalf("Input with default = %q, %v", got, err)
	}
	// Nothing buffered away between prompts.
	got, err = p.Input("Third", "")
	if err != nil || got != "second" {
		t.Fatalf("third Input = %q, %v; want second", got, err)
	}
	if want := "Username: Server URL (http://localhost:8080): Third: "; errOut.String() != want {
		t.Errorf("stderr = %q, want %q", errOut, want)
	}
	if out.Len() != 0 {
		t.Errorf("prompt wrote to stdout: %q", out)
	}
	if _, err := p.Input("Fourth", "x"); !errors.Is(err, ErrCancelled) {
		t.Errorf("Input at EOF: err = %v, want ErrCancelled", err)
	}
}

func TestInputLastLineWithoutNewline(t *testing.T) {
	t.Parallel()
	p, _, _ := testPrompter(t, "bob")
	if got, err := p.Input("Name", ""); err != nil || got != "bob" {
		t.Fatalf("Input = %q, %v", got, err)
	}
}

func TestConfirm(t *testing.T) {
	t.Parallel()
	p, _, errOut := testPrompter(t, "\n\nYES\nmaybe\nn\n")
	for _, tc := range []struct{ defaultYes, want bool }{{true, true}, {false, false}, {false, true}, {true, false}} {
		got, err := p.Confirm("Log out?", tc.defaultYes)
		if err != nil || got != tc.want {
			t.Fatalf("Confirm(default %v) = %v, %v; want %v", tc.defaultYes, got, err, tc.want)
		}
	}
	want := "Log out? [Y/n]: Log out? [y/N]: Log out? [y/N]: Log out? [Y/n]: Please answer y or n.\nLog out? [Y/n]: "
	if errOut.String() != want {
		t.Errorf("stderr = %q, want %q", errOut, want)
	}
}

func TestNoTerminal(t *testing.T) {
	t.Parallel()
	ios, in, _, errOut := iostreams.Test()
	in.WriteString("answer\n")
	ios.SetStdinTTY(true) // stderr is not a terminal: nobody sees the question
	p := New(ios)
	if _, err := p.Password("Password"); !errors.Is(err, ErrNoTerminal) {
		t.Errorf("Password err = %v", err)
	}
	if _, err := p.Input("Name", ""); !errors.Is(err, ErrNoTerminal) {
		t.Errorf("Input err = %v", err)
	}
	if _, err := p.Confirm("Sure?", true); !errors.Is(err, ErrNoTerminal) {
		t.Errorf("Confirm err = %v", err)
	}
	if errOut.Len() != 0 || in.Len() != len("answer\n") {
		t.Errorf("refused prompts must not write or read: stderr %q, unread %d", errOut, in.Len())
	}
}

func TestPassword(t *testing.T) {
	t.Parallel()
	p, out, errOut := testPrompter(t, "")
	p.readPassword = func(int) ([]byte, error) { return []byte("s3cret"), nil }
	got, err := p.Password("Password:")
	if err != nil || got != "s3cret" {
		t.Fatalf("Password = %q, %v", got, err)
	}
	if errOut.String() != "Password: \n" || out.Len() != 0 {
		t.Errorf("stderr = %q, stdout = %q", errOut, out)
	}

	p.readPassword = func(int) ([]byte, error) { return nil, io.EOF }
	if _, err := p.Password("Password"); !errors.Is(err, ErrCancelled) {
		t.Errorf("Ctrl-D: err = %v, want ErrCancelled", err)
	}
	p.readPassword = func(int) ([]byte, error) { return nil, fmt.Errorf("boom") }
	if _, err := p.Password("Password"); err == nil || errors.Is(err, ErrCancelled) {
		t.Errorf("read failure: err = %v", err)
	}
}

func TestPasswordInterrupted(t *testing.T) {
	t.Parallel()
	p, _, errOut := testPrompter(t, "")
	unblock := make(chan struct{})
	defer close(unblock)
	p.readPassword = func(int) ([]byte, error) { <-unblock; return nil, io.EOF }
	restored := false
	p.saveTerminal = func(int) func() { return func() { restored = true } }
	stopped := false
	p.signals = func() (<-chan os.Signal, func()) {
		c := make(chan os.Signal, 1)
		c <- os.Interrupt
		return c, func() { stopped = true }
	}
	_, err := p.Password("Password")
	if !errors.Is(err, ErrCancelled) {
		t.Fatalf("err = %v, want ErrCancelled", err)
	}
	if !restored || !stopped {
		t.Errorf("terminal restored %v, signal handler removed %v", restored, stopped)
	}
	if errOut.String() != "Password: \n" {
		t.Errorf("stderr = %q", errOut)
	}
}

func TestReadSecretLine(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("k", MaxSecretLine)
	for _, tc := range []struct {
		name, in, want string
		err            string
	}{
		{"newline", "zenkey_abc\n", "zenkey_abc", ""},
		{"crlf", "zenkey_abc\r\n", "zenkey_abc", ""},
		{"no newline", "zenkey_abc", "zenkey_abc", ""},
		{"first line only", "one\ntwo\n", "one", ""},
		{"spaces kept", " k k \n", " k k ", ""},
		{"max length", long + "\r\n", long, ""},
		{"max length at EOF", long, long, ""},
		{"empty", "", "", "no secret"},
		{"empty line", "\n", "", "no secret"},
		{"empty crlf", "\r\n", "", "no secret"},
		{"too long", long + "k\n", "", "longer than 65536 bytes"},
		{"too long at EOF", long + "k", "", "longer than 65536 bytes"},
		{"too long no newline", long + "kkkkkk", "", "longer than 65536 bytes"},
	} {
		got, err := ReadSecretLine(strings.NewReader(tc.in))
		if tc.err == "" && (err != nil || got != tc.want) {
			t.Errorf("%s: got %.20q, %v; want %.20q", tc.name, got, err, tc.want)
		}
		if tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("%s: err = %v, want containing %q", tc.name, err, tc.err)
		}
	}
	if _, err := ReadSecretLine(strings.NewReader("")); !errors.Is(err, ErrEmptySecret) {
		t.Errorf("empty: err = %v, want ErrEmptySecret", err)
	}
	if _, err := ReadSecretLine(iotestErr{}); err == nil || !strings.Contains(err.Error(), "read standard input") {
		t.Errorf("read error: err = %v", err)
	}
}

type iotestErr struct{}

func (iotestErr) Read([]byte) (int, error) { return 0, errors.New("broken pipe") }

// fakeTB records failures so the stub's own failures can be asserted.
type fakeTB struct {
	errs     []string
	cleanups []func()
}

func (f *fakeTB) Helper()                        {}
func (f *fakeTB) Errorf(format string, a ...any) { f.errs = append(f.errs, fmt.Sprintf(format, a...)) }
func (f *fakeTB) Cleanup(fn func())              { f.cleanups = append(f.cleanups, fn) }
func (f *fakeTB) finish() {
	for _, fn := range f.cleanups {
		fn()
	}
}

func TestStub(t *testing.T) {
	t.Parallel()
	tb := &fakeTB{}
	s := NewStub(tb,
		Answer{Kind: KindInput, Prompt: "Server", Value: "http://h"},
		Answer{Kind: KindPassword, Value: "pw"},
		Answer{Kind: KindConfirm, Prompt: "Log out", Yes: true},
		Answer{Kind: KindPassword, Err: ErrCancelled},
	)
	var p Prompter = s
	if v, err := p.Input("Server URL", "http://default"); v != "http://h" || err != nil {
		t.Errorf("Input = %q, %v", v, err)
	}
	if v, err := p.Password("Password"); v != "pw" || err != nil {
		t.Errorf("Password = %q, %v", v, err)
	}
	if v, err := p.Confirm("Log out of h?", false); !v || err != nil {
		t.Errorf("Confirm = %v, %v", v, err)
	}
	if _, err := p.Password("API key"); !errors.Is(err, ErrCancelled) {
		t.Errorf("scripted cancel: err = %v", err)
	}
	tb.finish()
	if len(tb.errs) != 0 {
		t.Errorf("stub failed a correct test: %v", tb.errs)
	}
	calls := s.Calls()
	if len(calls) != 4 || calls[0].Default != "http://default" || calls[2].DefaultYes {
		t.Errorf("calls = %+v", calls)
	}
}

func TestStubFailures(t *testing.T) {
	t.Parallel()
	tb := &fakeTB{}
	s := NewStub(tb, Answer{Kind: KindConfirm, Prompt: "Overwrite"}, Answer{Kind: KindInput})
	if _, err := s.Password("Password"); err == nil {
		t.Error("wrong kind accepted")
	}
	if _, err := s.Confirm("Log out?", true); err == nil {
		t.Error("wrong prompt text accepted")
	}
	tb.finish()
	// Wrong kind, wrong text, then both answers reported unused.
	if len(tb.errs) != 4 {
		t.Fatalf("errors = %q", tb.errs)
	}

	tb = &fakeTB{}
	s = NewStub(tb)
	if _, err := s.Input("Name", ""); err == nil || !strings.Contains(err.Error(), `unexpected Input prompt "Name"`) {
		t.Errorf("unexpected prompt: err = %v", err)
	}
	tb.finish()
	if len(tb.errs) != 1 {
		t.Errorf("errors = %q", tb.errs)
	}
}
