package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/aether365/terraform-provider-aether365/internal/aether365"
)

// addAPIError turns a client error into one diagnostic whose summary names
// the failed action and whose detail says what the user can do about it,
// ending with the original error (the convention of terraform-provider-random).
func addAPIError(diags *diag.Diagnostics, action string, err error) {
	diags.AddError(apiErrorSummary(action, err), apiErrorAdvice(err)+"\n\nOriginal error: "+err.Error())
}

func apiErrorSummary(action string, err error) string {
	switch {
	case errors.Is(err, aether365.ErrUnreachable):
		return "Aether365 API Not Reachable"
	case errors.Is(err, aether365.ErrAttemptTimeout):
		return "Per-Request Timeout " + action
	case errors.Is(err, aether365.ErrReadLimit):
		return "Read Limit Exceeded " + action
	case errors.Is(err, aether365.ErrUnauthorized):
		return "Aether365 Rejected the API Key"
	case errors.Is(err, aether365.ErrScanQuotaReached):
		return "Aether365 Scan Quota Used Up"
	case errors.Is(err, aether365.ErrInsufficientScope):
		return "Aether365 Account Lacks the Permission"
	case errors.Is(err, aether365.ErrForbidden):
		return "Aether365 Tenant Not Accessible"
	case errors.Is(err, aether365.ErrTenantNotConnected):
		return "No Microsoft 365 Tenant Connected to Aether365"
	case errors.Is(err, aether365.ErrValidation):
		return "Aether365 Rejected the Request"
	case errors.Is(err, context.DeadlineExceeded):
		return "Timed Out " + action
	case errors.Is(err, context.Canceled):
		return "Interrupted " + action
	}
	return "Error " + action
}

func apiErrorAdvice(err error) string {
	var (
		attemptTimeout *aether365.AttemptTimeoutError
		readLimit      *aether365.ReadLimitError
		malformed      *aether365.MalformedResponseError
	)
	switch {
	case errors.Is(err, aether365.ErrUnreachable):
		// The client's message names the URL it tried; no request reached
		// Aether365, so there is no request ID to report.
		return "Nothing answered at the base URL named in the error below as the Aether365 API does: the " +
			"connection was refused or not made in time, the host name does not resolve, there is no route to " +
			"it, or the server there speaks plain HTTP to an https:// base_url (the error says which). Check " +
			"base_url in the provider block (or " + envBaseURL + "), and that the API or aether365-sim is " +
			"running there."
	case errors.As(err, &attemptTimeout):
		// This bound is per request, fixed by the client; telling the user to
		// raise a Terraform timeout would change nothing.
		return fmt.Sprintf("Aether365 accepted the request but gave no complete answer within the per-request "+
			"bound of %s, so the request was abandoned (a server that hangs, or sends its answer too slowly). "+
			"Check the health of the API at base_url and of any proxy in between, then try again.", attemptTimeout.Timeout)
	case errors.As(err, &readLimit):
		return fmt.Sprintf("The answer is larger than this provider reads in one go (max_read_mib, %g MiB now). "+
			"Narrow the query (filters such as result or severity, or max_results), or raise max_read_mib in the "+
			"provider block (or %s).", float64(readLimit.Limit)/(1<<20), envMaxReadMiB)
	case errors.As(err, &malformed) && malformed.Field != "":
		advice := fmt.Sprintf("Aether365 answered in its own format, but field %s of the answer was not what the "+
			"API promises: %s. The provider refuses the answer rather than record a wrong value. Run Terraform "+
			"again; if it persists, report it to Aether365 support", malformed.Field, fieldProblem(malformed))
		if malformed.RequestID != "" {
			advice += " with request ID " + malformed.RequestID
		}
		return advice + "."
	case errors.Is(err, aether365.ErrUnauthorized):
		return "The API answered 401: the token in api_key (or " + envAPIKey + ") is missing, mistyped, " +
			"revoked or expired (a sign-in JWT lasts one hour; an API key until it is revoked). Create an API key " +
			"in Aether365 under Settings > API Keys (an Enterprise feature) and use it instead of a JWT."
	case errors.Is(err, aether365.ErrScanQuotaReached):
		return "Aether365 answered 429 SCAN_PLAN_LIMIT_REACHED: the plan's scan quota is used up until the next " +
			"billing period. Retrying does not help and the provider did not retry. Wait for the next billing " +
			"period, upgrade the plan, or contact Aether365 support; until then, read the latest scan with the " +
			"aether365_scan data source instead of starting one."
	case errors.Is(err, aether365.ErrInsufficientScope):
		return "Aether365 answered 403 AUTH_INSUFFICIENT_SCOPE: the account behind the API key lacks the role or " +
			"the entitlement for this request (AI Pilot, Threat Alerts and Policy Management are separate " +
			"entitlements of the Pro and Enterprise plans). Ask an Aether365 administrator to grant it."
	case errors.Is(err, aether365.ErrForbidden):
		return "The API key may not see this account (403 TENANT_ACCESS_DENIED): a key belongs to one Aether365 " +
			"account. Check tenant_id here and in the provider block (or " + envTenantID + "); \"me\" always " +
			"means the key's own account. To work on several Microsoft 365 tenants, connect them to one account " +
			"and name them with connection_id."
	case errors.Is(err, aether365.ErrTenantNotConnected):
		return "Aether365 answered 400 TENANT_NOT_CONNECTED: the account has no Microsoft 365 tenant that " +
			"completed admin consent. Connect one in Aether365 (Settings > Connections), then run Terraform again."
	case errors.Is(err, aether365.ErrValidation):
		return "Aether365 found a value it does not accept; the message below names it. Correct that " +
			"argument and run Terraform again."
	case errors.Is(err, aether365.ErrNotFound):
		return "Aether365 has no such object for this API key (the code below says which kind). Check the ID, " +
			"and that it belongs to the key's account."
	case errors.Is(err, aether365.ErrRateLimited):
		return "Aether365 kept answering 429 RATE_LIMITED after every retry. Lower requests_per_second in the " +
			"provider block, reduce parallelism (terraform apply -parallelism=N), or raise max_retries."
	case errors.Is(err, aether365.ErrServiceUnavailable):
		return "Aether365 was unavailable and stayed so after every retry. Try again in a few minutes; raise " +
			"max_retries if this happens often."
	case errors.Is(err, aether365.ErrInconsistentPages):
		return "Aether365 changed the list while it was being read (the total or the page count changed, or a " +
			"page repeated items), so the result would have gaps or duplicates. Run Terraform again; if it " +
			"persists, report the request IDs below to Aether365 support."
	case errors.Is(err, aether365.ErrMalformedResponse):
		return "The answer did not look like the Aether365 API at all (for example an HTML page from a proxy). " +
			"Check that base_url points at the API, and any proxy between Terraform and it."
	case errors.Is(err, context.DeadlineExceeded):
		// Data sources have no timeouts block, so name no timeout here: a
		// resource's own diagnostics name the timeout that ran out.
		return "Aether365 did not answer in time, retries included. Check that base_url points at a " +
			"reachable Aether365 API, then try again; max_retries sets how often a request is retried."
	case errors.Is(err, context.Canceled):
		return "Terraform was interrupted before the operation finished."
	}
	// Only an answer carries a request ID: ask for one only when there is one.
	if id := requestIDOf(err); id != "" {
		return "The request to Aether365 failed. If the problem persists, run with TF_LOG=debug and report it " +
			"to Aether365 support with request ID " + id + "."
	}
	return "The request to Aether365 failed, for the reason in the error below. If the problem persists, run " +
		"with TF_LOG=debug to see each request, and check base_url and any proxy between Terraform and the API."
}

