// Package simulator is the Aether365 REST API as an http.Handler, so the
// client, the provider's acceptance tests and the seed's automation examples
// ("REST API Automation") run without an Aether365 account.
// cmd/aether365-sim serves it on a port; tests mount it with simtest.
//
// # The document
//
// The simulator is built on api/aether365.openapi.yaml, the project's one
// description of the wire, transcribed from the published reference
// (../shared/api/published-api.md). Its routes and parameter binding are the
// generated apiserver (an unexported type implements
// apiserver.ServerInterface), every body is a type of package api, and
// kin-openapi checks both directions against the document:
//
//   - Every request, once authenticated, is routed by the document (404
//     NOT_FOUND for a path it does not have, 405 METHOD_NOT_ALLOWED with
//     Allow for a method it does not have there) and validated: a request
//     that does not match is 400 VALIDATION_ERROR whose message says in
//     plain words which parameter or field is wrong and what is allowed,
//     such as `query parameter limit must be an integer from 1 to 200, got
//     "500"`. A body over 64 KiB is 413 PAYLOAD_TOO_LARGE.
//   - Every answer is validated before it is written. One that does not
//     conform (a simulator bug, or drift between the code and the document)
//     is replaced by 500 INTERNAL_ERROR "the simulator's answer does not
//     conform to api/aether365.openapi.yaml: <reason>", counted in
//     Stats.NonConformingAnswers and kept in NonConformingAnswers;
//     simtest.Start fails the test that met one. Validation costs about 4
//     ms on a page of 200 results (BenchmarkResultsPage) and is always on.
//     In the published profile, an answer that carries anything the document
//     marks x-aether365-profile: assumed (a header, a field) does not
//     conform either.
//
// # Profiles
//
// Config.Profile (--profile) picks what is served besides the reference:
//
//   - ProfilePublished, the default, serves the published API and, where
//     the reference is silent, the choices the document marks
//     x-aether365-assumption (listed below).
//   - ProfileAssumed adds what the document marks x-aether365-profile:
//     assumed, each our assumption, none published: Retry-After on GET
//     /scans/{id} while a scan is in progress (whole seconds until it should
//     end, at least 1) and on 429 and 503; X-Request-Id on every answer
//     (req_ + 16 hex) repeated as error.request_id; Location: /scans/{id} on
//     POST; Idempotency-Key on POST (at most 255 characters, per API key:
//     the same key with the same connection and scan type answers the same
//     scan again, 201 with Idempotent-Replayed: true, even while it runs;
//     with another connection or scan type 422 IDEMPOTENCY_KEY_REUSED; a key
//     whose scan was forgotten is free again); and a request rate limit
//     (Config.RateLimit, per key, 429 RATE_LIMITED with Retry-After), which
//     the published profile refuses as a ConfigError.
//
// # Published behaviour
//
//   - Accounts and connections: an API key belongs to one account (t_...,
//     Config.APIKeys); an account has Microsoft 365 connections (conn_...,
//     Config.Connections; one, DefaultConnection, when not listed), the
//     first primary. Connections have id, msTenantId (a GUID from the seed,
//     the account and the id), label (the id without conn_), connectedAt
//     and isPrimary; POST /tenants/me/connections/{id}/activate makes one
//     primary.
//   - Authentication: no Authorization header is 401 AUTH_MISSING_TOKEN, a
//     malformed one or an unknown key 401 AUTH_INVALID_TOKEN. The messages
//     never echo the header.
//   - Scans: POST /tenants/{tenantId}/scans with {"scan_type": "compliance"}
//     or "exposure" answers 201 with the scan. A scan is in_progress from
//     creation until it ends completed, failed or cancelled; a scan that
//     would take longer than 30 minutes fails at 30 minutes (ScanTimeout).
//     One scan runs at a time per connection: a POST while one is in
//     progress is 409 SCAN_ALREADY_RUNNING naming it. An account with no
//     connection is 400 TENANT_NOT_CONNECTED. Scans created beyond
//     Config.ScanQuota (API and scheduled, per account) are 429
//     SCAN_PLAN_LIMIT_REACHED, the plan's quota until the next billing
//     period, without Retry-After. Another account's or an unknown scan is
//     404 SCAN_NOT_FOUND. Objects: scan {id scan_ + 24 hex, tenant_id (the
//     account), scan_type, status, started_at, completed_at, pass_count,
//     fail_count, skip_count, score}; times are UTC to the second.
//   - Results: GET /scans/{id}/results with page, limit (default 50, at
//     most 200), result (passed, failed, skipped), severity (critical,
//     high, medium, low) and framework (cis, eidsca, cisa, nis2); results
//     {id result_ + 24 hex, scan_id, test_id, title, result, severity,
//     framework, help_url, remediation_steps ("1. ...\n2. ..."),
//     source_tool (the scan type)}. GET /scans/{id}/results/{testId} reads
//     one by test ID. Score = passed / (passed + failed) x 100 to one
//     decimal; skipped results do not count.
//   - Lists of scans: page, limit (default 20, at most 100), status
//     (in_progress, completed, failed), scan_type. meta is {total, page,
//     limit}, plus the seed's totalPages (ceil(total/limit)) in both
//     profiles, because the REST API Automation page's scripts loop on it;
//     Config.OmitTotalPages (--omit-total-pages) serves meta exactly as the
//     reference's examples. A page past the end is data [].
//   - Errors: {"success": false, "error": {"code", "message", "details"}},
//     details always an object; codes are api.ErrorCode's. A tenantId in a
//     path that is neither "me" nor the key's own account is 403
//     TENANT_ACCESS_DENIED.
//   - Account endpoints: GET/PATCH /tenants/me (companyName derived from the
//     e-mail, admin@<account>.com, until set; planTier Config.PlanTier,
//     enterprise by default); GET/PATCH /tenants/me/notifications (e-mail on
//     complete and on failure on, Teams off, no webhook; only sent fields
//     change, teamsWebhookUrl null removes the webhook, which no message or
//     log repeats); GET/POST /tenants/me/scheduled-scans with the plan
//     schedule ("plan", isPlanSchedule, free monthly on the 1st, pro weekly
//     on Mondays, enterprise daily, 02:00 UTC) first, which cannot be
//     changed or deleted (403 PLAN_SCHEDULE_READ_ONLY); GET
//     /tenants/me/policies and /threats, which need Config.Entitlements
//     (403 AUTH_INSUFFICIENT_SCOPE) and an AI Pilot connection
//     (Config.AIPilotConnection; {"aiPilotConnected": false} without one).
//   - Only the Date header besides Content-Type and Content-Length: HTTP's
//     own, stamped from Config.Clock.
//
// # Our assumptions, in both profiles
//
// Where the reference is silent or cut, the document marks its choice with
// x-aether365-assumption, and the simulator follows it:
//
//   - Lists are newest first (the seed reads status=completed&limit=1 as the
//     latest scan); results are in catalogue order, stable between pages.
//   - A POST without connectionId scans the primary connection; connectionId
//     names another (404 CONNECTION_NOT_FOUND if the account has none of
//     that ID) and filters the list of scans. The checks of a POST come in
//     this order: connection (404, 400 TENANT_NOT_CONNECTED), quota (429),
//     running scan (409).
//   - A scan's completed_at, counts and score are null until it ends; the
//     counts and score stay null for a failed or cancelled scan. cancelled
//     is a final status (the audit trail's scan.cancelled); the list filter
//     cannot select it, as published.
//   - The results of a scan that is not completed are 409
//     SCAN_NOT_COMPLETED, by list or by test ID. A large scan evaluates a
//     check once per object (the title names it), so a test ID repeats; GET
//     .../results/{testId} answers the first result with that test ID; an
//     unknown test ID is 404 RESULT_NOT_FOUND.
//   - Filter values (result, severity, framework, status, scan_type) match
//     whatever their case (the seed sends result=Failed&severity=Critical).
//   - Query strictness (SILENT in the reference): a malformed query string,
//     and a parameter of the operation given twice or empty, are 400 naming
//     it; parameters the operation does not have are ignored. A request body
//     without Content-Type is read as JSON; another type is 400.
//   - error.details of a 400 VALIDATION_ERROR names what is wrong:
//     {"parameter": name} for a path, query or header parameter, {"field":
//     name} for a field of the body; any other error sends {}.
//   - Unknown paths are 404 NOT_FOUND, known paths with another method 405
//     METHOD_NOT_ALLOWED with Allow, unknown schedules 404
//     SCHEDULED_SCAN_NOT_FOUND, bodies over 64 KiB 413 PAYLOAD_TOO_LARGE.
//   - Scheduled scans: custom ones get sched_ + 16 hex; dayOfWeek is
//     required for weekly schedules and only for them, dayOfMonth for
//     monthly ones, and timezone must be an IANA name (time.LoadLocation,
//     "Local" excluded), each else 400 naming the field; PATCH changes the
//     sent fields and the result must follow the same rules; DELETE answers
//     data null; lastTriggeredAt is null until StartScheduledScan (the plan
//     schedule) or SetScheduledScanLastTriggered sets it.
//   - teamsWebhookUrl must be an absolute https URL.
//   - Policies: security_defaults and nine other settings {key, title,
//     current, secure, compliant} and the summary row
//     conditional_access_summary; threats: risky users, a detection for
//     each unless the tenant lacks Entra ID P2 (sources.riskDetections
//     notLicensed), security alerts. All derived from the seed per
//     connection.
//   - 503 SERVICE_UNAVAILABLE (ErrorRate) is the published code; the
//     published profile sends it without Retry-After.
//
// # Order of checks
//
// Routing by the document (for Stats.ByRoute), latency (Config.Latency), an
// injected fault (see below), answer validation around everything after it,
// the rate limit (assumed profile; per API key, requests without a known key
// share one bucket), authentication (401), routing (404/405), request
// validation (400/413), then the operation: tenant (403), scan or
// connection (404), state (409, 429).
//
// # Fault injection
//
// One seeded draw per request (Config.Seed) picks at most one fault, so each
// rate is the fraction of all requests that get that fault and the three add
// up to at most 1. The same seed and the same sequence of requests fault the
// same requests. Stats counts each kind. Faulted answers are not validated:
// they are broken on purpose.
//
//   - ErrorRate (--error-rate): 503 SERVICE_UNAVAILABLE before anything else
//     is checked (Retry-After: 1 in the assumed profile only); the request is
//     not processed. Stats.InjectedErrors.
//   - ResetRate (--reset-rate): the request is processed in full (a POST
//     creates its scan), then the connection is closed without an answer
//     (SO_LINGER 0, so a TCP reset). The client cannot tell whether its POST
//     took effect. Stats.InjectedResets.
//   - MalformedRate (--malformed-rate): the request is processed in full,
//     then its answer is replaced by, in turn: a reverse proxy's HTML page
//     with 502; the real JSON cut in half, with 200 and a matching
//     Content-Length; an empty body with 200; an error envelope (success:
//     false, SERVICE_UNAVAILABLE) with 200. Stats.InjectedMalformed.
//
// The request log (Config.RequestLog) has one logfmt line per request:
// time, msg=request, method, path (escaped, never the query), status,
// duration, request_id (the log's own in the published profile, which sends
// none), api_key (masked: at most 4 characters, none of a key shorter than
// 16) when one was sent, and fault last: "fault=error", "fault=reset" or
// "fault=malformed-html|malformed-truncated|malformed-empty|
// malformed-error-with-200"; a reset line shows the status the request was
// processed with before its answer was dropped. 429 lines carry no fault=
// mark. With RequestLogFormat LogFormatJSON (--log-format json) each line is
// a JSON object with the same fields instead (RequestLogEntry), the duration
// in nanoseconds.
//
// # Scan timing
//
// A scan's status is computed from Config.Clock on every read; no goroutine
// runs it. With d = ScanDuration, a scan created at t is in_progress until
// t + min(d, ScanTimeout), then ends per ScanOutcome (failed if d exceeds
// ScanTimeout); started_at is t. With d = 0 the POST response already shows
// the final status. Knobs changed with SetScore, SetScanOutcome,
// SetScanDuration, SetScoreSequence and SetResultsPerScan apply to scans
// created afterwards; SetScanQuota applies at once. StartScheduledScan
// starts a scan as the plan schedule would, with the POST's rules.
//
// # Generated data
//
// Results come from a catalogue of 55 checks, CIS benchmark ones
// (CIS.M365.{section}.{subsection}.{item}, framework cis) and Aether365's
// own (AE.nnnn, frameworks eidsca, cisa and nis2), in catalogue order;
// exposure scans evaluate the checks an outsider can reach (sign-in, mail
// authentication and forwarding, sharing, meetings). A scan with more
// results than its checks repeats them on simulated objects, named in the
// title ("... (user-0042)"), keeping the test ID. Every id and derived
// score is a function of Seed and the scan's creation index (0, 1, 2...
// across all accounts), so two simulators with the same seed that get the
// same requests serve the same data. A completed scan's outcomes are
// generated once, on first read, and kept (one byte per result).
//
// Which results fail depends on Seed, the account, the connection and the
// scan type, not on the scan: each connection has a fixed order of weakest
// results, and a scan's failures are the first ones down that order, then
// its skipped results (2-5% when the score allows). The number of failures
// follows the score, so a lower score fails everything a higher one fails:
// always with 1,000 results or more, and with the default 150 when the
// scores are at least 5 points apart (between 10 and 99). Results matched
// by test_id and title across two scans then show new and resolved failures
// that follow the change of score.
//
// The target score is Config.Score; else the account's next score of
// Config.ScoreSequence (its n-th scan created to complete gets the n-th,
// the last repeating; scans that fail or are cancelled do not use one up);
// else derived per scan, DefaultScoreMin to DefaultScoreMax (85.0 to
// 96.0), so that a first gate at the guides' thresholds (75, 80) passes.
// The computed score equals the target rounded to one decimal with 1,000
// results or more; with fewer it may be a tenth off (with 150, about one
// target in ten, such as 67.0; within 0.6 of 0 or 100 the nearest possible
// score). The reported score is always computed from the results, so score,
// counts and results agree.
package simulator
