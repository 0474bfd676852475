package prompt

import (
	"fmt"
	"strings"
	"sync"
)

// Kind names a Prompter method, for matching stub answers.
type Kind string

const (
	KindPassword Kind = "Password"
	KindInput    Kind = "Input"
	KindConfirm  Kind = "Confirm"
)

// Answer is one scripted reply for Stub.
type Answer struct {
	Kind   Kind
	Prompt string // must occur in the prompt text; empty matches any prompt
	Value  string // reply to Password or Input, returned as is (no default applied)
	Yes    bool   // reply to Confirm
	Err    error  // returned instead of a reply, e.g. ErrCancelled
}

// Call records a prompt that a Stub was asked.
type Call struct {
	Kind       Kind
	Prompt     string
	Default    string // Input's default value
	DefaultYes bool   // Confirm's default
}

// TB is the part of testing.TB the stub needs; declared here so that this
// package, which the binary links, does not import testing.
type TB interface {
	Helper()
	Errorf(format string, args ...any)
	Cleanup(func())
}

// Stub is a Prompter for tests. It replies with its answers in order; a prompt
// of the wrong kind or text, or one after the answers have run out, fails the
// test and returns an error. Answers left unused fail the test at cleanup.
type Stub struct {
	t TB

	mu      sync.Mutex
	answers []Answer
	calls   []Call
}

// NewStub returns a stub that will reply with answers, in order.
func NewStub(t TB, answers ...Answer) *Stub {
	t.Helper()
	s := &Stub{t: t, answers: answers}
	t.Cleanup(func() {
		t.Helper()
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, a := range s.answers {
			t.Errorf("prompt stub: expected a %s prompt matching %q, never asked", a.Kind, a.Prompt)
		}
	})
	return s
}

// Calls returns the prompts asked so far.
func (s *Stub) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

func (s *Stub) next(c Call) (Answer, error) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, c)
	if len(s.answers) == 0 {
		err := fmt.Errorf("prompt stub: unexpected %s prompt %q", c.Kind, c.Prompt)
		s.t.Errorf("%v", err)
		return Answer{}, err
	}
	a := s.answers[0]
	if a.Kind != c.Kind || !strings.Contains(c.Prompt, a.Prompt) {
		err := fmt.Errorf("prompt stub: got %s prompt %q, want %s prompt matching %q", c.Kind, c.Prompt, a.Kind, a.Prompt)
		s.t.Errorf("%v", err)
		return Answer{}, err
	}
	s.answers = s.answers[1:]
	return a, a.Err
}

func (s *Stub) Password(prompt string) (string, error) {
	s.t.Helper()
	a, err := s.next(Call{Kind: KindPassword, Prompt: prompt})
	return a.Value, err
}

func (s *Stub) Input(prompt, defaultValue string) (string, error) {
	s.t.Helper()
	a, err := s.next(Call{Kind: KindInput, Prompt: prompt, Default: defaultValue})
	return a.Value, err
}

func (s *Stub) Confirm(prompt string, defaultYes bool) (bool, error) {
	s.t.Helper()
	a, err := s.next(Call{Kind: KindConfirm, Prompt: prompt, DefaultYes: defaultYes})
	return a.Yes, err
}

var _ Prompter = (*Stub)(nil)
