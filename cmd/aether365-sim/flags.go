package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aether365/terraform-provider-aether365/api"
	"github.com/aether365/terraform-provider-aether365/internal/simulator"
)

const defaultListenAddress = "127.0.0.1:8365"

// apiKeysEnv holds API keys, in the syntax of --api-key, separated by ';' or
// newlines: a secret in the environment is not shown by ps, unlike a flag.
const apiKeysEnv = "AETHER365_SIM_API_KEYS"

// options is the parsed command line: where to listen and the simulator's
// configuration.
type options struct {
	listenAddress string
	config        simulator.Config
	// usingDemoKey is set when no key was given in any way, so main can
	// tell the user which key to use.
	usingDemoKey bool
	// seedGiven is unset when the seed was picked at random, so main can
	// say which one to pass to repeat the run.
	seedGiven   bool
	showVersion bool
}

// apiKeys collects keys from --api-key, --api-key-file and apiKeysEnv. No
// message ever quotes a key: a rejected entry is named by where it came
// from (the flag's position, the file's line, the variable's entry).
type apiKeys struct {
	keys map[string]string
}

// add parses one KEY[=ACCOUNT] entry; where names it in errors.
func (k *apiKeys) add(where, entry string) error {
	key, account, hasAccount := strings.Cut(entry, "=")
	if !hasAccount {
		account = simulator.DemoTenant
	}
	switch {
	case key == "":
		return fmt.Errorf("invalid %s: want KEY or KEY=ACCOUNT, got an empty key", where)
	case account == "":
		return fmt.Errorf("invalid %s: want KEY=ACCOUNT with an account ID such as t_contoso", where)
	case strings.Contains(account, ","):
		return fmt.Errorf("invalid %s: a key belongs to one account (KEY=ACCOUNT); give an account's Microsoft 365 tenants with --connections ACCOUNT=conn_a,conn_b", where)
	case k.keys[key] != "":
		return fmt.Errorf("invalid %s: the same key was given before", where)
	}
	k.keys[key] = account
	return nil
}

// addFile reads one entry per line; blank lines and lines starting with '#'
// are skipped, surrounding spaces are trimmed.
func (k *apiKeys) addFile(path string) error {
	file, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("--api-key-file: %w", err)
	}
	defer file.Close()
	scanner := bufio.NewScanner(file)
	for line := 1; scanner.Scan(); line++ {
		entry := strings.TrimSpace(scanner.Text())
		if entry == "" || strings.HasPrefix(entry, "#") {
			continue
		}
		if err := k.add(fmt.Sprintf("--api-key-file %s line %d", path, line), entry); err != nil {
			return err
		}
	}
	if err := scanner.Err(); err != nil {
		return fmt.Errorf("--api-key-file %s: %w", path, err)
	}
	return nil
}

// addEnv reads entries separated by ';' or newlines; blank entries are
// skipped.
func (k *apiKeys) addEnv(value string) error {
	entries := strings.FieldsFunc(value, func(r rune) bool { return r == ';' || r == '\n' || r == '\r' })
	for i, entry := range entries {
		if entry = strings.TrimSpace(entry); entry == "" {
			continue
		}
		if err := k.add(fmt.Sprintf("%s entry #%d", apiKeysEnv, i+1), entry); err != nil {
			return err
		}
	}
	return nil
}

// apiKeyFlag is --api-key. Set never fails, because the flag package would
// echo the rejected value, key and all, to the terminal (and CI logs); the
// first problem is kept and reported by parseFlags.
type apiKeyFlag struct {
	keys    *apiKeys
	given   int
	problem error
}

func (f *apiKeyFlag) String() string { return "" }

func (f *apiKeyFlag) Set(value string) error {
	f.given++
	if f.problem == nil {
		f.problem = f.keys.add(fmt.Sprintf("--api-key #%d", f.given), value)
	}
	return nil
}

// durationValue is a duration flag whose error says that a unit is needed,
// the usual mistake ("5" for "5s").
type durationValue struct{ d *time.Duration }

func (v durationValue) String() string {
	if v.d == nil {
		return ""
	}
	return v.d.String()
}

func (v durationValue) Set(value string) error {
	d, err := time.ParseDuration(value)
	if err == nil {
		*v.d = d
		return nil
	}
	if _, numberErr := strconv.ParseFloat(value, 64); numberErr == nil {
		return errors.New("a duration needs a unit, such as 5s, 500ms or 2m")
	}
	return errors.New("want a duration such as 5s, 500ms or 2m")
}

