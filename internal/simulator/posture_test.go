package simulator

import (
	"maps"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"
)

// failureSet is the failing results of a scan, matched across scans by
// control and subject (control_id and title), as the provider compares them.
func failureSet(results []resultView) map[string]bool {
	failed := map[string]bool{}
	for _, r := range results {
		if r.Result == "Failed" {
			failed[r.ControlID+"\x00"+r.Title] = true
		}
	}
	return failed
}

func TestScoreSequenceGivesABaselineAndARegression(t *testing.T) {
	t.Parallel()
	sim, _ := newTestServer(t, Config{APIKeys: multiTenantKeys(), ScoreSequence: []float64{88, 71}, ResultsPerScan: 230, Seed: 365})
	scoresOf := func(key string, n int) []scanView {
		var scans []scanView
		for range n {
			scans = append(scans, createScan(t, sim, key, "compliance"))
		}
		return scans
	}
	// Each tenant has its own sequence: tenant-a's scans do not use up
	// tenant-b's, and the last score repeats.
	a := scoresOf(keyA, 3)
	b := scoresOf(keyB, 1)
	for i, want := range []float64{88, 71, 71} {
		if *a[i].Score != want {
			t.Errorf("tenant-a scan %d scored %v, want %v", i+1, *a[i].Score, want)
		}
	}
	if *b[0].Score != 88 {
		t.Errorf("tenant-b's first scan scored %v, want 88", *b[0].Score)
	}

	baseline := failureSet(allResultsAs(t, sim, keyA, a[0].ID))
	regressed := failureSet(allResultsAs(t, sim, keyA, a[1].ID))
	if len(regressed) <= len(baseline) {
		t.Fatalf("71%% scan fails %d results, the 88%% one %d: want more failures at the lower score", len(regressed), len(baseline))
	}
	for failure := range baseline {
		if !regressed[failure] {
			t.Errorf("%q fails at 88%% but passes at 71%%: new failures would be noise", failure)
		}
	}
	if a[1].Summary.FailedBySeverity == a[0].Summary.FailedBySeverity {
		t.Error("the regression changed no severity count")
	}
	// The same score, the same failures: an unchanged posture shows no change.
	if repeat := failureSet(allResultsAs(t, sim, keyA, a[2].ID)); !maps.Equal(repeat, regressed) {
		t.Error("two 71% scans of one tenant fail different results")
	}
}

// With the default 150 results or more, and scores of 2 and above, a lower
// score fails everything a higher one fails (fewer results leave too few
// ways to hit a score to keep every failure).
func TestFailuresAreNestedAcrossScores(t *testing.T) {
	t.Parallel()
	for _, n := range []int{150, 230, 1000} {
		for _, tenant := range []string{"contoso", "fabrikam"} {
			p := posture{seed: 7, tenant: tenant, scanType: "compliance"}
			var previous map[int]bool
			for tenths := 1000; tenths >= 20; tenths-- {
				generated := generateResults(p, n, float64(tenths)/10)
				failed := map[int]bool{}
				for position, o := range generated.outcomes {
					if o == outcomeFailed {
						failed[position] = true
					}
				}
				for position := range previous {
					if !failed[position] {
						t.Fatalf("n=%d %s: position %d fails above %v%% and passes at it", n, tenant, position, float64(tenths)/10)
					}
				}
				previous = failed
			}
		}
	}
}

func TestSetScoreSequenceAndSetScoreReplaceEachOther(t *testing.T) {
	sim, _ := newTestServer(t, Config{Score: ptr(40.0)})
	sim.SetScoreSequence(90, 60)
	first, second := createScan(t, sim, DemoAPIKey, "compliance"), createScan(t, sim, DemoAPIKey, "compliance")
	if *first.Score != 90 || *second.Score != 60 {
		t.Errorf("after SetScoreSequence(90, 60): %v, %v", *first.Score, *second.Score)
	}
	sim.SetScore(77)
	if scan := createScan(t, sim, DemoAPIKey, "compliance"); *scan.Score != 77 {
		t.Errorf("after SetScore(77): %v", *scan.Score)
	}
	// A failed scan does not use up a score of the sequence.
	sim.SetScoreSequence(95, 70)
	sim.SetScanOutcome(OutcomeFailed)
	createScan(t, sim, DemoAPIKey, "compliance")
	sim.SetScanOutcome(OutcomeCompleted)
	if scan := createScan(t, sim, DemoAPIKey, "compliance"); *scan.Score != 70 {
		t.Errorf("the tenant's 4th completed scan scored %v, want the sequence's last, 70", *scan.Score)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("SetScoreSequence(101) did not panic")
			}
		}()
		sim.SetScoreSequence(101)
	}()
}

func TestDelayedScansKeepTheirSequenceScore(t *testing.T) {
	sim, fake := newTestServer(t, Config{ScoreSequence: []float64{92, 64}, ScanDuration: time.Minute})
	first, second := createScan(t, sim, DemoAPIKey, "compliance"), createScan(t, sim, DemoAPIKey, "compliance")
	fake.Advance(time.Minute)
	if got := []float64{*getScan(t, sim, DemoAPIKey, first.ID).Score, *getScan(t, sim, DemoAPIKey, second.ID).Score}; !slices.Equal(got, []float64{92, 64}) {
		t.Errorf("scores %v, want [92 64]", got)
	}
}

func allResultsAs(t *testing.T, sim *Server, key, id string) []resultView {
	t.Helper()
	var results []resultView
	for page := 1; ; page++ {
		resp := call(t, sim, request{method: "GET", path: "/scans/" + id + "/results?limit=100&page=" + strconv.Itoa(page), key: key})
		expectStatus(t, resp, http.StatusOK, "")
		results = append(results, decode[[]resultView](t, resp)...)
		if page >= resp.Env.Meta.TotalPages {
			return results
		}
	}
}
