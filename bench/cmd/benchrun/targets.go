package main

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aether365/terraform-provider-aether365/bench"
)

// bound is a pass/fail target: the figure it judges must be at least (or,
// with atMost, at most) limit. stated is how the table states it, with %g
// for the limit.
type bound struct {
	limit  float64
	atMost bool
	stated string
}

// targets are the pass/fail targets of the rows below, by row ID; the
// large result sets keep theirs beside their rows (largereport.go).
var targets = map[string]bound{
	"P1a": {limit: 4, stated: "≥ %g× faster"},
	"P1b": {limit: 1, atMost: true, stated: "≤ %g s"},
	"P2a": {limit: 25, atMost: true, stated: "≤ %g"},
	// P2b: the worst lateness over the curve's durations, as a fraction of
	// bench.HintlessLatenessBound.
	"P2b": {limit: 1, atMost: true, stated: "seen ≤ max(1 s, d/4) late at every curve duration"},
	"P3a": {limit: 5, stated: "≥ %g× faster"},
	"P3b": {limit: 1.5, atMost: true, stated: "≤ %g× the limit"},
	"P4a": {limit: 150, atMost: true, stated: "≤ %g MB"},
	"P5a": {limit: 1.3, atMost: true, stated: "≤ %g× the ideal"},
	// P5b: errors, surfaced 429s and scans not completed, added up.
	"P5b": {limit: 0, atMost: true, stated: "0 / 0"},
}

// judged is t with its target stated and met decided from figure, the
// number the target bounds.
func (t target) judged(figure float64) target {
	b, ok := targets[t.ID]
	if !ok {
		panic("no target for row " + t.ID)
	}
	t.Target = b.stated
	if strings.Contains(b.stated, "%") {
		t.Target = fmt.Sprintf(b.stated, b.limit)
	}
	if b.atMost {
		t.Met = met(figure <= b.limit)
	} else {
		t.Met = met(figure >= b.limit)
	}
	return t
}

func met(ok bool) *bool { return &ok }

func seconds(s float64) string { return fmt.Sprintf("%.2f s", s) }

func times(x float64) string { return fmt.Sprintf("%.1f×", x) }

// na marks a cell with nothing to show.
const na = "–"

func (r *report) add(t target) { r.Targets = append(r.Targets, t) }

// evaluate turns the measurements into the table's rows.
func (r *report) evaluate() {
	r.evaluateP1()
	r.evaluateP2()
	r.evaluateP3()
	r.evaluateTerraform()
	if r.Large != nil {
		r.Targets = append(r.Targets, r.Large.targets()...)
	}
}

func (r *report) evaluateP1() {
	runs := r.P1.Runs
	if len(runs) == 0 {
		return
	}
	var apply, late, waiter, before, after []float64
	for _, run := range runs {
		apply = append(apply, run.ApplyS)
		late = append(late, run.LatenessS)
		waiter = append(waiter, run.WaiterLatenessS)
		before = append(before, run.BeforeScanS)
		after = append(after, run.AfterResultS)
	}
	applyS, worstLate := median(apply), slices.Max(late)
	guide := r.P1.Guide
	guideKind := "seed's Python loop, measured"
	if !guide.Measured {
		guideKind = "seed's loop, closed form"
	}
	r.add(target{ID: "P1a", Name: "P1 time to result: `terraform apply` of one 5 s scan (median of 3)",
		Figure: seconds(applyS), Baseline: fmt.Sprintf("%s (%s)", seconds(guide.TimeToResultS), guideKind),
		Ratio: times(guide.TimeToResultS / applyS)}.judged(guide.TimeToResultS / applyS))
	r.add(target{ID: "P1b", Name: "P1 apply returns after the scan completed (worst of 3; median " + seconds(median(late)) + ")",
		Figure: seconds(worstLate), Baseline: seconds(guide.LatenessS),
		Ratio: times(guide.LatenessS / math.Max(worstLate, 0.001))}.judged(worstLate))
	r.add(target{ID: "P1c", Name: "P1 Terraform's own start-up: apply of a lone `terraform_data` (median of 3)",
		Figure: seconds(r.P1.StartupS), Baseline: na, Ratio: na, Target: "reported separately"})
	r.add(target{ID: "P1d", Name: "P1 split: apply start → POST sent / completion → poll that saw it / that poll → apply returns (medians)",
		Figure:   fmt.Sprintf("%s / %s / %s", seconds(median(before)), seconds(median(waiter)), seconds(median(after))),
		Baseline: na, Ratio: na, Target: "reported"})
}