// requestIDOf is the X-Request-Id of the answer err reports, or "".
func requestIDOf(err error) string {
	var (
		apiErr    *aether365.APIError
		malformed *aether365.MalformedResponseError
	)
	switch {
	case errors.As(err, &apiErr):
		return apiErr.RequestID
	case errors.As(err, &malformed):
		return malformed.RequestID
	}
	return ""
}

// fieldProblem is what the client found wrong with a field, which names the
// value it got and the value it wanted.
func fieldProblem(malformed *aether365.MalformedResponseError) string {
	if malformed.Err == nil {
		return "its value was not accepted"
	}
	return malformed.Err.Error()
}

// addClientConfigError reports why the API client could not be built,
// attached to the provider argument the user has to change.
func addClientConfigError(diags *diag.Diagnostics, err error) {
	var cfgErr *aether365.ConfigError
	switch {
	case errors.Is(err, aether365.ErrMissingAPIKey):
		diags.AddAttributeError(path.Root("api_key"), "Missing Aether365 API Key",
			"Set api_key in the provider block or the "+envAPIKey+" environment variable.")
	case errors.Is(err, aether365.ErrInsecureHTTP):
		diags.AddAttributeError(path.Root("base_url"), "Insecure Aether365 Base URL",
			"base_url uses plain http:// with a host that is not loopback, so the API key would cross the "+
				"network unencrypted. Use https://, or set allow_insecure_http = true (or "+
				envAllowInsecureHTTP+"=true) if you really mean it.\n\nOriginal error: "+err.Error())
	case errors.As(err, &cfgErr) && cfgErr.Field == "APIKey":
		diags.AddAttributeError(path.Root("api_key"), "Invalid Aether365 API Key",
			"api_key (or "+envAPIKey+") contains whitespace or control characters inside it. Paste the key "+
				"exactly as Aether365 shows it; if it comes from a file, wrap it in trimspace().")
	case errors.As(err, &cfgErr) && cfgErr.Field == "BaseURL":
		diags.AddAttributeError(path.Root("base_url"), "Invalid Aether365 Base URL",
			fmt.Sprintf("base_url (or %s) must be an absolute http(s) URL such as %s or http://127.0.0.1:8365 "+
				"for aether365-sim.\n\nOriginal error: %s", envBaseURL, aether365.DefaultBaseURL, err))
	default:
		diags.AddError("Unable to Create Aether365 Client",
			"The provider could not build its API client.\n\nOriginal error: "+err.Error())
	}
}

