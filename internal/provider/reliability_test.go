package provider

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/aether365/terraform-provider-aether365/internal/simulator"
	"github.com/aether365/terraform-provider-aether365/internal/simulator/simtest"
)

// The reliability tests run the provider against a simulator of the
// published API that fails a quarter of all requests: 15% answered 503
// (without Retry-After, as published), 5% processed and then reset without
// an answer, 5% processed and then answered with a broken body (proxy HTML
// 502, truncated JSON, empty 200, success:false with 200), and 20 ms latency
// on everything. The published API documents no request rate limit, so none
// is simulated here.
//
// A request fails for good only when all of its attempts fail:
// 0.25^(max_retries+1); these tests set the maximum of 20 retries.
//
// A scan's trigger whose answer is lost is sent again, and the retry meets
// 409 SCAN_ALREADY_RUNNING and adopts the scan (one scan runs at a time per
// tenant), provided the scan is still running when the retry lands. Real
// scans take minutes; here they take chaosScanDuration, far longer than a
// chain of retries (backoff 0.5, 1, 2, 4 s: five failures in a row after a
// lost answer, 0.1%, would outlast it). The two resources of a case scan two
// connections, so they run side by side.
const (
	chaosErrorRate     = 0.15
	chaosResetRate     = 0.05
	chaosMalformedRate = 0.05
	chaosLatency       = 20 * time.Millisecond
	chaosMaxRetries    = 20
	chaosScanDuration  = 10 * time.Second
)

// chaosConnections are the two connected Microsoft 365 tenants the two
// resources of a chaos case scan.
var chaosConnections = []string{"conn_a", "conn_b"}

func chaosSimulatorConfig(seed int64) simulator.Config {
	return simulator.Config{
		ErrorRate:     chaosErrorRate,
		ResetRate:     chaosResetRate,
		MalformedRate: chaosMalformedRate,
		Latency:       chaosLatency,
		ScanDuration:  chaosScanDuration,
		Connections:   map[string][]string{testTenant: chaosConnections},
		Seed:          seed,
	}
}

// chaosProviderConfig is the provider block for a faulty simulator at url.
func chaosProviderConfig(url string) string {
	return fmt.Sprintf(`
provider "aether365" {
  base_url    = %q
  api_key     = %q
  max_retries = %d
}
`, url, testAPIKey, chaosMaxRetries)
}

// chaosCase is one sequence of create/plan/destroy cycles: every step gives
// both scans a new trigger value, so each step plans, creates two new scans
// and destroys the two of the step before.
type chaosCase struct {
	name   string
	seed   int64
	steps  int
	tenant string // the tenant the scans land in (a real ID, for ScanIDs)
	adjust func(*simulator.Config)
	// extra is configuration added to every step (data sources).
	extra  string
	checks []statecheck.StateCheck
	// scanArgs is added to both resources.
	scanArgs string
}

// Repeated create/plan/destroy cycles against the faulty simulator all
// succeed, and the server ends holding exactly the scans the provider created:
// one per resource per cycle, no duplicate from a retried POST and no orphan
// from a POST whose answer was lost.
func TestAccReliability_createPlanDestroyCyclesUnderFaults(t *testing.T) {
	started := time.Now()
	t.Cleanup(func() { t.Logf("all cycles took %s", time.Since(started).Round(time.Second)) })

	cases := []chaosCase{
		{name: "compliance scans", seed: 101, steps: 6, tenant: testTenant},
		{
			name: "scans of many results", seed: 202, steps: 5, tenant: testTenant,
			adjust: func(c *simulator.Config) { c.ResultsPerScan = 2000 },
		},
		{
			// Each read of the results pages through them, and every page
			// request meets the faults too, so this case has fewer cycles.
			name: "with paginated data sources", seed: 303, steps: 3, tenant: testTenant,
			adjust: func(c *simulator.Config) { c.ResultsPerScan = 150 },
			extra: `
data "aether365_scan_results" "a" {
  scan_id = aether365_scan.a.id
  result  = "all"
}

data "aether365_scans" "recent" {
  limit      = 2
  depends_on = [aether365_scan.a, aether365_scan.b]
}
`,
			checks: []statecheck.StateCheck{
				expectValue("data.aether365_scan_results.a", "total", knownvalue.Int64Exact(150)),
				statecheck.ExpectKnownValue("data.aether365_scan_results.a", tfjsonpath.New("results"), knownvalue.ListSizeExact(150)),
				statecheck.ExpectKnownValue("data.aether365_scans.recent", tfjsonpath.New("scans"), knownvalue.ListSizeExact(2)),
			},
		},
		{
			name: "exposure scans, the account named", seed: 404, steps: 7, tenant: testTenant,
			scanArgs: "tenant_id = \"" + testTenant + "\"\n  scan_type = \"exposure\"",
		},
	}
	total := 0
	for _, c := range cases {
		total += c.steps
	}
	if total < 20 {
		t.Fatalf("only %d cycles; the issue asks for at least 20", total)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { runChaosCase(t, c) })
	}
}

