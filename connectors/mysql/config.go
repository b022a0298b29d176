package mysql

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/goconnect/goconnect/connect/config"
	"github.com/goconnect/goconnect/internal/kafkaclient"
)

// schema.history.internal.store.only.captured.databases.ddl and its 1.x
// name.
const (
	keyHistoryCapturedDBs  = "schema.history.internal.store.only.captured.databases.ddl"
	keyHistoryCapturedDBs1 = "database.history.store.only.captured.databases.ddl"
)

// Config keys, Debezium's names; 1.x aliases are resolved in parse.
const (
	keyHost             = "database.hostname"
	keyPort             = "database.port"
	keyUser             = "database.user"
	keyPassword         = "database.password"
	keyServerID         = "database.server.id"
	keyTopicPrefix      = "topic.prefix"
	keyServerName       = "database.server.name" // 1.x name of topic.prefix
	keyDBInclude        = "database.include.list"
	keyDBExclude        = "database.exclude.list"
	keyTableInclude     = "table.include.list"
	keyTableExclude     = "table.exclude.list"
	keyDBWhitelist      = "database.whitelist"
	keyDBBlacklist      = "database.blacklist"
	keyTableWhitelist   = "table.whitelist"
	keyTableBlacklist   = "table.blacklist"
	keySnapshotMode     = "snapshot.mode"
	keyTombstones       = "tombstones.on.delete"
	keyDecimalMode      = "decimal.handling.mode"
	keyTimePrecision    = "time.precision.mode"
	keyBigintUnsigned   = "bigint.unsigned.handling.mode"
	keySchemaChanges    = "include.schema.changes"
	keyMaxBatch         = "max.batch.size"
	keyPollInterval     = "poll.interval.ms"
	keyTopicDelimiter   = "topic.delimiter"
	keyNameAdjustment   = "schema.name.adjustment.mode"
	keyConnectTimeoutMs = "connect.timeout.ms"
	keyLockingMode      = "snapshot.locking.mode"
	keyLockTimeoutMs    = "snapshot.lock.timeout.ms"
	keySnapshotDelayMs  = "snapshot.delay.ms"
	keyStreamingDelayMs = "streaming.delay.ms"
	keySkippedOps       = "skipped.operations"
	keyHeartbeatMs      = "heartbeat.interval.ms"
	keyHeartbeatPrefix  = "topic.heartbeat.prefix"
	keyHistoryTopic     = "schema.history.internal.kafka.topic"
	keyHistoryServers   = "schema.history.internal.kafka.bootstrap.servers"
	keyHistoryTopic1    = "database.history.kafka.topic"             // 1.x name
	keyHistoryServers1  = "database.history.kafka.bootstrap.servers" // 1.x name
	keyHistoryCaptured  = "schema.history.internal.store.only.captured.tables.ddl"
	keyHistoryCaptured1 = "database.history.store.only.captured.tables.ddl" // 1.x name
	keyTxMetadata       = "provide.transaction.metadata"
	keyTopicTransaction = "topic.transaction"
	keyColumnInclude    = "column.include.list"
	keyColumnExclude    = "column.exclude.list"
	keyColumnWhitelist  = "column.whitelist" // 1.x name
	keyColumnBlacklist  = "column.blacklist" // 1.x name
	keyMsgKeyColumns    = "message.key.columns"
	keyBinaryMode       = "binary.handling.mode"
	keyMaxQueue         = "max.queue.size"
	// Snapshot tuning (Debezium's CommonConnectorConfig and
	// BinlogConnectorConfig names).
	keySnapshotThreads   = "snapshot.max.threads"
	keySnapshotFetchSize = "snapshot.fetch.size"
	keySnapshotOverrides = "snapshot.select.statement.overrides"
	keySnapshotInclude   = "snapshot.include.collection.list"
	keyMinRowsToStream   = "min.row.count.to.stream.results"
	// Signals and incremental snapshots (CommonConnectorConfig and
	// BinlogConnectorConfig names).
	keySignalTable    = "signal.data.collection"
	keySignalChannels = "signal.enabled.channels"
	keyIncrChunkSize  = "incremental.snapshot.chunk.size"
	keyIncrWatermark  = "incremental.snapshot.watermarking.strategy"
	keyReadOnly       = "read.only"
	keyIncrAllowDDL   = "incremental.snapshot.allow.schema.changes"
)

// unsupported lists keys that change Debezium's output and are not
// implemented yet, with the value that is fine (the default); anything
// else is rejected rather than silently ignored.
var unsupported = []struct{ key, ok string }{
	{"include.query", "false"},
	{"converters", ""},
	{"include.schema.comments", "false"},
	{"column.propagate.source.type", ""},
	{"datatype.propagate.source.type", ""},
	{"post.processors", ""},
	{"topic.naming.strategy", "io.debezium.schema.SchemaTopicNamingStrategy"},
	{"sourceinfo.struct.maker", "io.debezium.connector.mysql.MySqlSourceInfoStructMaker"},
	{"transaction.metadata.factory", "io.debezium.pipeline.txmetadata.DefaultTransactionMetadataFactory"},
	{"gtid.source.includes", ""},
	{"gtid.source.excludes", ""},
	{"table.ignore.builtin", "true"},
	{"snapshot.tables.order.by.row.count", "disabled"},
}

