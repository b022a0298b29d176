package rest_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const notStopped = `{"error_code":400,"message":"Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/%s/stop' endpoint"}`

const (
	// The FileStream connectors override alterOffsets, so Connect answers
	// them with its shorter messages.
	fileAlteredMsg = `{"message":"The offsets for this connector have been altered successfully"}`
	fileResetMsg   = `{"message":"The offsets for this connector have been reset successfully"}`
)

// TestSourceOffsetsRoundTrip: a FileStream source reads a file, is
// stopped, its position is rewound to 0 through PATCH, and after resume
// the file is read again from the start; DELETE resets.
func TestSourceOffsetsRoundTrip(t *testing.T) {
	e := newEnv(t, nil)
	in := filepath.Join(e.dir, "in.txt")
	writeLines(t, in, 0, 5)
	e.expect(http.MethodPost, "/connectors", fmt.Sprintf(`{"name":"src","config":{"connector.class":"FileStreamSource","file":%q,"topic":"lines"}}`, in), http.StatusCreated, "")
	countRecords(t, e.broker, "lines", 5)
	partition := fmt.Sprintf(`{"filename":%q}`, in)
	fi, err := os.Stat(in)
	if err != nil {
		t.Fatal(err)
	}
	atEnd := fmt.Sprintf(`{"offsets":[{"partition":%s,"offset":{"position":%d}}]}`, partition, fi.Size())
	e.eventually("/connectors/src/offsets", "committed position", func(b string) bool { return b == atEnd })

	rewind := fmt.Sprintf(`{"offsets":[{"partition":%s,"offset":{"position":0}}]}`, partition)
	e.expect(http.MethodPatch, "/connectors/src/offsets", rewind, http.StatusBadRequest, fmt.Sprintf(notStopped, "src"))
	e.expect(http.MethodDelete, "/connectors/src/offsets", nil, http.StatusBadRequest, fmt.Sprintf(notStopped, "src"))
	e.expect(http.MethodPut, "/connectors/src/pause", nil, http.StatusAccepted, "")
	e.expect(http.MethodPatch, "/connectors/src/offsets", rewind, http.StatusBadRequest, fmt.Sprintf(notStopped, "src"))

	e.expect(http.MethodPut, "/connectors/src/stop", nil, http.StatusNoContent, "")
	e.expect(http.MethodGet, "/connectors/src/offsets", nil, http.StatusOK, atEnd)
	e.expect(http.MethodPatch, "/connectors/src/offsets", `{"offsets":[]}`, http.StatusBadRequest,
		`{"error_code":400,"message":"Partitions / offsets need to be provided for an alter offsets request"}`)
	e.expect(http.MethodPatch, "/connectors/src/offsets", fmt.Sprintf(`{"offsets":[{"partition":%s,"offset":{"position":{"nested":1}}}]}`, partition), http.StatusInternalServerError,
		`{"error_code":500,"message":"Offsets may only contain primitive types as values, but field position contains MAP"}`)
	// FileStreamSourceConnector.alterOffsets' checks: Connect answers its
	// ConnectException with 500 and stores nothing.
	for _, c := range []struct{ offset, msg string }{
		{`{"position":"x"}`, "The value for the 'position' key in the offset is expected to be a Long value"},
		{`{"position":1.5}`, "The value for the 'position' key in the offset is expected to be a Long value"},
		{`{"position":-1}`, "The value for the 'position' key in the offset should be a non-negative value"},
		{`{"pos":1}`, "Offset objects should either be null or contain the key 'position'"},
	} {
		e.expect(http.MethodPatch, "/connectors/src/offsets", fmt.Sprintf(`{"offsets":[{"partition":%s,"offset":%s}]}`, partition, c.offset),
			http.StatusInternalServerError, `{"error_code":500,"message":"`+c.msg+`"}`)
	}
	e.expect(http.MethodPatch, "/connectors/src/offsets", `{"offsets":[{"partition":{"file":"x"},"offset":{"position":1}}]}`,
		http.StatusInternalServerError, `{"error_code":500,"message":"Partition objects should contain the key 'filename'"}`)
	e.expect(http.MethodGet, "/connectors/src/offsets", nil, http.StatusOK, atEnd)
	e.expect(http.MethodPatch, "/connectors/src/offsets", rewind, http.StatusOK, fileAlteredMsg)
	e.expect(http.MethodGet, "/connectors/src/offsets", nil, http.StatusOK, rewind)

	e.expect(http.MethodPut, "/connectors/src/resume", nil, http.StatusAccepted, "")
	recs := countRecords(t, e.broker, "lines", 10)
	if got := string(recs[5].Value); got != `"line-0"` {
		t.Fatalf("record 5 after the rewind = %s, want the first line again", got)
	}
	e.eventually("/connectors/src/offsets", "position at the end again", func(b string) bool { return b == atEnd })

	e.expect(http.MethodPut, "/connectors/src/stop", nil, http.StatusNoContent, "")
	e.expect(http.MethodDelete, "/connectors/src/offsets", nil, http.StatusOK, fileResetMsg)
	e.expect(http.MethodGet, "/connectors/src/offsets", nil, http.StatusOK, `{"offsets":[]}`)
	e.expect(http.MethodDelete, "/connectors/src/offsets", nil, http.StatusOK, fileResetMsg)
}

