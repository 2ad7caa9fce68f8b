package main

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"

	"golang.org/x/perf/benchfmt"
)

type report struct {
	Machine         machineInfo                   `json:"machine"`
	Started         string                        `json:"started"`
	Finished        string                        `json:"finished"`
	Targets         []target                      `json:"targets"`
	P1              p1Result                      `json:"p1_completion_latency"`
	P4              p4Result                      `json:"p4_memory"`
	P5              p5Result                      `json:"p5_fleet"`
	P5NoClientLimit *p5Result                     `json:"p5_fleet_without_client_limit,omitempty"`
	Curve           []curvePoint                  `json:"time_to_result_curve"`
	GoBench         map[string]map[string]float64 `json:"go_benchmarks"`
	Large           *largeResults                 `json:"large_result_sets,omitempty"`
}

// target is one row of the table. Met is nil for figures that are only
// reported.
type target struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Figure   string `json:"figure"`
	Baseline string `json:"baseline"`
	Ratio    string `json:"ratio"`
	Target   string `json:"target"`
	Met      *bool  `json:"met,omitempty"`
}

type p1Result struct {
	ScanS        float64    `json:"scan_duration_s"`
	StartupS     float64    `json:"terraform_startup_s"`
	StartupRunsS []float64  `json:"terraform_startup_runs_s"`
	Runs         []p1Run    `json:"runs"`
	Guide        guideRun   `json:"seed"`
	RealWaits    []realWait `json:"go_waiter_real_time"`
}

type p1Run struct {
	ScanID string `json:"scan_id"`
	// ApplyS is the whole terraform apply.
	ApplyS float64 `json:"apply_s"`
	// BeforeScanS runs from the start of apply to the POST being sent.
	BeforeScanS float64 `json:"before_scan_s"`
	// LatenessS runs from the scan's completion (POST sent + 5 s, the
	// latest it can be) to apply returning: the figure P1 targets.
	LatenessS float64 `json:"lateness_s"`
	// WaiterLatenessS: from completion to the poll that saw it.
	WaiterLatenessS float64 `json:"waiter_lateness_s"`
	// AfterResultS: from that poll to apply returning (state, shutdown).
	AfterResultS   float64 `json:"after_result_s"`
	PostRoundTripS float64 `json:"post_round_trip_s"`
	// CoarseLatenessS is apply's return minus completed_at, which has whole
	// seconds: up to 1 s more than the real figure.
	CoarseLatenessS float64 `json:"coarse_lateness_from_completed_at_s"`
}

type realWait struct {
	ScanS         float64 `json:"scan_s"`
	TimeToResultS float64 `json:"time_to_result_s"`
	LatenessS     float64 `json:"lateness_s"`
	Polls         int     `json:"polls"`
}

type p4Result struct {
	Results             int     `json:"results"`
	PlanPeakRSSMiB      float64 `json:"plan_provider_peak_rss_mib"`
	ApplyPeakRSSMiB     float64 `json:"apply_provider_peak_rss_mib"`
	PlanProviderStarts  int     `json:"plan_provider_starts"`
	ApplyProviderStarts int     `json:"apply_provider_starts"`
	PlanS               float64 `json:"plan_s"`
	ApplyS              float64 `json:"apply_s"`
	StateBytes          int64   `json:"state_bytes"`
}

type p5Result struct {
	Tenants     int     `json:"tenants"`
	ClientRate  float64 `json:"client_requests_per_second"`
	ServerRate  float64 `json:"server_rate_limit"`
	Parallelism int     `json:"parallelism"`
	ScanS       float64 `json:"scan_duration_s"`
	WallS       float64 `json:"wall_s"`
	Errors      int     `json:"errors"`
	Surfaced429 int     `json:"surfaced_429s"`
	Sent429     int     `json:"server_429s"`
	Requests    int     `json:"requests"`
	Completed   int     `json:"completed_scans"`
	IdealWavesS float64 `json:"ideal_waves_s"`
	IdealRateS  float64 `json:"ideal_rate_s"`
	IdealS      float64 `json:"ideal_s"`
	Ratio       float64 `json:"ratio_to_ideal"`
}

