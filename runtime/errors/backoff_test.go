package errors

import (
	"context"
	"testing"
	"time"
)

// TestBackoffDelays: Connect's schedule: 300ms doubling; a delay past
// the maximum drawn below it; the last wait cut at the timeout; nothing
// after it.
func TestBackoffDelays(t *testing.T) {
	var drawn []int64
	r := Retries{Backoff: Backoff{Initial: 300 * time.Millisecond, Max: time.Second, Timeout: 3 * time.Second,
		jitter: func(n int64) int64 { drawn = append(drawn, n); return n / 4 }}}
	t0 := time.Unix(1000, 0)
	now := t0
	var got []time.Duration
	for {
		d, ok := r.next(now)
		if !ok {
			break
		}
		got = append(got, d)
		now = now.Add(d)
	}
	want := []time.Duration{300 * time.Millisecond, 600 * time.Millisecond, 250 * time.Millisecond, 250 * time.Millisecond,
		250 * time.Millisecond, 250 * time.Millisecond, 250 * time.Millisecond, 250 * time.Millisecond, 250 * time.Millisecond,
		250 * time.Millisecond, 100 * time.Millisecond}
	if len(got) != len(want) {
		t.Fatalf("delays %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("delays %v, want %v", got, want)
		}
	}
	if now != t0.Add(3*time.Second) || r.Attempts() != len(want) {
		t.Fatalf("ended at %v after %d retries", now.Sub(t0), r.Attempts())
	}
	for _, n := range drawn {
		if n != int64(time.Second) {
			t.Fatalf("jitter drawn below %v, want below the maximum", time.Duration(n))
		}
	}
	// A new run starts after Reset.
	r.Reset()
	if d, ok := r.next(now); !ok || d != 300*time.Millisecond {
		t.Fatalf("after Reset: %v %v", d, ok)
	}
}

func TestBackoffTimeoutZeroAndForever(t *testing.T) {
	r := Retries{Backoff: Backoff{Initial: 300 * time.Millisecond, Max: time.Second}}
	if _, ok := r.next(time.Now()); ok {
		t.Fatal("errors.retry.timeout=0 allowed a retry")
	}
	r = Retries{Backoff: Backoff{Initial: 300 * time.Millisecond, Max: time.Second, Timeout: -1}}
	now := time.Unix(0, 0)
	for i := range 200 {
		d, ok := r.next(now)
		if !ok || d < 0 || d > time.Second {
			t.Fatalf("retry %d: %v %v", i, d, ok)
		}
		now = now.Add(time.Hour)
	}
	// Without a maximum every delay past the first doubling is 0, never
	// a panic as Java's nextLong(0) would be.
	r = Retries{Backoff: Backoff{Initial: 300 * time.Millisecond, Timeout: -1}}
	if d, ok := r.next(now); !ok || d != 0 {
		t.Fatalf("max 0: %v %v", d, ok)
	}
}

// TestBackoffWaitStopsWithContext: a wait ends as soon as the context
// does, and reports that no retry should follow.
func TestBackoffWaitStopsWithContext(t *testing.T) {
	r := Retries{Backoff: Backoff{Initial: time.Hour, Max: time.Hour, Timeout: -1}}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	if r.Wait(ctx) {
		t.Fatal("Wait allowed a retry after the context ended")
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("Wait returned after %v", d)
	}
}
