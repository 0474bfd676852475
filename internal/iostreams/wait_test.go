package iostreams

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// A wait shorter than the delay shows nothing; a longer one shows its
// label until it ends; anything written meanwhile clears the line first.
func TestWaitShowsOnlyLongWaits(t *testing.T) {
	ios, _, _, _ := Test()
	var screen bytes.Buffer
	sw := NewStatusWriter(&screen)
	ios.ErrOut = sw
	ios.SetStderrTTY(true)
	ios.SetProgressDelay(150 * time.Millisecond)

	ios.Wait("Quick")()
	if screen.Len() != 0 {
		t.Fatalf("a short wait drew: %q", screen.String())
	}
	done := ios.Wait("Connecting to URL")
	time.Sleep(400 * time.Millisecond)
	_, _ = sw.Write([]byte("! warning\n"))
	time.Sleep(200 * time.Millisecond)
	done()
	got := screen.String()
	if !strings.Contains(got, " Connecting to URL…") {
		t.Errorf("no label: %q", got)
	}
	if !strings.Contains(got, "\x1b[K\r\x1b[K! warning\n") {
		t.Errorf("the warning did not clear the spinner line first: %q", got)
	}
	if !strings.HasSuffix(got, "\r\x1b[K") {
		t.Errorf("the line was not cleared at the end: %q", got)
	}

	ios, _, _, errOut := Test()
	ios.SetProgressDelay(time.Millisecond)
	done = ios.Wait("Connecting")
	time.Sleep(50 * time.Millisecond)
	done()
	if errOut.Len() != 0 {
		t.Errorf("drew without a terminal: %q", errOut.String())
	}
}
