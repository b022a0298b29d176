package herder_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/goconnect/goconnect/runtime/group"
	"github.com/goconnect/goconnect/runtime/herder"
)

// A write during a rebalance waits for the new generation and is then
// served; one the rebalance outlasts gets Connect's 500 "Request timed
// out" after the request timeout; one whose caller gives up ends with it.
func TestWritesWaitForTheRebalance(t *testing.T) {
	e, _ := newEngineStore(t, false, nil, func(c *herder.Config) { c.RequestTimeout = 300 * time.Millisecond })
	ctx := context.Background()
	before := time.Now()
	e.Rebalancing()
	after := time.Now()
	const prefix = "Request timed out. The worker is currently ensuring membership in the cluster, which began at "
	beganAt := func(msg string) bool {
		for _, at := range []time.Time{before, after} {
			if strings.HasPrefix(msg, prefix+at.UTC().Format("2006-01-02T15:04:05")) {
				return true
			}
		}
		return false
	}

	start := time.Now()
	err := e.Create(ctx, "late", datagen("1"), "")
	if !errors.Is(err, herder.ErrServer) || !beganAt(err.Error()) {
		t.Fatalf("write outlasted by the rebalance: %v, want the request timeout", err)
	}
	if waited := time.Since(start); waited < 300*time.Millisecond {
		t.Fatalf("answered after %v, before the request timeout", waited)
	}
	if _, err := e.Info("late"); err == nil {
		t.Fatal("a timed-out write was stored")
	}

	cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if err := e.Create(cctx, "gone", datagen("1"), ""); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("write whose caller gave up: %v", err)
	}

	done := make(chan error, 1)
	go func() { done <- e.Create(ctx, "queued", datagen("1"), "") }()
	select {
	case err := <-done:
		t.Fatalf("write answered during the rebalance: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	e.Assigned(ctx, 1, "standalone", group.Assignment{Leader: "standalone", All: true})
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("write after the rebalance: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("write still waiting after the rebalance ended")
	}
	if _, err := e.Info("queued"); err != nil {
		t.Fatalf("queued write not stored: %v", err)
	}
}

func TestRequestTimedOutText(t *testing.T) {
	at := time.Date(2026, 12, 4, 18, 41, 2, 120_000_000, time.FixedZone("x", 3600))
	want := "Request timed out. The worker is currently ensuring membership in the cluster, which began at 2026-12-04T17:41:02.120Z"
	if got := herder.RequestTimedOut("ensuring membership in the cluster", at).Error(); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	if got := herder.RequestTimedOut("x", at.Truncate(time.Second)).Error(); !strings.HasSuffix(got, "17:41:02Z") {
		t.Fatalf("whole seconds: %s", got)
	}
}
