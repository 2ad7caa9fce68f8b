package aether365

import (
	"context"
	"fmt"
	"time"
)

const (
	defaultWaitMinInterval = time.Second
	defaultWaitMaxInterval = 30 * time.Second
	defaultWaitMaxUnhinted = 5 * time.Minute
	// unhintedDivisor: without a hint, the next poll comes after a quarter of
	// the time waited so far (at least MinInterval). A scan that finishes
	// just after a poll at t is then seen at most max(MinInterval, t/4) late,
	// and t is less than the scan's duration d, so every scan is seen at most
	// max(1 s, d/4) late.
	//
	// That is the fewest polls the bound allows. With the scan last seen
	// unfinished at 0 (StartScan's answer), the bound for a scan ending just
	// after a poll at t forces the next poll by f(t) = t + max(1 s, t/4), and
	// the first by 1 s. f only grows, so no schedule's k-th poll comes later
	// than g(k) = f(g(k-1)), g(0) = 0: 1, 2, 3, 4, 5 s, then ×1.25 (6.25,
	// 7.81, …), g(k) = 5 s·1.25^(k-5). A ten-minute scan is seen only by a
	// poll at or after 600 s: g(25) = 433.7 s, g(26) = 542.1 s, g(27) = 677.6 s,
	// so it takes at least 27 polls, and 25 (which covers scans of up to
	// 433.7 s) cannot keep the bound. With WaitOptions.SeenAt this schedule
	// is g itself: 27 polls. Without it the first poll comes at once, which
	// repeats what the caller may already know, and the schedule is g shifted
	// earlier by the first wait's jitter (at most 0.1 s; up to 0.57 s would
	// still reach 600 s at the 27th poll after it): 28 polls.
	unhintedDivisor = 4
)

// WaitOptions tunes WaitForScan.
type WaitOptions struct {
	// Tenant, when set to a tenant ID (not DefaultTenant), makes every poll
	// check that the scan belongs to it, as GetTenantScan does.
	Tenant string
	// MinInterval is the shortest wait between polls without a hint
	// (default 1s); a hint of 0 waits a quarter of it.
	MinInterval time.Duration
	// MaxInterval caps a wait that follows the server's Retry-After hint
	// (default 30s).
	MaxInterval time.Duration
	// MaxUnhintedInterval caps the wait between polls when the server gives
	// no hint (default 5m).
	MaxUnhintedInterval time.Duration
	// MaxConsecutiveErrors is how many failed polls in a row (each one
	// request: polls are not retried on their own) end the wait. Default:
	// the client's MaxRetries+1, so a failing stretch costs what one request
	// would. Failures that are unlikely to heal (nothing answering at the
	// base URL, a per-attempt timeout) end it after at most 2.
	MaxConsecutiveErrors int
	// OnStatusChange, if set, is called whenever the scan's status differs from
	// the previous poll's; previous is "" on the first observation.
	OnStatusChange func(ctx context.Context, previous string, scan *Scan)
	// OnPollError, if set, is called for every failed poll the wait
	// tolerates, with how many have failed in a row and after how many it
	// gives up, so that the caller can warn while the wait goes on.
	OnPollError func(ctx context.Context, err error, failedInRow, giveUpAfter int)
	// SeenAt, when set, is when the caller last saw the scan unfinished, on
	// the client's clock (Client.Now), typically StartScan's answer. The
	// first poll then follows the schedule from that moment instead of coming
	// at once, which would only repeat what the caller knows. Zero (for a
	// scan whose status may be stale, such as one read from state): poll at
	// once.
	SeenAt time.Time
	// OnPoll, if set, is called after every poll that read the scan, after
	// OnStatusChange; callers use it for heartbeats that must not depend on a
	// status change.
	OnPoll func(ctx context.Context, scan *Scan)
}

