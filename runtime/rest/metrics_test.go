package rest_test

import (
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"
)

const fileSource = "org.apache.kafka.connect.file.FileStreamSourceConnector"

// TestMetricsEndpoint: /metrics parses as Prometheus text, shows the
// connector and task status and worker gauges, and its source, sink and
// commit counters move as records flow.
func TestMetricsEndpoint(t *testing.T) {
	e := newEnv(t, nil)
	in, out := e.dir+"/in.txt", e.dir+"/out.txt"
	writeLines(t, in, 0, 5)
	e.expect(http.MethodPost, "/connectors", `{"name":"src","config":{"connector.class":"`+fileSource+`","file":"`+in+`","topic":"lines"}}`, http.StatusCreated, "")
	e.expect(http.MethodPost, "/connectors", `{"name":"snk","config":{"connector.class":"`+fileSink+`","file":"`+out+`","topics":"lines",`+
		`"value.converter":"org.apache.kafka.connect.storage.StringConverter"}}`, http.StatusCreated, "")
	e.eventuallyMetric("kafka_connect_source_task_source_record_write_total", "src", 5)
	e.eventuallyMetric("kafka_connect_sink_task_sink_record_send_total", "snk", 5)
	writeLines(t, in, 5, 12)
	e.eventuallyMetric("kafka_connect_source_task_source_record_poll_total", "src", 12)
	e.eventuallyMetric("kafka_connect_source_task_source_record_write_total", "src", 12)
	e.eventuallyMetric("kafka_connect_sink_task_sink_record_read_total", "snk", 12)
	e.eventuallyMetric("kafka_connect_sink_task_sink_record_send_total", "snk", 12)
	e.eventuallyMetric("kafka_connect_connector_task_offset_commit_success_total", "src", 1)
	e.eventuallyMetric("kafka_connect_connector_task_offset_commit_success_total", "snk", 1)
	fams := e.scrape()
	checks := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"kafka_connect_connector_status", map[string]string{"connector": "src", "status": "running", "connector_type": "source", "connector_class": fileSource}, 1},
		{"kafka_connect_connector_status", map[string]string{"connector": "snk", "status": "running", "connector_type": "sink"}, 1},
		{"kafka_connect_connector_task_status", map[string]string{"connector": "snk", "task": "0", "status": "running"}, 1},
		{"kafka_connect_worker_connector_count", nil, 2},
		{"kafka_connect_worker_task_count", nil, 2},
		{"kafka_connect_worker_rebalance_completed_rebalances_total", nil, 0},
		{"kafka_connect_sink_task_partition_count", map[string]string{"connector": "snk", "task": "0"}, 1},
		{"kafka_connect_sink_task_sink_record_lag_max", map[string]string{"connector": "snk", "task": "0"}, 0},
		{"kafka_connect_task_error_total_record_errors", map[string]string{"connector": "snk", "task": "0"}, 0},
		{"kafka_connect_connector_task_offset_commit_failure_total", map[string]string{"connector": "src", "task": "0"}, 0},
	}
	for _, c := range checks {
		if v, ok := metric(fams, c.name, c.labels); !ok || v != c.want {
			t.Errorf("%s%v = %v (present %v), want %v", c.name, c.labels, v, ok, c.want)
		}
	}
	for _, h := range []string{"kafka_connect_source_task_poll_batch_time_seconds", "kafka_connect_sink_task_put_batch_time_seconds",
		"kafka_connect_connector_task_offset_commit_time_seconds"} {
		if v, ok := metric(fams, h, map[string]string{"task": "0"}); !ok || v < 1 {
			t.Errorf("histogram %s count %v (present %v)", h, v, ok)
		}
	}
	// A deleted connector's series go away.
	e.expect(http.MethodDelete, "/connectors/src", nil, http.StatusNoContent, "")
	if _, ok := metric(e.scrape(), "kafka_connect_source_task_source_record_poll_total", map[string]string{"connector": "src"}); ok {
		t.Error("series of a deleted connector remain")
	}
}

// TestSourceTransformErrorTolerance: a source record failing a
// transformation is skipped under tolerance all (its offset committed,
// later records written), and fails the task under none.
func TestSourceTransformErrorTolerance(t *testing.T) {
	for _, tol := range []string{"all", "none"} {
		t.Run(tol, func(t *testing.T) {
			var logs logBuffer
			e := newEnvLog(t, nil, slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
			in := e.dir + "/in.txt"
			if err := os.WriteFile(in, []byte("1\nnot-a-number\n3\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			e.expect(http.MethodPost, "/connectors", `{"name":"src","config":{"connector.class":"`+fileSource+`","file":"`+in+`","topic":"nums",`+
				`"errors.tolerance":"`+tol+`","errors.log.enable":"true",`+
				`"transforms":"c","transforms.c.type":"org.apache.kafka.connect.transforms.Cast$Value","transforms.c.spec":"int32"}}`, http.StatusCreated, "")
			if tol == "none" {
				trace := e.waitTask("src", "FAILED")
				if !strings.Contains(trace, "stage TRANSFORMATION") || !strings.Contains(trace, "org.apache.kafka.connect.transforms.Cast$Value") {
					t.Fatalf("trace %q", trace)
				}
				// The cause as Cast wrote it, as Connect's trace shows it.
				if !strings.Contains(trace, `For input string: "not-a-number"`) {
					t.Fatalf("cause not in the trace: %s", trace)
				}
				return
			}
			recs := countRecords(t, e.broker, "nums", 2)
			if string(recs[0].Value) != "1" || string(recs[1].Value) != "3" {
				t.Fatalf("records %q %q", recs[0].Value, recs[1].Value)
			}
			e.eventuallyMetric("kafka_connect_task_error_total_records_skipped", "src", 1)
			// errors.log.include.messages=false: the record is not logged.
			if l := logs.String(); !strings.Contains(l, "Executing stage 'TRANSFORMATION' with class 'org.apache.kafka.connect.transforms.Cast$Value'") ||
				strings.Contains(l, "value=not-a-number") {
				t.Fatalf("error log without the stage or with the record value:\n%s", l)
			}
			e.eventuallyMetric("kafka_connect_source_task_source_record_write_total", "src", 2)
			e.expect(http.MethodPut, "/connectors/src/stop", nil, http.StatusNoContent, "")
			r := e.expect(http.MethodGet, "/connectors/src/offsets", nil, http.StatusOK, "")
			if !strings.Contains(r.body, `"position":17`) {
				t.Fatalf("offsets %s do not cover the skipped record", r.body)
			}
		})
	}
}
