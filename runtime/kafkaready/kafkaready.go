// Package kafkaready waits for a Kafka cluster to answer, as the
// cp-kafka-connect image's `cub kafka-ready` does before it starts the
// worker: the cluster's metadata must list at least a minimum number of
// brokers within a timeout.
package kafkaready

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Backoff between attempts grows from minBackoff to maxBackoff, and a
// still-waiting line is logged at most every logEvery, so a long wait
// neither hammers the brokers nor floods the log.
const (
	minBackoff  = 200 * time.Millisecond
	maxBackoff  = 2 * time.Second
	logEvery    = 5 * time.Second
	maxAttempt  = 5 * time.Second
	dialTimeout = 3 * time.Second
)

// Wait polls the metadata of the cluster at brokers until it lists at
// least minBrokers brokers (1 if less is given), or fails after timeout
// with the last error seen.
func Wait(ctx context.Context, brokers []string, minBrokers int, timeout time.Duration, log *slog.Logger) error {
	return WaitOpts(ctx, brokers, minBrokers, timeout, log)
}

// WaitOpts is Wait with extra client options, e.g. TLS or SASL, which the
// image passes to cub when security.protocol is not PLAINTEXT.
func WaitOpts(ctx context.Context, brokers []string, minBrokers int, timeout time.Duration, log *slog.Logger, opts ...kgo.Opt) error {
	if len(brokers) == 0 {
		return errors.New("kafka ready: no bootstrap servers given")
	}
	if minBrokers < 1 {
		minBrokers = 1
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	where := strings.Join(brokers, ",")
	base := []kgo.Opt{
		kgo.SeedBrokers(brokers...),
		kgo.DialTimeout(dialTimeout),
		// This loop retries, with its own backoff and logging.
		kgo.RequestRetries(0),
	}
	cl, err := kgo.NewClient(append(base, opts...)...)
	if err != nil {
		return fmt.Errorf("kafka ready: client for %s: %w", where, err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)

	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var (
		seen      int
		lastErr   error
		backoff   = minBackoff
		lastLog   time.Time
		startedAt = time.Now()
	)
	for {
		actx, acancel := context.WithTimeout(wctx, maxAttempt)
		md, err := adm.BrokerMetadata(actx)
		acancel()
		switch {
		case err != nil && wctx.Err() != nil && lastErr != nil:
			// Cut short by the deadline: the previous error says more.
		case err != nil:
			lastErr = err
		case len(md.Brokers) < minBrokers:
			seen = len(md.Brokers)
			lastErr = fmt.Errorf("metadata lists %d broker(s)", seen)
		default:
			log.Info("Kafka is ready", "brokers", where, "listed", len(md.Brokers), "waited", time.Since(startedAt).Round(time.Millisecond))
			return nil
		}
		if time.Since(lastLog) >= logEvery {
			lastLog = time.Now()
			log.Info("waiting for Kafka", "brokers", where, "listed", seen, "min", minBrokers, "error", lastErr)
		}
		t := time.NewTimer(backoff)
		select {
		case <-wctx.Done():
			t.Stop()
			if ctx.Err() != nil {
				// The caller gave up (shutdown), not the timeout.
				return fmt.Errorf("waiting for Kafka at %s: %w", where, ctx.Err())
			}
			return fmt.Errorf("Kafka at %s not ready: %d of %d brokers within %s: %w", where, seen, minBrokers, timeout, lastErr)
		case <-t.C:
		}
		backoff = min(2*backoff, maxBackoff)
	}
}
