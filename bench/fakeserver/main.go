// Command fakeserver runs the zenmltest fake ZenML server on a loopback
// address until it is killed, for benchmarks and manual experiments.
//
// It prints, one per line, "URL=<base url>", "ADMIN_TOKEN=<jwt>" and, with
// -seed-service-account, "SERVICE_ACCOUNT_ID=<uuid>" and "API_KEY=<key>",
// so a script can read them with a simple line parser.
package main

import (
	"flag"
	"fmt"
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
	flag.Parse()

	if !strings.HasPrefix(*addr, "127.0.0.1:") && !strings.HasPrefix(*addr, "localhost:") && !strings.HasPrefix(*addr, "[::1]:") {
		fmt.Fprintln(os.Stderr, "fakeserver: -addr must be a loopback address")
		os.Exit(2)
	}
	if *profile != zenmltest.Profile093 && *profile != zenmltest.Profile058 {
		fmt.Fprintf(os.Stderr, "fakeserver: unknown -profile %q\n", *profile)
		os.Exit(2)
	}

	srv := zenmltest.New(zenmltest.Options{
		Profile:       *profile,
		TokenLifetime: *tokenLifetime,
		AdminPassword: *adminPassword,
		PathPrefix:    *prefix,
		ListenAddr:    *addr,
	})
	// Close waits for in-flight requests, so a benchmark is not cut short.
	defer srv.Close()

	fmt.Printf("URL=%s\n", srv.URL())
	fmt.Printf("ADMIN_TOKEN=%s\n", srv.AdminToken())
	if *serviceAccount != "" {
		id := srv.CreateServiceAccount(*serviceAccount)
		fmt.Printf("SERVICE_ACCOUNT_ID=%s\n", id)
		fmt.Printf("API_KEY=%s\n", srv.CreateAPIKey(id, *keyName))
	}

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	<-stop
}
