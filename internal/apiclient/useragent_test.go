package apiclient

import (
	"os"
	"runtime"
	"strings"
	"testing"
)

// Item 11 of issue 13: the User-Agent carries the Host/ and OS/ pairs a
// ZenML server reads into the device record, one word each, and zenctl's
// own name and version.
func TestUserAgentNamesTheMachine(t *testing.T) {
	ua := UserAgent("1.2 beta")
	fields := strings.Fields(ua)
	if fields[0] != "zenctl/1.2_beta" {
		t.Errorf("User-Agent %q does not start with zenctl/VERSION", ua)
	}
	if host, err := os.Hostname(); err == nil && host != "" && !strings.Contains(ua, " Host/"+uaWord(host)) {
		t.Errorf("User-Agent %q lacks Host/%s", ua, host)
	}
	if runtime.GOOS == "linux" && !strings.HasSuffix(ua, " OS/Linux") {
		t.Errorf("User-Agent %q lacks OS/Linux", ua)
	}
	if got := uaWord("my host\x01é"); got != "my_host__" {
		t.Errorf("uaWord = %q", got)
	}
}
