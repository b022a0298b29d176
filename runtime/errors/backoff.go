package errors

import (
	"context"
	"math/rand/v2"
	"time"
)

// Backoff is the one retry schedule of the record path, Connect's
// (RetryWithToleranceOperator.backoff): the first retry waits Initial and
// each next one twice as long; a delay that would pass Max is drawn at
// random below Max instead (Connect's jitter, so tasks retrying the same
// system spread out); no retry starts once Timeout has passed since the
// first failure, and the last wait is cut to end at that deadline.
type Backoff struct {
	// Initial is the first delay; Connect's RETRIES_DELAY_MIN_MS.
	Initial time.Duration
	// Max is errors.retry.delay.max.ms.
	Max time.Duration
	// Timeout bounds the retries of one operation (errors.retry.timeout):
	// 0 means no retry, a negative value retries for ever.
	Timeout time.Duration

	// jitter draws a delay in [0, n); nil is math/rand (tests fix it).
	jitter func(n int64) int64
}

// Retries is one operation's run through a Backoff; the zero value, with
// its Backoff set, starts the clock at the first Wait.
type Retries struct {
	Backoff
	start   time.Time
	attempt int
}

// Reset forgets earlier failures: the next Wait starts a new run.
func (r *Retries) Reset() { r.start, r.attempt = time.Time{}, 0 }

// Attempts returns how many retries were granted so far.
func (r *Retries) Attempts() int { return r.attempt }

// Wait is called after a failed attempt. It waits the next delay and
// returns true when the operation may be tried again; false when the
// timeout has passed or ctx ended first (the caller tells which by
// ctx.Err()).
func (r *Retries) Wait(ctx context.Context) bool {
	d, ok := r.next(time.Now())
	if !ok {
		return false
	}
	if ctx.Err() != nil {
		return false
	}
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// Next returns the delay before the next attempt, for a caller that
// waits on its own (a sink's redelivery waits in its poll), or false when
// no retry is left.
func (r *Retries) Next() (time.Duration, bool) { return r.next(time.Now()) }

// next returns the delay before the next attempt, or false when no retry
// is left, as Connect computes it at time now.
func (r *Retries) next(now time.Time) (time.Duration, bool) {
	if r.attempt == 0 {
		r.start = now
	}
	if r.Timeout == 0 {
		return 0, false
	}
	var deadline time.Time
	if r.Timeout > 0 {
		deadline = r.start.Add(r.Timeout)
		if !now.Before(deadline) {
			return 0, false
		}
	}
	r.attempt++
	// The shift is bounded so the doubling cannot overflow; Max caps it
	// long before.
	d := r.Initial << min(r.attempt-1, 30)
	if d > r.Max || d < 0 {
		d = r.draw(r.Max)
	}
	if r.Timeout > 0 && now.Add(d).After(deadline) {
		d = deadline.Sub(now)
	}
	return d, true
}

func (r *Retries) draw(n time.Duration) time.Duration {
	if n <= 0 {
		return 0
	}
	if r.jitter != nil {
		return time.Duration(r.jitter(int64(n)))
	}
	return time.Duration(rand.Int64N(int64(n)))
}