// TestSinkOffsetsRoundTrip: a FileStream sink consumes, is stopped, its
// consumer group offset is rewound through PATCH, and after resume the
// records are delivered again; DELETE removes the group.
func TestSinkOffsetsRoundTrip(t *testing.T) {
	e := newEnv(t, nil)
	out := filepath.Join(e.dir, "out.txt")
	produce(t, e.broker, "in", "a", "b", "c")
	e.expect(http.MethodPost, "/connectors", fmt.Sprintf(`{"name":"sink","config":{"connector.class":"FileStreamSink","file":%q,"topics":"in","value.converter":"org.apache.kafka.connect.storage.StringConverter"}}`, out),
		http.StatusCreated, "")
	waitFor(t, "3 lines in the sink file", func() bool { return len(readLines(out)) >= 3 })
	committed := `{"offsets":[{"partition":{"kafka_partition":0,"kafka_topic":"in"},"offset":{"kafka_offset":3}}]}`
	e.eventually("/connectors/sink/offsets", "committed offset 3", func(b string) bool { return b == committed })
	e.eventually("/connectors/sink/topics", "consumed topic", func(b string) bool { return b == `{"sink":{"topics":["in"]}}` })
	e.expect(http.MethodPatch, "/connectors/sink/offsets", `{"offsets":[{"partition":{"kafka_topic":"in","kafka_partition":0},"offset":{"kafka_offset":1}}]}`,
		http.StatusBadRequest, fmt.Sprintf(notStopped, "sink"))

	e.expect(http.MethodPut, "/connectors/sink/stop", nil, http.StatusNoContent, "")
	e.expect(http.MethodGet, "/connectors/sink/offsets", nil, http.StatusOK, committed)
	for _, c := range []struct{ body, msg string }{
		{`{"offsets":[{"partition":{"kafka_topic":"in"},"offset":{"kafka_offset":1}}]}`, "The partition for a sink connector offset must contain the keys 'kafka_topic' and 'kafka_partition'"},
		{`{"offsets":[{"partition":{"kafka_topic":"in","kafka_partition":0},"offset":{"x":1}}]}`, "The offset for a sink connector should either be null or contain the key 'kafka_offset'"},
		{`{"offsets":[{"partition":{"kafka_topic":"in","kafka_partition":"zero"},"offset":{"kafka_offset":1}}]}`, "Failed to parse the following Kafka partition value in the provided offsets: 'zero'. Partition values for sink connectors need to be integers."},
		{`{"offsets":[{"partition":{"kafka_topic":"in","kafka_partition":0},"offset":{"kafka_offset":"1.5"}}]}`, "Failed to parse the following Kafka offset value in the provided offsets: '1.5'. Offset values for sink connectors need to be integers."},
	} {
		e.expect(http.MethodPatch, "/connectors/sink/offsets", c.body, http.StatusBadRequest, `{"error_code":400,"message":"`+c.msg+`"}`)
	}
	// Numeric strings are accepted, as in Connect.
	e.expect(http.MethodPatch, "/connectors/sink/offsets", `{"offsets":[{"partition":{"kafka_topic":"in","kafka_partition":"0"},"offset":{"kafka_offset":"1"}}]}`,
		http.StatusOK, fileAlteredMsg)
	e.expect(http.MethodGet, "/connectors/sink/offsets", nil, http.StatusOK,
		`{"offsets":[{"partition":{"kafka_partition":0,"kafka_topic":"in"},"offset":{"kafka_offset":1}}]}`)

	e.expect(http.MethodPut, "/connectors/sink/resume", nil, http.StatusAccepted, "")
	waitFor(t, "records b and c delivered again", func() bool { return len(readLines(out)) >= 5 })
	e.eventually("/connectors/sink/offsets", "committed offset 3 again", func(b string) bool { return b == committed })
	if got := strings.Join(readLines(out), ","); got != "a,b,c,b,c" {
		t.Fatalf("sink file %q", got)
	}

	e.expect(http.MethodPut, "/connectors/sink/stop", nil, http.StatusNoContent, "")
	e.expect(http.MethodPatch, "/connectors/sink/offsets", `{"offsets":[{"partition":{"kafka_topic":"in","kafka_partition":0},"offset":null}]}`, http.StatusOK, fileAlteredMsg)
	e.expect(http.MethodGet, "/connectors/sink/offsets", nil, http.StatusOK, `{"offsets":[]}`)
	e.expect(http.MethodDelete, "/connectors/sink/offsets", nil, http.StatusOK, fileResetMsg)
	e.expect(http.MethodGet, "/connectors/sink/offsets", nil, http.StatusOK, `{"offsets":[]}`)
	// With no committed offset the sink starts from the beginning again.
	e.expect(http.MethodPut, "/connectors/sink/resume", nil, http.StatusAccepted, "")
	waitFor(t, "every record delivered again", func() bool { return len(readLines(out)) >= 8 })
}
