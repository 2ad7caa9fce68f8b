package main

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"math"
	"strings"
)

// Targets of the large result sets, as benchmark figures.
const (
	eSpeedupTarget     = 5.0   // apply vs the seed's page loop, ×
	eConversionTarget  = 150.0 // ms per 10,000 results
	eProviderVsNetwork = 1.2   // provider's time / its network time
	eRSSTarget         = 80.0  // MB, provider at ~12.5k results
	eGrowthTarget      = 1.3   // per-result figure at 50k / at 10k
)

func mb(mib float64) float64 { return mib * 1.048576 }

func (l *largeResults) curveRun(n int, withText bool) (largeRun, bool) {
	for _, run := range l.Curve {
		if run.Results == n && run.ControlText == withText {
			return run, true
		}
	}
	return largeRun{}, false
}

// targets are the pass/fail lines of the large result sets.
func (l *largeResults) targets() []target {
	a, guide := l.Apply, l.GuideLoop
	speedup := guide.WallS / a.ApplyS
	perTenK := a.ConversionMS / float64(a.Results) * 10000
	providerVsNetwork := a.ReadMS / a.NetworkMS
	ts := []target{
		{ID: "E1a", Name: fmt.Sprintf("E `terraform apply` as users run it (no TF_LOG; median of 3) reading %d failed results, +100 ms per request", a.Results),
			Figure: seconds(a.ApplyS), Baseline: fmt.Sprintf("%s (seed's page-by-page loop, %d pages, same run)", seconds(guide.WallS), guide.Pages),
			Ratio: times(speedup), Target: fmt.Sprintf("≥ %g× faster", eSpeedupTarget), Met: met(speedup >= eSpeedupTarget)},
		{ID: "E1b", Name: "E provider's conversion (last page → response sent), per 10,000 results",
			Figure: fmt.Sprintf("%.0f ms", perTenK), Baseline: fmt.Sprintf("%.0f ms for all %d", a.ConversionMS, a.Results),
			Ratio: na, Target: fmt.Sprintf("≤ %g ms", eConversionTarget), Met: met(perTenK <= eConversionTarget)},
		{ID: "E1c", Name: "E provider's ReadDataSource time / its network time (first request → last page)",
			Figure: fmt.Sprintf("%.0f ms / %.0f ms", a.ReadMS, a.NetworkMS), Baseline: na,
			Ratio: fmt.Sprintf("%.2f×", providerVsNetwork), Target: fmt.Sprintf("≤ %g×", eProviderVsNetwork), Met: met(providerVsNetwork <= eProviderVsNetwork)},
		{ID: "E1d", Name: "E provider peak RSS in the traced apply (no memory limit set)",
			Figure: fmt.Sprintf("%.0f MB", mb(a.ProviderRSSMiB)), Baseline: na, Ratio: na,
			Target: fmt.Sprintf("≤ %g MB", eRSSTarget), Met: met(mb(a.ProviderRSSMiB) <= eRSSTarget)},
		{ID: "E1e", Name: "E terraform's peak RSS / state size in the traced apply",
			Figure: fmt.Sprintf("%.0f MB / %.1f MB", mb(a.TerraformRSSMiB), float64(a.StateBytes)/1e6), Baseline: na, Ratio: na, Target: "reported"},
		{ID: "E1f", Name: fmt.Sprintf("E split of the traced apply (TF_LOG=json, %s): Terraform's own time (apply − the provider's ReadDataSource; provider start-ups included) / the provider's read", seconds(a.TracedApplyS)),
			Figure: fmt.Sprintf("%s / %s", seconds(a.TracedApplyS-a.ReadMS/1000), seconds(a.ReadMS/1000)), Baseline: na,
			Ratio: fmt.Sprintf("%s at most with an instant read", times(guide.WallS/(a.ApplyS-a.ReadMS/1000))), Target: "reported"},
	}
	small, okSmall := l.curveRun(10000, true)
	large, okLarge := l.curveRun(50000, true)
	if okSmall && okLarge {
		conv := (large.ConversionMS / float64(large.Results)) / (small.ConversionMS / float64(small.Results))
		rss := (large.ProviderRSSMiB / float64(large.Results)) / (small.ProviderRSSMiB / float64(small.Results))
		ts = append(ts,
			target{ID: "E2a", Name: "E linear growth: conversion time per result at 50k / at 10k",
				Figure: fmt.Sprintf("%.1f ms / %.1f ms", large.ConversionMS, small.ConversionMS), Baseline: na,
				Ratio: fmt.Sprintf("%.2f×", conv), Target: fmt.Sprintf("≤ %g×", eGrowthTarget), Met: met(conv <= eGrowthTarget)},
			target{ID: "E2b", Name: "E linear growth: provider peak RSS per result at 50k / at 10k",
				Figure: fmt.Sprintf("%.0f MB / %.0f MB", mb(large.ProviderRSSMiB), mb(small.ProviderRSSMiB)), Baseline: na,
				Ratio: fmt.Sprintf("%.2f×", rss), Target: fmt.Sprintf("≤ %g×", eGrowthTarget), Met: met(rss <= eGrowthTarget)})
	}
	for _, n := range []int{10000, 50000} {
		full, ok1 := l.curveRun(n, true)
		slim, ok2 := l.curveRun(n, false)
		if !ok1 || !ok2 {
			continue
		}
		ts = append(ts, target{ID: fmt.Sprintf("E3-%dk", n/1000),
			Name:     fmt.Sprintf("E state size / `terraform plan` at %d results with `include_control_text = false`", n),
			Figure:   fmt.Sprintf("%.1f MB / %s", float64(slim.StateBytes)/1e6, seconds(slim.PlanS)),
			Baseline: fmt.Sprintf("%.1f MB / %s (default, same run)", float64(full.StateBytes)/1e6, seconds(full.PlanS)),
			Ratio:    fmt.Sprintf("%.2f× the state", float64(slim.StateBytes)/float64(full.StateBytes)), Target: "reported"})
	}
	return ts
}

