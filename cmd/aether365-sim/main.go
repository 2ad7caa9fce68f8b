// Command aether365-sim serves a simulated Aether365 REST API, so the
// provider, its tests and the seed's automation examples can run without an
// Aether365 account. See internal/simulator for what it simulates.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/aether365/terraform-provider-aether365/internal/simulator"
)

// version is set at release time with -ldflags "-X main.version=...", as
// the provider's is.
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// Exit codes: 2 for a bad command line, as the flag package does.
const (
	exitOK       = 0
	exitFailure  = 1
	exitBadUsage = 2
)

// shutdownGrace bounds how long in-flight requests may finish after a signal.
const shutdownGrace = 5 * time.Second

// serverTimeouts bound how long one connection may hold the server: a CI
// job's simulator must not be kept busy by clients that send slowly or
// never finish (slow-loris).
type serverTimeouts struct {
	// readHeader bounds reading a request's headers, read the whole request.
	readHeader, read time.Duration
	// write bounds answering, from the end of the headers; it must outlast
	// --latency.
	write time.Duration
	// idle bounds a kept-alive connection's wait for its next request.
	idle time.Duration
}

func defaultServerTimeouts(latency time.Duration) serverTimeouts {
	return serverTimeouts{readHeader: 10 * time.Second, read: 30 * time.Second, write: time.Minute + latency, idle: 2 * time.Minute}
}

func newHTTPServer(handler http.Handler, timeouts serverTimeouts) *http.Server {
	return &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: timeouts.readHeader,
		ReadTimeout:       timeouts.read,
		WriteTimeout:      timeouts.write,
		IdleTimeout:       timeouts.idle,
	}
}

// run serves until ctx is cancelled (SIGINT/SIGTERM) and returns the exit
// code. stdout gets exactly one line, once the listener is ready, so scripts
// can wait for it and read the URL; everything else goes to stderr.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	opts, err := parseFlags(args, os.Getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK // asking for help is not a mistake
	}
	if err != nil {
		return exitBadUsage
	}
	if opts.showVersion {
		fmt.Fprintf(stdout, "aether365-sim %s\n", version)
		return exitOK
	}
	opts.config.RequestLog = stderr
	sim, err := simulator.New(opts.config)
	if err != nil {
		fmt.Fprintf(stderr, "aether365-sim: %s\n", describeConfigError(err))
		return exitBadUsage
	}
	listener, err := net.Listen("tcp", opts.listenAddress)
	if err != nil {
		fmt.Fprintf(stderr, "aether365-sim: cannot listen on %s: %v\n", opts.listenAddress, err)
		return exitFailure
	}
	if opts.usingDemoKey {
		fmt.Fprintf(stderr, "aether365-sim: no --api-key given; use the demo key %s (account %s)\n", simulator.DemoAPIKey, simulator.DemoTenant)
	}
	if sim.Profile() == simulator.ProfileAssumed {
		fmt.Fprintln(stderr, "aether365-sim: profile assumed: serving our assumptions (Retry-After, X-Request-Id, Location, Idempotency-Key) besides the published API")
	}
	if !opts.seedGiven {
		fmt.Fprintf(stderr, "aether365-sim: seed %d (pass --seed %d to get the same IDs and data again)\n", opts.config.Seed, opts.config.Seed)
	}

	server := newHTTPServer(sim, defaultServerTimeouts(opts.config.Latency))
	served := make(chan error, 1)
	go func() { served <- server.Serve(listener) }()
	fmt.Fprintf(stdout, "aether365-sim listening on http://%s\n", displayAddress(listener.Addr()))

	select {
	case err := <-served:
		fmt.Fprintf(stderr, "aether365-sim: %v\n", err)
		return exitFailure
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := server.Shutdown(shutdownCtx); err != nil {
		fmt.Fprintf(stderr, "aether365-sim: shutdown: %v\n", err)
		return exitFailure
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintf(stderr, "aether365-sim: %v\n", err)
		return exitFailure
	}
	fmt.Fprintln(stderr, "aether365-sim: stopped")
	return exitOK
}

// describeConfigError names flags rather than the Go fields of
// simulator.Config.
func describeConfigError(err error) string {
	var configErr *simulator.ConfigError
	if errors.As(err, &configErr) {
		return configErr.Describe(flagOf)
	}
	return err.Error()
}

// displayAddress makes the printed URL usable: a wildcard listener
// ("0.0.0.0", "::") is reachable on loopback, so print that instead.
func displayAddress(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok || !tcp.IP.IsUnspecified() {
		return addr.String()
	}
	return net.JoinHostPort("127.0.0.1", fmt.Sprint(tcp.Port))
}