// parseFlags parses args (without the program name) and the key variable
// (read with getenv), and reports syntax errors on stderr. Ranges (a negative
// duration, an error rate above 1) are left to simulator.New, the one place
// that knows them.
func parseFlags(args []string, getenv func(string) string, stderr io.Writer) (options, error) {
	opts := options{}
	keys := &apiKeys{keys: map[string]string{}}
	keyFlag := &apiKeyFlag{keys: keys}
	var keyFile string
	flags := flag.NewFlagSet("aether365-sim", flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.Usage = func() {
		fmt.Fprintln(stderr, "Usage: aether365-sim [flags]\n\nRuns a local simulator of the Aether365 REST API.\n\nFlags:")
		flags.PrintDefaults()
	}

	flags.StringVar(&opts.listenAddress, "listen", defaultListenAddress, "`ADDR` (host:port) to listen on; port 0 picks a free port")
	flags.Var(keyFlag, "api-key", "accept API `KEY[=ACCOUNT]`, a key of the Aether365 account ACCOUNT (\"me\" in paths; default "+
		simulator.DemoTenant+"); repeatable; without any key (here, in --api-key-file or in "+apiKeysEnv+"), the demo key "+simulator.DemoAPIKey+" is accepted")
	flags.StringVar(&keyFile, "api-key-file", "", "read API keys from `FILE`, one KEY[=ACCOUNT] a line; blank lines and lines starting with # are skipped. "+
		apiKeysEnv+" holds more, separated by ; or newlines. Unlike --api-key, neither shows the keys in ps")
	defineAccountFlags(flags, &opts.config)
	defineScanFlags(flags, &opts.config)
	defineFaultFlags(flags, &opts.config)
	flags.Func("seed", "seed `N` for ids, results, scores and injected errors: same seed, same data (default: random, printed at start)", func(value string) error {
		seed, err := strconv.ParseInt(value, 10, 64)
		if err != nil {
			return errors.New("want an integer")
		}
		opts.config.Seed, opts.seedGiven = seed, true
		return nil
	})
	flags.StringVar(&opts.config.RequestLogFormat, "log-format", simulator.LogFormatText, "request log `FORMAT` on stderr: "+
		simulator.LogFormatText+" (logfmt) or "+simulator.LogFormatJSON+" (one JSON object a line, for programs); the simulator's own messages stay plain lines")
	flags.BoolVar(&opts.showVersion, "version", false, "print the version and exit")

	if err := flags.Parse(args); err != nil {
		return opts, err
	}
	if flags.NArg() > 0 {
		err := fmt.Errorf("unexpected argument %q; all settings are flags", flags.Arg(0))
		fmt.Fprintln(stderr, err)
		return opts, err
	}
	if err := collectKeys(keys, keyFlag.problem, keyFile, getenv); err != nil {
		fmt.Fprintln(stderr, err)
		return opts, err
	}
	if len(keys.keys) > 0 {
		opts.config.APIKeys = keys.keys
	} else {
		opts.usingDemoKey = true
	}
	if !opts.seedGiven {
		// Random per process, so a restarted simulator never hands out the
		// previous run's scan IDs, which old Terraform state still holds.
		opts.config.Seed = rand.Int64()
	}
	return opts, nil
}

// collectKeys adds the keys of --api-key-file and the key variable to those
// of --api-key, and returns the first problem in that order: flagProblem,
// then the file, then the variable.
func collectKeys(keys *apiKeys, flagProblem error, keyFile string, getenv func(string) string) error {
	if flagProblem != nil {
		return flagProblem
	}
	if keyFile != "" {
		if err := keys.addFile(keyFile); err != nil {
			return err
		}
	}
	return keys.addEnv(getenv(apiKeysEnv))
}

// defineAccountFlags defines the profile and the flags that shape accounts.
func defineAccountFlags(flags *flag.FlagSet, config *simulator.Config) {
	flags.StringVar(&config.Profile, "profile", simulator.ProfilePublished, "`P`: "+simulator.ProfilePublished+
		" serves only what the published API documents; "+simulator.ProfileAssumed+
		" adds our assumptions (Retry-After, X-Request-Id, Location, Idempotency-Key replays, --rate-limit)")
	flags.Func("connections", "`ACCOUNT=CONN,...`: the account's connected Microsoft 365 tenants, the first one primary (repeatable; "+
		"ACCOUNT= for none, so scans answer 400 TENANT_NOT_CONNECTED); an account not given has one, "+simulator.DefaultConnection, func(value string) error {
		account, list, found := strings.Cut(value, "=")
		if !found || account == "" {
			return errors.New("want ACCOUNT=CONN[,CONN...], such as t_contoso=conn_contoso,conn_fabrikam")
		}
		if config.Connections == nil {
			config.Connections = map[string][]string{}
		}
		if _, given := config.Connections[account]; given {
			return fmt.Errorf("the connections of %s were given before", account)
		}
		connections := []string{}
		if list != "" {
			connections = strings.Split(list, ",")
		}
		if slices.Contains(connections, "") {
			return errors.New("want ACCOUNT=CONN[,CONN...] with no empty connection")
		}
		config.Connections[account] = connections
		return nil
	})
	flags.Func("plan-tier", "every account's plan `TIER`: free, pro or enterprise (default enterprise); sets the plan schedule's frequency", func(value string) error {
		config.PlanTier = api.PlanTier(value)
		return nil
	})
	flags.StringVar(&config.AIPilotConnection, "ai-pilot-connection", "", "connection `ID` with AI Pilot (write) consent, for /tenants/me/policies and /threats; default none")
	flags.Func("entitlements", "add-ons `E1,E2` every account has: "+simulator.EntitlementPolicyManagement+", "+simulator.EntitlementThreatAlerts+
		" (without them policies and threats answer 403 AUTH_INSUFFICIENT_SCOPE)", func(value string) error {
		config.Entitlements = nil
		for _, entitlement := range strings.Split(value, ",") {
			if entitlement = strings.TrimSpace(entitlement); entitlement != "" {
				config.Entitlements = append(config.Entitlements, entitlement)
			}
		}
		return nil
	})
	flags.BoolVar(&config.OmitTotalPages, "omit-total-pages", false, "serve list meta as the reference's examples, {total, page, limit}, without the seed's totalPages")
}

// defineScanFlags defines the flags that shape scans and their results.
func defineScanFlags(flags *flag.FlagSet, config *simulator.Config) {
	config.ScanDuration = 5 * time.Second
	flags.Var(durationValue{&config.ScanDuration}, "scan-duration", "time `D` a scan is in_progress before it ends, such as 5s or 2m; a scan longer than 30m fails at 30m, as the service's timeout")
	config.ResultsPerScan = simulator.DefaultResultsPerScan
	flags.Func("results", fmt.Sprintf("`N` results per completed scan, 1 to %d (default %d)", simulator.MaxResultsPerScan, simulator.DefaultResultsPerScan),
		func(value string) error {
			// Config reads 0 as "default"; on the command line it is a mistake.
			n, err := strconv.Atoi(value)
			if err != nil || n < 1 {
				return fmt.Errorf("want 1 to %d", simulator.MaxResultsPerScan)
			}
			config.ResultsPerScan = n
			return nil
		})
	flags.Func("score", fmt.Sprintf("score `S` (0-100) every scan completes with; default: derived per scan from --seed, %v to %v",
		simulator.DefaultScoreMin, simulator.DefaultScoreMax), func(value string) error {
		score, err := strconv.ParseFloat(value, 64)
		if err != nil {
			return errors.New("want a number from 0 to 100")
		}
		config.Score = &score
		return nil
	})
	flags.Func("score-sequence", "scores `S1,S2,...` of each account's scans in turn, the last repeating (e.g. 88,71: a baseline, then a regression "+
		"whose failures include the baseline's)", func(value string) error {
		var scores []float64
		for _, field := range strings.Split(value, ",") {
			score, err := strconv.ParseFloat(strings.TrimSpace(field), 64)
			if err != nil {
				return errors.New("want comma-separated scores from 0 to 100, such as 88,71")
			}
			scores = append(scores, score)
		}
		config.ScoreSequence = scores
		return nil
	})
	flags.StringVar(&config.ScanOutcome, "scan-outcome", simulator.OutcomeCompleted, "how scans end: completed, failed or cancelled")
	flags.IntVar(&config.ScanQuota, "scan-quota", 0, "scans (API and scheduled) each account may create, `N`; beyond it 429 SCAN_PLAN_LIMIT_REACHED; 0 = unlimited")
}

// defineFaultFlags defines the flags that slow requests down or fail them.
func defineFaultFlags(flags *flag.FlagSet, config *simulator.Config) {
	flags.Var(durationValue{&config.Latency}, "latency", "delay `D` added to every response, such as 250ms")
	flags.Float64Var(&config.ErrorRate, "error-rate", 0, "fraction `F` (0-1) of requests answered 503 SERVICE_UNAVAILABLE")
	flags.Float64Var(&config.ResetRate, "reset-rate", 0, "fraction `F` (0-1) of requests processed and then answered by resetting the connection")
	flags.Float64Var(&config.MalformedRate, "malformed-rate", 0, "fraction `F` (0-1) of requests processed and then answered with a broken body "+
		"(in turn: a proxy's HTML 502, truncated JSON, an empty 200, success:false with 200); the three rates add up to at most 1")
	flags.Float64Var(&config.RateLimit, "rate-limit", 0, "requests per second allowed per API key (`N`); 0 = unlimited; beyond it 429 RATE_LIMITED; needs --profile assumed (the published API documents no rate limit)")
}

// flagOf names a simulator.Config field by the flag that sets it.
func flagOf(field string) string {
	switch field {
	case "APIKeys":
		return "API key"
	case "Profile":
		return "--profile"
	case "Connections":
		return "--connections"
	case "PlanTier":
		return "--plan-tier"
	case "ScanQuota":
		return "--scan-quota"
	case "AIPilotConnection":
		return "--ai-pilot-connection"
	case "Entitlements":
		return "--entitlements"
	case "OmitTotalPages":
		return "--omit-total-pages"
	case "ScanDuration":
		return "--scan-duration"
	case "ResultsPerScan":
		return "--results"
	case "Score":
		return "--score"
	case "ScoreSequence":
		return "--score-sequence"
	case "ScanOutcome":
		return "--scan-outcome"
	case "Latency":
		return "--latency"
	case "ErrorRate":
		return "--error-rate"
	case "ResetRate":
		return "--reset-rate"
	case "MalformedRate":
		return "--malformed-rate"
	case "RateLimit":
		return "--rate-limit"
	case "RequestLogFormat":
		return "--log-format"
	}
	return field
}