// markdown is the curve's table.
func (l *largeResults) markdown() string {
	var b strings.Builder
	b.WriteString("\nLarge result sets through `terraform apply` (no added latency; `result = \"All\"`; times from the provider's " +
		"structured logs: `tf_req_duration_ms` of ReadDataSource and the provider's `network_ms`):\n\n")
	b.WriteString("| results | control text | apply | plan | provider read | network | conversion | provider RSS | terraform RSS | state |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range l.Curve {
		text := "yes"
		if !r.ControlText {
			text = "no (`controls`)"
		}
		fmt.Fprintf(&b, "| %d | %s | %s | %s | %.0f ms | %.0f ms | %.0f ms | %.0f MB | %.0f MB | %.1f MB |\n",
			r.Results, text, seconds(r.ApplyS), seconds(r.PlanS), r.ReadMS, r.NetworkMS, r.ConversionMS,
			mb(r.ProviderRSSMiB), mb(r.TerraformRSSMiB), float64(r.StateBytes)/1e6)
	}
	return b.String()
}

// svg draws the curve's default runs against the result count: the
// provider's network and conversion time, and both processes' peak RSS.
func (l *largeResults) svg() string {
	var runs []largeRun
	for _, r := range l.Curve {
		if r.ControlText {
			runs = append(runs, r)
		}
	}
	var b bytes.Buffer
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" width="760" height="300" font-family="sans-serif" font-size="12">` + "\n")
	b.WriteString(`<rect width="760" height="300" fill="white"/>` + "\n")
	drawSeries(&b, 60, "provider time (ms)", runs, []series{
		{"network", "#1f77b4", func(r largeRun) float64 { return r.NetworkMS }},
		{"conversion", "#d62728", func(r largeRun) float64 { return r.ConversionMS }},
	})
	drawSeries(&b, 440, "peak RSS (MB)", runs, []series{
		{"provider", "#2ca02c", func(r largeRun) float64 { return mb(r.ProviderRSSMiB) }},
		{"terraform", "#9467bd", func(r largeRun) float64 { return mb(r.TerraformRSSMiB) }},
	})
	b.WriteString("</svg>\n")
	return b.String()
}

type series struct {
	label, color string
	value        func(largeRun) float64
}

// drawSeries draws one 280×200 panel at x with the result count on the x axis.
func drawSeries(b *bytes.Buffer, x float64, title string, runs []largeRun, all []series) {
	const top, w, h = 40.0, 280.0, 200.0
	xMax, yMax := 1.0, 1.0
	for _, r := range runs {
		xMax = math.Max(xMax, float64(r.Results))
		for _, s := range all {
			yMax = math.Max(yMax, s.value(r))
		}
	}
	yMax *= 1.1
	px := func(v float64) float64 { return x + v/xMax*w }
	py := func(v float64) float64 { return top + h - v/yMax*h }
	text(b, x, top-12, "start", title)
	fmt.Fprintf(b, `<path d="M%.1f %.1fV%.1fH%.1f" stroke="black" fill="none"/>`+"\n", x, top, top+h, x+w)
	text(b, x, top+h+16, "start", "0")
	text(b, x+w, top+h+16, "end", fmt.Sprintf("%.0f results", xMax))
	text(b, x-4, top+4, "end", fmt.Sprintf("%.0f", yMax))
	for i, s := range all {
		var path strings.Builder
		for j, r := range runs {
			cmd := "L"
			if j == 0 {
				cmd = "M"
			}
			fmt.Fprintf(&path, "%s%.1f %.1f", cmd, px(float64(r.Results)), py(s.value(r)))
		}
		fmt.Fprintf(b, `<path d="%s" stroke="%s" stroke-width="2" fill="none"/>`+"\n", path.String(), s.color)
		fmt.Fprintf(b, `<rect x="%.1f" y="%.1f" width="10" height="10" fill="%s"/>`+"\n", x+10, top+8+float64(i)*16, s.color)
		text(b, x+24, top+17+float64(i)*16, "start", s.label)
	}
}

func text(b *bytes.Buffer, x, y float64, anchor, s string) {
	fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="%s">`, x, y, anchor)
	_ = xml.EscapeText(b, []byte(s))
	b.WriteString("</text>\n")
}
