package rest_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/config"
)

// testSinkDesc is a sink for error-handling tests. It appends each record
// value's text to the file in "file". In mode "reject" it reports values
// containing "poison" through the errant record reporter; in mode "flaky"
// Put returns retriable errors for "fail.ms" after its first call.
func testSinkDesc() connect.PluginDesc {
	return connect.PluginDesc{Class: "test.TestSinkConnector", Type: connect.TypeSink, Version: "undefined",
		New: func() any { return &testSink{} }}
}

type testSink struct{ props map[string]string }

func (*testSink) Version() string        { return "undefined" }
func (*testSink) ConfigDef() *config.Def { return config.NewDef() }
func (s *testSink) Start(_ context.Context, p map[string]string) error {
	s.props = p
	return nil
}
func (s *testSink) TaskConfigs(int) ([]map[string]string, error) {
	return []map[string]string{s.props}, nil
}
func (*testSink) Stop() error               { return nil }
func (*testSink) NewTask() connect.SinkTask { return &testSinkTask{} }

type testSinkTask struct {
	tc        connect.SinkTaskContext
	file      string
	mode      string
	failFor   time.Duration
	firstCall time.Time
}

func (t *testSinkTask) Start(_ context.Context, tc connect.SinkTaskContext, p map[string]string) error {
	t.tc, t.file, t.mode = tc, p["file"], p["mode"]
	ms, _ := strconv.Atoi(p["fail.ms"])
	t.failFor = time.Duration(ms) * time.Millisecond
	return nil
}

func (t *testSinkTask) Put(ctx context.Context, recs []connect.SinkRecord) error {
	if t.mode == "flaky" && len(recs) > 0 {
		if t.firstCall.IsZero() {
			t.firstCall = time.Now()
		}
		if time.Since(t.firstCall) < t.failFor {
			return connect.Retriable(errors.New("backend unavailable"))
		}
	}
	f, err := os.OpenFile(t.file, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	for _, r := range recs {
		v := fmt.Sprint(r.Value)
		if t.mode == "reject" && strings.Contains(v, "poison") {
			rep := t.tc.ErrantRecordReporter()
			if rep == nil {
				return errors.New("no errant record reporter")
			}
			if err := rep.Report(ctx, r, fmt.Errorf("document rejected: %s", v)); err != nil {
				return err
			}
			continue
		}
		if _, err := fmt.Fprintln(f, v); err != nil {
			return err
		}
	}
	return nil
}

func (*testSinkTask) Flush(context.Context, map[connect.TopicPartition]int64) error { return nil }
func (*testSinkTask) Stop() error                                                   { return nil }

// testSourceDesc is a source whose Poll returns retriable errors for
// "fail.ms" after its first call, then one record "v" per poll up to 3.
func testSourceDesc() connect.PluginDesc {
	return connect.PluginDesc{Class: "test.FlakySourceConnector", Type: connect.TypeSource, Version: "undefined",
		New: func() any { return &testSource{} }}
}

type testSource struct{ props map[string]string }

func (*testSource) Version() string        { return "undefined" }
func (*testSource) ConfigDef() *config.Def { return config.NewDef() }
func (s *testSource) Start(_ context.Context, p map[string]string) error {
	s.props = p
	return nil
}
func (s *testSource) TaskConfigs(int) ([]map[string]string, error) {
	return []map[string]string{s.props}, nil
}
func (*testSource) Stop() error                 { return nil }
func (*testSource) NewTask() connect.SourceTask { return &testSourceTask{} }

type testSourceTask struct {
	topic     string
	failFor   time.Duration
	firstCall time.Time
	sent      int
}

func (t *testSourceTask) Start(_ context.Context, _ connect.SourceTaskContext, p map[string]string) error {
	t.topic = p["topic"]
	ms, _ := strconv.Atoi(p["fail.ms"])
	t.failFor = time.Duration(ms) * time.Millisecond
	return nil
}

func (t *testSourceTask) Poll(ctx context.Context) ([]connect.SourceRecord, error) {
	if t.firstCall.IsZero() {
		t.firstCall = time.Now()
	}
	if time.Since(t.firstCall) < t.failFor {
		return nil, connect.Retriable(errors.New("source system unavailable"))
	}
	if t.sent >= 3 {
		<-ctx.Done()
		return nil, nil
	}
	t.sent++
	return []connect.SourceRecord{connect.NewSourceRecord(map[string]any{"p": "x"}, map[string]any{"n": int64(t.sent)}, t.topic, nil, nil, nil, fmt.Sprintf("v%d", t.sent))}, nil
}

func (*testSourceTask) Stop() error { return nil }