// unsupportedPattern matches Debezium's per-column masking and truncation
// keys (column.mask.with.<n>.chars, column.truncate.to.<n>.chars,
// column.mask.hash.<algorithm>.with.salt.<salt>), not implemented: any is
// refused.
var unsupportedPattern = regexp.MustCompile(`^column\.(mask\.with\.\d+\.chars|truncate\.to\.\d+\.chars|mask\.hash\.[^.]+\.with\.salt\..+)$`)

// Snapshot modes (spec §1.7).
const (
	snapInitial     = "initial"
	snapInitialOnly = "initial_only"
	snapNoData      = "no_data"
	snapSchemaOnly  = "schema_only"
	snapNever       = "never"
	snapWhenNeeded  = "when_needed"
)

func configDef() *config.Def {
	oneOf := config.OneOf
	return defineTLS(config.NewDef()).
		Define(config.Key{Name: keyHost, Type: config.TypeString, Required: true, Validator: config.NonEmpty(), Importance: config.High, Doc: "Resolvable hostname or IP address of the database server."}).
		Define(config.Key{Name: keyPort, Type: config.TypeInt, Default: "3306", Validator: config.Between(1, 65535), Importance: config.High, Doc: "Port of the database server."}).
		Define(config.Key{Name: keyUser, Type: config.TypeString, Required: true, Validator: config.NonEmpty(), Importance: config.High, Doc: "Name of the database user to be used when connecting to the database."}).
		Define(config.Key{Name: keyPassword, Type: config.TypePassword, Importance: config.High, Doc: "Password of the database user to be used when connecting to the database."}).
		Define(config.Key{Name: keyServerID, Type: config.TypeLong, Validator: config.Between(1, 4294967295), Importance: config.High, Doc: "A numeric ID of this database client, which must be unique across all currently-running database processes in the cluster."}).
		Define(config.Key{Name: keyTopicPrefix, Type: config.TypeString, Importance: config.High, Doc: "Topic prefix that identifies and provides a namespace for the particular database server/cluster."}).
		Define(config.Key{Name: keyServerName, Type: config.TypeString, Importance: config.Low, Doc: "Debezium 1.x name of topic.prefix."}).
		Define(config.Key{Name: keyDBInclude, Type: config.TypeList, Importance: config.High, Doc: "Regular expressions matching the databases to capture."}).
		Define(config.Key{Name: keyDBExclude, Type: config.TypeList, Importance: config.Medium, Doc: "Regular expressions matching the databases not to capture."}).
		Define(config.Key{Name: keyTableInclude, Type: config.TypeList, Importance: config.High, Doc: "Regular expressions matching db.table identifiers of the tables to capture."}).
		Define(config.Key{Name: keyTableExclude, Type: config.TypeList, Importance: config.Medium, Doc: "Regular expressions matching db.table identifiers of the tables not to capture."}).
		Define(config.Key{Name: keyDBWhitelist, Type: config.TypeList, Importance: config.Low, Doc: "Deprecated 1.x alias of database.include.list."}).
		Define(config.Key{Name: keyDBBlacklist, Type: config.TypeList, Importance: config.Low, Doc: "Deprecated 1.x alias of database.exclude.list."}).
		Define(config.Key{Name: keyTableWhitelist, Type: config.TypeList, Importance: config.Low, Doc: "Deprecated 1.x alias of table.include.list."}).
		Define(config.Key{Name: keyTableBlacklist, Type: config.TypeList, Importance: config.Low, Doc: "Deprecated 1.x alias of table.exclude.list."}).
		Define(config.Key{Name: keySnapshotMode, Type: config.TypeString, Default: snapInitial, Validator: oneOf(snapInitial, snapInitialOnly, snapNoData, snapSchemaOnly, snapNever, snapWhenNeeded), Importance: config.Low, Doc: "The criteria for running a snapshot upon startup of the connector."}).
		Define(config.Key{Name: keyTombstones, Type: config.TypeBoolean, Default: "true", Importance: config.Medium, Doc: "Whether delete operations should be represented by a delete event and a subsequent tombstone event."}).
		Define(config.Key{Name: keyDecimalMode, Type: config.TypeString, Default: "precise", Validator: oneOf("precise", "double", "string"), Importance: config.Medium, Doc: "Specify how DECIMAL and NUMERIC columns should be represented in change events."}).
		Define(config.Key{Name: keyTimePrecision, Type: config.TypeString, Default: "adaptive_time_microseconds", Validator: config.Func("[adaptive_time_microseconds, connect]", validTimePrecision), Importance: config.Medium, Doc: "Time, date, and timestamps can be represented with different kinds of precisions."}).
		Define(config.Key{Name: keyBigintUnsigned, Type: config.TypeString, Default: "long", Validator: oneOf("long", "precise"), Importance: config.Medium, Doc: "Specify how BIGINT UNSIGNED columns should be represented in change events."}).
		Define(config.Key{Name: keySchemaChanges, Type: config.TypeBoolean, Default: "true", Importance: config.Medium, Doc: "Whether the connector should publish changes in the database schema to a Kafka topic named after the topic prefix."}).
		Define(config.Key{Name: keyColumnInclude, Type: config.TypeList, Importance: config.Medium, Doc: "Regular expressions matching columns to include in change events."}).
		Define(config.Key{Name: keyColumnExclude, Type: config.TypeList, Importance: config.Medium, Doc: "Regular expressions matching columns to exclude from change events."}).
		Define(config.Key{Name: keyColumnWhitelist, Type: config.TypeList, Importance: config.Low, Doc: "Deprecated 1.x alias of column.include.list."}).
		Define(config.Key{Name: keyColumnBlacklist, Type: config.TypeList, Importance: config.Low, Doc: "Deprecated 1.x alias of column.exclude.list."}).
		Define(config.Key{Name: keyMsgKeyColumns, Type: config.TypeString, Importance: config.Medium, Doc: "A semicolon-separated list of expressions that match fully-qualified tables and column(s) to be used as message key, each as '<fully-qualified table name>:<key columns>'."}).
		Define(config.Key{Name: keyBinaryMode, Type: config.TypeString, Default: "bytes", Validator: oneOf("bytes", "base64", "base64-url-safe", "hex"), Importance: config.Low, Doc: "Specify how binary (blob, binary, etc.) columns should be represented in change events."}).
		Define(config.Key{Name: keyMaxQueue, Type: config.TypeInt, Default: "8192", Importance: config.Medium, Doc: "Maximum size of the queue for change events read from the database log but not yet recorded or forwarded; should always be larger than the maximum batch size."}).
		Define(config.Key{Name: keyMaxBatch, Type: config.TypeInt, Default: "2048", Validator: config.AtLeast(1), Importance: config.Medium, Doc: "Maximum size of each batch of source records."}).
		Define(config.Key{Name: keyPollInterval, Type: config.TypeLong, Default: "500", Validator: config.AtLeast(0), Importance: config.Medium, Doc: "Time to wait for new change events to appear after receiving no events, in milliseconds."}).
		Define(config.Key{Name: keyTopicDelimiter, Type: config.TypeString, Default: ".", Importance: config.Low, Doc: "Delimiter for topic name."}).
		Define(config.Key{Name: keyNameAdjustment, Type: config.TypeString, Default: "none", Validator: oneOf("none", "avro", "avro_unicode"), Importance: config.Low, Doc: "Specify how schema names should be adjusted for compatibility with the message converter."}).
		Define(config.Key{Name: keyLockingMode, Type: config.TypeString, Default: "minimal", Validator: config.Func("[minimal, extended, none]", validLockingMode), Importance: config.Low, Doc: "Controls how the connector holds locks on tables while performing the schema snapshot."}).
		Define(config.Key{Name: keySkippedOps, Type: config.TypeList, Default: "t", Importance: config.Low, Doc: "The comma-separated list of operations to skip during streaming: c, u, d, t, or none."}).
		Define(config.Key{Name: keyHeartbeatMs, Type: config.TypeInt, Default: "0", Validator: config.AtLeast(0), Importance: config.Medium, Doc: "Length of an interval in milli-seconds in in which the connector periodically sends heartbeat messages to a heartbeat topic. Use 0 to disable heartbeat messages."}).
		Define(config.Key{Name: keyHeartbeatPrefix, Type: config.TypeString, Default: "__debezium-heartbeat", Importance: config.Low, Doc: "The prefix that is used to name heartbeat topics."}).
		Define(config.Key{Name: keyHistoryTopic, Type: config.TypeString, Importance: config.High, Doc: "The name of the topic for the database schema history."}).
		Define(config.Key{Name: keyHistoryServers, Type: config.TypeList, Importance: config.High, Doc: "A list of host/port pairs that the connector will use for establishing the initial connection to the Kafka cluster for retrieving database schema history previously stored by the connector."}).
		Define(config.Key{Name: keyHistoryCaptured, Type: config.TypeBoolean, Default: "false", Importance: config.Low, Doc: "Controls what DDL will Debezium store in database schema history. By default (false) Debezium will store all incoming DDL statements. If set to true, then only DDL that manipulates a captured table will be stored."}).
		Define(config.Key{Name: keyHistoryCaptured1, Type: config.TypeBoolean, Default: "false", Importance: config.Low, Doc: "Debezium 1.x name of schema.history.internal.store.only.captured.tables.ddl."}).
		Define(config.Key{Name: keyHistoryCapturedDBs, Type: config.TypeBoolean, Default: "true", Importance: config.Low, Doc: "Controls what DDL will Debezium store in database schema history. By default (true) only DDL that manipulates a table from captured schema/database will be stored. If set to false, then Debezium will store all incoming DDL statements."}).
		Define(config.Key{Name: keyHistoryCapturedDBs1, Type: config.TypeBoolean, Default: "true", Importance: config.Low, Doc: "Debezium 1.x name of schema.history.internal.store.only.captured.databases.ddl."}).
		Define(config.Key{Name: keyHistoryTopic1, Type: config.TypeString, Importance: config.Low, Doc: "Debezium 1.x name of schema.history.internal.kafka.topic."}).
		Define(config.Key{Name: keyHistoryServers1, Type: config.TypeList, Importance: config.Low, Doc: "Debezium 1.x name of schema.history.internal.kafka.bootstrap.servers."}).
		Define(config.Key{Name: keyTxMetadata, Type: config.TypeBoolean, Default: "false", Importance: config.Low, Doc: "Enables transaction metadata extraction together with event counting."}).
		Define(config.Key{Name: keyTopicTransaction, Type: config.TypeString, Default: "transaction", Importance: config.Low, Doc: "The name of the transaction metadata topic, after the topic prefix."}).
		Define(config.Key{Name: keySnapshotThreads, Type: config.TypeInt, Default: "1", Validator: config.AtLeast(1), Importance: config.Medium, Doc: "The maximum number of threads used to perform the snapshot. Defaults to 1."}).
		Define(config.Key{Name: keySnapshotFetchSize, Type: config.TypeInt, Validator: config.AtLeast(0), Importance: config.Medium, Doc: "The maximum number of records that should be loaded into memory while performing a snapshot."}).
		Define(config.Key{Name: keySnapshotOverrides, Type: config.TypeString, Importance: config.Medium, Doc: "A comma-separated list of fully-qualified tables (DB_NAME.TABLE_NAME) whose snapshot SELECT statement is given by the property snapshot.select.statement.overrides.[DB_NAME].[TABLE_NAME]."}).
		Define(config.Key{Name: keySnapshotInclude, Type: config.TypeList, Importance: config.Medium, Doc: "Regular expressions matching the captured tables whose data the snapshot reads; the others are captured without their existing rows."}).
		Define(config.Key{Name: keyMinRowsToStream, Type: config.TypeInt, Default: "1000", Validator: config.AtLeast(0), Importance: config.Low, Doc: "The number of rows a table must contain to stream results rather than pull all into memory during snapshots. Use 0 to stream all results."}).
		Define(config.Key{Name: keySignalTable, Type: config.TypeString, Importance: config.Medium, Doc: "The name of the data collection that is used to send signals/commands to Debezium. Signaling is disabled when not set."}).
		Define(config.Key{Name: keySignalChannels, Type: config.TypeList, Default: "source", Importance: config.Medium, Doc: "List of channels names that are enabled. Source channel is enabled by default"}).
		Define(config.Key{Name: keySignalPollInterval, Type: config.TypeLong, Default: "5000", Validator: config.AtLeast(1), Importance: config.Medium, Doc: "Interval for looking for new signals in registered channels, given in milliseconds. Defaults to 5 seconds."}).
		Define(config.Key{Name: keyIncrChunkSize, Type: config.TypeInt, Default: "1024", Validator: config.AtLeast(0), Importance: config.Medium, Doc: "The maximum size of chunk (number of documents/rows) for incremental snapshotting"}).
		Define(config.Key{Name: keyIncrWatermark, Type: config.TypeString, Default: "insert_insert", Validator: oneOf("insert_insert", "insert_delete"), Importance: config.Low, Doc: "Specify the strategy used for watermarking during an incremental snapshot: 'insert_insert' both open and close signal is written into signal data collection (default); 'insert_delete' only open signal is written on signal data collection, the close will delete the relative open signal;"}).
		Define(config.Key{Name: keyIncrAllowDDL, Type: config.TypeBoolean, Default: "false", Importance: config.Low, Doc: "Detect schema change during an incremental snapshot and re-select a current chunk to avoid locking DDLs."}).
		Define(config.Key{Name: keyReadOnly, Type: config.TypeBoolean, Default: "false", Importance: config.Low, Doc: "Switched connector to use alternative methods to deliver signals to Debezium instead of writing to signaling table"}).
		Define(config.Key{Name: keyLockTimeoutMs, Type: config.TypeLong, Default: "10000", Importance: config.Medium, Doc: "The maximum number of millis to wait for table locks at the beginning of a snapshot. If locks cannot be acquired in this time frame, the snapshot will be aborted. Defaults to 10 seconds"}).
		Define(config.Key{Name: keySnapshotDelayMs, Type: config.TypeLong, Default: "0", Validator: config.AtLeast(0), Importance: config.Low, Doc: "A delay period before a snapshot will begin, given in milliseconds. Defaults to 0 ms."}).
		Define(config.Key{Name: keyStreamingDelayMs, Type: config.TypeLong, Default: "0", Validator: config.AtLeast(0), Importance: config.Low, Doc: "A delay period after the snapshot is completed and the streaming begins, given in milliseconds. Defaults to 0 ms."}).
		Define(config.Key{Name: keyConnectTimeoutMs, Type: config.TypeLong, Default: "30000", Validator: config.AtLeast(1), Importance: config.Low, Doc: "Maximum time to wait after trying to connect to the database before timing out, in milliseconds."})
}