// config is the case's configuration for one cycle: two scans whose triggers
// name the cycle, so each cycle replaces both.
func (c chaosCase) config(url string, cycle int) string {
	scanArgs := c.scanArgs
	if scanArgs == "" {
		scanArgs = `scan_type = "compliance"`
	}
	var b strings.Builder
	b.WriteString(chaosProviderConfig(url))
	for i, name := range []string{"a", "b"} {
		fmt.Fprintf(&b, "\nresource \"aether365_scan\" %q {\n  %s\n  connection_id = %q\n  triggers = { cycle = \"%d\" }\n}\n",
			name, scanArgs, chaosConnections[i], cycle)
	}
	b.WriteString(c.extra)
	return b.String()
}

func runChaosCase(t *testing.T, c chaosCase) {
	cfg := chaosSimulatorConfig(c.seed)
	if c.adjust != nil {
		c.adjust(&cfg)
	}
	sim := newTestSimulator(t, cfg)

	var created []string // every scan ID the provider put into state, in order
	steps := make([]resource.TestStep, c.steps)
	for i := range steps {
		action := plancheck.ResourceActionReplace
		if i == 0 {
			action = plancheck.ResourceActionCreate
		}
		checks := []statecheck.StateCheck{
			expectString("aether365_scan.a", "status", "completed"),
			expectString("aether365_scan.b", "status", "completed"),
			expectValue("aether365_scan.a", "score", knownvalue.NotNull()),
		}
		steps[i] = resource.TestStep{
			Config: c.config(sim.URL, i),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("aether365_scan.a", action),
					plancheck.ExpectResourceAction("aether365_scan.b", action),
				},
			},
			ConfigStateChecks: append(checks, c.checks...),
			Check: func(s *terraform.State) error {
				for _, address := range []string{"aether365_scan.a", "aether365_scan.b"} {
					rs, ok := s.RootModule().Resources[address]
					if !ok {
						return fmt.Errorf("cycle %d: %s not in state", i, address)
					}
					if slices.Contains(created, rs.Primary.ID) {
						return fmt.Errorf("cycle %d: %s kept scan %s instead of a new one", i, address, rs.Primary.ID)
					}
					created = append(created, rs.Primary.ID)
				}
				if held := sim.ScanCount(c.tenant); held != len(created) {
					return fmt.Errorf("cycle %d: the server holds %d scans for %d created resources", i, held, len(created))
				}
				return nil
			},
		}
	}
	parallelAccTest(t, resource.TestCase{
		Steps: steps,
		CheckDestroy: func(*terraform.State) error {
			held := sim.ScanIDs(c.tenant)
			if len(created) != 2*c.steps {
				return fmt.Errorf("%d scans created over %d cycles, want %d", len(created), c.steps, 2*c.steps)
			}
			if !slices.Equal(sortedCopy(held), sortedCopy(created)) {
				return fmt.Errorf("the server holds %v; the provider created %v (a difference is a duplicate or an orphan)", held, created)
			}
			return nil
		},
	})
	stats := sim.Stats()
	t.Logf("%d requests, %d scans: %d injected 503s, %d resets, %d malformed",
		stats.Requests, len(created), stats.InjectedErrors, stats.InjectedResets, stats.InjectedMalformed)
	if stats.InjectedErrors == 0 || stats.InjectedResets == 0 || stats.InjectedMalformed == 0 {
		t.Errorf("some fault was never injected, so this proved less than it claims: %+v", stats)
	}
}

// diagnosticPattern matches a diagnostic that contains the parts in order;
// Terraform wraps long lines, so any space in a part matches any run of
// whitespace.
func diagnosticPattern(parts ...string) *regexp.Regexp {
	for i, part := range parts {
		parts[i] = strings.ReplaceAll(part, " ", `\s+`)
	}
	return regexp.MustCompile(`(?s)` + strings.Join(parts, ".*"))
}

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}

// scanWithThreeSecondTimeout is a scan whose create timeout passes within
// a test's patience.
const scanWithThreeSecondTimeout = `
resource "aether365_scan" "test" {
  scan_type = "compliance"
  timeouts {
    create = "3s"
  }
}
`

// stepTimer measures the time from one step's PreConfig to the next one's.
type stepTimer struct{ started time.Time }

func (s *stepTimer) start()               { s.started = time.Now() }
func (s *stepTimer) since() time.Duration { return time.Since(s.started) }
func (s *stepTimer) within(lo, hi time.Duration) error {
	if took := s.since(); took < lo || took > hi {
		return fmt.Errorf("the failed apply took %s, want between %s and %s", took.Round(time.Millisecond), lo, hi)
	}
	return nil
}

