package mysql

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goconnect/goconnect/connect/config"
)

func TestParseFileSignal(t *testing.T) {
	with := func(kv ...string) map[string]string {
		p := map[string]string{"signal.enabled.channels": "source,file"}
		for i := 0; i+1 < len(kv); i += 2 {
			p[kv[i]] = kv[i+1]
		}
		return p
	}
	f, err := parseFileSignal(with(), map[string]bool{"source": true, "file": true})
	if err != nil || f == nil || f.path != "file-signals.txt" || f.every != 5*time.Second {
		t.Fatalf("defaults: %+v %v (want Debezium's file-signals.txt, polled every 5 s)", f, err)
	}
	f, err = parseFileSignal(with("signal.file", "/tmp/s.txt", "signal.poll.interval.ms", "250"), map[string]bool{"file": true})
	if err != nil || f.path != "/tmp/s.txt" || f.every != 250*time.Millisecond {
		t.Fatalf("settings: %+v %v", f, err)
	}
	if f, err := parseFileSignal(with(), map[string]bool{"source": true}); f != nil || err != nil {
		t.Fatalf("file not enabled: %+v %v", f, err)
	}
	var cerr *config.Error
	if _, err := parseFileSignal(with("signal.poll.interval.ms", "soon"), map[string]bool{"file": true}); !errors.As(err, &cerr) || cerr.Key != "signal.poll.interval.ms" {
		t.Fatalf("a bad poll interval must be refused naming the key: %v", err)
	}
	if _, err := parseKafkaSignal(map[string]string{}, "p", map[string]bool{"jmx": true}); !errors.As(err, &cerr) || cerr.Key != "signal.enabled.channels" {
		t.Fatalf("jmx must be refused naming signal.enabled.channels: %v", err)
	}
}

// TestTakeFileSignals: every line a signal or skipped with a warning, the
// file emptied; a missing file or a directory holds none.
func TestTakeFileSignals(t *testing.T) {
	dir := t.TempDir()
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	if sigs, err := takeFileSignals(filepath.Join(dir, "none.txt"), log); err != nil || sigs != nil {
		t.Fatalf("missing file: %v %v", sigs, err)
	}
	if sigs, err := takeFileSignals(dir, log); err != nil || sigs != nil {
		t.Fatalf("directory: %v %v", sigs, err)
	}
	path := filepath.Join(dir, "signals.txt")
	lines := []string{
		`{"id":"a1","type":"log","data":{"message":"hello"}}`,
		``,
		`not json`,
		`{"id":"a2","type":"log"}`,
		`{"id":7,"type":"execute-snapshot","data":{"data-collections":["demo.t"],"type":"blocking"}}`,
		`{"id":"a3","type":"pause-snapshot","data":null}`,
		`{"id":"a4","type":"log","data":"a string"}`, // no trailing newline, as Debezium reads it too
	}
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	sigs, err := takeFileSignals(path, log)
	if err != nil {
		t.Fatal(err)
	}
	want := []signal{
		{ID: "a1", Type: "log", Data: []byte(`{"message":"hello"}`), Channel: "file"},
		{ID: "7", Type: "execute-snapshot", Data: []byte(`{"data-collections":["demo.t"],"type":"blocking"}`), Channel: "file"},
		{ID: "a3", Type: "pause-snapshot", Channel: "file"},
		{ID: "a4", Type: "log", Data: []byte(`"a string"`), Channel: "file"},
	}
	if len(sigs) != len(want) {
		t.Fatalf("%d signals, want %d: %+v", len(sigs), len(want), sigs)
	}
	for i, w := range want {
		g := sigs[i]
		if g.ID != w.ID || g.Type != w.Type || string(g.Data) != string(w.Data) || g.Channel != w.Channel || g.Offset != nil {
			t.Errorf("signal %d: %+v, want %+v", i, g, w)
		}
	}
	if n := strings.Count(logs.String(), "Skipped signal due to an error"); n != 2 {
		t.Errorf("%d skipped lines logged, want 2 (not JSON, no data):\n%s", n, logs.String())
	}
	if b, err := os.ReadFile(path); err != nil || len(b) != 0 {
		t.Fatalf("the file is not emptied: %q %v", b, err)
	}
	if sigs, err := takeFileSignals(path, log); err != nil || sigs != nil {
		t.Fatalf("signals read twice: %v %v", sigs, err)
	}
}