func validTimePrecision(_ string, v any) error {
	s, _ := v.(string)
	switch strings.ToLower(s) {
	case "adaptive_time_microseconds", "connect":
		return nil
	case "adaptive":
		// Refused by parse, in Debezium's words and as its only error
		// (a ConfigDef error here would add Kafka's "Invalid value" one).
		return nil
	}
	return fmt.Errorf("String must be one of: adaptive_time_microseconds, connect")
}

func validLockingMode(_ string, v any) error {
	s, _ := v.(string)
	switch strings.ToLower(s) {
	case "minimal", "extended", "none":
		return nil
	case "minimal_percona", "custom":
		return fmt.Errorf("snapshot.locking.mode %s is not supported by goconnect yet", s)
	}
	return fmt.Errorf("String must be one of: minimal, extended, none")
}

// settings are the parsed connector keys.
type settings struct {
	host, user, password string
	port                 int
	serverID             uint32
	prefix               string
	filter               *filter
	snapshotMode         string
	tombstones           bool
	decimalMode          string
	timeConnect          bool // time.precision.mode=connect
	bigintPrecise        bool
	schemaChanges        bool
	onlyCapturedDDL      bool // schema.history.internal.store.only.captured.tables.ddl
	// schema.history.internal.store.only.captured.databases.ddl
	onlyCapturedDBDDL bool
	maxBatch          int
	maxQueue          int
	binaryMode        string           // bytes, base64, base64-url-safe, hex
	keyColumns        []*regexp.Regexp // message.key.columns, one per column, in order
	pollInterval      time.Duration
	delimiter         string
	nameAdjust        string
	connectTimeout    time.Duration
	lockingMode       string
	// lockTimeoutSec is snapshot.lock.timeout.ms in whole seconds, the
	// session's lock_wait_timeout while a snapshot takes its locks (as
	// Debezium sets it).
	lockTimeoutSec int64
	// snapshotDelay (snapshot.delay.ms) is waited before a snapshot,
	// streamingDelay (streaming.delay.ms) after one, before streaming.
	snapshotDelay, streamingDelay time.Duration
	skipped                       map[string]bool
	heartbeat                     time.Duration
	heartbeatTopic                string
	historyTopic                  string   // empty: no schema history
	historyServers                []string // bootstrap servers of the history topic
	// historyProducer and historyConsumer are the history clients' own
	// Kafka settings (security included): schema.history.internal.producer.*
	// and .consumer.*, or Debezium 1.x's database.history.producer.* and
	// .consumer.*. They do not inherit the worker's settings.
	historyProducer, historyConsumer map[string]string
	txMetadata                       bool
	txTopic                          string
	tls                              *dbTLS // database.ssl.*
	// snapshotThreads reads that many tables at once (snapshot.max.threads).
	snapshotThreads int
	// snapshotInclude narrows the tables whose rows the snapshot reads
	// (snapshot.include.collection.list); empty: all captured tables.
	snapshotInclude []*regexp.Regexp
	// snapshotSelect holds snapshot.select.statement.overrides.<db>.<table>
	// by "db.table".
	snapshotSelect map[string]string
	// signalTable is signal.data.collection ("" when signalling is off);
	// signalChannels the enabled channel names, lower case.
	signalTable    string
	signalChannels map[string]bool
	// incrChunk is incremental.snapshot.chunk.size; insertDelete the
	// insert_delete watermarking strategy; readOnly is read.only.
	incrChunk    int
	insertDelete bool
	readOnly     bool
	// incrAllowSchema is incremental.snapshot.allow.schema.changes: a
	// chunk is read only once the table's structure is known to be the
	// stream's (incremental.go verifySchema).
	incrAllowSchema bool
	// kafkaSignal configures the Kafka signal channel; nil when
	// signal.enabled.channels does not have it.
	kafkaSignal *kafkaSignalSettings
	// fileSignal configures the file signal channel; nil when disabled.
	fileSignal *fileSignalSettings
	// notifyLog is notification.enabled.channels having log (notify.go).
	notifyLog bool
}

