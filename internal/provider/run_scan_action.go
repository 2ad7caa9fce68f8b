package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/aether365/terraform-provider-aether365/internal/aether365"
	"github.com/aether365/terraform-provider-aether365/internal/clock"
)

const (
	// runScanHeartbeat is the longest the action stays silent while it waits,
	// so a CI log shows the run is alive and how long it has been waiting.
	runScanHeartbeat = 60 * time.Second
)

// NewRunScanAction returns the aether365_run_scan action.
func NewRunScanAction() action.Action {
	return &runScanAction{clock: clock.Real{}}
}

// runScanAction starts a scan on demand and, by default, waits for its
// verdict. Unlike the aether365_scan resource it keeps nothing in state: each
// invocation is one new scan.
type runScanAction struct {
	actionBase
	// clock measures elapsed time for progress messages; the client's own
	// clock paces the polls. Tests share one fake clock between the two.
	clock clock.Clock
}

type runScanActionModel struct {
	ScanType          types.String  `tfsdk:"scan_type"`
	TenantID          types.String  `tfsdk:"tenant_id"`
	ConnectionID      types.String  `tfsdk:"connection_id"`
	WaitForCompletion types.Bool    `tfsdk:"wait_for_completion"`
	Timeout           types.String  `tfsdk:"timeout"`
	MinScore          types.Float64 `tfsdk:"min_score"`
	FailOnScanFailure types.Bool    `tfsdk:"fail_on_scan_failure"`
}

// waits reports whether the invocation waits for the verdict (default true).
func (m runScanActionModel) waits() bool {
	return m.WaitForCompletion.IsNull() || m.WaitForCompletion.ValueBool()
}

// failsOnScanFailure reports whether a failed scan fails the action (default true).
func (m runScanActionModel) failsOnScanFailure() bool {
	return m.FailOnScanFailure.IsNull() || m.FailOnScanFailure.ValueBool()
}

// timeout is the configured wait, or the default; ValidateConfig has
// already rejected a value that does not parse.
func (m runScanActionModel) timeout() (time.Duration, error) {
	if m.Timeout.IsNull() || m.Timeout.ValueString() == "" {
		return defaultScanWait, nil
	}
	return parsePositiveDuration(m.Timeout.ValueString())
}

func (a *runScanAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_run_scan"
}

func (a *runScanAction) Schema(_ context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Runs a new Aether365 scan when invoked, and by default waits for its score, without " +
			"keeping anything in state. Invoke it from a pipeline with `terraform apply -invoke=action.aether365_run_scan.NAME`, " +
			"or run it before a deployment with `lifecycle { action_trigger { ... } }`. Requires Terraform 1.14.1 or later.\n\n" +
			"The scan ID is reported as soon as Aether365 accepts the scan, then each status change and, while the scan " +
			"runs, a line at least every minute with the time waited. The action fails, naming the scan, when the scan " +
			"fails (with `fail_on_scan_failure`), when its score is below `min_score`, or when `timeout` runs out. If " +
			"Terraform is interrupted, it stops waiting within seconds; the scan goes on in Aether365.",
		Attributes: map[string]schema.Attribute{
			"scan_type": schema.StringAttribute{
				MarkdownDescription: descScanType + " " + enumInputNote,
				Required:            true,
				Validators:          scanTypeValidators(),
			},
			"tenant_id": schema.StringAttribute{
				MarkdownDescription: "Aether365 account to scan in: `me` (the API key's own account) or its ID. " +
					"Defaults to the provider's `tenant_id`.",
				Optional:   true,
				Validators: []validator.String{idValidator()},
			},
			"connection_id": schema.StringAttribute{
				MarkdownDescription: descConnection,
				Optional:            true,
				Validators:          []validator.String{idValidator()},
			},
			"wait_for_completion": schema.BoolAttribute{
				MarkdownDescription: "Wait until the scan is `completed` or `failed` (default `true`). With `false` the " +
					"action ends as soon as Aether365 accepts the scan; `min_score` then cannot be used.",
				Optional: true,
			},
			"timeout": schema.StringAttribute{
				MarkdownDescription: "How long to wait for the scan, as a [duration](https://pkg.go.dev/time#ParseDuration) " +
					"such as `45m` (default `" + defaultScanWaitText + "`; actions have no `timeouts` block). When it runs out the action fails " +
					"naming the scan, which goes on in Aether365.",
				Optional:   true,
				Validators: []validator.String{positiveDurationValidator{}},
			},
			"min_score": schema.Float64Attribute{
				MarkdownDescription: "Lowest acceptable score, from 0 to 100. When set, the action fails if the " +
					"completed scan scores below it. Needs `wait_for_completion`.",
				Optional:   true,
				Validators: []validator.Float64{float64Between(0, 100)},
			},
			"fail_on_scan_failure": schema.BoolAttribute{
				MarkdownDescription: "Fail the action when the scan ends `failed` (default `true`). With `false` a " +
					"failed scan is reported as a warning.",
				Optional: true,
			},
		},
	}
}

