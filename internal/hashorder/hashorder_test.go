package hashorder

import (
	"encoding/json"
	"slices"
	"testing"
)

// The expected orders are what java.util.HashMap iterates for these keys
// (each printed by a real JVM's HashMap.keySet(), OpenJDK 17).
func TestKeysInHashMapOrder(t *testing.T) {
	for _, tc := range []struct {
		keys []string
		want []string
	}{
		// Debezium's MySQL offset on MariaDB, as the Java worker stores it.
		{[]string{"server_id", "row", "pos", "file", "ts_sec"}, []string{"ts_sec", "file", "pos", "row", "server_id"}},
		// Debezium's MySQL offset inside a transaction: server_id and event
		// share a bucket; Debezium puts server_id first (stored by the Java
		// worker as {"ts_sec","file","pos","row","server_id","event"}).
		{[]string{"event", "row", "pos", "file", "ts_sec", "server_id"}, []string{"ts_sec", "file", "pos", "row", "server_id", "event"}},
		// With an incremental snapshot's keys the table has 32 buckets:
		// server_id before incremental_snapshot_collections, transaction_id
		// before incremental_snapshot_correlation_id (insertion order).
		{[]string{"incremental_snapshot_correlation_id", "incremental_snapshot_collections", "incremental_snapshot_primary_key",
			"incremental_snapshot_maximum_key", "transaction_id", "event", "row", "pos", "file", "ts_sec", "server_id", "gtids", "snapshot"},
			[]string{"transaction_id", "incremental_snapshot_correlation_id", "ts_sec", "gtids", "server_id", "incremental_snapshot_collections",
				"incremental_snapshot_primary_key", "file", "pos", "incremental_snapshot_maximum_key", "row", "event", "snapshot"}},
		{[]string{"current.iteration", "task.id", "task.generation"}, []string{"task.generation", "task.id", "current.iteration"}},
		{[]string{"kafka_topic", "kafka_partition"}, []string{"kafka_partition", "kafka_topic"}},
	} {
		m := map[string]any{}
		for _, k := range tc.keys {
			m[k] = 1
		}
		if got := Keys(m); !slices.Equal(got, tc.want) {
			t.Errorf("Keys(%v) = %v, want %v", tc.keys, got, tc.want)
		}
	}
}

// Thirteen keys make a HashMap grow to 32 buckets, which changes the order.
func TestKeysAfterResize(t *testing.T) {
	m := map[string]any{}
	for _, k := range []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "p"} {
		m[k] = 1
	}
	got := Keys(m)
	// "p" is 112: bucket 0 of 16 (before "a", 97 → 1) but 16 of 32 (after "l", 108 → 12).
	if got[len(got)-1] != "p" {
		t.Fatalf("Keys = %v, want p last once the table has 32 buckets", got)
	}
}

func TestMapMarshalJSON(t *testing.T) {
	b, err := json.Marshal(Map{"server_id": 1, "file": "mysql-bin.000003", "pos": 4, "ts_sec": 0,
		"nested": map[string]any{"kafka_topic": "t", "kafka_partition": 0}})
	if err != nil {
		t.Fatal(err)
	}
	// A JVM's HashMap iterates these keys as ts_sec, file, pos, server_id, nested.
	want := `{"ts_sec":0,"file":"mysql-bin.000003","pos":4,"server_id":1,"nested":{"kafka_partition":0,"kafka_topic":"t"}}`
	if string(b) != want {
		t.Fatalf("got  %s\nwant %s", b, want)
	}
	if b, _ := json.Marshal(Map(nil)); string(b) != "null" {
		t.Fatalf("nil map: %s", b)
	}
}