// evaluateP2 adds the polling rows: with hints the target is the poll
// count; without them it is the lateness bound, which sets how few polls
// are possible at all.
func (r *report) evaluateP2() {
	const name = "P2 (in-process, simulated clock) status polls while waiting for a 10-minute scan, "
	const hinted, bare = "BenchmarkP2PolitePolling/retry-after", "BenchmarkP2PolitePolling/no-hint"
	if polls, ok := r.bench(hinted, "polls/op"); ok {
		guidePolls, _ := r.bench(hinted, "baseline_polls/op")
		late, _ := r.bench(hinted, "p1_lateness_s")
		r.add(target{ID: "P2a", Name: name + "with the simulator's Retry-After hints (5 s scan seen " + seconds(late) + " late)",
			Figure: fmt.Sprintf("%.0f", polls), Baseline: fmt.Sprintf("%.0f (seed's 30 s loop)", guidePolls),
			Ratio: fmt.Sprintf("%.2f× the polls", polls/guidePolls)}.judged(polls))
	}
	polls, ok := r.bench(bare, "polls/op")
	if !ok {
		return
	}
	guidePolls, _ := r.bench(bare, "baseline_polls/op")
	late, _ := r.bench(bare, "lateness_s")
	shortLate, _ := r.bench(bare, "p1_lateness_s")
	row := target{ID: "P2b", Name: fmt.Sprintf(name+"hints stripped (seen %s late; 5 s scan seen %s late)", seconds(late), seconds(shortLate)),
		Figure: fmt.Sprintf("%.0f", polls), Baseline: fmt.Sprintf("%.0f (seed's 30 s loop)", guidePolls),
		Ratio: fmt.Sprintf("%.2f× the polls", polls/guidePolls)}
	worst, worstScanS := r.worstHintlessLateness()
	row = row.judged(worst)
	if worstScanS > 0 {
		row.Target += fmt.Sprintf(" (worst: %.0f%% of the bound, at %gs)", 100*worst, worstScanS)
	}
	if minimum, ok := r.bench(bare, "min_polls_within_bound"); ok && minimum > targets["P2a"].limit {
		row.Target += fmt.Sprintf("; ≤ %g unattainable under the lateness bound (minimum %.0f)", targets["P2a"].limit, minimum)
	}
	r.add(row)
}

// worstHintlessLateness is the largest lateness without hints over the
// curve, as a fraction of bench.HintlessLatenessBound, and the scan
// duration (s) it was seen at.
func (r *report) worstHintlessLateness() (fraction, scanS float64) {
	for _, p := range r.Curve {
		limit := bench.HintlessLatenessBound(time.Duration(p.ScanS * float64(time.Second))).Seconds()
		if f := (p.ProviderNoHintS - p.ScanS) / limit; f > fraction || scanS == 0 {
			fraction, scanS = f, p.ScanS
		}
	}
	return fraction, scanS
}