// addUnexpectedProviderData reports a programming error in the provider
// itself; users should never see it.
func addUnexpectedProviderData(diags *diag.Diagnostics, err error) {
	diags.AddError("Unexpected Provider Data", err.Error())
}

// rejectedByAPI reports whether Aether365 itself answered that it would not
// start the scan, as opposed to a failure that leaves that unknown.
func rejectedByAPI(err error) bool {
	for _, definite := range []error{aether365.ErrValidation, aether365.ErrUnauthorized, aether365.ErrForbidden,
		aether365.ErrNotFound, aether365.ErrConflict, aether365.ErrScanQuotaReached, aether365.ErrTenantNotConnected} {
		if errors.Is(err, definite) {
			return true
		}
	}
	return false
}

// foundAgainNote says how a scan that may exist without being in state is
// found again, so no diagnostic promises more than the next Create does.
func foundAgainNote() string {
	return "If Aether365 received the request, the scan it started is not in Terraform state yet. It is the " +
		"tenant's running scan, and Aether365 runs one scan at a time: the next apply's trigger is answered 409 " +
		"SCAN_ALREADY_RUNNING, and the resource adopts that scan while it is still in progress. If it has " +
		"finished by then, the next apply starts a new one and the first stays in Aether365 as history (the " +
		"aether365_scans data source lists it)."
}

// addStartError explains why the POST that starts a scan failed and what
// became of the scan it may have started.
func addStartError(diags *diag.Diagnostics, err error, createTimeout time.Duration) {
	const action = "Starting Aether365 Scan"
	switch {
	case rejectedByAPI(err):
		addAPIError(diags, action, err)
	case errors.Is(err, context.DeadlineExceeded):
		diags.AddError("Timed Out "+action,
			fmt.Sprintf("The scan was not started within the create timeout of %s (timeouts.create): Aether365 "+
				"did not answer, retries included, or the tenant was running another scan that did not end in "+
				"time (the warnings above name it). %s\n\nIf this is normal for this tenant, raise it, for example "+
				"timeouts { create = \"%s\" }.\n\nOriginal error: %s", createTimeout, foundAgainNote(), createTimeout*2, err))
	case errors.Is(err, context.Canceled):
		diags.AddError("Interrupted "+action,
			fmt.Sprintf("Terraform was interrupted before Aether365 answered the request that starts the scan. %s"+
				"\n\nOriginal error: %s", foundAgainNote(), err))
	default:
		addAPIError(diags, action, err)
		diags.AddWarning("Aether365 Scan May Have Started", foundAgainNote())
	}
}

// addAdoptedWarning tells the user that Create took over the tenant's running
// scan instead of starting another, and who started it as far as can be
// known: Aether365 does not record who started a scan, so the warning names
// the schedule that fired then when there is one (startedBy) and otherwise
// the other clients a scan comes from, without claiming which. A scan
// adopted after the answer to Create's own trigger was lost is Create's own
// and gets no warning (see aether365.StartedScan.AfterLostAnswer).
func addAdoptedWarning(diags *diag.Diagnostics, scan *aether365.Scan, startedBy *aether365.ScheduledScan, now time.Time) {
	diags.AddWarning("Adopted the Running Aether365 Scan", adoptedScanAccount(scan, startedBy, now)+
		" This resource records that scan instead of starting a second one.")
}

// adoptedScanAccount says which running scan a start met and where it came
// from, for the resource's warning and the action's progress.
func adoptedScanAccount(scan *aether365.Scan, startedBy *aether365.ScheduledScan, now time.Time) string {
	running := fmt.Sprintf("Tenant %s was already running %s scan %s, started %s (%s ago), and Aether365 runs one "+
		"scan at a time (409 SCAN_ALREADY_RUNNING).", scan.TenantID, scan.ScanType, scan.ID,
		scan.StartedAt.UTC().Format(time.RFC3339), now.Sub(scan.StartedAt).Round(time.Second))
	if startedBy != nil {
		return fmt.Sprintf("%s Schedule %q (%s) started it: it last fired at %s.", running, startedBy.Name, startedBy.ID,
			startedBy.LastTriggeredAt.UTC().Format(time.RFC3339))
	}
	return running + " No schedule of this account fired then, and Aether365 does not record who starts a scan: " +
		"it came from another Terraform run or API client on this tenant (an apply in another directory or " +
		"pipeline, or one stopped before it could save its state) or from a person in Aether365. Every run " +
		"that adopts it reports the same scan."
}

