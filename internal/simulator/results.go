package simulator

import (
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/aether365/terraform-provider-aether365/api"
)

// outcome is a result's "result" field, stored as a byte so a 100,000-result
// scan costs 100 kB, not a slice of structs.
type outcome uint8

const (
	outcomePassed outcome = iota
	outcomeFailed
	outcomeSkipped
)

// resultValues are the API's spellings, indexed by outcome.
var resultValues = []api.ResultValue{api.ResultValuePassed, api.ResultValueFailed, api.ResultValueSkipped}

// outcomeCounts is how many results of each kind a scan has; skipped
// results do not count towards the score.
type outcomeCounts struct {
	passed, failed, skipped int
}

func (c outcomeCounts) scored() int { return c.passed + c.failed }

// score is round(100 * passed / (passed + failed), 1 decimal), the published
// formula; a scan with nothing scored reports 0 rather than dividing by zero.
func (c outcomeCounts) score() float64 {
	if c.scored() == 0 {
		return 0
	}
	return float64(scoreTenths(c.passed, c.scored())) / 10
}

func scoreTenths(passed, scored int) int64 {
	if scored == 0 {
		return 0
	}
	return int64(math.Round(1000 * float64(passed) / float64(scored)))
}

// planOutcomes chooses how many of n results pass, fail or are skipped for
// a score of target, and returns them.
//
// The failures follow a smooth curve of the target, round((n - preferred
// skipped) * (100 - target) / 100), where the preferred share of skipped
// results is 2-5% (mix picks it), as real scans skip a few checks. Of the
// failure counts within nearCurve of the curve, planOutcomes takes the
// nearest that hits the target rounded to one decimal, with the skipped
// results as close to their share as that allows (at most half of n); when
// none hits, the nearest that comes within a tenth; only when none does
// either (targets within about 1 of 0 or 100 with few results), whatever
// comes closest. So:
//
//   - with 1,000 results or more the score is the target (to one decimal)
//     and a lower target fails at least as many results as a higher one;
//   - with 150 results the score is the target or a tenth off (a tenth off
//     for about one target in ten, such as 67.0 and 50.5), between 1 and
//     99, and a target 5 points lower fails at least as many results.
//
// Failing at least as many results is what keeps the failures of a
// connection's scans nested (see posture); a score needs far more
// combinations of counts to hit every tenth than a smooth count of failures
// leaves when results are few.
func planOutcomes(n int, target float64, mix uint64) outcomeCounts {
	preferredSkipped := n * int(20+mix%31) / 1000
	tenths := min(max(int(math.Round(target*10)), 0), 1000)
	preferredFailed := int(math.Round(float64(n-preferredSkipped) * float64(1000-tenths) / 1000))
	// First the counts near the curve that hit the target, then those near
	// it that come within a tenth, then any count that comes closest.
	best, bestDistance := outcomeCounts{passed: n}, math.MaxInt
	for _, tier := range []struct{ maxStep, maxDistance int }{{nearCurve, 0}, {nearCurve, 1}, {n, 0}} {
		for step := 0; step <= tier.maxStep; step++ {
			for _, failed := range []int{preferredFailed - step, preferredFailed + step} {
				if failed < 0 || failed > n || (step == 0 && failed != preferredFailed) {
					continue
				}
				counts, distance := planPassed(n, failed, tenths, preferredSkipped)
				if distance < bestDistance {
					best, bestDistance = counts, distance
				}
				if bestDistance <= tier.maxDistance {
					return best
				}
			}
		}
	}
	return best
}

// nearCurve is how far from the curve a failure count may be to be chosen
// for hitting the target within a tenth.
const nearCurve = 3

// planPassed picks the passed results that, with failed failures, score
// closest to tenths, skipping at most half of n and as close to
// preferredSkipped as that allows; it returns the distance in tenths, or
// math.MaxInt when failed leaves no room.
func planPassed(n, failed, tenths, preferredSkipped int) (outcomeCounts, int) {
	low, high := max(0, n-failed-n/2), n-failed // passed, so that 0 <= skipped <= n/2
	if high < low {
		return outcomeCounts{}, math.MaxInt
	}
	at := func(passed int) int64 { return scoreTenths(passed, passed+failed) }
	preferred := min(max(n-failed-preferredSkipped, low), high)
	// The score never falls as passed grows: find the first passed that
	// reaches tenths, and the last that does not pass it.
	first := low + sort.Search(high-low+1, func(i int) bool { return at(low+i) >= int64(tenths) })
	last := low + sort.Search(high-low+1, func(i int) bool { return at(low+i) > int64(tenths) }) - 1
	counts := func(passed int) outcomeCounts {
		return outcomeCounts{passed: passed, failed: failed, skipped: n - failed - passed}
	}
	if first <= last {
		return counts(min(max(preferred, first), last)), 0
	}
	// No exact hit: the closest score is on one side of the gap.
	best, bestDistance := -1, math.MaxInt
	for _, passed := range []int{first, last} {
		if passed < low || passed > high {
			continue
		}
		distance := int(at(passed) - int64(tenths))
		if distance < 0 {
			distance = -distance
		}
		if distance < bestDistance {
			best, bestDistance = passed, distance
		}
	}
	return counts(best), bestDistance
}