// evaluateP3 adds the paging rows and the conversion benchmark's (E0).
func (r *report) evaluateP3() {
	const p3 = "BenchmarkP3Pagination"
	if pager, ok := r.bench(p3, "pager_ms"); ok {
		guideMS, _ := r.bench(p3, "baseline_ms")
		speedup, _ := r.bench(p3, "speedup")
		conc, _ := r.bench(p3, "concurrency")
		rts, _ := r.bench(p3, "round_trips")
		limit, _ := r.bench(p3, "limit_round_trips")
		vs, _ := r.bench(p3, "vs_limit")
		rt, _ := r.bench(p3, "round_trip_ms")
		r.add(target{ID: "P3a", Name: fmt.Sprintf("P3 (in-process) read 10,000 results (100 per page, +25 ms per request), pager with concurrency %.0f", conc),
			Figure: fmt.Sprintf("%.0f ms", pager), Baseline: fmt.Sprintf("%.0f ms (seed's page-by-page loop)", guideMS),
			Ratio: times(speedup)}.judged(speedup))
		r.add(target{ID: "P3b", Name: fmt.Sprintf("P3 (in-process) pager's time in round trips (one page request = %.1f ms)", rt),
			Figure: fmt.Sprintf("%.1f", rts), Baseline: fmt.Sprintf("%.0f (limit: 1 + ceil(99/%.0f))", limit, conc),
			Ratio: fmt.Sprintf("%.2f× the limit", vs)}.judged(vs))
	}
	if limited, ok := r.bench("BenchmarkP3RateLimited/client-limit-18", "429s/op"); ok {
		unlimited, _ := r.bench("BenchmarkP3RateLimited/no-client-limit", "429s/op")
		r.add(target{ID: "P3c", Name: "P3 (in-process) politeness: 429s while paging 5,000 results from a 20 req/s server, client limit 18 req/s",
			Figure: fmt.Sprintf("%.0f", limited), Baseline: fmt.Sprintf("%.0f without the client limit (retried)", unlimited),
			Ratio: na, Target: "reported"})
	}

	const conversion = "BenchmarkScanResultsConversion/results=10000/control_text=true"
	if ms, ok := r.bench(conversion, "ms/10k-results"); ok {
		r.add(target{ID: "E0", Name: "E (in-process Go benchmark) results → the state's msgpack, per 10,000 results",
			Figure: fmt.Sprintf("%.0f ms", ms), Baseline: na, Ratio: na, Target: "reported (E1b is the target)"})
	}
}

// evaluateTerraform adds the rows of the Terraform runs P4 and P5.
func (r *report) evaluateTerraform() {
	if r.P4.Results > 0 {
		peakMB := math.Max(r.P4.PlanPeakRSSMiB, r.P4.ApplyPeakRSSMiB) * 1024 * 1024 / 1e6
		r.add(target{ID: "P4a", Name: fmt.Sprintf("P4 provider peak RSS, `terraform plan`/`apply` reading 10,000 results (plan %.0f MB, apply %.0f MB; %d+%d provider starts)",
			r.P4.PlanPeakRSSMiB*1.048576, r.P4.ApplyPeakRSSMiB*1.048576, r.P4.PlanProviderStarts, r.P4.ApplyProviderStarts),
			Figure: fmt.Sprintf("%.0f MB", peakMB), Baseline: na, Ratio: na}.judged(peakMB))
		r.add(target{ID: "P4b", Name: fmt.Sprintf("P4 state size after apply (plan took %s, apply %s)", seconds(r.P4.PlanS), seconds(r.P4.ApplyS)),
			Figure: fmt.Sprintf("%.1f MB", float64(r.P4.StateBytes)/1e6), Baseline: na, Ratio: na, Target: "reported"})
	}

	if p := r.P5; p.Tenants > 0 {
		r.add(target{ID: "P5a", Name: fmt.Sprintf("P5 fleet: %d scans (for_each), server limit %g req/s, `requests_per_second = %g`", p.Tenants, p.ServerRate, p.ClientRate),
			Figure: seconds(p.WallS), Baseline: fmt.Sprintf("%s ideal (max of %d waves × %gs, %d requests / %g per s)", seconds(p.IdealS), p.Tenants/p.Parallelism, p.ScanS, 2*p.Tenants, p.ServerRate),
			Ratio: fmt.Sprintf("%.2f× the ideal", p.Ratio)}.judged(p.Ratio))
		r.add(target{ID: "P5b", Name: fmt.Sprintf("P5 errors / 429s surfaced to the user (%d of %d scans completed)", p.Completed, p.Tenants),
			Figure: fmt.Sprintf("%d / %d", p.Errors, p.Surfaced429), Baseline: na, Ratio: na}.judged(float64(p.Errors + p.Surfaced429 + p.Tenants - p.Completed)))
		baseline := na
		if u := r.P5NoClientLimit; u != nil {
			baseline = fmt.Sprintf("%d without `requests_per_second` (%d errors, %s)", u.Sent429, u.Errors, seconds(u.WallS))
		}
		r.add(target{ID: "P5c", Name: fmt.Sprintf("P5 429s the server sent (of %d requests)", p.Requests),
			Figure: strconv.Itoa(p.Sent429), Baseline: baseline, Ratio: na, Target: "reported"})
	}
}
