// Package clock lets the poller, the retry logic and the simulator read and
// spend time through an interface, so tests can run a ten-minute scan in
// microseconds instead of sleeping (the approach of terraform-provider-time).
// Every wait of the API client goes through it: the waits between a
// request's retries and between status polls. What bounds the network rather
// than a wait (the per-attempt timeout, the client-side rate limit) runs on
// real time.
package clock

import (
	"context"
	"sync"
	"time"
)

// Clock is the time source used by code that waits.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// Sleep pauses for d, or until ctx is done, in which case it returns ctx.Err().
	Sleep(ctx context.Context, d time.Duration) error
}

// Real is the wall clock.
type Real struct{}

// Now returns time.Now().
func (Real) Now() time.Time { return time.Now() }

// Sleep waits on a timer, returning early with ctx.Err() if ctx is done first.
func (Real) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// Fake is a simulated clock: Sleep returns at once and moves the clock forward
// by the requested duration. Share one Fake between a client and the simulator
// to play out long scans instantly. It is safe for concurrent use.
type Fake struct {
	mu     sync.Mutex
	now    time.Time
	slept  time.Duration
	sleeps int
}

// NewFake returns a Fake clock set to start.
func NewFake(start time.Time) *Fake { return &Fake{now: start} }

// Now returns the simulated time.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// Sleep advances the simulated time by d unless ctx is already done.
func (f *Fake) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.Advance(d)
	f.mu.Lock()
	f.sleeps++
	f.mu.Unlock()
	return nil
}

// Advance moves the simulated time forward by d (negative values are ignored).
func (f *Fake) Advance(d time.Duration) {
	if d <= 0 {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
	f.slept += d
}

// Slept reports the total simulated time spent sleeping or advanced, and how
// many Sleep calls were made.
func (f *Fake) Slept() (total time.Duration, calls int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.slept, f.sleeps
}