var prefixRe = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// parse checks the keys and resolves 1.x aliases.
// historyClientProps returns the schema history client's settings under
// schema.history.internal.<client> (or the 1.x database.history.<client>),
// refusing security settings the client could not use, naming the key.
func historyClientProps(props map[string]string, client string) (map[string]string, error) {
	const v2, v1 = "schema.history.internal.", "database.history."
	out := kafkaclient.Strip(props, v1+client)
	named := v1 + client
	for k, v := range kafkaclient.Strip(props, v2+client) {
		out[k] = v
		named = v2 + client
	}
	if _, err := kafkaclient.Options(out, nil); err != nil {
		return nil, &config.Error{Key: named + strings.SplitN(err.Error(), ":", 2)[0], Message: named + err.Error()}
	}
	return out, nil
}

func parse(props map[string]string) (*settings, error) {
	v, err := configDef().Parse(props)
	if err != nil {
		return nil, err
	}
	s := &settings{
		host: v.String(keyHost), user: v.String(keyUser), password: v.Password(keyPassword).Value(),
		port: int(v.Int(keyPort)), serverID: uint32(v.Long(keyServerID)),
		snapshotMode: strings.ToLower(v.String(keySnapshotMode)),
		tombstones:   v.Bool(keyTombstones), decimalMode: strings.ToLower(v.String(keyDecimalMode)),
		timeConnect:   strings.EqualFold(v.String(keyTimePrecision), "connect"),
		bigintPrecise: strings.EqualFold(v.String(keyBigintUnsigned), "precise"),
		schemaChanges: v.Bool(keySchemaChanges), onlyCapturedDDL: v.Bool(keyHistoryCaptured) || v.Bool(keyHistoryCaptured1),
		onlyCapturedDBDDL: v.Bool(keyHistoryCapturedDBs) && v.Bool(keyHistoryCapturedDBs1), maxBatch: int(v.Int(keyMaxBatch)), maxQueue: int(v.Int(keyMaxQueue)),
		binaryMode:   strings.ToLower(v.String(keyBinaryMode)),
		pollInterval: time.Duration(v.Long(keyPollInterval)) * time.Millisecond,
		delimiter:    v.String(keyTopicDelimiter), nameAdjust: strings.ToLower(v.String(keyNameAdjustment)),
		connectTimeout: time.Duration(v.Long(keyConnectTimeoutMs)) * time.Millisecond,
		lockingMode:    strings.ToLower(v.String(keyLockingMode)),
		lockTimeoutSec: max(v.Long(keyLockTimeoutMs)/1000, 0),
		snapshotDelay:  time.Duration(v.Long(keySnapshotDelayMs)) * time.Millisecond,
		streamingDelay: time.Duration(v.Long(keyStreamingDelayMs)) * time.Millisecond,
	}
	if strings.EqualFold(v.String(keyTimePrecision), "adaptive") {
		return nil, &config.Error{Key: keyTimePrecision, Value: v.String(keyTimePrecision),
			Message: "The 'time.precision.mode' value is invalid: The 'adaptive' time.precision.mode is no longer supported"}
	}
	s.prefix = strings.TrimSpace(v.String(keyTopicPrefix))
	if s.prefix == "" {
		s.prefix = strings.TrimSpace(v.String(keyServerName))
	}
	if s.prefix == "" {
		return nil, &config.Error{Key: keyTopicPrefix, Value: "", Message: "The 'topic.prefix' value is invalid: A value is required"}
	}
	if v.Get(keyServerID) == nil {
		// 2.x requires it; 1.x configs (database.server.name) got a random
		// id in 5400..6400.
		if strings.TrimSpace(v.String(keyTopicPrefix)) != "" {
			return nil, &config.Error{Key: keyServerID, Value: "", Message: "The 'database.server.id' value is invalid: A value is required"}
		}
		s.serverID = uint32(5400 + rand.IntN(1001))
	}
	if !prefixRe.MatchString(s.prefix) {
		return nil, &config.Error{Key: keyTopicPrefix, Value: s.prefix, Message: "The 'topic.prefix' value is invalid: Topic prefix can only contain alphanumeric characters, '.', '_' and '-'"}
	}
	s.heartbeat = time.Duration(v.Int(keyHeartbeatMs)) * time.Millisecond
	s.heartbeatTopic = v.String(keyHeartbeatPrefix) + s.delimiter + s.prefix
	s.historyTopic = strings.TrimSpace(v.String(keyHistoryTopic))
	if s.historyTopic == "" {
		s.historyTopic = strings.TrimSpace(v.String(keyHistoryTopic1))
	}
	if s.historyServers = v.List(keyHistoryServers); len(s.historyServers) == 0 {
		s.historyServers = v.List(keyHistoryServers1)
	}
	if s.historyTopic != "" && len(s.historyServers) == 0 {
		return nil, &config.Error{Key: keyHistoryServers, Value: "", Message: "The 'schema.history.internal.kafka.bootstrap.servers' value is invalid: A value is required"}
	}
	if s.historyProducer, err = historyClientProps(props, "producer."); err != nil {
		return nil, err
	}
	if s.historyConsumer, err = historyClientProps(props, "consumer."); err != nil {
		return nil, err
	}
	if s.tls, err = parseTLS(v, s.host); err != nil {
		return nil, err
	}
	s.txMetadata = v.Bool(keyTxMetadata)
	s.txTopic = s.prefix + s.delimiter + v.String(keyTopicTransaction)
	s.skipped = map[string]bool{}
	for _, op := range v.List(keySkippedOps) {
		switch op = strings.ToLower(strings.TrimSpace(op)); op {
		case "none":
		case "c", "u", "d", "t":
			s.skipped[op] = true
		default:
			return nil, &config.Error{Key: keySkippedOps, Value: props[keySkippedOps], Message: fmt.Sprintf("Invalid operation %q: must be one of c, u, d, t or none", op)}
		}
	}
	if s.maxQueue <= 0 {
		return nil, &config.Error{Key: keyMaxQueue, Value: props[keyMaxQueue], Message: "A positive queue size is required"}
	}
	if s.maxQueue <= s.maxBatch {
		return nil, &config.Error{Key: keyMaxQueue, Value: strconv.Itoa(s.maxQueue), Message: "Must be larger than the maximum batch size"}
	}
	if raw, set := props[keyMsgKeyColumns]; set {
		if s.keyColumns, err = parseKeyColumns(raw); err != nil {
			return nil, err
		}
	}
	for _, u := range unsupported {
		if val, set := props[u.key]; set && !strings.EqualFold(strings.TrimSpace(val), u.ok) {
			return nil, &config.Error{Key: u.key, Value: val, Message: u.key + "=" + val + " is not supported by goconnect yet"}
		}
	}
	for _, k := range config.SortedKeys(props) {
		if unsupportedPattern.MatchString(k) {
			return nil, &config.Error{Key: k, Value: props[k], Message: k + "=" + props[k] + " is not supported by goconnect yet"}
		}
	}
	s.snapshotThreads = int(v.Int(keySnapshotThreads))
	if s.snapshotInclude, err = compileList(keySnapshotInclude, v.List(keySnapshotInclude)); err != nil {
		return nil, err
	}
	s.snapshotSelect = snapshotOverrides(props)
	if s.snapshotMode == snapSchemaOnly {
		s.snapshotMode = snapNoData // the deprecated name of the same mode
	}
	list := func(key, alias string) []string {
		if l := v.List(key); len(l) > 0 {
			return l
		}
		return v.List(alias)
	}
	s.filter, err = newFilter(list(keyDBInclude, keyDBWhitelist), list(keyDBExclude, keyDBBlacklist),
		list(keyTableInclude, keyTableWhitelist), list(keyTableExclude, keyTableBlacklist))
	if err != nil {
		return nil, err
	}
	s.signalTable = strings.TrimSpace(v.String(keySignalTable))
	s.filter.signal = strings.ToLower(s.signalTable)
	s.signalChannels = map[string]bool{}
	for _, c := range v.List(keySignalChannels) {
		switch c = strings.ToLower(strings.TrimSpace(c)); c {
		case "":
		case "source", channelKafka, channelFile:
			s.signalChannels[c] = true
		default:
			// Debezium's jmx, or a custom channel: refused rather than
			// left silently unread.
			return nil, &config.Error{Key: keySignalChannels, Value: props[keySignalChannels], Message: "signal channel " + c + " is not supported by goconnect (source, kafka and file are)"}
		}
	}
	s.incrChunk = int(v.Int(keyIncrChunkSize))
	s.insertDelete = strings.EqualFold(v.String(keyIncrWatermark), "insert_delete")
	s.readOnly = v.Bool(keyReadOnly)
	s.incrAllowSchema = v.Bool(keyIncrAllowDDL)
	if s.kafkaSignal, err = parseKafkaSignal(props, s.prefix, s.signalChannels); err != nil {
		return nil, err
	}
	s.fileSignal = fileSignalOf(props, s.signalChannels, time.Duration(v.Long(keySignalPollInterval))*time.Millisecond)
	if s.notifyLog, err = parseNotifyChannels(props); err != nil {
		return nil, err
	}
	if err := s.filter.setColumns(list(keyColumnInclude, keyColumnWhitelist), list(keyColumnExclude, keyColumnBlacklist)); err != nil {
		return nil, err
	}
	return s, nil
}