// The create timeout holds while the API is failing a quarter of the requests: the
// apply fails within the timeout (plus Terraform's own overhead), names the
// scan and its last status, and the scan ID, written before waiting, is in
// state, so the next apply replaces it. The server then holds exactly the
// timed-out scan and its replacement, although the timed-out scan's POST was
// answered with a reset (seed 7 makes the first request a reset): its retry
// met 409 and adopted the scan. The replacement waits for the timed-out
// scan, still running, to end, then starts its own.
func TestAccReliability_createTimeoutUnderFaults(t *testing.T) {
	cfg := chaosSimulatorConfig(7)
	cfg.ScanDuration = 10 * time.Second
	sim := newTestSimulator(t, cfg)
	config := chaosProviderConfig(sim.URL) + scanWithThreeSecondTimeout
	var timer stepTimer
	parallelAccTest(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				PreConfig:   timer.start,
				Config:      config,
				ExpectError: diagnosticPattern(`Timed Out Waiting for Aether365 Scan`, `scan_[0-9a-z]+`, `timeout of 3s`, `last known status is "in_progress"`),
			},
			{
				PreConfig: func() {
					if err := timer.within(3*time.Second, 20*time.Second); err != nil {
						t.Error(err)
					}
					if n := sim.ScanCount(testTenant); n != 1 {
						t.Errorf("after the timeout the server holds %d scans, want 1", n)
					}
					if sim.Stats().InjectedResets == 0 {
						t.Error("no reset was injected before the timeout; the seed no longer exercises a lost POST answer")
					}
					sim.SetScanDuration(0)
				},
				// The replacement gets room to start its scan through the same
				// faults: the create timeout bounds the POST's retries too, and
				// 3 s is only a few retry waits.
				Config: strings.Replace(config, `create = "3s"`, `create = "2m"`, 1),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("aether365_scan.test", plancheck.ResourceActionReplace)},
				},
				ConfigStateChecks: []statecheck.StateCheck{expectString("aether365_scan.test", "status", "completed")},
				Check:             expectScanCount(sim, 2, "the server holds %d scans, want 2 (the timed-out one and its replacement)"),
			},
		},
	})
}

// statusRewriter sits in front of the simulator and reports every unfinished
// scan with a status this provider has never heard of, which never changes.
type statusRewriter struct {
	sim     http.Handler
	enabled atomic.Bool
}

var unfinishedStatus = regexp.MustCompile(`"status":"in_progress"`)

func (s *statusRewriter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !s.enabled.Load() {
		s.sim.ServeHTTP(w, r)
		return
	}
	recorder := httptest.NewRecorder()
	s.sim.ServeHTTP(recorder, r)
	body := unfinishedStatus.ReplaceAll(recorder.Body.Bytes(), []byte(`"status":"awaiting_approval"`))
	copyHeader(w.Header(), recorder.Header())
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(recorder.Code)
	_, _ = w.Write(body)
}

func copyHeader(dst, src http.Header) {
	for name, values := range src {
		dst[name] = slices.Clone(values)
	}
}

// A status the provider does not know counts as still running: a scan stuck
// in it is bounded by the create timeout, and the error names that status.
func TestAccReliability_unknownStatusThatNeverChangesIsBoundedByTheTimeout(t *testing.T) {
	var rewriter *statusRewriter
	server := simtest.StartBehind(t, simulator.Config{APIKeys: map[string]string{testAPIKey: testTenant}, ScanDuration: 8 * time.Second, Seed: 365},
		func(sim *simulator.Server) http.Handler {
			rewriter = &statusRewriter{sim: sim}
			rewriter.enabled.Store(true)
			return rewriter
		})
	sim := server.Server
	config := (&testSimulator{Server: server}).providerConfig() + scanWithThreeSecondTimeout
	var timer stepTimer
	parallelAccTest(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				PreConfig:   timer.start,
				Config:      config,
				ExpectError: diagnosticPattern(`Timed Out Waiting for Aether365 Scan`, `scan_[0-9a-z]+`, `last known status is "awaiting_approval"`),
			},
			{
				PreConfig: func() {
					if err := timer.within(3*time.Second, 15*time.Second); err != nil {
						t.Error(err)
					}
					rewriter.enabled.Store(false)
					sim.SetScanDuration(0)
				},
				// The replacement waits for the timed-out scan, still running,
				// to end (one scan at a time per tenant), then starts its own.
				Config: strings.Replace(config, `create = "3s"`, `create = "1m"`, 1),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("aether365_scan.test", plancheck.ResourceActionReplace)},
				},
				ConfigStateChecks: []statecheck.StateCheck{expectString("aether365_scan.test", "status", "completed")},
				Check:             expectScanCount(sim, 2, "the server holds %d scans, want 2"),
			},
		},
	})
}

