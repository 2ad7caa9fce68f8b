package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// terraform runs the CLI in the workspace and returns its output; passthrough
// prints it as it comes instead.
func (d *demo) terraform(ctx context.Context, passthrough bool, args ...string) (string, error) {
	cmd := d.ws.Command(ctx, nil, args...)
	var out strings.Builder
	if passthrough {
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	} else {
		cmd.Stdout, cmd.Stderr = &out, &out
	}
	err := cmd.Run()
	return out.String(), err
}

func (d *demo) planAndApply(ctx context.Context) error {
	plan := filepath.Join(d.work, "demo.tfplan")
	d.ui.section(d.tf + " plan (saved, so apply does exactly this)")
	if _, err := d.terraform(ctx, true, append([]string{"plan", "-input=false", "-compact-warnings", "-out=" + plan}, d.ui.colorFlag...)...); err != nil {
		return fmt.Errorf("%s plan failed", d.tf)
	}
	d.ui.section(d.tf + " apply (runs the scan, waits for its score, reads the results)")
	out, err := d.terraform(ctx, false, append(append([]string{"apply", "-input=false", "-compact-warnings"}, d.ui.colorFlag...), plan)...)
	if err != nil {
		fmt.Print(out)
		return fmt.Errorf("%s apply failed", d.tf)
	}
	// Everything but the outputs, which the results print one by one.
	if before, _, found := strings.Cut(out, "\nOutputs:"); found {
		out = before + "\n"
	}
	d.ui.indented("   ", out)
	return nil
}

// output is one output of the configuration, raw.
func (d *demo) output(ctx context.Context, name string) string {
	out, _ := d.ws.Command(ctx, nil, "output", "-raw", name).Output()
	return string(out)
}

func (d *demo) results(ctx context.Context) error {
	d.ui.section("Results")
	fmt.Printf("   %-18s %s\n", "scan:", d.output(ctx, "scan_id"))
	fmt.Printf("   %-18s %s%%\n", "score:", d.output(ctx, "score"))
	fmt.Printf("   %-18s %s%s%s\n", "gate:", d.ui.green, d.output(ctx, "gate"), d.ui.reset)
	fmt.Println("   critical failures:")
	var critical []string
	raw, _ := d.ws.Command(ctx, nil, "output", "-json", "critical_failures").Output()
	if err := json.Unmarshal(raw, &critical); err != nil || len(critical) == 0 {
		fmt.Println("     (none)")
	} else {
		for _, line := range critical {
			fmt.Println("     - " + line)
		}
	}
	csv := strings.Split(strings.TrimRight(d.output(ctx, "failures_csv"), "\n"), "\n")
	d.ui.info(fmt.Sprintf("failures as CSV (%d rows; save them with '%s output -raw failures_csv > failures.csv'):", len(csv)-1, d.tf))
	for _, line := range csv[:min(3, len(csv))] {
		fmt.Println("     " + line[:min(110, len(line))])
	}
	return nil
}

func (d *demo) blockedPlan(ctx context.Context) error {
	d.ui.section(fmt.Sprintf("The gate blocking a deployment: %s plan -var min_score=%s", d.tf, blockingThreshold))
	d.ui.info(fmt.Sprintf("the latest score is %s%%; requiring %s%% must stop the plan before it changes anything", simScore, blockingThreshold))
	out, err := d.terraform(ctx, false, "plan", "-input=false", "-no-color", "-compact-warnings", "-var", "min_score="+blockingThreshold)
	if err == nil {
		fmt.Print(out)
		return fmt.Errorf("the plan succeeded, but the gate should have blocked it")
	}
	if !strings.Contains(out, "Deployment blocked") {
		fmt.Print(out)
		return fmt.Errorf("the plan failed, but not because of the gate")
	}
	fmt.Printf("   %sblocked, as expected (%s plan exited non-zero):%s\n", d.ui.green, d.tf, d.ui.reset)
	if i := strings.Index(out, "Error: "); i >= 0 {
		start := strings.LastIndex(out[:i], "\n") + 1
		d.ui.indented("     ", out[start:])
	}
	return nil
}
