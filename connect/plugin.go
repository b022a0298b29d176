package connect

import (
	"context"
	"log/slog"

	"github.com/goconnect/goconnect/connect/config"
	"github.com/goconnect/goconnect/connect/data"
)

// Connector is what source and sink connectors share.
type Connector interface {
	// Version is the plugin version reported by the REST API.
	Version() string
	// ConfigDef declares the connector's own keys (the runtime adds the
	// common ones).
	ConfigDef() *config.Def
	// Start receives the connector config; it must not block.
	Start(ctx context.Context, props map[string]string) error
	// TaskConfigs splits the work into at most maxTasks task configs.
	TaskConfigs(maxTasks int) ([]map[string]string, error)
	Stop() error
}

// Validator is optionally implemented by connectors whose keys depend on
// each other; it returns messages per key on top of ConfigDef's checks.
type Validator interface {
	Validate(props map[string]string) map[string][]string
}

// ConfigReporter is optionally implemented by connectors whose Java
// counterpart answers for its own keys with definitions and checks of its
// own (Debezium's Field framework rather than Kafka's ConfigDef). The REST
// API then lists ReportedKeys as the connector's keys (GET
// /connector-plugins/{p}/config and /config/validate) and takes the
// connector's part of a validation from ReportConfig alone, instead of
// ConfigDef's checks and Validator. ConfigDef still parses the config the
// connector runs with.
type ConfigReporter interface {
	// ReportedKeys are the connector's keys in its order.
	KeyReporter
	// ReportConfig validates props as the Java connector's validate does:
	// one result per key it checks, in any order; a result whose key is
	// not among ReportedKeys is listed first with a null definition. It
	// may reach the external system (Debezium tests the connection); ctx
	// bounds that.
	ReportConfig(ctx context.Context, props map[string]string) []config.ValueInfo
}

// KeyReporter is optionally implemented by transformations and predicates
// whose Java counterpart lists other definitions than the ConfigDef they
// are parsed with (Debezium's SMTs): the REST API lists ReportedKeys under
// the alias's group instead; the checks stay ConfigDef's.
type KeyReporter interface {
	ReportedKeys() []config.KeyInfo
}

// SourceConnector produces records from an external system.
type SourceConnector interface {
	Connector
	NewTask() SourceTask
}

// SinkConnector writes records to an external system.
type SinkConnector interface {
	Connector
	NewTask() SinkTask
}

// OffsetReader reads committed source offsets (Connect's OffsetStorageReader).
type OffsetReader interface {
	// Offset returns the last committed offset of a source partition, or nil.
	Offset(ctx context.Context, partition map[string]any) (map[string]any, error)
}

// SourceTaskContext is handed to a source task at start.
type SourceTaskContext interface {
	Offsets() OffsetReader
	// TaskConfig is the task's config.
	TaskConfig() map[string]string
	// Logger is the worker's logger for this task (connector and task
	// attached): a task logs through it so the worker's format and level
	// apply to its lines too.
	Logger() *slog.Logger
}

// SnapshotProgress receives a source task's progress through a snapshot of
// its database (what Debezium exposes as its snapshot metrics); the worker
// publishes it in /metrics. Its methods may be called from several
// goroutines.
type SnapshotProgress interface {
	// SnapshotStarted begins a snapshot of tables, with the database's
	// estimate of each one's rows (-1: unknown).
	SnapshotStarted(tables []string, estimates []int64)
	// RowsScanned reports the rows read so far from table.
	RowsScanned(table string, rows int64)
	// TableCompleted reports that table has been read, with its rows.
	TableCompleted(table string, rows int64)
	// SnapshotCompleted ends the snapshot; aborted when it failed or was
	// cut short.
	SnapshotCompleted(aborted bool)
}

// IncrementalSnapshotProgress is optionally implemented by a
// SnapshotProgress whose worker also follows incremental snapshots (read in
// chunks while streaming, as Debezium's incremental snapshot metrics
// report them); a task type-asserts it. The SnapshotProgress methods keep
// their meaning: RowsScanned counts the rows of the chunks read so far,
// TableCompleted ends a table, SnapshotCompleted the snapshot.
type IncrementalSnapshotProgress interface {
	SnapshotProgress
	// IncrementalSnapshotStarted begins an incremental snapshot of tables,
	// as SnapshotStarted does a snapshot.
	IncrementalSnapshotStarted(tables []string, estimates []int64)
	// TablesAdded adds tables to the running snapshot's queue.
	TablesAdded(tables []string, estimates []int64)
	// CurrentChunk reports the chunk being read from table: its id, its
	// first and last keys, and the table's last key when its snapshot
	// started (Debezium's ChunkId, ChunkFrom, ChunkTo, TableTo). An empty
	// id means no chunk is being read.
	CurrentChunk(table, id string, from, to, tableTo []any)
	// SnapshotPaused and SnapshotResumed follow the pause-snapshot and
	// resume-snapshot signals.
	SnapshotPaused()
	SnapshotResumed()
}

// SnapshotProgressReporter is implemented by source task contexts whose
// worker collects snapshot progress; a task type-asserts its context.
type SnapshotProgressReporter interface {
	SnapshotProgress() SnapshotProgress
}

// SourceTask polls records from the external system.
type SourceTask interface {
	Start(ctx context.Context, tc SourceTaskContext, props map[string]string) error
	// Poll returns the next batch; it may block until ctx is done and may
	// return no records. A returned error fails the task.
	Poll(ctx context.Context) ([]SourceRecord, error)
	Stop() error
}

// SourceCommitter is optionally implemented by source tasks that want to
// know when records are acknowledged and offsets flushed.
type SourceCommitter interface {
	// Commit is called after the offsets of acknowledged records have
	// been committed.
	Commit(ctx context.Context) error
}

