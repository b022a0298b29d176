//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/goconnect/goconnect/runtime/offsetstore"
)

// worker is one goconnect process.
type worker struct {
	cmd  *exec.Cmd
	mu   sync.Mutex
	logs bytes.Buffer
	done chan error
}

func (w *worker) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.logs.Write(p)
}

func (w *worker) output() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.logs.String()
}

func startWorker(t *testing.T, args ...string) *worker {
	t.Helper()
	w := &worker{done: make(chan error, 1)}
	w.cmd = exec.Command(binary, args...)
	w.cmd.Stdout, w.cmd.Stderr = w, w
	if err := w.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { w.done <- w.cmd.Wait() }()
	t.Cleanup(func() {
		if w.cmd.ProcessState == nil {
			_ = w.cmd.Process.Kill()
			<-w.done
		}
		if t.Failed() {
			t.Logf("worker output:\n%s", w.output())
		}
	})
	return w
}

// stop sends SIGTERM and requires a clean exit within d.
func (w *worker) stop(t *testing.T, d time.Duration) {
	t.Helper()
	if err := w.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-w.done:
		if err != nil {
			t.Fatalf("worker exited with %v", err)
		}
	case <-time.After(d):
		t.Fatalf("worker did not exit within %s of SIGTERM", d)
	}
}

type rating struct {
	RatingID   int64  `json:"rating_id"`
	UserID     int32  `json:"user_id"`
	Stars      int32  `json:"stars"`
	RouteID    int32  `json:"route_id"`
	RatingTime int64  `json:"rating_time"`
	Channel    string `json:"channel"`
	Message    string `json:"message"`
}

// readRatings reads the topic from the start until it has at least n
// records; with untilQuiet it then keeps reading until nothing more arrives
// for a moment (the producer has stopped).
func readRatings(t *testing.T, topic string, n int, untilQuiet bool) []rating {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(kafkaAddr), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	deadline := time.Now().Add(60 * time.Second)
	var out []rating
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		f := cl.PollFetches(ctx)
		cancel()
		for _, r := range f.Records() {
			var rt rating
			if err := json.Unmarshal(r.Value, &rt); err != nil {
				t.Fatalf("record %d is not a ratings JSON value: %s", r.Offset, r.Value)
			}
			if string(r.Key) != fmt.Sprint(rt.RatingID) {
				t.Fatalf("record key %q does not match rating_id %d", r.Key, rt.RatingID)
			}
			out = append(out, rt)
		}
		if len(out) >= n && (!untilQuiet || len(f.Records()) == 0) {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("read %d records from %s, want at least %d", len(out), topic, n)
		}
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestRatingsRestartContinuesWithoutLossOrDuplicates runs the ratings
// generator against the real broker, stops it mid-stream with SIGTERM,
// restarts it, and checks that the topic holds rating_id 1..N exactly once
// each and the stored offset says N.
func TestRatingsRestartContinuesWithoutLossOrDuplicates(t *testing.T) {
	dir := t.TempDir()
	topic := uniqueName(t, "ratings")
	offsets := filepath.Join(dir, "connect.offsets")
	writeFile(t, filepath.Join(dir, "worker.properties"), fmt.Sprintf(`bootstrap.servers=%s
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
value.converter.schemas.enable=false
offset.storage.file.filename=%s
offset.flush.interval.ms=500
task.shutdown.graceful.timeout.ms=10000
listeners=http://127.0.0.1:0
`, kafkaAddr, offsets))
	writeFile(t, filepath.Join(dir, "ratings.json"), fmt.Sprintf(`{"name":"ratings","config":{
  "connector.class":"DatagenConnector","kafka.topic":"%s","quickstart":"ratings",
  "max.interval":"1","random.seed":"42","tasks.max":"1"}}`, topic))
	args := []string{"standalone", filepath.Join(dir, "worker.properties"), filepath.Join(dir, "ratings.json")}

	var stored int64
	for round := 1; round <= 2; round++ {
		w := startWorker(t, args...)
		// Let it produce for a while, mid-stream.
		readRatings(t, topic, 200*round, false)
		w.stop(t, 15*time.Second)
		st, err := offsetstore.OpenFile(offsets)
		if err != nil {
			t.Fatal(err)
		}
		off, err := st.Get(context.Background(), "ratings", map[string]any{"task.id": int64(0)})
		if err != nil || off == nil {
			t.Fatalf("round %d: no stored offset: %v", round, err)
		}
		it, ok := off["current.iteration"].(int64)
		if !ok || it <= stored {
			t.Fatalf("round %d: stored current.iteration %v did not advance past %d", round, off["current.iteration"], stored)
		}
		stored = it
	}
	got := readRatings(t, topic, int(stored), true)
	if int64(len(got)) != stored {
		t.Fatalf("topic has %d records, offset says %d were produced", len(got), stored)
	}
	for i, r := range got {
		if r.RatingID != int64(i+1) {
			t.Fatalf("record %d has rating_id %d: lost or duplicated records across the restart", i, r.RatingID)
		}
		if r.RatingTime != 1+12*int64(i) || r.Stars < 1 || r.Stars > 4 || r.UserID < -1 || r.UserID > 19 || r.RouteID < 1 || r.RouteID > 9998 {
			t.Fatalf("record %d out of the ratings ranges: %+v", i, r)
		}
	}
}
