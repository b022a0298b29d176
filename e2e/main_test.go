//go:build e2e

// Package e2e runs the goconnect binary against the real services started
// by scripts/services.sh. A service that is not reachable fails the suite;
// it never turns tests into skips.
package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

var (
	kafkaAddr = envOr("GOCONNECT_E2E_KAFKA", "127.0.0.1:9092")
	binary    string
)

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func TestMain(m *testing.M) {
	if err := waitForKafka(kafkaAddr, 30*time.Second); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: Kafka is not reachable at %s: %v\nStart it with: scripts/services.sh up kafka\n", kafkaAddr, err)
		os.Exit(1)
	}
	dir, err := os.MkdirTemp("", "goconnect-e2e-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "goconnect")
	args := []string{"build", "-o", binary}
	if os.Getenv("GOCONNECT_E2E_RACE") != "" {
		// The binary itself under the race detector: its data races fail
		// the tests through its exit code and output.
		args = append(args, "-race")
	}
	build := exec.Command("go", append(args, "../cmd/goconnect")...)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: building goconnect:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func waitForKafka(addr string, d time.Duration) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		return err
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	adm := kadm.NewClient(cl)
	var lastErr error
	for ctx.Err() == nil {
		if _, lastErr = adm.BrokerMetadata(ctx); lastErr == nil {
			return nil
		}
		select {
		case <-ctx.Done():
		case <-time.After(200 * time.Millisecond):
		}
	}
	return fmt.Errorf("no metadata within %s: %v", d, lastErr)
}

// uniqueName keeps test runs against a long-lived broker apart.
func uniqueName(t *testing.T, base string) string {
	return fmt.Sprintf("%s-%s-%d", base, strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-")), time.Now().UnixNano())
}