type curvePoint struct {
	ScanS           float64 `json:"scan_s"`
	ProviderS       float64 `json:"provider_s"`
	ProviderNoHintS float64 `json:"provider_without_hint_s"`
	GuideS          float64 `json:"seed_s"`
	Polls           int     `json:"polls"`
	PollsNoHint     int     `json:"polls_without_hint"`
	GuidePolls      int     `json:"seed_polls"`
}

// --- go test -bench output ---------------------------------------------------------

// parseGoBench reads `go test -bench` output into name -> unit -> value,
// the name without GOMAXPROCS ("BenchmarkP3Pagination"), each value as the
// benchmark reported it (benchfmt's untidied unit and value: "pager_ms"
// stays milliseconds).
func parseGoBench(path string) (map[string]map[string]float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	metrics := map[string]map[string]float64{}
	reader := benchfmt.NewReader(f, path)
	for reader.Scan() {
		result, ok := reader.Result().(*benchfmt.Result)
		if !ok {
			continue // a syntax error is a line of other output (PASS, ok ...)
		}
		values := map[string]float64{}
		for _, v := range result.Values {
			if v.OrigUnit != "" {
				values[v.OrigUnit] = v.OrigValue
			} else {
				values[v.Unit] = v.Value
			}
		}
		metrics[benchmarkName(result.Name)] = values
	}
	if err := reader.Err(); err != nil {
		return nil, err
	}
	if len(metrics) == 0 {
		return nil, fmt.Errorf("no benchmark results in %s", path)
	}
	return metrics, nil
}

// benchmarkName is the benchmark's name as its function and sub-benchmarks
// spell it, without the GOMAXPROCS suffix the figures do not depend on.
func benchmarkName(name benchfmt.Name) string {
	base, parts := name.Parts()
	full := "Benchmark" + string(base)
	for _, part := range parts {
		if !bytes.HasPrefix(part, []byte("-")) {
			full += string(part)
		}
	}
	return full
}

func (r *report) bench(name, unit string) (float64, bool) {
	v, ok := r.GoBench[name][unit]
	return v, ok
}

// --- markdown ---------------------------------------------------------------------------