// ValidateConfig rejects combinations that could only fail after a scan
// had been started.
func (a *runScanAction) ValidateConfig(ctx context.Context, req action.ValidateConfigRequest, resp *action.ValidateConfigResponse) {
	var config runScanActionModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	config.checkCombination(&resp.Diagnostics)
}

// checkCombination is ValidateConfig's check of attributes together.
func (m runScanActionModel) checkCombination(diags *diag.Diagnostics) {
	if !m.MinScore.IsNull() && !m.MinScore.IsUnknown() && !m.WaitForCompletion.IsUnknown() && !m.waits() {
		diags.AddAttributeError(path.Root("min_score"), "min_score Needs wait_for_completion",
			"min_score can only be checked on a finished scan, but wait_for_completion = false ends the action as "+
				"soon as Aether365 accepts the scan. Remove min_score, or set wait_for_completion = true.")
	}
}

// ModifyPlan checks the configuration again once its values are known.
// Terraform validates an action's configuration before variables have
// values, and the validators skip what is unknown, so min_score =
// var.min with var.min = 101 used to pass and start a scan that could
// only fail; it is now an error at plan.
func (a *runScanAction) ModifyPlan(ctx context.Context, req action.ModifyPlanRequest, resp *action.ModifyPlanResponse) {
	resp.Diagnostics.Append(a.checkKnownConfig(ctx, req.Config)...)
}

// checkKnownConfig runs the schema's attribute validators and
// checkCombination on config's known values.
func (a *runScanAction) checkKnownConfig(ctx context.Context, config tfsdk.Config) diag.Diagnostics {
	var diags diag.Diagnostics
	var s action.SchemaResponse
	a.Schema(ctx, action.SchemaRequest{}, &s)
	for name, attribute := range s.Schema.Attributes {
		at := path.Root(name)
		switch attribute := attribute.(type) {
		case schema.StringAttribute:
			var value types.String
			diags.Append(config.GetAttribute(ctx, at, &value)...)
			for _, v := range attribute.Validators {
				out := &validator.StringResponse{}
				v.ValidateString(ctx, validator.StringRequest{Path: at, ConfigValue: value, Config: config}, out)
				diags.Append(out.Diagnostics...)
			}
		case schema.Float64Attribute:
			var value types.Float64
			diags.Append(config.GetAttribute(ctx, at, &value)...)
			for _, v := range attribute.Validators {
				out := &validator.Float64Response{}
				v.ValidateFloat64(ctx, validator.Float64Request{Path: at, ConfigValue: value, Config: config}, out)
				diags.Append(out.Diagnostics...)
			}
		}
	}
	var model runScanActionModel
	diags.Append(config.Get(ctx, &model)...)
	if !diags.HasError() {
		model.checkCombination(&diags)
	}
	return diags
}

func (a *runScanAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	// Checked again here: a scan started on a configuration that cannot pass
	// costs quota and minutes, whatever skipped the plan's check.
	if resp.Diagnostics.Append(a.checkKnownConfig(ctx, req.Config)...); resp.Diagnostics.HasError() {
		return
	}
	config, ok := configuredModel[runScanActionModel](ctx, a.data, req.Config, &resp.Diagnostics)
	if !ok {
		return
	}
	timeout, err := config.timeout()
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("timeout"), "Invalid timeout", err.Error())
		return
	}
	progress := newScanProgress(a.clock, resp.SendProgress)
	tenant := a.data.tenantOr(config.TenantID)
	scanType := normalizedEnum(config.ScanType)

	waitCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	waitCtx = tflog.SetField(waitCtx, "tenant_id", tenant)
	waitCtx = tflog.SetField(waitCtx, "scan_type", scanType)
	tflog.Info(waitCtx, "Starting Aether365 scan from action")

	started, err := a.data.startOrAdopt(waitCtx, aether365.StartScanRequest{
		Tenant: tenant, ConnectionID: config.ConnectionID.ValueString(), ScanType: scanType})
	seenAt := a.data.client.Now()
	if err != nil {
		addAPIError(&resp.Diagnostics, "Starting Aether365 Scan", err)
		if !rejectedByAPI(err) {
			resp.Diagnostics.AddWarning("Aether365 Scan May Have Started",
				"If Aether365 received the request before it failed, a scan may have started: it is then the "+
					"tenant's running scan, and the next invocation follows it instead of starting a second one. "+
					"Find it with the aether365_scans data source or terraform query.")
		}
		return
	}
	scan := started.Scan
	waitCtx = tflog.SetField(waitCtx, "scan_id", scan.ID)
	if started.Adopted && !started.AfterLostAnswer {
		progress.adopted(adoptedScanAccount(scan, a.data.scheduleThatStarted(waitCtx, scan), a.data.client.Now()), scan)
	} else {
		progress.started(scan, tenant)
	}
	if !config.waits() {
		return
	}

	final := scan
	if !aether365.IsTerminal(scan) {
		var waitErr error
		stopKeepAlive := progress.keepAlive(waitCtx)
		final, waitErr = a.data.client.WaitForScan(waitCtx, scan.ID, aether365.WaitOptions{
			Tenant:      checkedTenant(tenant),
			SeenAt:      seenAt,
			OnPollError: warnPollError(scan.ID),
			OnPoll:      func(_ context.Context, s *aether365.Scan) { progress.polled(s) },
		})
		stopKeepAlive()
		if waitErr != nil {
			lastStatus := string(scan.Status)
			if final != nil {
				lastStatus = string(final.Status)
			}
			addActionWaitError(&resp.Diagnostics, scan.ID, lastStatus, timeout, progress.elapsed(), ctx.Err(), waitErr)
			return
		}
	}
	progress.finished(final, config.MinScore)
	reportActionOutcome(&resp.Diagnostics, final, config)
}

