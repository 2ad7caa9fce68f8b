// Package simulator is the Aether365 REST API as an http.Handler, so the
// client, the provider's acceptance tests and the seed's automation examples
// (../shared/seed, "REST API Automation") run without an Aether365 account.
// cmd/aether365-sim serves it on a port; tests mount it in httptest.
// It follows the team's wire contract, ../contract/API.md from the project root.
//
// # Endpoints
//
//	POST /tenants/{tenant}/scans          body {"scan_type": "compliance"} -> 201, data = scan
//	GET  /scans/{id}                      -> 200, data = scan
//	GET  /tenants/{tenant}/scans          ?status= &scan_type= &page= &limit= -> 200, data = [scan], newest first
//	GET  /scans/{id}/results              ?result= &severity= &page= &limit= -> 200, data = [result]
//
// # From the seed
//
// Only these facts come from the seed document; everything else is an
// assumption listed below.
//
//   - The base URL has no version prefix; keys are sent as
//     "Authorization: Bearer ae_live_...".
//   - The four paths above, the tenant alias "me", and the body
//     {"scan_type": "compliance"}.
//   - Responses are an envelope: {"success": true, "data": ..., "meta": ...}
//     or {"success": false, "error": {"code": "SNAKE_CASE", "message": "..."}}.
//   - Scans have id, status (ending "completed" or "failed") and score (a
//     percentage compared with 80 and 75); results have id and title.
//   - Filters status=completed, result=Failed, severity=Critical; list
//     pagination with page and limit (up to 100) and meta {total, page,
//     limit, totalPages}; status=completed&limit=1 gives the latest scan.
//
// # Our assumptions
//
//   - Statuses are queued, running, completed and failed.
//   - Scan types are compliance (the seed's), identity, email,
//     collaboration and full. identity evaluates the Identity (Entra ID)
//     controls, email the Exchange Online and Defender for Office 365 ones,
//     collaboration the SharePoint and OneDrive and Teams ones; compliance and
//     full evaluate the whole catalogue. scan_type in a POST body must be
//     spelled exactly (lower case); any other value is 400 VALIDATION_ERROR
//     naming the valid ones. Unknown body fields are ignored.
//   - Objects: scan {id "scn_" + 24 hex, tenant_id, scan_type, status, score,
//     created_at, started_at, completed_at, failure_reason, summary} and
//     result {id "res_" + 24 hex, control_id, title, category, severity,
//     result, description, remediation, reference_url}. Timestamps are
//     RFC 3339 UTC to the second; fields not reached yet are null.
//   - Result values Passed, Failed, Warning, Skipped, Error; severities
//     Critical, High, Medium, Low, Informational. Filter values match
//     case-insensitively; an empty filter is no filter; an unknown value is
//     400 naming the valid values. A query parameter given twice is 400.
//   - page ≥ 1 (default 1), limit 1..100 (default 20); anything else,
//     including an empty value, is 400.
//     A page past the end is 200 with data []. totalPages = ceil(total/limit),
//     0 when there is nothing. Lists are newest first: created_at descending,
//     then id descending (scan ids count up in creation order, so this is
//     creation order even within one second).
//   - Score = round(100 * passed / (passed + failed + warning), 1 decimal);
//     skipped and errored results do not count. It is null until the scan
//     completes and stays null when it fails. summary counts results by
//     outcome, and failed results by severity.
//   - Results exist only for a completed scan; for a queued, running or
//     failed scan they are 409 SCAN_NOT_COMPLETED.
//   - A tenant the key may not see is 403 FORBIDDEN; a scan of such a tenant
//     is 404 NOT_FOUND, exactly like a scan that does not exist.
//   - Idempotency-Key (≤ 255 characters) on POST, scoped per API key: the
//     same key with the same tenant and scan type returns the same scan again
//     (201, Idempotent-Replayed: true); with another tenant or scan type it
//     is 422 IDEMPOTENCY_KEY_REUSED. The comparison is on the parsed request,
//     not its bytes. A key whose scan was forgotten is free again.
//   - GET /scans/{id} of a queued or running scan sends Retry-After: the
//     whole seconds until it should finish, at least 1.
//   - Every response is JSON with an X-Request-Id header (req_ + 16 hex);
//     error envelopes repeat it as error.request_id. POST answers carry
//     Location: /scans/{id}.
//   - Bodies are capped at 64 KiB (413 PAYLOAD_TOO_LARGE); query names and
//     values at 256 bytes (400). Unknown paths are 404 NOT_FOUND and known
//     paths with another method 405 METHOD_NOT_ALLOWED with Allow, both as
//     envelopes. 429 RATE_LIMITED and 503 SERVICE_UNAVAILABLE carry
//     Retry-After.
//   - Failure reasons read like "Microsoft Graph returned 403 for the
//     tenant's audit log; re-consent the Aether365 app".
//
// # Order of checks
//
// Latency (Config.Latency), then an injected fault (see below), then the
// rate limit (Config.RateLimit, per API key; requests without a known key
// share one bucket), then authentication (401), then the query guards, then
// routing (404/405), then the endpoint: tenant or scan visibility
// (403/404), parameters (400), state (409).
//
// # Fault injection
//
// One seeded draw per request (Config.Seed) picks at most one fault, so each
// rate is the fraction of all requests that get that fault and the three add
// up to at most 1. The same seed and the same sequence of requests fault the
// same requests. Stats counts each kind.
//
//   - ErrorRate (--error-rate): 503 SERVICE_UNAVAILABLE with Retry-After: 1,
//     before anything else is checked; the request is not processed.
//     Stats.InjectedErrors.
//   - ResetRate (--reset-rate): the request is processed in full (a POST
//     creates its scan, or replays it for a known Idempotency-Key), then the
//     connection is closed without an answer (SO_LINGER 0, so a TCP reset).
//     The client cannot tell whether its POST took effect; only a retry with
//     the same Idempotency-Key gets the scan without starting a second one.
//     Stats.InjectedResets.
//   - MalformedRate (--malformed-rate): the request is processed in full,
//     then its answer is replaced by, in turn: a reverse proxy's HTML page
//     with 502; the real JSON cut in half, with 200 and a matching
//     Content-Length; an empty body with 200; an error envelope (success:
//     false, SERVICE_UNAVAILABLE) with 200. Stats.InjectedMalformed.
//
// The request log (Config.RequestLog) has one logfmt line per request:
// time, msg=request, method, path (escaped, never the query), status,
// duration, request_id, api_key (masked: at most 4 characters, none of a key
// shorter than 16) when one was sent, and fault last. It marks faulted lines
// with a trailing "fault=error",
// "fault=reset" or "fault=malformed-html|malformed-truncated|malformed-empty|
// malformed-error-with-200"; a reset line shows the status the request was
// processed with before its answer was dropped. 429 lines (the rate limit)
// carry no fault= mark: they are the limit working, not an injected fault.
// With RequestLogFormat LogFormatJSON (--log-format json) each line is a JSON
// object with the same fields instead (RequestLogEntry), the duration in
// nanoseconds.
//
// # Scan timing
//
// A scan's status is computed from Config.Clock on every read; no goroutine
// runs it. With d = ScanDuration, a scan created at t is queued until
// t + d/10 (started_at), running until t + d (completed_at), then completed
// or failed per ScanOutcome. With d = 0 the POST response already shows the
// final status. Knobs changed with SetScore, SetScanOutcome, SetScanDuration
// SetScoreSequence and SetResultsPerScan apply to scans created afterwards.
//
// # Generated data
//
// Results come from a catalogue of about 50 Microsoft 365 controls (AAD-,
// EXO-, SPO-, TMS-, MDO-, PUR-) in catalogue order. A scan with more results
// than its catalogue slice repeats the controls on simulated objects, named
// in the title ("... (user-0042)"), keeping control_id. Every id and derived
// score is a function of Seed and the scan's creation index (0, 1, 2...
// across all tenants), so two simulators with the same seed that get the
// same requests serve the same data. A completed scan's outcomes are
// generated once, on first read, and kept (one byte per result).
//
// Which results fail depends on Seed, the tenant and the scan type, not on
// the scan: each tenant has a fixed order of weakest results, and a scan's
// failures are the first ones down that order, then its warnings and
// unscored results. So a lower score fails everything a higher one fails
// (with 150 results or more and scores of 2 and above), and results matched
// by control_id and title across two scans show new and resolved failures
// that follow the change of score.
//
// The target score is Config.Score; else the tenant's next score of
// Config.ScoreSequence (its n-th scan created to complete gets the n-th, the
// last repeating; failed scans do not use one up); else derived per scan,
// DefaultScoreMin to DefaultScoreMax (85.0 to 96.0), so that a first gate
// at the guides' thresholds (75, 80) passes.
// Outcome counts are chosen so the computed score equals the target rounded
// to one decimal when the number of results allows it (always with 1,000 or
// more; with 150, targets within 0.6 of 0 or 100 cannot be hit and the
// nearest possible score is used). The reported score is always computed from
// the results, so score, summary and results agree.
package simulator