// snapshotOverrides reads the tables listed in
// snapshot.select.statement.overrides and their statements, as Debezium's
// getSnapshotSelectOverridesByTable: a listed table without a statement
// is left out (Debezium logs a warning).
func snapshotOverrides(props map[string]string) map[string]string {
	out := map[string]string{}
	for _, id := range strings.Split(props[keySnapshotOverrides], ",") {
		if id = strings.TrimSpace(id); id == "" {
			continue
		}
		if q, ok := props[keySnapshotOverrides+"."+id]; ok {
			out[id] = q
		}
	}
	return out
}

// msgKeyEntry is the form Debezium requires of each ';'-separated
// message.key.columns entry: "<table regex>:<col>[,<col>...]".
var msgKeyEntry = regexp.MustCompile(`^\s*([^\s:]+):([^:\s]+)\s*$`)

// parseKeyColumns reads message.key.columns as Debezium's CustomKeyMapper:
// each column of an entry becomes the regex "<table regex>.<column>",
// matched whole and case-insensitively against "db.table.column".
func parseKeyColumns(raw string) ([]*regexp.Regexp, error) {
	if raw == "" {
		return nil, &config.Error{Key: keyMsgKeyColumns, Value: raw, Message: "Must not be empty"}
	}
	entries := strings.Split(raw, ";")
	for len(entries) > 0 && entries[len(entries)-1] == "" {
		entries = entries[:len(entries)-1] // Java's split drops trailing empty strings
	}
	var out []*regexp.Regexp
	for _, e := range entries {
		m := msgKeyEntry.FindStringSubmatch(e)
		if m == nil {
			return nil, &config.Error{Key: keyMsgKeyColumns, Value: e, Message: e + " has an invalid format (expecting '" + msgKeyEntry.String() + "')"}
		}
		for _, c := range strings.Split(m[2], ",") {
			if c == "" {
				continue
			}
			re, err := regexp.Compile(`(?i)^(?:` + m[1] + `.` + c + `)$`)
			if err != nil {
				return nil, &config.Error{Key: keyMsgKeyColumns, Value: e, Message: "invalid regular expression: " + err.Error()}
			}
			out = append(out, re)
		}
	}
	return out, nil
}

