package iostreams

import (
	"fmt"
	"time"
)

var spinnerFrames = []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}

const spinnerInterval = 100 * time.Millisecond

type spinner struct {
	stop chan struct{}
	done chan struct{}
}

// StartProgress shows a spinner with label on ErrOut while slow work runs. It
// does nothing unless stderr is a terminal: in a log or a pipe the redrawn
// frames would only be noise. Calling it again replaces the running spinner.
//
// Do not write to ErrOut between StartProgress and StopProgress: the spinner
// redraws the line from another goroutine.
func (s *IOStreams) StartProgress(label string) {
	if !s.stderrTTY {
		return
	}
	s.progressMu.Lock()
	defer s.progressMu.Unlock()
	s.stopLocked()

	sp := &spinner{stop: make(chan struct{}), done: make(chan struct{})}
	s.progress = sp
	w := s.ErrOut
	go func() {
		defer close(sp.done)
		t := time.NewTicker(spinnerInterval)
		defer t.Stop()
		for i := 0; ; i++ {
			fmt.Fprintf(w, "\r%s %s", spinnerFrames[i%len(spinnerFrames)], label)
			select {
			case <-sp.stop:
				// Carriage return and erase-line leave the cursor where the
				// spinner began, so the next message starts on a clean line.
				fmt.Fprint(w, "\r\x1b[K")
				return
			case <-t.C:
			}
		}
	}()
}

// StopProgress removes the spinner and returns once its line is cleared. It is
// safe to call without StartProgress, and more than once.
func (s *IOStreams) StopProgress() {
	s.progressMu.Lock()
	defer s.progressMu.Unlock()
	s.stopLocked()
}

func (s *IOStreams) stopLocked() {
	if s.progress == nil {
		return
	}
	close(s.progress.stop)
	<-s.progress.done
	s.progress = nil
}