// pageMode says how mindChanger misbehaves.
type pageMode int32

const (
	pagesHonest pageMode = iota
	pagesGrow            // from page 2 on, the total and page count have grown
	pagesRepeat          // page 2 and later serve page 1's items again
	pagesShrink          // from page 2 on, the total has shrunk
)

// mindChanger sits in front of the simulator and changes its mind about a
// results list between pages, as a server whose data moves under a listing
// would.
type mindChanger struct {
	sim  http.Handler
	mode atomic.Int32
	mu   sync.Mutex
	hits int
}

func (m *mindChanger) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	mode := pageMode(m.mode.Load())
	if !strings.HasSuffix(r.URL.Path, "/results") || page < 2 || mode == pagesHonest {
		m.sim.ServeHTTP(w, r)
		return
	}
	m.mu.Lock()
	m.hits++
	m.mu.Unlock()
	if mode == pagesRepeat {
		query := r.URL.Query()
		query.Set("page", "1")
		r = r.Clone(r.Context())
		r.URL.RawQuery = query.Encode()
	}
	recorder := httptest.NewRecorder()
	m.sim.ServeHTTP(recorder, r)
	var env map[string]any
	if err := json.Unmarshal(recorder.Body.Bytes(), &env); err != nil {
		http.Error(w, "rewriting: "+err.Error(), http.StatusInternalServerError)
		return
	}
	meta, isObject := env["meta"].(map[string]any)
	total, hasTotal := meta["total"].(float64)
	limit, hasLimit := meta["limit"].(float64)
	if isObject && hasTotal && hasLimit && limit > 0 {
		switch mode {
		case pagesGrow:
			total += 2 * limit
		case pagesShrink:
			total -= limit
		}
		meta["total"] = total
		meta["totalPages"] = float64(int((total + limit - 1) / limit))
		meta["page"] = float64(page)
	}
	var body bytes.Buffer
	_ = json.NewEncoder(&body).Encode(env)
	copyHeader(w.Header(), recorder.Header())
	w.Header().Set("Content-Length", strconv.Itoa(body.Len()))
	w.WriteHeader(recorder.Code)
	_, _ = w.Write(body.Bytes())
}

// A server that changes its mind mid-pagination (the total grows or shrinks,
// a page repeats earlier items) makes aether365_scan_results fail with a
// diagnostic that says what the server did, rather than return a list with
// gaps or duplicates. The same list read honestly works.
func TestAccReliability_serverChangingItsMindMidPagination(t *testing.T) {
	var changer *mindChanger
	server := simtest.StartBehind(t, simulator.Config{APIKeys: map[string]string{testAPIKey: testTenant}, ResultsPerScan: 450, Seed: 365},
		func(sim *simulator.Server) http.Handler {
			changer = &mindChanger{sim: sim}
			return changer
		})
	sim := server.Server
	config := (&testSimulator{Server: server}).providerConfig() + `
resource "aether365_scan" "test" {
  scan_type = "compliance"
}

data "aether365_scan_results" "all" {
  scan_id = aether365_scan.test.id
  result  = "all"
}
`
	setMode := func(mode pageMode) func() { return func() { changer.mode.Store(int32(mode)) } }
	parallelAccTest(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				PreConfig:   setMode(pagesGrow),
				Config:      config,
				ExpectError: diagnosticPattern(`Error Reading Aether365 Scan Results`, `inconsistent pagination`, `page count grew from 3 to 5 while listing`),
			},
			{
				PreConfig:   setMode(pagesRepeat),
				Config:      config,
				ExpectError: diagnosticPattern(`Error Reading Aether365 Scan Results`, `inconsistent pagination`, `item "result_[0-9a-f]+" is on page 1 and again on page [23]`),
			},
			{
				PreConfig:   setMode(pagesShrink),
				Config:      config,
				ExpectError: diagnosticPattern(`Error Reading Aether365 Scan Results`, `inconsistent pagination`, `(page count changed from 3 to 2|item total changed from 450 to 250)`),
			},
			{
				PreConfig: setMode(pagesHonest),
				Config:    config,
				ConfigStateChecks: []statecheck.StateCheck{
					expectValue("data.aether365_scan_results.all", "total", knownvalue.Int64Exact(450)),
					statecheck.ExpectKnownValue("data.aether365_scan_results.all", tfjsonpath.New("results"), knownvalue.ListSizeExact(450)),
				},
				Check: func(*terraform.State) error {
					changer.mu.Lock()
					defer changer.mu.Unlock()
					if changer.hits == 0 {
						return fmt.Errorf("the misbehaving pages were never requested")
					}
					if n := sim.ScanCount(testTenant); n != 1 {
						return fmt.Errorf("the server holds %d scans, want 1", n)
					}
					return nil
				},
			},
		},
	})
}
