package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aether365/terraform-provider-aether365/internal/simulator"
)

const defaultListenAddress = "127.0.0.1:8365"

// options is the parsed command line: where to listen and the simulator's
// configuration.
type options struct {
	listenAddress string
	config        simulator.Config
	// usingDemoKey is set when no --api-key was given, so main can tell the
	// user which key to use.
	usingDemoKey bool
}

// apiKeysFlag collects repeated --api-key KEY[=TENANT,...] values. Set never
// fails, because the flag package would echo the rejected value, key and
// all, to the terminal (and CI logs); the first problem is kept and
// reported by parseFlags, naming the flag by position instead of by key.
type apiKeysFlag struct {
	keys    map[string][]string
	given   int
	problem error
}

func (f *apiKeysFlag) String() string { return "" }

func (f *apiKeysFlag) Set(value string) error {
	f.given++
	if f.problem != nil {
		return nil //nolint:nilerr // the first problem is already kept; parseFlags reports it
	}
	key, tenantList, hasTenants := strings.Cut(value, "=")
	tenants := []string{simulator.DemoTenant}
	if hasTenants {
		tenants = strings.Split(tenantList, ",")
	}
	switch {
	case key == "":
		f.problem = fmt.Errorf("invalid --api-key #%d: want KEY or KEY=TENANT[,TENANT...], got an empty key", f.given)
	case slices.Contains(tenants, ""):
		f.problem = fmt.Errorf("invalid --api-key #%d: want KEY=TENANT[,TENANT...] with no empty tenant", f.given)
	case f.keys[key] != nil:
		f.problem = fmt.Errorf("invalid --api-key #%d: the same key was given before", f.given)
	default:
		f.keys[key] = tenants
	}
	return nil
}

// parseFlags parses args (without the program name) and reports syntax
// errors on stderr. Ranges (a negative duration, an error rate above 1) are
// left to simulator.New, the one place that knows them.
func parseFlags(args []string, stderr io.Writer) (options, error) {
	opts := options{}
	apiKeys := &apiKeysFlag{keys: map[string][]string{}}
	flags := flag.NewFlagSet("aether365-sim", flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.Usage = func() {
		fmt.Fprintln(stderr, "Usage: aether365-sim [flags]\n\nRuns a local simulator of the Aether365 REST API.\n\nFlags:")
		flags.PrintDefaults()
	}

	flags.StringVar(&opts.listenAddress, "listen", defaultListenAddress, "`ADDR` (host:port) to listen on; port 0 picks a free port")
	flags.Var(apiKeys, "api-key", "accept API `KEY[=TENANT,...]`; repeatable; the first tenant is the key's \"me\" (default tenant "+
		simulator.DemoTenant+"); without any, the demo key "+simulator.DemoAPIKey+" is accepted")
	flags.DurationVar(&opts.config.ScanDuration, "scan-duration", 5*time.Second, "time from creating a scan to its completion (queued for the first tenth)")
	opts.config.ResultsPerScan = simulator.DefaultResultsPerScan
	flags.Func("results", fmt.Sprintf("`N` results per completed scan, 1 to %d (default %d)", simulator.MaxResultsPerScan, simulator.DefaultResultsPerScan),
		func(value string) error {
			// Config reads 0 as "default"; on the command line it is a mistake.
			n, err := strconv.Atoi(value)
			if err != nil || n < 1 {
				return fmt.Errorf("want 1 to %d", simulator.MaxResultsPerScan)
			}
			opts.config.ResultsPerScan = n
			return nil
		})
	flags.Func("score", "score `S` (0-100) every scan completes with; default: derived per scan from --seed", func(value string) error {
		score, err := strconv.ParseFloat(value, 64)
		if err != nil {
			return errors.New("want a number from 0 to 100")
		}
		opts.config.Score = &score
		return nil
	})
	flags.StringVar(&opts.config.ScanOutcome, "scan-outcome", simulator.OutcomeCompleted, "how scans end: completed or failed")
	flags.DurationVar(&opts.config.Latency, "latency", 0, "delay added to every response")
	flags.Float64Var(&opts.config.ErrorRate, "error-rate", 0, "fraction `F` (0-1) of requests answered 503 SERVICE_UNAVAILABLE")
	flags.Float64Var(&opts.config.ResetRate, "reset-rate", 0, "fraction `F` (0-1) of requests processed and then answered by resetting the connection")
	flags.Float64Var(&opts.config.MalformedRate, "malformed-rate", 0, "fraction `F` (0-1) of requests processed and then answered with a broken body "+
		"(in turn: a proxy's HTML 502, truncated JSON, an empty 200, success:false with 200); the three rates add up to at most 1")
	flags.Float64Var(&opts.config.RateLimit, "rate-limit", 0, "requests per second allowed per API key (`N`); 0 = unlimited; beyond it 429 RATE_LIMITED")
	flags.Int64Var(&opts.config.Seed, "seed", 0, "seed `N` for ids, results, scores and injected errors: same seed, same data")

	if err := flags.Parse(args); err != nil {
		return opts, err
	}
	if apiKeys.problem != nil {
		fmt.Fprintln(stderr, apiKeys.problem)
		return opts, apiKeys.problem
	}
	if flags.NArg() > 0 {
		err := fmt.Errorf("unexpected argument %q; all settings are flags", flags.Arg(0))
		fmt.Fprintln(stderr, err)
		return opts, err
	}
	if len(apiKeys.keys) > 0 {
		opts.config.APIKeys = apiKeys.keys
	} else {
		opts.usingDemoKey = true
	}
	return opts, nil
}
