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
	st, err := parse(with("signal.enabled.channels", "source,file"))
	if err != nil || st.fileSignal == nil || st.fileSignal.path != "file-signals.txt" || st.fileSignal.every != 5*time.Second {
		t.Fatalf("defaults: %+v %v (want Debezium's file-signals.txt, polled every 5 s)", st, err)
	}
	st, err = parse(with("signal.enabled.channels", "file", "signal.file", "/tmp/s.txt", "signal.poll.interval.ms", "250"))
	if err != nil || st.fileSignal == nil || st.fileSignal.path != "/tmp/s.txt" || st.fileSignal.every != 250*time.Millisecond {
		t.Fatalf("settings: %+v %v", st, err)
	}
	if st, err := parse(with("signal.enabled.channels", "source")); err != nil || st.fileSignal != nil {
		t.Fatalf("file not enabled: %+v %v", st, err)
	}
	for _, bad := range []string{"soon", "0"} {
		var cerr *config.Error
		if _, err := parse(with("signal.enabled.channels", "file", "signal.poll.interval.ms", bad)); !errors.As(err, &cerr) || cerr.Key != "signal.poll.interval.ms" {
			t.Fatalf("signal.poll.interval.ms=%s must be refused naming the key: %v", bad, err)
		}
	}
}

// TestTakeFileSignals: every line a signal or skipped with a warning, the
// file emptied; a missing file or a directory holds none.
func TestTakeFileSignals(t *testing.T) {
	dir := t.TempDir()
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	take := func(path string) ([]signal, error) {
		return (&signalFileReader{path: path, log: log}).take()
	}
	if sigs, err := take(filepath.Join(dir, "none.txt")); err != nil || sigs != nil {
		t.Fatalf("missing file: %v %v", sigs, err)
	}
	if sigs, err := take(dir); err != nil || sigs != nil {
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
	r := &signalFileReader{path: path, log: log}
	sigs, err := r.take()
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
	if sigs, err := r.take(); err != nil || sigs != nil {
		t.Fatalf("signals read twice: %v %v", sigs, err)
	}
}

// TestSignalFileUnterminatedLine: a last line without its newline that
// does not parse is left in the file for one poll; completed, it is a
// signal; unchanged at the next poll, it is skipped and the file emptied.
func TestSignalFileUnterminatedLine(t *testing.T) {
	var logs bytes.Buffer
	path := filepath.Join(t.TempDir(), "signals.txt")
	r := &signalFileReader{path: path, log: slog.New(slog.NewTextHandler(&logs, nil))}
	half := `{"id":"a1","type":"log","data":{}}` + "\n" + `{"id":"p1","type":"log","data":{"mess`
	if err := os.WriteFile(path, []byte(half), 0o644); err != nil {
		t.Fatal(err)
	}
	if sigs, err := r.take(); err != nil || len(sigs) != 0 {
		t.Fatalf("a line being written: %v %v (want nothing taken yet)", sigs, err)
	}
	if b, _ := os.ReadFile(path); string(b) != half {
		t.Fatalf("the file was changed while a line was being written: %q", b)
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(`age":"m"}}` + "\n"); err != nil {
		t.Fatal(err)
	}
	f.Close()
	sigs, err := r.take()
	if err != nil || len(sigs) != 2 || sigs[0].ID != "a1" || sigs[1].ID != "p1" || string(sigs[1].Data) != `{"message":"m"}` {
		t.Fatalf("after the line was completed: %+v %v", sigs, err)
	}
	if err := os.WriteFile(path, []byte(`{"id":"b1","type":`), 0o644); err != nil {
		t.Fatal(err)
	}
	if sigs, err := r.take(); err != nil || len(sigs) != 0 {
		t.Fatalf("first poll of a bad unterminated line: %v %v", sigs, err)
	}
	if sigs, err := r.take(); err != nil || len(sigs) != 0 || !strings.Contains(logs.String(), "Skipped signal due to an error") {
		t.Fatalf("second poll of the same bad line: %v %v (want it skipped with a warning)", sigs, err)
	}
	if b, _ := os.ReadFile(path); len(b) != 0 {
		t.Fatalf("the bad line stayed in the file: %q", b)
	}
}
