package mysql

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/goconnect/goconnect/connect/data"
)

// signal is one Debezium signal, from whichever channel delivered it.
type signal struct {
	ID, Type string
	// Data is the signal's JSON document; empty means {} (Debezium's
	// SignalProcessor reads a null or empty data as an empty document).
	Data    json.RawMessage
	Channel string // "source", "kafka" or "file"
	// Offset is the Kafka channel's record offset (Debezium's
	// channelOffset), nil on the other channels.
	Offset *int64
}

// Signal types, Debezium's action names.
const (
	sigExecuteSnapshot = "execute-snapshot"
	sigStopSnapshot    = "stop-snapshot"
	sigPauseSnapshot   = "pause-snapshot"
	sigResumeSnapshot  = "resume-snapshot"
	sigLog             = "log"
	sigWindowOpen      = "snapshot-window-open"
	sigWindowClose     = "snapshot-window-close"
)

// dispatchSignal runs a signal in the streaming goroutine, as Debezium's
// SignalProcessor runs its actions. A bad signal (unknown type, data that
// is not JSON, an unknown table) is logged at WARN and ignored: it never
// fails the task. Only a failure of the stream itself (the queue closing,
// a broken database connection) is returned.
func (t *Task) dispatchSignal(ctx context.Context, s *streamState, sig signal) error {
	log := t.log.With("signal", sig.ID, "type", sig.Type, "channel", sig.Channel)
	doc := map[string]any{}
	if len(strings.TrimSpace(string(sig.Data))) > 0 {
		if err := json.Unmarshal(sig.Data, &doc); err != nil {
			log.Warn("signal has been received but its data cannot be parsed", "data", string(sig.Data), "error", err)
			return nil
		}
	}
	switch sig.Type {
	case sigExecuteSnapshot:
		if typ, _ := doc["type"].(string); strings.EqualFold(typ, "blocking") {
			var d executeSnapshotData
			if err := json.Unmarshal(sig.Data, &d); err != nil {
				log.Warn("signal has been received but its data cannot be read", "data", string(sig.Data), "error", err)
				return nil
			}
			return t.requestBlocking(ctx, s, sig, &d)
		}
		return t.executeIncremental(ctx, s, sig, doc, log)
	case sigStopSnapshot:
		return t.stopIncremental(ctx, s, sig, doc, log)
	case sigPauseSnapshot:
		t.pauseIncremental(s, log)
		return nil
	case sigResumeSnapshot:
		return t.resumeIncremental(ctx, s, log)
	case sigWindowOpen, sigWindowClose:
		// Watermarks only mean something when read back from the
		// signalling table, in binlog order.
		if sig.Channel != "source" || t.st.readOnly {
			log.Warn("a snapshot window signal outside the signalling table is ignored")
			return nil
		}
		if sig.Type == sigWindowOpen {
			t.windowOpen(s, sig.ID)
			return nil
		}
		return t.windowClose(ctx, s, sig.ID)
	case sigLog:
		t.logSignal(s, sig)
		return nil
	default:
		log.Warn("signal has been received but the type is not recognized")
		return nil
	}
}

// isSignalTable reports whether db.name is signal.data.collection.
func (t *Task) isSignalTable(db, name string) bool {
	sig := t.st.filter.signal
	return sig != "" && len(sig) == len(db)+1+len(name) && strings.EqualFold(sig[:len(db)], db) &&
		sig[len(db)] == '.' && strings.EqualFold(sig[len(db)+1:], name)
}

// sourceSignal reads a signal from a row inserted into the signalling
// table, as Debezium's SourceSignalChannel: the first three columns of the
// row, all strings, are id, type and data; anything else is warned about
// and ignored.
func (t *Task) sourceSignal(row *data.Struct) (signal, bool) {
	if row == nil {
		return signal{}, false
	}
	fields := row.Schema().Fields
	if len(fields) != 3 {
		t.log.Warn("a signalling table row should have 3 columns", "columns", len(fields))
		return signal{}, false
	}
	var vals [3]string
	for i := range fields {
		v := row.GetIndex(i)
		if v == nil {
			continue
		}
		sv, ok := v.(string)
		if !ok {
			t.log.Warn("a signalling table column is not a string: the row is not a signal", "column", fields[i].Name)
			return signal{}, false
		}
		vals[i] = sv
	}
	sig := signal{ID: vals[0], Type: vals[1], Channel: "source"}
	if vals[2] != "" {
		sig.Data = json.RawMessage(vals[2])
	}
	return sig, true
}

// sourceRow hands a change of the signalling table to the source channel:
// an insert is a signal; with the insert_delete watermarking strategy a
// delete of a window-open row closes that window, as Debezium's
// SignalRecord.buildSignalRecordFromChangeEventSource reads it.
func (t *Task) sourceRow(ctx context.Context, s *streamState, op string, before, after *data.Struct) error {
	if op == "d" {
		sig, ok := t.sourceSignal(before)
		if !ok {
			return nil
		}
		sig.ID = strings.ReplaceAll(sig.ID, "open", "close")
		sig.Type = sigWindowClose
		return t.dispatchSignal(ctx, s, sig)
	}
	sig, ok := t.sourceSignal(after)
	if !ok {
		return nil
	}
	return t.dispatchSignal(ctx, s, sig)
}
