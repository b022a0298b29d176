//go:build e2e

package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// kafkaSignalDML starts a referenceCase DML entry that is not SQL: the
// rest is a signal value produced to each side's Kafka signal topic
// ("<prefix>-signal", Debezium's default), keyed by that side's prefix.
const kafkaSignalDML = "KAFKA SIGNAL "

func produceSignal(t *testing.T, topic, key, value string) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(kafkaAddr), kgo.DefaultProduceTopic(topic), kgo.AllowAutoTopicCreation())
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := cl.ProduceSync(ctx, &kgo.Record{Key: []byte(key), Value: []byte(value), Partition: 0}).FirstErr(); err != nil {
		t.Fatal(err)
	}
}

// referenceSignalTable is the signalling table (Debezium's documented
// structure), created once both snapshots are done: the connectors learn
// it from the binlog.
const referenceSignalTable = `CREATE TABLE {t1} (id VARCHAR(64) PRIMARY KEY, type VARCHAR(32) NOT NULL, data VARCHAR(2048) NULL)`

// TestReferenceBlockingSnapshot: a blocking snapshot of the type corpus
// table, requested through the signalling table (the source channel), then
// one of both tables (the corpus filtered by additional-conditions) through
// each side's Kafka signal topic, a log signal on both
// channels, and changes after each snapshot: the records (the signalling
// table's own, the snapshot's op "r" with their source.snapshot markers,
// the changes after), the schema change events and the schema history (Debezium's blocking snapshot
// records DROP TABLE and CREATE TABLE of the table) against Debezium
// 2.7.3's. The waits let Debezium's asynchronous snapshot end before the
// next change, which it would otherwise read and then stream again.
func TestReferenceBlockingSnapshot(t *testing.T) {
	runReference(t, referenceCase{
		maybe: referenceOffsetsMaybe,
		config: map[string]string{
			"signal.data.collection":         "demo.{t1}",
			"signal.enabled.channels":        "source,kafka",
			"signal.kafka.bootstrap.servers": kafkaAddr,
			"signal.kafka.groupId":           "ref-signal-{stamp}",
			// The topic is written after the connectors start: read it from
			// the beginning.
			"signal.kafka.consumer.offset.commit.enabled": "true",
			// Debezium reads its channels every signal.poll.interval.ms
			// (5 s by default) and pauses at the next binlog event: a short
			// interval lets its Kafka-requested snapshot end before the
			// next change.
			"signal.poll.interval.ms": "200",
			"include.schema.changes":  "true",
		},
		dml: []string{
			referenceSignalTable,
			`INSERT INTO {t1} VALUES ('b1', 'execute-snapshot', '{"type":"blocking","data-collections":["demo.{types}"]}')`,
			`SELECT SLEEP(5)`,
			`INSERT INTO {table} (id, first_name) VALUES (401, 'after blocking')`,
			`INSERT INTO {t1} VALUES ('l1', 'log', '{"message":"signal log at {}"}')`,
			kafkaSignalDML + `{"id":"k1","type":"execute-snapshot","data":{"type":"blocking","data-collections":["demo.{types}","demo.{table}"],"additional-conditions":[{"data-collection":"demo.{types}","filter":"SELECT * FROM demo.{types} WHERE id > 1"}]}}`,
			`SELECT SLEEP(8)`,
			`INSERT INTO {table} (id, first_name) VALUES (402, 'after the kafka one')`,
			kafkaSignalDML + `{"id":"k2","type":"log","data":{"message":"kafka log at {}"}}`,
			`SELECT SLEEP(2)`,
		},
		// 20 + 4 initial snapshot rows; 2 signal rows; 4, then 21 + 3
		// blocking snapshot rows (two tables: markers per table, first and
		// last of all); 2 inserts.
		// The schema change topic: the initial snapshot's 10 statements, the
		// signalling table's CREATE, each blocking snapshot's DROP TABLE
		// and CREATE TABLE per table (2 + 4).
		wantJava: 20 + 4 + 2 + 4 + 21 + 3 + 2 + 10 + 1 + 6,
		keep:     keepCaseSchemaChanges("{table}", "{types}", "{t1}"),
		history:  true, keepHistory: keepCaseHistory("{table}", "{types}", "{t1}"),
		javaShows: []string{`"op":"r"`, `"snapshot":"last"`},
	})
}
