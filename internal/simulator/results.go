package simulator

import (
	"fmt"
	"math"
	"slices"
)

// outcome is a result's "result" field, stored as a byte so a 100,000-result
// scan costs 100 kB, not a slice of structs.
type outcome uint8

const (
	outcomePassed outcome = iota
	outcomeFailed
	outcomeWarning
	outcomeSkipped
	outcomeError
)

// resultValues and severityValues are the API's spellings, indexed by
// outcome and by severity rank.
var (
	resultValues   = []string{"Passed", "Failed", "Warning", "Skipped", "Error"}
	severityValues = []string{"Critical", "High", "Medium", "Low", "Informational"}
)

func severityRank(severity string) uint8 {
	for i, s := range severityValues {
		if s == severity {
			return uint8(i)
		}
	}
	panic("simulator: catalogue severity " + severity + " is not one of the API's severities")
}

// outcomeCounts is how many results of each kind a scan has; the score only
// counts passed, failed and warning ("scored") results.
type outcomeCounts struct {
	passed, failed, warning, skipped, errored int
}

func (c outcomeCounts) scored() int { return c.passed + c.failed + c.warning }

// score is round(100 * passed / (passed + failed + warning), 1 decimal); a
// scan with nothing scored reports 0 rather than dividing by zero.
func (c outcomeCounts) score() float64 {
	if c.scored() == 0 {
		return 0
	}
	return float64(scoreTenths(c.passed, c.scored())) / 10
}

func scoreTenths(passed, scored int) int64 {
	return int64(math.Round(1000 * float64(passed) / float64(scored)))
}

// planOutcomes chooses how many of n results pass, fail, warn, are skipped
// or error so that the score is target rounded to one decimal when n allows
// it, and otherwise as close as n allows (with 150 results the nearest
// scores to 0 are 0 and 0.7). It prefers to leave 2-5% of the results
// unscored (skipped or errored), as real scans do, and never more than half;
// mix picks the shares within those bounds. For one n and mix, the number
// of failures never falls as the target falls, which is what keeps the
// failures of a tenant's scans nested (see posture).
func planOutcomes(n int, target float64, mix uint64) outcomeCounts {
	preferredScored := n - n*int(20+mix%31)/1000
	minScored := max(1, (n+1)/2)
	targetTenths := int64(math.Round(target * 10))
	// About 15-30% of the results that do not pass warn instead of failing.
	warningPercent := 15 + int((mix>>8)%16)
	failed := int(float64(preferredScored) * (100 - target) / 100 * float64(100-warningPercent) / 100)

	// The search prefers the scored counts that leave room for those
	// failures, a tenth off the target at worst; only when none of them comes
	// that close (very low scores of small scans) does it give some failures
	// up to hit the target.
	bestScored, bestPassed := -1, 0
	bestDistance := int64(math.MaxInt64)
	roomForFailures := true
	consider := func(scored int) bool {
		if scored < minScored || scored > n {
			return false
		}
		passed := int(math.Round(target * float64(scored) / 100))
		passed = min(max(passed, 0), scored)
		if roomForFailures && scored-passed < failed {
			return false
		}
		distance := scoreTenths(passed, scored) - targetTenths
		if distance < 0 {
			distance = -distance
		}
		if distance < bestDistance {
			bestScored, bestPassed, bestDistance = scored, passed, distance
		}
		return distance == 0
	}
	search := func() {
		for step := 0; step <= n; step++ {
			if consider(preferredScored-step) || consider(preferredScored+step) {
				return
			}
		}
	}
	search()
	if bestDistance > 1 {
		roomForFailures = false
		search()
	}

	notPassed := bestScored - bestPassed
	failed = min(failed, notPassed)
	unscored := n - bestScored
	skipped := (unscored*2 + 2) / 3
	return outcomeCounts{
		passed:  bestPassed,
		failed:  failed,
		warning: notPassed - failed,
		skipped: skipped,
		errored: unscored - skipped,
	}
}

// scanResults is everything a completed scan's results are built from. It is
// generated once per scan, on first need, and never changes afterwards.
type scanResults struct {
	controls   []control
	severities []uint8 // severity rank of controls[i]
	outcomes   []outcome
	counts     outcomeCounts
	failedBy   [5]int // failed results by severity rank
}

