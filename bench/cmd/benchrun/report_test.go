package main

import (
	"strings"
	"testing"
)

func TestParseGoBenchKeepsNamesAndUnitsAsReported(t *testing.T) {
	path := writeLog(t, `goos: linux
goarch: amd64
pkg: github.com/aether365/terraform-provider-aether365/bench
BenchmarkP2PolitePolling/no-hint-2         	       3	   4960301 ns/op	        21.00 baseline_polls/op	         1.5 lateness_s	        27.00 polls/op
BenchmarkP3Pagination-2   	       3	3282135339 ns/op	      2747 baseline_ms	       410.2 pager_ms
PASS
ok  	github.com/aether365/terraform-provider-aether365/bench	31.245s
pkg: github.com/aether365/terraform-provider-aether365/internal/provider
BenchmarkScanResultsConversion/results=10000/control_text=true-2         	       1	 112946123 ns/op	       112.9 ms/10k-results
PASS
`)
	metrics, err := parseGoBench(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []struct {
		name, unit string
		value      float64
	}{
		{"BenchmarkP2PolitePolling/no-hint", "polls/op", 27},
		{"BenchmarkP2PolitePolling/no-hint", "lateness_s", 1.5},
		{"BenchmarkP3Pagination", "pager_ms", 410.2},
		{"BenchmarkP3Pagination", "ns/op", 3282135339},
		{"BenchmarkScanResultsConversion/results=10000/control_text=true", "ms/10k-results", 112.9},
	} {
		if got, ok := metrics[want.name][want.unit]; !ok || got != want.value {
			t.Errorf("%s %s = %v (%v), want %v; all: %v", want.name, want.unit, got, ok, want.value, metrics)
		}
	}
	if len(metrics) != 3 {
		t.Errorf("%d benchmarks, want 3: %v", len(metrics), metrics)
	}
}

func TestP2bIsJudgedByTheLatenessBound(t *testing.T) {
	rep := &report{
		GoBench: map[string]map[string]float64{"BenchmarkP2PolitePolling/no-hint": {
			"polls/op": 27, "baseline_polls/op": 21, "lateness_s": 77.5, "p1_lateness_s": 1.25, "min_polls_within_bound": 27,
		}},
		// Seen 1 s late at 2 s (the bound), 1.25 s at 5 s (the bound), 100 s at 600 s.
		Curve: []curvePoint{{ScanS: 2, ProviderNoHintS: 3}, {ScanS: 5, ProviderNoHintS: 6.25}, {ScanS: 600, ProviderNoHintS: 700}},
	}
	rep.evaluate()
	if len(rep.Targets) != 1 {
		t.Fatalf("rows %+v", rep.Targets)
	}
	row := rep.Targets[0]
	want := "seen ≤ max(1 s, d/4) late at every curve duration (worst: 100% of the bound, at 2s); ≤ 25 unattainable under the lateness bound (minimum 27)"
	if row.ID != "P2b" || row.Figure != "27" || row.Target != want || row.Met == nil || !*row.Met {
		t.Errorf("row %+v\nwant target %q, met", row, want)
	}

	rep.Curve[1].ProviderNoHintS = 7 // 2 s late at 5 s: over the bound
	rep.GoBench["BenchmarkP2PolitePolling/no-hint"]["min_polls_within_bound"] = 24
	rep.Targets = nil
	rep.evaluate()
	if row := rep.Targets[0]; !strings.HasSuffix(row.Target, "(worst: 160% of the bound, at 5s)") || *row.Met {
		t.Errorf("over the bound, and no claim of a minimum above 25: %+v", row)
	}
}
