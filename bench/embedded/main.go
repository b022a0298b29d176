// Command embedded measures the quick start at full speed: the README's
// standalone worker on its embedded broker with the datagen ratings
// connector at max.interval=0. It samples the worker's resident memory and
// the topic's end offset, and prints peak RSS and records/s. The same run
// first measures a worker with retention off for a few seconds, the
// baseline that shows what the bounded log saves.
//
//	go run ./bench/embedded -duration 5m
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

func main() {
	duration := flag.Duration("duration", 5*time.Minute, "how long the bounded run goes")
	unbounded := flag.Duration("unbounded", 10*time.Second, "how long the baseline with retention off goes (0: skip)")
	unboundedCap := flag.Int64("unbounded-cap-mb", 3000, "stop the baseline early past this RSS")
	retention := flag.Int64("retention-bytes", 0, "--embedded-kafka-retention-bytes of the bounded run (0: the default)")
	bin := flag.String("goconnect", "", "goconnect binary (built from ./cmd/goconnect when empty)")
	flag.Parse()
	if err := run(*bin, *duration, *unbounded, *unboundedCap<<20, *retention); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

type sample struct {
	at      time.Duration
	rss     int64
	records int64
}

func run(bin string, duration, unbounded time.Duration, unboundedCap, retention int64) error {
	dir, err := os.MkdirTemp("", "goconnect-bench-embedded")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if bin == "" {
		bin = filepath.Join(dir, "goconnect")
		build := exec.Command("go", "build", "-o", bin, "./cmd/goconnect")
		build.Stderr = os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("building goconnect: %w", err)
		}
	}
	if unbounded > 0 {
		fmt.Printf("baseline: retention off (-1), %s or until %d MB RSS\n", unbounded, unboundedCap>>20)
		s, err := measure(bin, dir, "-1", unbounded, unboundedCap)
		if err != nil {
			return err
		}
		report("retention off", s)
	}
	arg := ""
	if retention != 0 {
		arg = strconv.FormatInt(retention, 10)
	}
	fmt.Printf("bounded: default retention, %s\n", duration)
	s, err := measure(bin, dir, arg, duration, 0)
	if err != nil {
		return err
	}
	report("default retention", s)
	return nil
}

func report(name string, s []sample) {
	if len(s) == 0 {
		fmt.Printf("%s: no samples\n", name)
		return
	}
	var peak int64
	for _, x := range s {
		peak = max(peak, x.rss)
	}
	last := s[len(s)-1]
	rate := float64(last.records) / last.at.Seconds()
	fmt.Printf("%s: %d records in %.1fs = %.0f records/s; peak RSS %d MB; RSS at ", name, last.records, last.at.Seconds(), rate, peak>>20)
	for _, frac := range []float64{0.1, 0.25, 0.5, 0.75, 1} {
		x := s[min(len(s)-1, int(float64(len(s))*frac))]
		fmt.Printf("%.0fs %d MB  ", x.at.Seconds(), x.rss>>20)
	}
	fmt.Println()
}

// measure runs one worker and samples it every 500 ms.
func measure(bin, dir, retention string, d time.Duration, rssCap int64) ([]sample, error) {
	kport, rport := freePort(), freePort()
	worker := filepath.Join(dir, "worker.properties")
	props := fmt.Sprintf("key.converter=org.apache.kafka.connect.storage.StringConverter\n"+
		"value.converter=org.apache.kafka.connect.json.JsonConverter\nvalue.converter.schemas.enable=false\n"+
		"offset.storage.file.filename=%s\noffset.flush.interval.ms=10000\nlisteners=http://127.0.0.1:%d\n",
		filepath.Join(dir, "offsets-"+strconv.Itoa(kport)), rport)
	if err := os.WriteFile(worker, []byte(props), 0o644); err != nil {
		return nil, err
	}
	conn := map[string]any{"name": "datagen-ratings", "config": map[string]string{
		"connector.class": "io.confluent.kafka.connect.datagen.DatagenConnector",
		"kafka.topic":     "ratings", "quickstart": "ratings", "max.interval": "0", "tasks.max": "1",
		"key.converter": "org.apache.kafka.connect.storage.StringConverter",
	}}
	cb, _ := json.Marshal(conn)
	connFile := filepath.Join(dir, "ratings.json")
	if err := os.WriteFile(connFile, cb, 0o644); err != nil {
		return nil, err
	}
	args := []string{"standalone", "--log-level", "WARN", "--embedded-kafka-port", strconv.Itoa(kport), "--embedded-schema-registry", ""}
	if retention != "" {
		args = append(args, "--embedded-kafka-retention-bytes", retention)
	}
	cmd := exec.Command(bin, append(args, worker, connFile)...)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	}()
	cl, err := kgo.NewClient(kgo.SeedBrokers(fmt.Sprintf("127.0.0.1:%d", kport)))
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)

	start := time.Now()
	var out []sample
	for time.Since(start) < d {
		time.Sleep(500 * time.Millisecond)
		rss, err := rssOf(cmd.Process.Pid)
		if err != nil {
			return out, fmt.Errorf("worker exited early: %w", err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		ends, err := adm.ListEndOffsets(ctx, "ratings")
		cancel()
		var n int64
		if err == nil {
			if o, ok := ends.Lookup("ratings", 0); ok {
				n = o.Offset
			}
		}
		out = append(out, sample{at: time.Since(start), rss: rss, records: n})
		if rssCap > 0 && rss > rssCap {
			break
		}
	}
	return out, nil
}

func rssOf(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, err := strconv.ParseInt(f[1], 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no VmRSS for pid %d", pid)
}

func freePort() int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
