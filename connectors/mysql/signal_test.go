package mysql

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/goconnect/goconnect/connect/config"
	"github.com/goconnect/goconnect/connect/data"
)

func TestSignalSettings(t *testing.T) {
	s, err := parse(with("table.include.list", "inv\\.orders", "signal.data.collection", "inv.debezium_signal"))
	if err != nil {
		t.Fatal(err)
	}
	if !s.signalChannels["source"] || len(s.signalChannels) != 1 || s.incrChunk != 1024 || s.insertDelete || s.readOnly {
		t.Fatalf("defaults: channels %v chunk %d insertDelete %v readOnly %v", s.signalChannels, s.incrChunk, s.insertDelete, s.readOnly)
	}
	// Debezium's RelationalTableFilters captures the signalling table even
	// when table.include.list leaves it out.
	if !s.filter.includeTable("inv", "debezium_signal") || !s.filter.includeTable("INV", "Debezium_Signal") || s.filter.includeTable("inv", "other") {
		t.Fatal("the signalling table must be captured, nothing else added")
	}
	if _, err := parse(with("incremental.snapshot.watermarking.strategy", "bogus")); err == nil || !strings.Contains(err.Error(), "incremental.snapshot.watermarking.strategy") {
		t.Fatalf("a bad strategy must be refused naming the key: %v", err)
	}
	// Read-only takes its signals from any channel, as Debezium: the
	// connector writes no watermark, but the signalling table may still be
	// written by others and read from the binlog.
	for _, ch := range []string{"", "source"} {
		props := with("read.only", "true")
		if ch != "" {
			props["signal.enabled.channels"] = ch
		}
		if ro, err := parse(props); err != nil || !ro.readOnly || ro.kafkaSignal != nil {
			t.Fatalf("read.only=true with channels %q: %v", ch, err)
		}
	}
	for _, ch := range []string{"kafka", "source,kafka"} {
		ro, err := parse(with("read.only", "true", "signal.enabled.channels", ch, "signal.kafka.bootstrap.servers", "localhost:9092"))
		if err != nil || !ro.readOnly || ro.kafkaSignal == nil {
			t.Fatalf("read.only=true with channels %q: %v", ch, err)
		}
	}
	for v, want := range map[string]bool{"": false, "false": false, "true": true, "TRUE": true} {
		props := with()
		if v != "" {
			props["incremental.snapshot.allow.schema.changes"] = v
		}
		st, err := parse(props)
		if err != nil || st.incrAllowSchema != want {
			t.Fatalf("incremental.snapshot.allow.schema.changes=%q: want %v, got %+v, %v", v, want, st, err)
		}
	}
	var cerr *config.Error
	if _, err := parse(with("incremental.snapshot.allow.schema.changes", "maybe")); !errors.As(err, &cerr) || cerr.Key != "incremental.snapshot.allow.schema.changes" {
		t.Fatalf("a value that is not a boolean must be refused naming the key: %v", err)
	}
}

func TestSourceSignalRow(t *testing.T) {
	var buf bytes.Buffer
	tk := &Task{log: slog.New(slog.NewTextHandler(&buf, nil))}
	sch := data.StructBuilder().Field("id", data.StringSchema).Field("type", data.StringSchema).Field("data", data.OptionalString).MustBuild()
	row := data.NewStruct(sch)
	row.PutIndex(0, "ad-hoc-1")
	row.PutIndex(1, "execute-snapshot")
	row.PutIndex(2, `{"data-collections": ["inv.orders"]}`)
	sig, ok := tk.sourceSignal(row)
	if !ok || sig.ID != "ad-hoc-1" || sig.Type != "execute-snapshot" || string(sig.Data) != `{"data-collections": ["inv.orders"]}` || sig.Channel != "source" {
		t.Fatalf("signal %+v ok %v", sig, ok)
	}
	four := data.StructBuilder().Field("id", data.StringSchema).Field("type", data.StringSchema).Field("data", data.OptionalString).Field("x", data.OptionalString).MustBuild()
	if _, ok := tk.sourceSignal(data.NewStruct(four)); ok || !strings.Contains(buf.String(), "3 columns") {
		t.Fatalf("a row of 4 columns is no signal, with a warning: %q", buf.String())
	}
}

func TestBadSignalsIgnored(t *testing.T) {
	var buf bytes.Buffer
	st, err := parse(baseProps())
	if err != nil {
		t.Fatal(err)
	}
	tk := &Task{st: st, log: slog.New(slog.NewTextHandler(&buf, nil))}
	for _, sig := range []signal{
		{ID: "1", Type: "no-such-signal", Channel: "source"},
		{ID: "2", Type: sigExecuteSnapshot, Data: []byte(`{not json`), Channel: "source"},
	} {
		buf.Reset()
		if err := tk.dispatchSignal(context.Background(), &streamState{}, sig); err != nil {
			t.Fatalf("%s: a bad signal must not fail the task: %v", sig.Type, err)
		}
		if !strings.Contains(buf.String(), "level=WARN") {
			t.Fatalf("%s: no warning: %q", sig.Type, buf.String())
		}
	}
}
