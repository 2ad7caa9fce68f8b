package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestParseGoBenchKeepsNamesAndUnitsAsReported(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gobench.txt")
	output := `goos: linux
goarch: amd64
pkg: github.com/aether365/terraform-provider-aether365/bench
BenchmarkP2PolitePolling/no-hint-2         	       3	   4960301 ns/op	        21.00 baseline_polls/op	         1.5 lateness_s	        27.00 polls/op
BenchmarkP3Pagination-2   	       3	3282135339 ns/op	      2747 baseline_ms	       410.2 pager_ms
PASS
ok  	github.com/aether365/terraform-provider-aether365/bench	31.245s
pkg: github.com/aether365/terraform-provider-aether365/internal/provider
BenchmarkScanResultsConversion/results=10000/control_text=true-2         	       1	 112946123 ns/op	       112.9 ms/10k-results
PASS
`
	if err := os.WriteFile(path, []byte(output), 0o644); err != nil {
		t.Fatal(err)
	}
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