// scanResults is everything a completed scan's results are built from. It is
// generated once per scan, on first need, and never changes afterwards.
type scanResults struct {
	controls []control
	outcomes []outcome
	counts   outcomeCounts
}

// posture is what stays the same between the scans of one connection (a
// Microsoft 365 tenant) and scan type: which results are its weakest, and
// the share of skipped results. A connection's scans differ only in how far
// down that order the failures reach, so a lower score fails a superset of
// what a higher one fails, as a real tenant's posture drifts: "new failures"
// between two scans are then the difference of their scores, not noise.
type posture struct {
	seed       int64
	account    string
	connection string
	scanType   api.ScanType
}

func (p posture) key() (uint64, uint64) {
	return hashName(p.account + "\x00" + p.connection), hashName(string(p.scanType))
}

func (p posture) mix() uint64 {
	tenant, scanType := p.key()
	return derive(p.seed, streamOutcomeMix, tenant, scanType)
}

// positionBits holds a result position (below MaxResultsPerScan) in the low
// bits of a sort key whose high bits are the position's weakness.
const positionBits = 17

// weakestFirst returns the positions 0..n-1, weakest first. A position's
// weakness does not depend on n, so scans with more results keep the order
// of those with fewer.
func (p posture) weakestFirst(n int) []int {
	keys := make([]uint64, n)
	tenant, scanType := p.key()
	for position := range n {
		weakness := derive(p.seed, streamWeakness, tenant, scanType, uint64(position))
		keys[position] = weakness<<positionBits | uint64(position)
	}
	slices.Sort(keys)
	order := make([]int, n)
	for i, key := range keys {
		order[i] = int(key & (1<<positionBits - 1))
	}
	return order
}

func generateResults(p posture, n int, target float64) *scanResults {
	generated := &scanResults{
		controls: controlsForScanType(p.scanType),
		outcomes: make([]outcome, n), // all outcomePassed
		counts:   planOutcomes(n, target, p.mix()),
	}
	// Down the weakness order: failures first, so they are nested across
	// scores; then the skipped results.
	order := p.weakestFirst(n)
	next := 0
	assign := func(o outcome, count int) {
		for _, position := range order[next : next+count] {
			generated.outcomes[position] = o
		}
		next += count
	}
	assign(outcomeFailed, generated.counts.failed)
	assign(outcomeSkipped, generated.counts.skipped)
	return generated
}

func (g *scanResults) controlAt(position int) control {
	return g.controls[position%len(g.controls)]
}

// view builds the result at position. The first pass over the catalogue is
// about the tenant as a whole; later passes evaluate the same checks on
// simulated objects, named in the title (the test ID repeats).
func (g *scanResults) view(scan *scanRecord, position int) api.Result {
	c := g.controlAt(position)
	title := c.Title
	if pass := position / len(g.controls); pass > 0 {
		title = fmt.Sprintf("%s (%s-%04d)", c.Title, c.Object, pass)
	}
	return api.Result{
		ID:               resultID(scan.seed, scan.creationIndex, position),
		ScanID:           scan.id,
		TestID:           c.TestID,
		Title:            title,
		Result:           resultValues[g.outcomes[position]],
		Severity:         c.Severity,
		Framework:        c.Framework,
		HelpURL:          c.HelpURL,
		RemediationSteps: c.remediation(),
		SourceTool:       string(scan.scanType),
	}
}

// firstPositionOf is the position of the first result of testID, or -1
// when the scan has none (an unknown test ID, or a check beyond a small
// scan's results).
func (g *scanResults) firstPositionOf(testID string) int {
	for i, c := range g.controls {
		if c.TestID == testID {
			if i < len(g.outcomes) {
				return i
			}
			return -1
		}
	}
	return -1
}

// resultFilter selects results; nil fields match anything.
type resultFilter struct {
	result    *api.ResultValue
	severity  *api.Severity
	framework *api.Framework
}

func (f resultFilter) matches(g *scanResults, position int) bool {
	if f.result != nil && resultValues[g.outcomes[position]] != *f.result {
		return false
	}
	if f.severity == nil && f.framework == nil {
		return true
	}
	c := g.controlAt(position)
	return (f.severity == nil || c.Severity == *f.severity) && (f.framework == nil || c.Framework == *f.framework)
}

// page returns the matching results of the requested page and how many match
// in all. One pass over the outcome bytes is fast enough for 100,000 results
// that caching filtered index lists is not worth its memory.
func (g *scanResults) page(scan *scanRecord, filter resultFilter, p pagination) ([]api.Result, int) {
	results := []api.Result{}
	total := 0
	first := p.offset()
	for position := range g.outcomes {
		if !filter.matches(g, position) {
			continue
		}
		if total >= first && len(results) < p.limit {
			results = append(results, g.view(scan, position))
		}
		total++
	}
	return results, total
}

// pagination is a list request's page and limit.
type pagination struct {
	page, limit int
}

// offset is the index of the page's first item, saturated so an absurd page
// number reads as "past the end" instead of overflowing.
func (p pagination) offset() int {
	if p.page-1 > math.MaxInt/p.limit {
		return math.MaxInt
	}
	return (p.page - 1) * p.limit
}