// scanProgress writes the action's progress lines. A poll that finds the
// scan unfinished sends a heartbeat when half the heartbeat interval has
// passed since the last line; between polls, which the published API gives
// no hint to hasten (they come up to minutes apart late in a long scan), and
// while the API does not answer, a wall-clock ticker sends one, so no line is
// more than the heartbeat interval after the previous one.
type scanProgress struct {
	clock clock.Clock
	send  func(action.InvokeProgressEvent)
	start time.Time
	// heartbeat is the longest silence: runScanHeartbeat, shorter in tests.
	heartbeat time.Duration

	mu       sync.Mutex
	scanID   string
	status   string
	lastSent time.Time
}

func newScanProgress(clk clock.Clock, send func(action.InvokeProgressEvent)) *scanProgress {
	if clk == nil {
		clk = clock.Real{}
	}
	if send == nil {
		send = func(action.InvokeProgressEvent) {}
	}
	now := clk.Now()
	return &scanProgress{clock: clk, send: send, start: now, lastSent: now, heartbeat: runScanHeartbeat}
}

func (p *scanProgress) elapsed() time.Duration {
	return p.clock.Now().Sub(p.start).Round(time.Second)
}

func (p *scanProgress) sendLocked(format string, args ...any) {
	p.lastSent = p.clock.Now()
	p.send(action.InvokeProgressEvent{Message: fmt.Sprintf(format, args...)})
}

func (p *scanProgress) started(scan *aether365.Scan, tenant string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.scanID, p.status = scan.ID, string(scan.Status)
	p.sendLocked("Aether365 %s scan %s started for tenant %s (status %s).", scan.ScanType, scan.ID, tenant, scan.Status)
}

// adopted says that the start met a running scan, which the action follows
// instead of starting another; account is adoptedScanAccount's.
func (p *scanProgress) adopted(account string, scan *aether365.Scan) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.scanID, p.status = scan.ID, string(scan.Status)
	p.sendLocked("%s Following it instead of starting another (status %s).", account, scan.Status)
}

// polled sends a line for a poll that found the status changed since the
// last line, and otherwise a heartbeat when half the heartbeat interval has
// passed since the last line: polls are at most 30 s apart, so the next line
// is never more than runScanHeartbeat after the previous one. A finished
// scan gets no line here: the final line says it, with the score.
func (p *scanProgress) polled(scan *aether365.Scan) {
	if aether365.IsTerminal(scan) {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case string(scan.Status) != p.status:
		p.status = string(scan.Status)
		p.sendLocked("Scan %s is %s (%s elapsed).", scan.ID, scan.Status, p.elapsed())
	case p.clock.Now().Sub(p.lastSent) >= p.heartbeat/2:
		p.sendLocked("Scan %s is still %s (%s elapsed).", scan.ID, scan.Status, p.elapsed())
	}
}