// Which operation a diagnostic reports on: it decides what Terraform does next.
type scanOperation int

const (
	// afterCreate: Terraform taints a resource whose Create failed, so the
	// next apply replaces it.
	afterCreate scanOperation = iota
	// afterUpdate: Terraform never taints on Update errors; ModifyPlan plans
	// the next step from the recorded status instead.
	afterUpdate
)

// reportOutcome turns a terminal scan into an error or warning as the
// fail_on_scan_failure setting asks.
func reportOutcome(diags *diag.Diagnostics, failOnScanFailure bool, scan *aether365.Scan, op scanOperation) {
	if scan == nil {
		return
	}
	if status := string(scan.Status); aether365.IsTerminalStatus(status) && status != aether365.ScanStatusCompleted {
		// The scan object carries no reason: Aether365 shows it in the app.
		reason := scanEndedReason
		if failOnScanFailure {
			next := "The scan is saved in state and marked tainted, so the next apply starts a new scan."
			if op == afterUpdate {
				next = "The scan is saved in state with its status, so the next plan replaces it with a new scan."
			}
			diags.AddError("Aether365 Scan "+titleStatus(status),
				fmt.Sprintf("Scan %s of tenant %s ended with status %q: %s.\n\n%s Fix the cause above first; set "+
					"fail_on_scan_failure = false to record failed scans without failing the apply.",
					scan.ID, scan.TenantID, scan.Status, reason, next))
			return
		}
		diags.AddWarning("Aether365 Scan "+titleStatus(status),
			fmt.Sprintf("Scan %s of tenant %s ended with status %q: %s. It is recorded in state because "+
				"fail_on_scan_failure is false; score is null.", scan.ID, scan.TenantID, scan.Status, reason))
	}
}

// scanEndedReason is what a diagnostic says of a scan that failed: the API's
// scan object has no reason field.
const scanEndedReason = "the API does not say why; Aether365 shows the reason on the scan's page. Common causes " +
	"are revoked admin consent, Microsoft Graph throttling, and a scan that ran longer than 30 minutes"

func titleStatus(status string) string {
	if status == "" {
		return status
	}
	return strings.ToUpper(status[:1]) + status[1:]
}

// waitFailure names the scan a wait gave up on and the bound it ran into.
type waitFailure struct {
	scanID      string
	lastStatus  string
	timeout     time.Duration
	timeoutName string
	after       scanOperation
	// noPollAnswered: the wait never got an answer, so lastStatus is what
	// Aether365 said when it accepted the scan.
	noPollAnswered bool
}

// addWaitError explains why waiting stopped, naming the scan, its last known
// status and what the next apply does.
//
// Each summary names the scan: it is the line a CI log shows first, and a
// job cancelled at this point is often killed before the detail is read.
func addWaitError(diags *diag.Diagnostics, f waitFailure, err error) {
	status := "unknown"
	if f.lastStatus != "" {
		status = fmt.Sprintf("%q", f.lastStatus)
	}
	if f.noPollAnswered && f.lastStatus != "" {
		status += " (from Aether365's answer when it accepted the scan; no later poll was answered)"
	}
	recovery := "The scan ID is saved in state and the resource is marked tainted: the next apply starts a new scan."
	if f.after == afterUpdate {
		recovery = "The scan ID is saved in state with its last known status: the next plan waits for it again, " +
			"or replaces it if it has failed."
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		diags.AddError("Timed Out Waiting for Aether365 Scan "+f.scanID,
			fmt.Sprintf("Scan %s did not finish within the %s timeout of %s (timeouts.%s); its last known status "+
				"is %s.\n\n%s If scans of this tenant take longer, raise it: timeouts { %s = \"%s\" }.\n\nOriginal error: %s",
				f.scanID, f.timeoutName, f.timeout, f.timeoutName, status, recovery, f.timeoutName, f.timeout*2, err))
	case errors.Is(err, context.Canceled):
		diags.AddError("Interrupted While Waiting for Aether365 Scan "+f.scanID,
			fmt.Sprintf("Terraform was interrupted while scan %s was %s. The scan goes on in Aether365.\n\n%s\n\n"+
				"Original error: %s", f.scanID, status, recovery, err))
	default:
		diags.AddError("Error Waiting for Aether365 Scan "+f.scanID,
			fmt.Sprintf("Could not follow scan %s (last known status %s). %s\n\n%s\n\nOriginal error: %s",
				f.scanID, status, apiErrorAdvice(err), recovery, err))
	}
}
