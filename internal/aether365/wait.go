package aether365

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/url"
	"time"
)

const (
	defaultWaitMinInterval         = time.Second
	defaultWaitMaxInterval         = 30 * time.Second
	defaultWaitMaxConsecutiveError = 5
	// waitBackoffFactor doubles the delay between polls: 1s, 2s, 4s … 30s, so a
	// ten-minute scan costs about 25 polls, while a short one is seen within
	// about a second of finishing.
	waitBackoffFactor = 2
	// waitJitterDivisor adds up to delay/10 to each backoff delay (never past
	// MaxInterval) so that many waits started together drift apart.
	waitJitterDivisor = 10
)

// WaitOptions tunes WaitForScan.
type WaitOptions struct {
	// MinInterval is the first re-poll delay (default 1s).
	MinInterval time.Duration
	// MaxInterval caps the backoff and the server's Retry-After hints (default 30s).
	MaxInterval time.Duration
	// MaxConsecutiveErrors is how many transient errors in a row (5xx, 429,
	// connection, malformed response) end the wait (default 5).
	MaxConsecutiveErrors int
	// OnStatusChange, if set, is called whenever the scan's status differs from
	// the previous poll's; previous is "" on the first observation.
	OnStatusChange func(ctx context.Context, previous string, scan *Scan)
	// OnPoll, if set, is called after every poll that read the scan, after
	// OnStatusChange; callers use it for heartbeats that must not depend on a
	// status change.
	OnPoll func(ctx context.Context, scan *Scan)
}

func (o WaitOptions) withDefaults() WaitOptions {
	if o.MinInterval <= 0 {
		o.MinInterval = defaultWaitMinInterval
	}
	if o.MaxInterval <= 0 {
		o.MaxInterval = max(defaultWaitMaxInterval, o.MinInterval)
	}
	if o.MaxInterval < o.MinInterval {
		o.MaxInterval = o.MinInterval
	}
	if o.MaxConsecutiveErrors <= 0 {
		o.MaxConsecutiveErrors = defaultWaitMaxConsecutiveError
	}
	return o
}

// WaitForScan polls GET /scans/{id} until the scan is completed, failed or
// cancelled, and returns it with a nil error (the caller decides what
// "failed" means). Unknown statuses count as still in progress.
//
// The first poll is immediate. Between polls it sleeps (through
// Config.Clock) for the server's Retry-After hint when the response has one,
// clamped to [MinInterval/4, MaxInterval]; otherwise for a backoff delay that
// starts at MinInterval and doubles up to MaxInterval, with jitter. A hint on
// a running scan is a promise ("done in N seconds"): it lets the wait see a
// scan finish within moments while the 30 s cap keeps a long scan to about
// one poll per 30 s. Once a promise is broken (the scan is still running at
// or after the promised time), hints may lengthen the wait but no longer
// shorten it below the backoff, so a server that always answers
// "Retry-After: 1" costs no more polls than one that sends no hint.
//
// Transient errors are tolerated up to MaxConsecutiveErrors in a row; any
// other error (404, 401, 403, validation) ends the wait at once. When the wait
// ends without a terminal scan — the context is done, or errors — the last
// scan seen (nil if none) is returned with an error wrapping ctx.Err() or the
// last API error, so the caller can report the scan's last status.
func (c *Client) WaitForScan(ctx context.Context, id string, opts WaitOptions) (*Scan, error) {
	opts = opts.withDefaults()
	var (
		last        *Scan
		errorsInRow int
		delay       = opts.MinInterval
		// promised is when the last hint on a running scan said it would be
		// done; distrust is set once a poll at or after it found it unfinished.
		promised time.Time
		distrust bool
	)
	backoff := func() time.Duration {
		wait := jitterUp(delay, opts.MaxInterval)
		delay = min(delay*waitBackoffFactor, opts.MaxInterval)
		return wait
	}
	for {
		scan, resp, err := c.getScan(ctx, id)
		if err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				return last, waitInterrupted(id, last, ctxErr)
			}
			if !isTransientError(err) {
				return last, fmt.Errorf("aether365: waiting for scan %s%s: %w", id, lastStatusNote(last), err)
			}
			errorsInRow++
			if errorsInRow >= opts.MaxConsecutiveErrors {
				return last, fmt.Errorf("aether365: waiting for scan %s%s: giving up after %d errors in a row: %w", id, lastStatusNote(last), errorsInRow, err)
			}
			c.log(ctx, LogWarn, "aether365: transient error while waiting for scan", map[string]any{
				logFieldScanID:  id,
				logFieldError:   err.Error(),
				"errors_in_row": errorsInRow,
			})
		} else {
			errorsInRow = 0
			previous := ""
			if last != nil {
				previous = last.Status
			}
			last = scan
			if scan.Status != previous {
				c.log(ctx, LogDebug, "aether365: scan status changed", map[string]any{
					logFieldScanID:    id,
					logFieldScanState: scan.Status,
					"previous_status": previous,
				})
				if opts.OnStatusChange != nil {
					opts.OnStatusChange(ctx, previous, scan)
				}
			}
			if opts.OnPoll != nil {
				opts.OnPoll(ctx, scan)
			}
			if scan.IsTerminal() {
				return scan, nil
			}
		}

		now := c.clock.Now()
		hint, hinted := retryAfterHint(resp, now)
		var wait time.Duration
		switch {
		case hinted && err != nil:
			// A 429's or 503's Retry-After is about load, not the scan.
			wait = min(max(hint, opts.MinInterval/4), opts.MaxInterval)
		case hinted:
			if !promised.IsZero() && !now.Before(promised) {
				distrust = true
			}
			promised = now.Add(hint)
			wait = min(max(hint, opts.MinInterval/4), opts.MaxInterval)
			if distrust {
				wait = max(wait, backoff())
				break
			}
			// The backoff keeps pace with the time spent waiting, so if this
			// promise breaks it resumes where it would be without hints.
			for delay <= wait && delay < opts.MaxInterval {
				delay = min(delay*waitBackoffFactor, opts.MaxInterval)
			}
		default:
			wait = backoff()
		}
		if err := c.clock.Sleep(ctx, wait); err != nil {
			return last, waitInterrupted(id, last, err)
		}
	}
}

func retryAfterHint(resp *apiResponse, now time.Time) (time.Duration, bool) {
	if resp == nil || resp.Header == nil {
		return 0, false
	}
	return parseRetryAfter(resp.Header.Get("Retry-After"), now)
}

// jitterUp adds up to d/waitJitterDivisor to d, never going past limit.
func jitterUp(d, limit time.Duration) time.Duration {
	if spread := d / waitJitterDivisor; spread > 0 {
		d += rand.N(spread + 1)
	}
	return min(d, limit)
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

// isTransientError reports whether err may go away by itself: a 5xx or 429,
// a malformed response (often a proxy's error page), a connection problem.
// 4xx API errors, refused redirects and the caller's own mistakes are not.
func isTransientError(err error) bool {
	var (
		apiErr    *APIError
		malformed *MalformedResponseError
		urlErr    *url.Error
		netErr    net.Error
	)
	switch {
	case errors.As(err, &apiErr):
		return apiErr.StatusCode == 429 || apiErr.StatusCode >= 500
	case errors.As(err, &malformed):
		return true
	case errors.As(err, &urlErr):
		// Checked before context errors: a per-attempt timeout is transient.
		return isRetryableTransportError(err)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return false
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF), errors.As(err, &netErr):
		return true
	}
	return false
}
