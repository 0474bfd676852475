package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

func TestRunAgainstItsOwnFake(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), nil, "", &stdout, &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	if !strings.HasPrefix(stdout.String(), "ZENKEY_") || !strings.Contains(stderr.String(), "1 service accounts") {
		t.Errorf("stdout %q\nstderr %s", stdout.String(), stderr.String())
	}
}

func TestRunExplainsAMissingKey(t *testing.T) {
	fake := zenmltest.NewTest(t, zenmltest.Options{})
	key := fake.CreateAPIKey(fake.CreateServiceAccount("ci-bot"), "default")
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"-server", fake.URL(), "-key", "nope"}, key, &stdout, &stderr)
	if err == nil || err.Error() != "API key nope does not exist" {
		t.Fatalf("err = %v", err)
	}
}
