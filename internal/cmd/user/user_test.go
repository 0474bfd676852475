package user

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/zenctl/zenctl/internal/exitcode"
	"github.com/zenctl/zenctl/internal/iostreams"
)

func TestClosest(t *testing.T) {
	names := []string{"annabel", "anna", "bob", "robert", "zed"}
	if got := closest("anabel", names, 3); !reflect.DeepEqual(got, []string{"annabel"}) {
		t.Errorf("closest(anabel) = %v", got)
	}
	if got := closest("rob", names, 3); !reflect.DeepEqual(got, []string{"robert", "bob"}) {
		t.Errorf("closest(rob) = %v", got)
	}
	if got := closest("xxxxxxxx", names, 3); len(got) != 0 {
		t.Errorf("closest(xxxxxxxx) = %v", got)
	}
}

func TestReportUpdateNamesWhatTheServerDropped(t *testing.T) {
	ios, _, _, errOut := iostreams.Test()
	name, email := "Ann", "a@example.com"
	err := reportUpdate(ios, &UpdateOptions{FullName: &name, Email: &email}, View{Name: "ann", FullName: "Ann"})
	if !errors.Is(err, exitcode.ErrSilent) {
		t.Fatalf("a dropped field must fail the command: %v", err)
	}
	if !strings.Contains(errOut.String(), "Updated full name") || !strings.Contains(errOut.String(), "Not changed: the server ignored the email") {
		t.Errorf("stderr:\n%s", errOut)
	}
}