// filter decides which tables are captured, as Debezium's
// RelationalTableFilters: regexes anchored and case-insensitive, matched
// against "db" and "db.table"; system databases are never captured.
type filter struct {
	dbInclude, dbExclude, tableInclude, tableExclude []*regexp.Regexp
	// colInclude and colExclude match "db.table.column" (Debezium's
	// ColumnNameFilter); they shape value schemas only.
	colInclude, colExclude []*regexp.Regexp
	colFiltered            bool
	// signal is the signalling table's "db.table" in lower case: captured
	// whatever the lists say, as Debezium's RelationalTableFilters adds it.
	signal string
}

func compileList(key string, l []string) ([]*regexp.Regexp, error) {
	var out []*regexp.Regexp
	for _, p := range l {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		re, err := regexp.Compile(`(?i)^(?:` + p + `)$`)
		if err != nil {
			return nil, &config.Error{Key: key, Value: p, Message: "invalid regular expression: " + err.Error()}
		}
		out = append(out, re)
	}
	return out, nil
}

func newFilter(dbInc, dbExc, tInc, tExc []string) (*filter, error) {
	if len(dbInc) > 0 && len(dbExc) > 0 {
		return nil, &config.Error{Key: keyDBExclude, Message: "\"database.include.list\" is already specified"}
	}
	if len(tInc) > 0 && len(tExc) > 0 {
		return nil, &config.Error{Key: keyTableExclude, Message: "\"table.include.list\" is already specified"}
	}
	f := &filter{}
	var err error
	if f.dbInclude, err = compileList(keyDBInclude, dbInc); err != nil {
		return nil, err
	}
	if f.dbExclude, err = compileList(keyDBExclude, dbExc); err != nil {
		return nil, err
	}
	if f.tableInclude, err = compileList(keyTableInclude, tInc); err != nil {
		return nil, err
	}
	if f.tableExclude, err = compileList(keyTableExclude, tExc); err != nil {
		return nil, err
	}
	return f, nil
}

