package serviceaccount

import (
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zenctl/zenctl/internal/cmd/factory"
	"github.com/zenctl/zenctl/internal/credentials"
	"github.com/zenctl/zenctl/internal/iostreams"
	"github.com/zenctl/zenctl/internal/login"
	"github.com/zenctl/zenctl/internal/prompt"
	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

const rotateEndpoint = "PUT /api/v1/service_accounts/{id}/api_keys/{key}/rotate"

// start runs `zenctl service-account ARGS` as another process on the same
// config directory and keyring would, in the background.
func (e *env) start(args ...string) <-chan result {
	done := make(chan result, 1)
	ios, _, out, errOut := iostreams.Test()
	f := &factory.Factory{IOStreams: ios, Prompter: prompt.NewStub(e.t), Browser: e.h.Browser,
		Getenv: func(k string) string { return e.h.Env[k] }, Version: "test", Keyring: e.h.Keyring}
	cmd := NewCmdServiceAccount(f)
	cmd.SetArgs(CobraOrder(cmd, args))
	cmd.SetOut(out)
	cmd.SetErr(errOut)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	go func() {
		err := cmd.ExecuteContext(e.ctx)
		done <- result{stdout: out.String(), stderr: errOut.String(), err: err}
	}()
	return done
}

// Issue 20.7: of two concurrent `rotate --set-key`, a rotation that came
// after the other's key was checked left that one reporting a dead key as
// the one this client logs in with. The rotation now runs under the
// server's lock with the check and save of its key: the second waits,
// its key, the later, is the one stored, and the first, seeing it queued,
// says its key is superseded.
func TestConcurrentSetKeyRotationsRunOneAfterTheOther(t *testing.T) {
	e := newEnv(t, zenmltest.Options{})
	e.fake.CreateAPIKey(e.fake.CreateServiceAccount("ci-bot"), "default")
	inFlight := make(chan struct{})
	var once sync.Once
	answer := func() { once.Do(func() { close(inFlight) }) }
	t.Cleanup(answer)
	e.fake.InjectFault(rotateEndpoint, zenmltest.Fault{Hold: inFlight, Times: 1})
	args := []string{"api-key", "ci-bot", "rotate", "default", "--set-key"}

	first := e.start(args...)
	for deadline := time.Now().Add(5 * time.Second); e.fake.Count(rotateEndpoint) == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the first rotation never reached the server")
		}
	}
	second := e.start(args...)
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if e.fake.Count(rotateEndpoint) > 1 {
			t.Fatal("the second rotation ran while the first's key was not yet checked and stored")
		}
		if queued, _ := filepath.Glob(filepath.Join(e.h.Dir, "locks", "queued-*")); len(queued) > 0 {
			break // the second said it comes
		}
		if time.Now().After(deadline) {
			t.Fatal("the second rotation neither waits nor ran")
		}
	}
	for end := time.Now().Add(300 * time.Millisecond); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		if e.fake.Count(rotateEndpoint) > 1 {
			t.Fatal("the second rotation ran while the first's key was not yet checked and stored")
		}
	}
	answer()
	r1, r2 := <-first, <-second
	if r2.err != nil {
		t.Fatalf("second: %v\n%s", r2.err, r2.stderr)
	}
	// The first, whose key the queued rotation supersedes, says so.
	if !errors.Is(r1.err, login.ErrKeySuperseded) || !strings.Contains(r1.err.Error(), "supersedes the key printed above") {
		t.Errorf("first: %v\n%s", r1.err, r1.stderr)
	}
	if strings.Contains(r1.stderr, "now logs in") || strings.Contains(r1.stderr, "Stored the new key") {
		t.Errorf("the first reports its key as the one stored:\n%s", r1.stderr)
	}
	k1, k2 := strings.TrimSpace(r1.stdout), strings.TrimSpace(r2.stdout)
	if !e.keyLogsIn(k2) || e.keyLogsIn(k1) {
		t.Fatalf("the second rotation is not the later one")
	}
	c := e.h.Config()
	secret, err := credentials.NewFileStore(e.h.Dir).Get(credentials.Key(c.ID, e.fake.URL(), "ci-bot"))
	if err != nil {
		kr, kerr := credentials.OpenExisting("keyring", credentials.Options{Keyring: e.h.Keyring, Dir: e.h.Dir})
		if kerr == nil {
			secret, err = kr.Get(credentials.Key(c.ID, e.fake.URL(), "ci-bot"))
		}
	}
	if err != nil || secret.APIKey != k2 {
		t.Errorf("stored the earlier key (or none: %v)", err)
	}
}
