package simulator

import (
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/aether365/terraform-provider-aether365/api"
)

// failureSet is the failing results of a scan, matched across scans by
// check and subject (test_id and title), as the provider compares them.
func failureSet(results []api.Result) map[string]bool {
	failed := map[string]bool{}
	for _, r := range results {
		if r.Result == api.ResultValueFailed {
			failed[r.TestID+"\x00"+r.Title] = true
		}
	}
	return failed
}

func TestScoreSequenceGivesABaselineAndARegression(t *testing.T) {
	t.Parallel()
	cfg := multiAccountConfig()
	cfg.ScoreSequence, cfg.ResultsPerScan, cfg.Seed = []float64{88, 71}, 230, 365
	sim, _ := newTestServer(t, cfg)
	scans := func(key string, n int) []api.Scan {
		var created []api.Scan
		for range n {
			created = append(created, createScan(t, sim, key, "compliance"))
		}
		return created
	}
	// Each account has its own sequence: account A's scans do not use up
	// account B's, and the last score repeats.
	a := scans(keyA, 3)
	b := scans(keyB, 1)
	for i, want := range []float64{88, 71, 71} {
		if *a[i].Score != want {
			t.Errorf("account A scan %d scored %v, want %v", i+1, *a[i].Score, want)
		}
	}
	if *b[0].Score != 88 {
		t.Errorf("account B's first scan scored %v, want 88", *b[0].Score)
	}
	baseline := failureSet(allResultsAs(t, sim, keyA, a[0].ID, ""))
	regressed := failureSet(allResultsAs(t, sim, keyA, a[1].ID, ""))
	if len(regressed) <= len(baseline) {
		t.Fatalf("71%% scan fails %d results, the 88%% one %d: want more failures at the lower score", len(regressed), len(baseline))
	}
	for failure := range baseline {
		if !regressed[failure] {
			t.Errorf("%q fails at 88%% but passes at 71%%: new failures would be noise", failure)
		}
	}
	if *a[1].FailCount <= *a[0].FailCount {
		t.Error("the regression did not raise fail_count")
	}
	// The same score, the same failures: an unchanged posture shows no change.
	if repeat := failureSet(allResultsAs(t, sim, keyA, a[2].ID, "")); !maps.Equal(repeat, regressed) {
		t.Error("two 71% scans of one connection fail different results")
	}
}

// A lower score fails everything a higher one fails: with 1,000 results or
// more between any two scores, with fewer when the scores are far enough
// apart (5 points with 150 results), between 10 and 99 (see planOutcomes).
func TestFailuresAreNestedAcrossScores(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ n, lowest, highest, gap int }{
		{150, 100, 990, 50}, {230, 100, 990, 30}, {1000, 20, 1000, 1},
	} {
		for _, connection := range []string{"conn_contoso", "conn_fabrikam"} {
			for _, scanType := range []api.ScanType{api.ScanTypeCompliance, api.ScanTypeExposure} {
				p := posture{seed: 7, account: "t_msp", connection: connection, scanType: scanType}
				failed := map[int]map[int]bool{}
				for tenths := tc.lowest; tenths <= tc.highest; tenths++ {
					failed[tenths] = map[int]bool{}
					for position, o := range generateResults(p, tc.n, float64(tenths)/10).outcomes {
						if o == outcomeFailed {
							failed[tenths][position] = true
						}
					}
				}
				for higher := tc.highest; higher >= tc.lowest; higher-- {
					// The failures are a prefix of one order, so counts
					// settle every pair; sets are checked at the gap.
					if lower := higher - tc.gap; lower >= tc.lowest {
						for position := range failed[higher] {
							if !failed[lower][position] {
								t.Fatalf("n=%d %s %s: position %d fails at %v%% and passes at %v%%", tc.n, connection, scanType, position,
									float64(higher)/10, float64(lower)/10)
							}
						}
					}
					for lower := higher - tc.gap; lower >= tc.lowest; lower-- {
						if len(failed[lower]) < len(failed[higher]) {
							t.Fatalf("n=%d %s %s: %d failures at %v%%, %d at %v%%", tc.n, connection, scanType,
								len(failed[higher]), float64(higher)/10, len(failed[lower]), float64(lower)/10)
						}
					}
				}
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
	// Scans that do not complete do not use up a score of the sequence.
	sim.SetScoreSequence(95, 70)
	for _, outcome := range []string{OutcomeFailed, OutcomeCancelled} {
		sim.SetScanOutcome(outcome)
		createScan(t, sim, DemoAPIKey, "compliance")
	}
	sim.SetScanOutcome(OutcomeCompleted)
	if scan := createScan(t, sim, DemoAPIKey, "compliance"); *scan.Score != 70 {
		t.Errorf("the account's 4th completed scan scored %v, want the sequence's last, 70", *scan.Score)
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
	cfg := multiAccountConfig()
	cfg.ScoreSequence, cfg.ScanDuration = []float64{92, 64}, time.Minute
	sim, fake := newTestServer(t, cfg)
	first := createScan(t, sim, keyMSP, "compliance")
	resp := call(t, sim, request{method: "POST", path: "/tenants/me/scans?connectionId=conn_adatum", key: keyMSP, body: `{"scan_type":"compliance"}`})
	expectStatus(t, resp, 201, "")
	second := decode[api.Scan](t, resp)
	fake.Advance(time.Minute)
	if got := []float64{*getScan(t, sim, keyMSP, first.ID).Score, *getScan(t, sim, keyMSP, second.ID).Score}; !slices.Equal(got, []float64{92, 64}) {
		t.Errorf("scores %v, want [92 64]", got)
	}
}