var systemDBs = map[string]bool{"mysql": true, "sys": true, "performance_schema": true, "information_schema": true}

func anyMatch(res []*regexp.Regexp, s string) bool {
	for _, re := range res {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}

func (f *filter) includeDB(db string) bool {
	if systemDBs[strings.ToLower(db)] {
		return false
	}
	if len(f.dbInclude) > 0 {
		return anyMatch(f.dbInclude, db)
	}
	return !anyMatch(f.dbExclude, db)
}

// listsDB is Debezium's database filter: database.include.list /
// exclude.list only (system databases are not left out here).
func (f *filter) listsDB(db string) bool {
	if len(f.dbInclude) > 0 {
		return anyMatch(f.dbInclude, db)
	}
	return !anyMatch(f.dbExclude, db)
}

func (f *filter) includeTable(db, table string) bool {
	id := db + "." + table
	if f.signal != "" && strings.EqualFold(id, f.signal) {
		return true
	}
	if !f.includeDB(db) {
		return false
	}
	if len(f.tableInclude) > 0 {
		return anyMatch(f.tableInclude, id)
	}
	return !anyMatch(f.tableExclude, id)
}

// setColumns compiles column.include.list / column.exclude.list.
func (f *filter) setColumns(inc, exc []string) error {
	if len(inc) > 0 && len(exc) > 0 {
		return &config.Error{Key: keyColumnExclude, Message: "\"column.include.list\" is already specified"}
	}
	var err error
	if f.colInclude, err = compileList(keyColumnInclude, inc); err != nil {
		return err
	}
	if f.colExclude, err = compileList(keyColumnExclude, exc); err != nil {
		return err
	}
	f.colFiltered = len(f.colInclude) > 0 || len(f.colExclude) > 0
	return nil
}

// includeColumn reports whether a column is part of value schemas.
func (f *filter) includeColumn(db, table, col string) bool {
	if !f.colFiltered {
		return true
	}
	id := db + "." + table + "." + col
	if len(f.colInclude) > 0 {
		return anyMatch(f.colInclude, id)
	}
	return !anyMatch(f.colExclude, id)
}

// offsetInt reads a numeric offset value in the forms offset stores hand back.
func offsetInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case int32:
		return int64(x), true
	case int:
		return int64(x), true
	case float64:
		return int64(x), true
	case string:
		n, err := strconv.ParseInt(x, 10, 64)
		return n, err == nil
	case interface{ Int64() (int64, error) }:
		n, err := x.Int64()
		return n, err == nil
	}
	return 0, false
}

func offsetBool(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case string:
		return strings.EqualFold(x, "true")
	}
	return false
}