func (o WaitOptions) withDefaults(maxRetries int) WaitOptions {
	if o.MinInterval <= 0 {
		o.MinInterval = defaultWaitMinInterval
	}
	if o.MaxInterval <= 0 {
		o.MaxInterval = max(defaultWaitMaxInterval, o.MinInterval)
	}
	if o.MaxInterval < o.MinInterval {
		o.MaxInterval = o.MinInterval
	}
	if o.MaxUnhintedInterval <= 0 {
		o.MaxUnhintedInterval = max(defaultWaitMaxUnhinted, o.MinInterval)
	}
	if o.MaxUnhintedInterval < o.MinInterval {
		o.MaxUnhintedInterval = o.MinInterval
	}
	if o.MaxConsecutiveErrors <= 0 {
		o.MaxConsecutiveErrors = maxRetries + 1
	}
	return o
}

// WaitForScan polls GET /scans/{id} until the scan is completed, failed or
// cancelled, and returns it with a nil error (the caller decides what
// "failed" means). Unknown statuses count as still in progress.
//
// The first poll is immediate, or with SeenAt as the schedule has it after
// that moment. Between polls it sleeps (through
// Config.Clock) for the server's Retry-After hint when the response has one,
// clamped to [MinInterval/4, MaxInterval]; otherwise for a quarter of the
// time waited so far, clamped to [MinInterval, MaxUnhintedInterval] (see
// unhintedDivisor), the first of these shortened by jitter. A hint on a running scan is a
// promise ("done in N seconds"): it lets the wait see a scan finish within
// moments while the 30 s cap keeps a long scan to about one poll per 30 s.
// Once a promise is broken (the scan is still running at or after the
// promised time), hints may lengthen the wait but no longer shorten it below
// the unhinted schedule, so a server that always answers "Retry-After: 1"
// costs no more polls than one that sends no hint.
//
// Each poll is a single request. Temporary failures (see classify) are
// tolerated up to MaxConsecutiveErrors in a row, each followed by the
// request retry's own wait (Retry-After, or RetryWaitMin·2ⁿ capped at
// RetryWaitMax); the first one is logged as a warning at once, naming the
// bound. Any other error (404, 401, 403, validation, a malformed scan) ends
// the wait at once. With the defaults, an API where nothing answers ends
// the wait after 2 polls about half a second apart, and one that keeps
// failing after 5 polls with at most 4 waits of RetryWaitMax (30 s) between
// them; each poll is bounded by the per-attempt timeout. When the wait ends
// without a terminal scan — the context
// is done, or errors — the last scan seen (nil if none) is returned with an
// error wrapping ctx.Err() or the last poll's error, so the caller can
// report the scan's last status.
func (c *Client) WaitForScan(ctx context.Context, id string, opts WaitOptions) (*Scan, error) {
	w := &scanWait{c: c, id: id, opts: opts.withDefaults(c.maxRetries), start: c.clock.Now()}
	if seen := w.opts.SeenAt; !seen.IsZero() && !seen.After(w.start) {
		// The caller's look at the scan is the wait's first observation, and
		// the first poll comes MinInterval after it, not jittered: the
		// callers' POSTs already spread their scans apart, and jitter would
		// only move the poll off the whole seconds a Retry-After hint counts.
		first := w.opts.MinInterval - w.start.Sub(seen)
		w.start, w.jittered = seen, true
		if err := c.clock.Sleep(ctx, max(first, 0)); err != nil {
			return nil, waitInterrupted(id, nil, err)
		}
	}
	for {
		scan, resp, err := c.getScan(ctx, w.opts.Tenant, id, true)
		w.polls++
		var wait time.Duration
		if err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				return w.last, waitInterrupted(id, w.last, ctxErr)
			}
			if wait, err = w.failedPoll(ctx, err, resp); err != nil {
				return w.last, err
			}
		} else {
			w.seen(ctx, scan)
			if IsTerminal(scan) {
				return scan, nil
			}
			wait = w.nextWait(resp)
		}
		if err := c.clock.Sleep(ctx, wait); err != nil {
			return w.last, waitInterrupted(id, w.last, err)
		}
	}
}

// scanWait is the state of one WaitForScan.
type scanWait struct {
	c           *Client
	id          string
	opts        WaitOptions
	start       time.Time
	last        *Scan
	polls       int
	errorsInRow int
	// jittered is set once the first wait is drawn.
	jittered bool
	// promised is when the last hint on a running scan said it would be
	// done; distrust is set once a poll at or after it found it unfinished.
	promised time.Time
	distrust bool
}

