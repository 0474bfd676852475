// The benchmarks run on Linux (bench/run.sh); signals and rusage are Unix.

//go:build unix

// Command fakeserver runs the zenmltest fake ZenML server on a loopback
// address until it is killed, for benchmarks and manual experiments.
//
// It prints, one per line, "URL=<base url>", "ADMIN_TOKEN=<jwt>" and, with
// -seed-service-account, "SERVICE_ACCOUNT_ID=<uuid>" and "API_KEY=<key>",
// and last "READY=1", so a script can read them with a simple line parser.
//
// With -control-addr it also serves, on that separate loopback address,
// GET /__fake/counts (the request counters as a JSON object keyed by
// "METHOD /route/{template}", e.g. "POST /api/v1/login") and
// POST /__fake/reset (zero the counters), and prints "CONTROL_URL=<base>".
// SIGUSR1 prints the counters on stderr.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/zenctl/zenctl/pkg/zenml/zenmltest"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "loopback address to listen on")
	profile := flag.String("profile", zenmltest.Profile093, "emulated server version: 0.93 or 0.58")
	tokenLifetime := flag.Duration("token-lifetime", 0, "lifetime of login tokens (0: never expire)")
	adminPassword := flag.String("admin-password", "", "password of the admin user \"default\"")
	prefix := flag.String("prefix", "", "URL path prefix to mount the server under")
	serviceAccount := flag.String("seed-service-account", "", "create a service account with this name and print an API key for it")
	keyName := flag.String("seed-key-name", "default", "name of the seeded API key")
	noAuth := flag.Bool("no-auth", false, "run as a server without authentication (auth scheme NO_AUTH)")
	controlAddr := flag.String("control-addr", "", "loopback address for the /__fake/counts control endpoint (empty: none)")
	extraAccounts := flag.Int("seed-service-accounts", 0, "create this many more service accounts (bench-sa-00001, …), for list benchmarks")
	flag.Parse()

	if !isLoopback(*addr) {
		fmt.Fprintln(os.Stderr, "fakeserver: -addr must be a loopback address")
		os.Exit(2)
	}
	if *controlAddr != "" && !isLoopback(*controlAddr) {
		fmt.Fprintln(os.Stderr, "fakeserver: -control-addr must be a loopback address")
		os.Exit(2)
	}
	if *profile != zenmltest.Profile093 && *profile != zenmltest.Profile058 {
		fmt.Fprintf(os.Stderr, "fakeserver: unknown -profile %q\n", *profile)
		os.Exit(2)
	}

	scheme := ""
	if *noAuth {
		scheme = zenmltest.AuthSchemeNoAuth
	}
	srv := zenmltest.New(zenmltest.Options{
		AuthScheme:    scheme,
		Profile:       *profile,
		TokenLifetime: *tokenLifetime,
		AdminPassword: *adminPassword,
		PathPrefix:    *prefix,
		ListenAddr:    *addr,
	})
	// Close waits for in-flight requests, so a benchmark is not cut short.
	defer srv.Close()

	if *controlAddr != "" {
		ln, err := net.Listen("tcp", *controlAddr)
		if err != nil {
			fmt.Fprintf(os.Stderr, "fakeserver: listen on %s: %v\n", *controlAddr, err)
			os.Exit(1)
		}
		ctl := &http.Server{Handler: controlHandler(srv)}
		go func() { _ = ctl.Serve(ln) }()
		defer ctl.Close()
		fmt.Printf("CONTROL_URL=http://%s\n", ln.Addr())
	}
	fmt.Printf("URL=%s\n", srv.URL())
	fmt.Printf("ADMIN_TOKEN=%s\n", srv.AdminToken())
	if *serviceAccount != "" {
		id := srv.CreateServiceAccount(*serviceAccount)
		fmt.Printf("SERVICE_ACCOUNT_ID=%s\n", id)
		fmt.Printf("API_KEY=%s\n", srv.CreateAPIKey(id, *keyName))
	}

	for i := 1; i <= *extraAccounts; i++ {
		srv.CreateServiceAccount(fmt.Sprintf("bench-sa-%05d", i))
	}
	// Scripts wait for this line: the accounts exist once it is printed.
	fmt.Println("READY=1")

	usr1 := make(chan os.Signal, 1)
	signal.Notify(usr1, syscall.SIGUSR1)
	go func() {
		for range usr1 {
			b, _ := json.Marshal(srv.Counts())
			fmt.Fprintf(os.Stderr, "COUNTS=%s\n", b)
		}
	}()

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	<-stop
}

func isLoopback(addr string) bool {
	return strings.HasPrefix(addr, "127.0.0.1:") || strings.HasPrefix(addr, "localhost:") || strings.HasPrefix(addr, "[::1]:")
}

// controlHandler serves the counters, for scripts that check how many
// requests of a kind a run made (the refresh stampede: one login).
func controlHandler(srv *zenmltest.Server) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /__fake/counts", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(srv.Counts())
	})
	mux.HandleFunc("POST /__fake/reset", func(w http.ResponseWriter, _ *http.Request) {
		srv.ResetCounts()
		w.WriteHeader(http.StatusNoContent)
	})
	return mux
}
