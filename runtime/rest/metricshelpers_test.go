package rest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// scrape parses GET /metrics with Prometheus' own text parser.
func (e *env) scrape() map[string]*dto.MetricFamily {
	e.t.Helper()
	r := e.expect(http.MethodGet, "/metrics", nil, http.StatusOK, "")
	var p expfmt.TextParser
	fams, err := p.TextToMetricFamilies(strings.NewReader(r.body))
	if err != nil {
		e.t.Fatalf("parsing /metrics: %v\n%s", err, r.body)
	}
	return fams
}

// metric returns the value of the series of a family whose labels include
// want, and whether it exists.
func metric(fams map[string]*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	f, ok := fams[name]
	if !ok {
		return 0, false
	}
next:
	for _, m := range f.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if have[k] != v {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		}
	}
	return 0, false
}

// eventuallyMetric waits until a task series reaches at least min.
func (e *env) eventuallyMetric(name, connector string, min float64) {
	e.t.Helper()
	labels := map[string]string{"connector": connector, "task": "0"}
	waitFor(e.t, name, func() bool {
		v, _ := metric(e.scrape(), name, labels)
		return v >= min
	})
}

// taskTrace returns the state and trace of task 0.
func (e *env) taskTrace(name string) (string, string) {
	e.t.Helper()
	r := e.do(http.MethodGet, "/connectors/"+name+"/tasks/0/status", nil)
	var st struct{ State, Trace string }
	_ = json.Unmarshal([]byte(r.body), &st)
	return st.State, st.Trace
}

// waitTask waits for task 0 to reach state and returns its trace.
func (e *env) waitTask(name, state string) string {
	e.t.Helper()
	var trace string
	waitFor(e.t, name+" task "+state, func() bool {
		var s string
		s, trace = e.taskTrace(name)
		return s == state
	})
	return trace
}

// committed returns the sink group's committed offset of topic-0, or -1.
func committed(t *testing.T, addrs []string, connector, topic string) int64 {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addrs...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	offs, err := kadm.NewClient(cl).FetchOffsets(ctx, "connect-"+connector)
	if err != nil {
		return -1
	}
	if o, ok := offs.Lookup(topic, 0); ok {
		return o.At
	}
	return -1
}

// headerMap returns a record's headers by key.
func headerMap(r *kgo.Record) map[string]string {
	m := map[string]string{}
	for _, h := range r.Headers {
		m[h.Key] = string(h.Value)
	}
	return m
}

// produceRecords writes records with headers.
func produceRecords(t *testing.T, addrs []string, recs ...*kgo.Record) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addrs...), kgo.AllowAutoTopicCreation())
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := cl.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
}

// logBuffer collects log output safely across goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}
