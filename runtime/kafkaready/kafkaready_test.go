package kafkaready

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
)

func TestWaitReady(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(3))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	if err := Wait(context.Background(), c.ListenAddrs(), 3, 10*time.Second, log); err != nil {
		t.Fatalf("3 brokers listed, min 3: %v", err)
	}
	if !strings.Contains(logs.String(), "Kafka is ready") {
		t.Errorf("no ready line logged: %s", logs.String())
	}
}

func TestWaitTooFewBrokers(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	addrs := c.ListenAddrs()
	err = Wait(context.Background(), addrs, 2, time.Second, nil)
	want := "Kafka at " + strings.Join(addrs, ",") + " not ready: 1 of 2 brokers within 1s: metadata lists 1 broker(s)"
	if err == nil || err.Error() != want {
		t.Fatalf("error %v\nwant  %s", err, want)
	}
}

func TestWaitTimeout(t *testing.T) {
	// A port that was just free: nothing listens there.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	start := time.Now()
	err = Wait(context.Background(), []string{addr}, 1, 300*time.Millisecond, log)
	if err == nil {
		t.Fatal("no error from a port nobody listens on")
	}
	prefix := "Kafka at " + addr + " not ready: 0 of 1 brokers within 300ms: "
	if !strings.HasPrefix(err.Error(), prefix) || !strings.Contains(err.Error(), "dial") {
		t.Fatalf("error %q\nwant prefix %q and the dial error", err, prefix)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("took %v for a 300ms timeout", took)
	}
	if n := strings.Count(logs.String(), "waiting for Kafka"); n != 1 {
		t.Errorf("%d waiting lines within 300ms, want 1 (rate-limited):\n%s", n, logs.String())
	}
}

func TestWaitCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := Wait(ctx, []string{"127.0.0.1:1"}, 1, time.Minute, nil)
	if err == nil || !strings.Contains(err.Error(), "context canceled") || strings.Contains(err.Error(), "not ready") {
		t.Fatalf("canceled wait: %v", err)
	}
	if err := Wait(context.Background(), nil, 1, time.Second, nil); err == nil {
		t.Fatal("no brokers accepted")
	}
}
