//go:build e2e

package e2e

import "testing"

// TestReferenceIncrementalSnapshot: an incremental snapshot of the seed
// table requested through the signalling table in chunks of 2 rows, paused
// by the next signal of the same transaction, and a change after it,
// against Debezium 2.7.3. Both connectors read the same binlog, so the
// signalling table's topic (the two signals and both sides' window-open
// and window-close rows) is the same on both; the table's topic has the
// first chunk's two 'r' records with source.snapshot "incremental" and
// the change. Paused, the stored offsets keep the incremental snapshot
// context at rest: its collections JSON, the Java-serialised last and
// maximum keys and the correlation id are compared. Nothing is accepted:
// the incremental records' source block (thread, row of the close row's
// event) came out the same (33 of 33 records identical).
func TestReferenceIncrementalSnapshot(t *testing.T) {
	runReference(t, referenceCase{
		maybe: referenceOffsetsMaybe,
		config: map[string]string{
			"signal.data.collection":          "demo.{t1}",
			"incremental.snapshot.chunk.size": "2",
		},
		dml: []string{
			referenceSignalTable,
			`BEGIN`,
			`INSERT INTO {t1} VALUES ('i1', 'execute-snapshot', '{"data-collections":["demo\\\\.{table}"],"type":"incremental"}')`,
			`INSERT INTO {t1} VALUES ('p1', 'pause-snapshot', NULL)`,
			`COMMIT`,
			`SELECT SLEEP(5)`,
			`UPDATE {table} SET first_name = 'after the chunk' WHERE id = 1`,
			`SELECT SLEEP(2)`,
		},
		// 20 + 4 initial snapshot rows; 2 signal rows; 2 window rows of
		// each side; the first chunk's 2 rows; 1 update.
		wantJava:  20 + 4 + 2 + 4 + 2 + 1,
		javaShows: []string{`"snapshot":"incremental"`, `"snapshot-window-open"`, `"snapshot-window-close"`},
	})
}

// TestReferenceIncrementalSnapshotWhole: an incremental snapshot of the
// whole seed table (20 rows) in chunks of 6, run to its end, then a
// change, against Debezium 2.7.3: the signalling table's topic (the
// signal, every chunk's window rows), the 20 'r' records in key order
// with their source blocks, the change after, and the stored offset once
// the snapshot has ended (no incremental context left) are compared.
func TestReferenceIncrementalSnapshotWhole(t *testing.T) {
	runReference(t, referenceCase{
		maybe: referenceOffsetsMaybe,
		config: map[string]string{
			"signal.data.collection":          "demo.{t1}",
			"incremental.snapshot.chunk.size": "6",
		},
		dml: []string{
			referenceSignalTable,
			`INSERT INTO {t1} VALUES ('w1', 'execute-snapshot', '{"data-collections":["demo.{table}"],"type":"incremental"}')`,
			`SELECT SLEEP(8)`,
			`UPDATE {table} SET first_name = 'after the snapshot' WHERE id = 1`,
			`SELECT SLEEP(2)`,
		},
		// 20 + 4 initial snapshot rows; the signal; each side's open and
		// close rows of 5 windows (4 chunks and the empty read that ends
		// the table), read by both; 20 'r' records; 1 update.
		wantJava:  20 + 4 + 1 + 2*5*2 + 20 + 1,
		javaShows: []string{`"snapshot":"incremental"`, `"snapshot-window-open"`, `"snapshot-window-close"`, `"after the snapshot"`},
	})
}