// keepAlive sends a heartbeat from a wall-clock ticker when no poll has
// produced a line for runScanHeartbeat, as when the API stops answering and
// requests are being retried. The returned function stops it; it must be
// called before Invoke returns, because a line sent after that would block.
func (p *scanProgress) keepAlive(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		ticker := time.NewTicker(p.heartbeat / 4)
		defer ticker.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-ticker.C:
				p.mu.Lock()
				if ctx.Err() == nil && p.clock.Now().Sub(p.lastSent) >= p.heartbeat*3/4 {
					p.sendLocked("Scan %s: still waiting, last status %s (%s elapsed).", p.scanID, p.status, p.elapsed())
				}
				p.mu.Unlock()
			}
		}
	}()
	return func() {
		cancel()
		wg.Wait()
	}
}

func (p *scanProgress) finished(scan *aether365.Scan, minScore types.Float64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sendLocked("%s", finalScanLine(scan, minScore, p.elapsed()))
}

// finalScanLine is the last progress line: outcome, score, the min_score
// verdict and the counts of checks.
func finalScanLine(scan *aether365.Scan, minScore types.Float64, elapsed time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Scan %s %s after %s", scan.ID, scan.Status, elapsed)
	if scan.Score != nil {
		fmt.Fprintf(&b, ": score %s", formatScore(*scan.Score))
		if !minScore.IsNull() {
			verdict := "passed"
			if *scan.Score < minScore.ValueFloat64() {
				verdict = "FAILED"
			}
			fmt.Fprintf(&b, ", min_score %s %s", formatScore(minScore.ValueFloat64()), verdict)
		}
	}
	if scan.PassCount != nil && scan.FailCount != nil && scan.SkipCount != nil {
		fmt.Fprintf(&b, "; checks: %d passed, %d failed, %d skipped", *scan.PassCount, *scan.FailCount, *scan.SkipCount)
	}
	b.WriteString(".")
	return b.String()
}

func formatScore(score float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.2f", score), "0"), ".")
}

// reportActionOutcome turns the finished scan into the action's verdict.
func reportActionOutcome(diags *diag.Diagnostics, scan *aether365.Scan, config runScanActionModel) {
	switch status := string(scan.Status); {
	case status == aether365.ScanStatusCompleted:
		if !config.MinScore.IsNull() && scan.Score != nil && *scan.Score < config.MinScore.ValueFloat64() {
			diags.AddError("Aether365 Scan Score Below min_score",
				fmt.Sprintf("Scan %s of tenant %s scored %s, below min_score %s. Look at its failed checks with "+
					"the aether365_scan_results data source (scan_id = %q) or in Aether365.",
					scan.ID, scan.TenantID, formatScore(*scan.Score), formatScore(config.MinScore.ValueFloat64()), scan.ID))
		}
	case aether365.IsTerminalStatus(status):
		detail := fmt.Sprintf("Scan %s of tenant %s ended with status %q: %s.", scan.ID, scan.TenantID, status, scanEndedReason)
		if config.failsOnScanFailure() {
			diags.AddError("Aether365 Scan "+titleStatus(status),
				detail+" Fix the cause and invoke the action again; set fail_on_scan_failure = false to report failed scans as warnings.")
			return
		}
		diags.AddWarning("Aether365 Scan "+titleStatus(status), detail)
	}
}

// addActionWaitError explains why waiting stopped. The scan is not
// cancelled in any case: Aether365 has no way to, and the ID lets the user
// follow it.
func addActionWaitError(diags *diag.Diagnostics, scanID, lastStatus string, timeout, elapsed time.Duration, interrupted, err error) {
	keepsRunning := fmt.Sprintf("Scan %s keeps running in Aether365; read its verdict later with data "+
		"\"aether365_scan\" { id = %q }.", scanID, scanID)
	switch {
	case interrupted != nil:
		diags.AddError("Interrupted While Waiting for Aether365 Scan",
			fmt.Sprintf("Terraform was interrupted after %s while scan %s was %q. %s", elapsed, scanID, lastStatus, keepsRunning))
	case errors.Is(err, context.DeadlineExceeded):
		diags.AddAttributeError(path.Root("timeout"), "Timed Out Waiting for Aether365 Scan",
			fmt.Sprintf("Scan %s did not finish within the action's timeout of %s; its last status was %q. %s If "+
				"scans of this tenant take longer, raise it: timeout = \"%s\".", scanID, timeout, lastStatus, keepsRunning, timeout*2))
	default:
		diags.AddError("Error Waiting for Aether365 Scan",
			fmt.Sprintf("Could not follow scan %s (last status %q). %s %s\n\nOriginal error: %s",
				scanID, lastStatus, apiErrorAdvice(err), keepsRunning, err))
	}
}

// parsePositiveDuration parses a Go duration that must be greater than zero.
func parsePositiveDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration: use a number with a unit, such as \"45m\" or \"1h30m\"", s)
	}
	if d <= 0 {
		return 0, fmt.Errorf("%q must be a positive duration such as \"45m\"", s)
	}
	return d, nil
}