// posture is what stays the same between the scans of one tenant and scan
// type: which results are its weakest, and the shares of warnings and
// unscored results. A tenant's scans differ only in how far down that order
// the failures reach, so a lower score fails a superset of what a higher
// one fails, as a real tenant's posture drifts: "new failures" between two
// scans are then the difference of their scores, not noise.
type posture struct {
	seed     int64
	tenant   string
	scanType string
}

func (p posture) mix() uint64 {
	return derive(p.seed, streamOutcomeMix, hashName(p.tenant), hashName(p.scanType))
}

// positionBits holds a result position (below MaxResultsPerScan) in the low
// bits of a sort key whose high bits are the position's weakness.
const positionBits = 17

// weakestFirst returns the positions 0..n-1, weakest first. A position's
// weakness does not depend on n, so scans with more results keep the order
// of those with fewer.
func (p posture) weakestFirst(n int) []int {
	keys := make([]uint64, n)
	tenant, scanType := hashName(p.tenant), hashName(p.scanType)
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
	controls := controlsForScanType(p.scanType)
	generated := &scanResults{
		controls:   controls,
		severities: make([]uint8, len(controls)),
		outcomes:   make([]outcome, n), // all outcomePassed
		counts:     planOutcomes(n, target, p.mix()),
	}
	for i, c := range controls {
		generated.severities[i] = severityRank(c.Severity)
	}
	// Down the weakness order: failures first, so they are nested across
	// scores; then warnings and the unscored results.
	order := p.weakestFirst(n)
	next := 0
	assign := func(o outcome, count int) {
		for _, position := range order[next : next+count] {
			generated.outcomes[position] = o
		}
		next += count
	}
	assign(outcomeFailed, generated.counts.failed)
	assign(outcomeWarning, generated.counts.warning)
	assign(outcomeError, generated.counts.errored)
	assign(outcomeSkipped, generated.counts.skipped)

	for i, o := range generated.outcomes {
		if o == outcomeFailed {
			generated.failedBy[generated.severityAt(i)]++
		}
	}
	return generated
}

func (g *scanResults) severityAt(position int) uint8 {
	return g.severities[position%len(g.controls)]
}

// resultView is a result as the API serves it.
type resultView struct {
	ID           string `json:"id"`
	ControlID    string `json:"control_id"`
	Title        string `json:"title"`
	Category     string `json:"category"`
	Severity     string `json:"severity"`
	Result       string `json:"result"`
	Description  string `json:"description"`
	Remediation  string `json:"remediation"`
	ReferenceURL string `json:"reference_url"`
}

// view builds the result at position. The first pass over the catalogue is
// about the tenant as a whole; later passes evaluate the same controls on
// simulated objects, named in the title, so every result stays distinct.
func (g *scanResults) view(seed int64, scanIndex, position int) resultView {
	c := g.controls[position%len(g.controls)]
	title := c.Title
	if pass := position / len(g.controls); pass > 0 {
		title = fmt.Sprintf("%s (%s-%04d)", c.Title, objectKind(c.Category), pass)
	}
	return resultView{
		ID:           resultID(seed, scanIndex, position),
		ControlID:    c.ID,
		Title:        title,
		Category:     c.Category,
		Severity:     c.Severity,
		Result:       resultValues[g.outcomes[position]],
		Description:  c.Description,
		Remediation:  c.Remediation,
		ReferenceURL: learnMicrosoftBaseURL + c.ReferencePath,
	}
}

// resultFilter selects results; -1 in a field means "any".
type resultFilter struct {
	outcome  int
	severity int
}

func (f resultFilter) matches(g *scanResults, position int) bool {
	return (f.outcome < 0 || int(g.outcomes[position]) == f.outcome) &&
		(f.severity < 0 || int(g.severityAt(position)) == f.severity)
}

// page returns the matching results of the requested page and how many match
// in all. One pass over the outcome bytes is fast enough for 100,000 results
// that caching filtered index lists is not worth its memory.
func (g *scanResults) page(seed int64, scanIndex int, filter resultFilter, p pagination) ([]resultView, int) {
	views := []resultView{}
	total := 0
	first := p.offset()
	for position := range g.outcomes {
		if !filter.matches(g, position) {
			continue
		}
		if total >= first && len(views) < p.limit {
			views = append(views, g.view(seed, scanIndex, position))
		}
		total++
	}
	return views, total
}