func (r *report) markdown() string {
	var b strings.Builder
	m := r.Machine
	fmt.Fprintf(&b, "## Aether365 provider benchmarks\n\n")
	fmt.Fprintf(&b, "Run %s on %d CPUs (%s), %s, Terraform %s", r.Started, m.CPUs, m.OS, m.Go, m.Terraform)
	if m.Python != "" {
		fmt.Fprintf(&b, ", %s", m.Python)
	}
	b.WriteString(", against aether365-sim.\n\n")
	b.WriteString("| # | Benchmark | Figure | Baseline | Ratio | Target | Met |\n|---|---|---|---|---|---|---|\n")
	for _, t := range r.Targets {
		verdict := "–"
		if t.Met != nil {
			verdict = "no"
			if *t.Met {
				verdict = "yes"
			}
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s |\n", t.ID, t.Name, t.Figure, t.Baseline, t.Ratio, t.Target, verdict)
	}
	if len(r.Curve) > 0 {
		b.WriteString("\nTime to result against scan duration (simulated clock; the seed's loop polls every 30 s):\n\n")
		b.WriteString("| scan | provider | provider, no hint | seed's loop | polls: provider / no hint / seed |\n|---|---|---|---|---|\n")
		for _, p := range r.Curve {
			if !slices.Contains([]float64{2, 5, 10, 30, 60, 120, 300, 600}, p.ScanS) {
				continue
			}
			fmt.Fprintf(&b, "| %gs | %gs | %.1fs | %gs | %d / %d / %d |\n", p.ScanS, p.ProviderS, p.ProviderNoHintS, p.GuideS, p.Polls, p.PollsNoHint, p.GuidePolls)
		}
	}
	if r.Large != nil {
		b.WriteString(r.Large.markdown())
	}
	if len(r.P1.RealWaits) > 0 {
		b.WriteString("\nThe client's waiter on the wall clock (one scan each, concurrently):")
		for _, w := range r.P1.RealWaits {
			fmt.Fprintf(&b, " %gs scan → %.2fs (%d polls);", w.ScanS, w.TimeToResultS, w.Polls)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// --- SVG ----------------------------------------------------------------------------------

type panel struct {
	x, y, w, h   float64
	xMax, yMax   float64
	xTick, yTick float64
	title        string
}

func (p panel) px(x float64) float64 { return p.x + x/p.xMax*p.w }
func (p panel) py(y float64) float64 { return p.y + p.h - math.Min(y, p.yMax)/p.yMax*p.h }

func (r *report) svg() string {
	const width, height = 960.0, 510.0
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%g" height="%g" viewBox="0 0 %g %g" font-family="Helvetica, Arial, sans-serif" font-size="12">`+"\n", width, height, width, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="%g" y="22" font-size="15" font-weight="bold" text-anchor="middle">Time to result against scan duration: aether365 provider vs. the seed's 30 s polling loop</text>`+"\n", width/2)
	fmt.Fprintf(&b, `<text x="%g" y="40" fill="#555" text-anchor="middle">%s, %d CPUs, %s, Terraform %s</text>`+"\n", width/2, escape(r.Started), r.Machine.CPUs, escape(r.Machine.Go), escape(r.Machine.Terraform))

	panels := []panel{
		{x: 70, y: 60, w: 370, h: 300, xMax: 30, yMax: 40, xTick: 5, yTick: 5, title: "short scans (0–30 s)"},
		{x: 550, y: 60, w: 370, h: 300, xMax: 600, yMax: 660, xTick: 100, yTick: 100, title: "long scans (0–10 min)"},
	}
	for _, p := range panels {
		r.drawPanel(&b, p)
	}

	legend := []struct{ mark, label string }{
		{`<line x1="0" y1="0" x2="26" y2="0" stroke="#d62728" stroke-width="2"/>`, "seed's loop, ceil(d/30 s)·30 s (closed form)"},
		{`<line x1="0" y1="0" x2="26" y2="0" stroke="#1f77b4" stroke-width="2.5"/>`, "provider's waiter, Retry-After hints (simulated clock)"},
		{`<line x1="0" y1="0" x2="26" y2="0" stroke="#1f77b4" stroke-width="1.5" stroke-dasharray="5 3" opacity="0.7"/><circle cx="13" cy="0" r="2" fill="#1f77b4"/>`, "provider's waiter, hints stripped (simulated clock)"},
		{`<line x1="0" y1="0" x2="26" y2="0" stroke="#999" stroke-width="1" stroke-dasharray="2 3"/>`, "scan duration (result the moment it finishes)"},
		{`<circle cx="13" cy="0" r="4.5" fill="none" stroke="#1f77b4" stroke-width="2"/>`, "provider's waiter on the wall clock"},
		{`<path d="M13 -6 L19 0 L13 6 L7 0 Z" fill="#2ca02c"/>`, "terraform apply, incl. Terraform start-up (real)"},
		{`<rect x="8" y="-5" width="10" height="10" fill="#d62728"/>`, "seed's Python example (real)"},
	}
	for i, l := range legend {
		x := 40 + float64(i%2)*470
		y := 432 + float64(i/2)*19
		fmt.Fprintf(&b, `<g transform="translate(%g %g)">%s<text x="34" y="4">%s</text></g>`+"\n", x, y, l.mark, escape(l.label))
	}
	b.WriteString("</svg>\n")
	return b.String()
}

func (r *report) drawPanel(b *strings.Builder, p panel) {
	fmt.Fprintf(b, `<text x="%g" y="%g" font-weight="bold" text-anchor="middle">%s</text>`+"\n", p.x+p.w/2, p.y-6, escape(p.title))
	for x := 0.0; x <= p.xMax+1e-9; x += p.xTick {
		fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#eee"/>`, p.px(x), p.y, p.px(x), p.y+p.h)
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="middle" fill="#444">%g</text>`+"\n", p.px(x), p.y+p.h+16, x)
	}
	for y := 0.0; y <= p.yMax+1e-9; y += p.yTick {
		fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#eee"/>`, p.x, p.py(y), p.x+p.w, p.py(y))
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="end" fill="#444">%g</text>`+"\n", p.x-6, p.py(y)+4, y)
	}
	fmt.Fprintf(b, `<rect x="%g" y="%g" width="%g" height="%g" fill="none" stroke="#888"/>`+"\n", p.x, p.y, p.w, p.h)
	fmt.Fprintf(b, `<text x="%g" y="%g" text-anchor="middle">scan duration (s)</text>`+"\n", p.x+p.w/2, p.y+p.h+32)
	fmt.Fprintf(b, `<text transform="translate(%g %g) rotate(-90)" text-anchor="middle">time to result (s)</text>`+"\n", p.x-42, p.y+p.h/2)
	fmt.Fprintf(b, `<defs><clipPath id="clip%.0f"><rect x="%g" y="%g" width="%g" height="%g"/></clipPath></defs>`+"\n", p.x, p.x, p.y, p.w, p.h)
	fmt.Fprintf(b, `<g clip-path="url(#clip%.0f)">`+"\n", p.x)

	// The diagonal: a result the moment the scan finishes.
	fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#999" stroke-dasharray="2 3"/>`+"\n", p.px(0), p.py(0), p.px(p.xMax), p.py(p.xMax))
	// The seed's staircase: polls at 0, 30, 60 ... s.
	var guide []string
	for k := 1.0; 30*(k-1) < p.xMax; k++ {
		guide = append(guide, fmt.Sprintf("%.1f,%.1f %.1f,%.1f", p.px(30*(k-1)), p.py(30*k), p.px(math.Min(30*k, p.xMax)), p.py(30*k)))
	}
	fmt.Fprintf(b, `<polyline points="%s" fill="none" stroke="#d62728" stroke-width="2"/>`+"\n", strings.Join(guide, " "))

	var hinted, bare []string
	for _, c := range r.Curve {
		if c.ScanS > p.xMax*1.2 {
			continue
		}
		hinted = append(hinted, fmt.Sprintf("%.1f,%.1f", p.px(c.ScanS), p.py(c.ProviderS)))
		bare = append(bare, fmt.Sprintf("%.1f,%.1f", p.px(c.ScanS), p.py(c.ProviderNoHintS)))
	}
	fmt.Fprintf(b, `<polyline points="%s" fill="none" stroke="#1f77b4" stroke-width="1.5" stroke-dasharray="5 3" opacity="0.7"/>`+"\n", strings.Join(bare, " "))
	fmt.Fprintf(b, `<polyline points="%s" fill="none" stroke="#1f77b4" stroke-width="2.5"/>`+"\n", strings.Join(hinted, " "))
	for _, point := range bare {
		x, y, _ := strings.Cut(point, ",")
		fmt.Fprintf(b, `<circle cx="%s" cy="%s" r="2" fill="#1f77b4" opacity="0.7"/>`, x, y)
	}
	b.WriteString("\n")

	for _, w := range r.P1.RealWaits {
		fmt.Fprintf(b, `<circle cx="%.1f" cy="%.1f" r="4.5" fill="none" stroke="#1f77b4" stroke-width="2"/>`+"\n", p.px(w.ScanS), p.py(w.TimeToResultS))
	}
	if len(r.P1.Runs) > 0 {
		var apply []float64
		for _, run := range r.P1.Runs {
			apply = append(apply, run.ApplyS)
		}
		x, y := p.px(r.P1.ScanS), p.py(median(apply))
		fmt.Fprintf(b, `<path d="M%.1f %.1f L%.1f %.1f L%.1f %.1f L%.1f %.1f Z" fill="#2ca02c"/>`+"\n", x, y-6, x+6, y, x, y+6, x-6, y)
	}
	if s := r.P1.Guide; s.Measured {
		fmt.Fprintf(b, `<rect x="%.1f" y="%.1f" width="10" height="10" fill="#d62728"/>`+"\n", p.px(r.P1.ScanS)-5, p.py(s.TimeToResultS)-5)
	}
	b.WriteString("</g>\n")
}

// escape makes s safe as SVG text.
func escape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s)) // a strings.Builder does not fail
	return b.String()
}