// ErrantRecordReporter reports a record a sink task could not process,
// according to the connector's error settings (DLQ, log, tolerance).
type ErrantRecordReporter interface {
	Report(ctx context.Context, rec SinkRecord, cause error) error
}

// SinkTaskContext is handed to a sink task at start.
type SinkTaskContext interface {
	TaskConfig() map[string]string
	// Logger is the worker's logger for this task, as for source tasks.
	Logger() *slog.Logger
	// Assignment returns the partitions currently assigned to the task.
	Assignment() []TopicPartition
	// Pause and Resume stop and restart consumption of partitions.
	Pause(tps ...TopicPartition)
	Resume(tps ...TopicPartition)
	// RequestCommit asks for an offset commit as soon as possible.
	RequestCommit()
	// ErrantRecordReporter returns nil when the connector has no error reporting.
	ErrantRecordReporter() ErrantRecordReporter
}

// SinkTask writes records to the external system.
type SinkTask interface {
	Start(ctx context.Context, tc SinkTaskContext, props map[string]string) error
	// Put hands over a batch. Returning a RetriableError asks the runtime
	// to redeliver the same batch later; any other error fails the task.
	Put(ctx context.Context, records []SinkRecord) error
	// Flush makes everything handed to Put durable up to the given offsets
	// (next offset to read, per partition); only then are they committed.
	// A RetriableError means the task still holds the records and will
	// write them later: the offsets are not committed this time and the
	// task keeps running; any other error fails the task.
	Flush(ctx context.Context, offsets map[TopicPartition]int64) error
	Stop() error
}

// PartitionAware is optionally implemented by sink tasks that hold
// per-partition state (Connect's open/close).
type PartitionAware interface {
	Open(ctx context.Context, tps []TopicPartition) error
	Close(ctx context.Context, tps []TopicPartition) error
}

// Converter turns Connect data into bytes and back (Connect's Converter).
type Converter interface {
	Configure(props map[string]string, isKey bool) error
	FromConnectData(topic string, headers Headers, schema *data.Schema, value any) ([]byte, error)
	ToConnectData(topic string, headers Headers, b []byte) (*data.Schema, any, error)
}

// AppendConverter is a Converter that also writes a message after dst
// instead of into a slice of its own, so that the worker can keep a
// record's key and value in one allocation. The bytes appended are those
// FromConnectData returns; null reports its nil (out is dst then).
type AppendConverter interface {
	AppendConnectData(dst []byte, topic string, headers Headers, schema *data.Schema, value any) (out []byte, null bool, err error)
}

// HeaderConverter turns header values into bytes and back. Its configure
// method has its own name so one type can be both a Converter and a
// HeaderConverter, as JsonConverter and StringConverter are in Connect.
type HeaderConverter interface {
	ConfigureHeader(props map[string]string) error
	FromConnectHeader(topic, key string, schema *data.Schema, value any) ([]byte, error)
	ToConnectHeader(topic, key string, b []byte) (*data.Schema, any, error)
}

// Transformation is a single message transform. Apply returns nil to drop
// the record; it may change rec in place and return it.
type Transformation interface {
	ConfigDef() *config.Def
	Configure(props map[string]string) error
	Apply(rec *Record) (*Record, error)
	Close() error
}

// Predicate decides whether a transformation applies to a record.
type Predicate interface {
	ConfigDef() *config.Def
	Configure(props map[string]string) error
	Test(rec *Record) bool
	Close() error
}

// Configurable is implemented by converters that declare their keys, so the
// REST API can list them.
type Configurable interface {
	ConfigDef() *config.Def
}

// ReplicateTaskConfig gives each of n tasks the connector's own config,
// for connectors whose tasks all do the same work (most sinks).
func ReplicateTaskConfig(props map[string]string, n int) []map[string]string {
	out := make([]map[string]string, n)
	for i := range out {
		out[i] = props
	}
	return out
}

// ExactlyOnceSupport is a source connector's answer to whether it can give
// exactly-once semantics with a config (Connect's ExactlyOnceSupport).
type ExactlyOnceSupport int

const (
	// ExactlyOnceSupportUnknown is Connect's null: the connector cannot tell.
	ExactlyOnceSupportUnknown ExactlyOnceSupport = iota
	ExactlyOnceSupported
	ExactlyOnceUnsupported
)

// ExactlyOnceSourceConnector is optionally implemented by source connectors
// that can tell, before they start, whether they give exactly-once semantics
// with a config (Connect's SourceConnector.exactlyOnceSupport). A distributed
// worker asks when exactly.once.support=required; a connector without it
// cannot be configured so. An error is reported on that key.
type ExactlyOnceSourceConnector interface {
	ExactlyOnceSupport(props map[string]string) (ExactlyOnceSupport, error)
}

// TransactionBoundarySupport is a source connector's answer to whether it
// can define its own transaction boundaries (Connect's
// ConnectorTransactionBoundaries).
type TransactionBoundarySupport int

const (
	// TransactionBoundariesUnknown is Connect's null, which Connect refuses
	// as it refuses TransactionBoundariesUnsupported.
	TransactionBoundariesUnknown TransactionBoundarySupport = iota
	TransactionBoundariesSupported
	TransactionBoundariesUnsupported
)

// TransactionBoundaryConnector is optionally implemented by source
// connectors that can define transaction boundaries with a config
// (Connect's SourceConnector.canDefineTransactionBoundaries); a connector
// without it is refused transaction.boundary=connector by a distributed
// worker. The runtime has no transaction context for tasks yet, so a
// task of a connector answering Supported still commits after every poll.
type TransactionBoundaryConnector interface {
	CanDefineTransactionBoundaries(props map[string]string) (TransactionBoundarySupport, error)
}