// failedPoll counts a failed poll and returns the wait before the next, or
// the error that ends the wait.
func (w *scanWait) failedPoll(ctx context.Context, err error, resp *apiResponse) (time.Duration, error) {
	kind := classify(err)
	limit := w.opts.MaxConsecutiveErrors
	if kind == failureUnlikelyToHeal {
		limit = min(limit, 2)
	}
	w.errorsInRow++
	if kind == failurePermanent {
		return 0, fmt.Errorf("aether365: waiting for scan %s%s: %w", w.id, lastStatusNote(w.last), err)
	}
	if w.errorsInRow >= limit {
		return 0, fmt.Errorf("aether365: waiting for scan %s%s: giving up after %d failed polls in a row: %w",
			w.id, lastStatusNote(w.last), w.errorsInRow, err)
	}
	w.c.log(ctx, LogWarn, "aether365: status poll failed while waiting for scan; the wait goes on", map[string]any{
		logFieldScanID:  w.id,
		logFieldError:   err.Error(),
		"failed_in_row": w.errorsInRow,
		"give_up_after": limit,
	})
	if w.opts.OnPollError != nil {
		w.opts.OnPollError(ctx, err, w.errorsInRow, limit)
	}
	retryAfter := ""
	if resp != nil && resp.Header != nil {
		retryAfter = resp.Header.Get("Retry-After")
	}
	return w.c.retryDelay(w.errorsInRow-1, retryAfter), nil
}

// seen records a successful poll and reports a status change.
func (w *scanWait) seen(ctx context.Context, scan *Scan) {
	w.errorsInRow = 0
	previous := ""
	if w.last != nil {
		previous = string(w.last.Status)
	}
	w.last = scan
	if string(scan.Status) != previous {
		w.c.log(ctx, LogDebug, "aether365: scan status changed", map[string]any{
			logFieldScanID:    w.id,
			logFieldScanState: scan.Status,
			"previous_status": previous,
		})
		if w.opts.OnStatusChange != nil {
			w.opts.OnStatusChange(ctx, previous, scan)
		}
	}
	if w.opts.OnPoll != nil {
		w.opts.OnPoll(ctx, scan)
	}
}

// jitterOnce jitters the wait after the first observation of the scan, the
// only one jittered: the schedule follows the time since the start, so waits
// started together stay apart from then on, and no later poll is spent on
// jitter.
func (w *scanWait) jitterOnce(wait time.Duration) time.Duration {
	w.jittered = true
	return jitter(wait)
}

// nextWait is the wait after a poll that found the scan unfinished.
func (w *scanWait) nextWait(resp *apiResponse) time.Duration {
	now := w.c.clock.Now()
	unhinted := min(max(now.Sub(w.start)/unhintedDivisor, w.opts.MinInterval), w.opts.MaxUnhintedInterval)
	if !w.jittered {
		unhinted = w.jitterOnce(unhinted)
	}
	hint, hinted := retryAfterHint(resp, now)
	if !hinted {
		return unhinted
	}
	if !w.promised.IsZero() && !now.Before(w.promised) {
		w.distrust = true
	}
	w.promised = now.Add(hint)
	wait := min(max(hint, w.opts.MinInterval/4), w.opts.MaxInterval)
	if w.distrust {
		wait = max(wait, unhinted)
	}
	return wait
}

func retryAfterHint(resp *apiResponse, now time.Time) (time.Duration, bool) {
	if resp == nil || resp.Header == nil {
		return 0, false
	}
	return parseRetryAfter(resp.Header.Get("Retry-After"), now)
}

func lastStatusNote(last *Scan) string {
	if last == nil {
		return " (no status seen yet)"
	}
	return fmt.Sprintf(" (last status: %s)", last.Status)
}

func waitInterrupted(id string, last *Scan, cause error) error {
	return fmt.Errorf("aether365: stopped waiting for scan %s%s: %w", id, lastStatusNote(last), cause)
}
