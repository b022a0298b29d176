package workerconfig

import (
	"fmt"
	"github.com/goconnect/goconnect/runtime/connectorconfig"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/goconnect/goconnect/connect/config"
	"github.com/goconnect/goconnect/runtime/sessionkey"
)

// Keys of the distributed worker config (Connect's DistributedConfig).
const (
	GroupID                           = "group.id"
	ConfigStorageTopic                = "config.storage.topic"
	ConfigStorageReplicationFactor    = "config.storage.replication.factor"
	OffsetStorageTopic                = "offset.storage.topic"
	OffsetStoragePartitions           = "offset.storage.partitions"
	OffsetStorageReplicationFactor    = "offset.storage.replication.factor"
	StatusStorageTopic                = "status.storage.topic"
	StatusStoragePartitions           = "status.storage.partitions"
	StatusStorageReplicationFactor    = "status.storage.replication.factor"
	SessionTimeout                    = "session.timeout.ms"
	HeartbeatInterval                 = "heartbeat.interval.ms"
	RebalanceTimeout                  = "rebalance.timeout.ms"
	WorkerSyncTimeout                 = "worker.sync.timeout.ms"
	WorkerUnsyncBackoff               = "worker.unsync.backoff.ms"
	ScheduledRebalanceMaxDelay        = "scheduled.rebalance.max.delay.ms"
	ConnectProtocol                   = "connect.protocol"
	InterWorkerKeyGenerationAlgorithm = "inter.worker.key.generation.algorithm"
	InterWorkerKeySize                = "inter.worker.key.size"
	InterWorkerKeyTTL                 = "inter.worker.key.ttl.ms"
	InterWorkerSignatureAlgorithm     = "inter.worker.signature.algorithm"
	InterWorkerVerificationAlgorithms = "inter.worker.verification.algorithms"
	ExactlyOnceSourceSupport          = "exactly.once.source.support"
	RestAdvertisedListener            = "rest.advertised.listener"

	// Prefixes of the topic-level settings used when creating the topics.
	ConfigStoragePrefix = "config.storage."
	OffsetStoragePrefix = "offset.storage."
	StatusStoragePrefix = "status.storage."

	// Settings of the image's `cub kafka-ready` wait
	// (CONNECT_CUB_KAFKA_MIN_BROKERS, CONNECT_CUB_KAFKA_TIMEOUT in seconds).
	CubKafkaMinBrokers = "cub.kafka.min.brokers"
	CubKafkaTimeout    = "cub.kafka.timeout"
)

// Values of connect.protocol.
const (
	ProtocolEager      = "eager"
	ProtocolCompatible = "compatible"
	ProtocolSessioned  = "sessioned"
)

// Values of exactly.once.source.support.
const (
	ExactlyOnceDisabled  = "disabled"
	ExactlyOncePreparing = "preparing"
	ExactlyOnceEnabled   = "enabled"
)

// Defaults of the image's Kafka wait (the ensure script's ${…:-1} and ${…:-40}).
const (
	DefaultKafkaReadyMinBrokers = 1
	DefaultKafkaReadyTimeout    = 40 * time.Second
)

// DistributedDef adds the distributed-only keys to Def, with Connect's
// defaults and validators.
func DistributedDef() *config.Def {
	d := Def()
	d.Define(config.Key{Name: GroupID, Type: config.TypeString, Required: true, Validator: config.NonEmpty(), Importance: config.High,
		Doc: "Connect cluster id: the Kafka group the workers join."})
	d.Define(config.Key{Name: ConfigStorageTopic, Type: config.TypeString, Required: true, Validator: config.NonEmpty(), Importance: config.High,
		Doc: "Compacted single-partition topic holding connector configs."})
	d.Define(config.Key{Name: ConfigStorageReplicationFactor, Type: config.TypeShort, Default: "3", Validator: replicationFactor, Importance: config.Low,
		Doc: "Replication factor of the config topic when the worker creates it."})
	d.Define(config.Key{Name: OffsetStorageTopic, Type: config.TypeString, Required: true, Validator: config.NonEmpty(), Importance: config.High,
		Doc: "Compacted topic holding source offsets."})
	d.Define(config.Key{Name: OffsetStoragePartitions, Type: config.TypeInt, Default: "25", Validator: partitions, Importance: config.Low,
		Doc: "Partitions of the offsets topic when the worker creates it."})
	d.Define(config.Key{Name: OffsetStorageReplicationFactor, Type: config.TypeShort, Default: "3", Validator: replicationFactor, Importance: config.Low,
		Doc: "Replication factor of the offsets topic when the worker creates it."})
	d.Define(config.Key{Name: StatusStorageTopic, Type: config.TypeString, Required: true, Validator: config.NonEmpty(), Importance: config.High,
		Doc: "Compacted topic holding connector and task statuses."})
	d.Define(config.Key{Name: StatusStoragePartitions, Type: config.TypeInt, Default: "5", Validator: partitions, Importance: config.Low,
		Doc: "Partitions of the status topic when the worker creates it."})
	d.Define(config.Key{Name: StatusStorageReplicationFactor, Type: config.TypeShort, Default: "3", Validator: replicationFactor, Importance: config.Low,
		Doc: "Replication factor of the status topic when the worker creates it."})
	d.Define(config.Key{Name: SessionTimeout, Type: config.TypeInt, Default: "10000", Validator: config.AtLeast(1), Importance: config.High,
		Doc: "Time after which a silent worker is removed from the group."})
	d.Define(config.Key{Name: HeartbeatInterval, Type: config.TypeInt, Default: "3000", Validator: config.AtLeast(1), Importance: config.High,
		Doc: "Interval between heartbeats to the group coordinator."})
	d.Define(config.Key{Name: RebalanceTimeout, Type: config.TypeInt, Default: "60000", Validator: config.AtLeast(1), Importance: config.High,
		Doc: "Time a worker has to rejoin during a rebalance."})
	d.Define(config.Key{Name: WorkerSyncTimeout, Type: config.TypeInt, Default: "3000", Validator: config.AtLeast(0), Importance: config.Medium,
		Doc: "Time allowed to catch up with the config topic before leaving the group."})
	d.Define(config.Key{Name: WorkerUnsyncBackoff, Type: config.TypeInt, Default: "300000", Validator: config.AtLeast(0), Importance: config.Medium,
		Doc: "Wait before rejoining after failing to catch up with the config topic."})
	d.Define(config.Key{Name: ScheduledRebalanceMaxDelay, Type: config.TypeInt, Default: "300000", Validator: config.AtLeast(0), Importance: config.Low,
		Doc: "How long the leader waits for a departed worker to return before reassigning its work."})
	d.Define(config.Key{Name: ConnectProtocol, Type: config.TypeString, Default: ProtocolSessioned,
		Validator: config.OneOf(ProtocolEager, ProtocolCompatible, ProtocolSessioned), Importance: config.Low,
		Doc: "Group protocol: eager, compatible (incremental cooperative) or sessioned (cooperative with signed requests)."})
	d.Define(config.Key{Name: InterWorkerKeyGenerationAlgorithm, Type: config.TypeString, Default: "HmacSHA256", Validator: config.NonEmpty(), Importance: config.Low,
		Doc: "Algorithm of the session key that signs internal requests."})
	d.Define(config.Key{Name: InterWorkerKeySize, Type: config.TypeInt, Validator: config.AtLeast(1), Importance: config.Low,
		Doc: "Size in bits of the session key (unset: the algorithm's default)."})
	d.Define(config.Key{Name: InterWorkerKeyTTL, Type: config.TypeInt, Default: "3600000", Validator: config.AtLeast(0), Importance: config.Low,
		Doc: "Time before the leader rotates the session key."})
	d.Define(config.Key{Name: InterWorkerSignatureAlgorithm, Type: config.TypeString, Default: "HmacSHA256", Validator: config.NonEmpty(), Importance: config.Low,
		Doc: "Algorithm that signs internal requests."})
	d.Define(config.Key{Name: InterWorkerVerificationAlgorithms, Type: config.TypeList, Default: "HmacSHA256", Validator: nonEmptyList, Importance: config.Low,
		Doc: "Algorithms accepted when verifying internal requests."})
	d.Define(config.Key{Name: ExactlyOnceSourceSupport, Type: config.TypeString, Default: ExactlyOnceDisabled,
		Validator: caseInsensitiveOneOf(ExactlyOnceDisabled, ExactlyOncePreparing, ExactlyOnceEnabled), Importance: config.High,
		Doc: "Exactly-once delivery for source connectors (KIP-618): disabled, preparing or enabled."})
	return d
}

// Connect's replication factor and partition validators: positive, or -1
// for the broker's default.
var (
	replicationFactor = config.Func("Positive number not larger than the number of brokers in the Kafka cluster, or -1 to use the broker's default",
		func(_ string, v any) error {
			if n, _ := v.(int16); n != -1 && n < 1 {
				return fmt.Errorf("Replication factor must be positive and not larger than the number of brokers in the Kafka cluster, or -1 to use the broker's default")
			}
			return nil
		})
	partitions = config.Func("Positive number, or -1 to use the broker's default",
		func(_ string, v any) error {
			if n, _ := v.(int32); n != -1 && n < 1 {
				return fmt.Errorf("Number of partitions must be positive, or -1 to use the broker's default")
			}
			return nil
		})
	nonEmptyList = config.Func("non-empty list", func(_ string, v any) error {
		if l, _ := v.([]string); len(l) == 0 {
			return fmt.Errorf("At least one value must be given")
		}
		return nil
	})
)

// caseInsensitiveOneOf is ConfigDef.CaseInsensitiveValidString, which
// Connect uses for exactly.once.source.support.
func caseInsensitiveOneOf(values ...string) config.Validator {
	return config.Func("["+strings.Join(values, ", ")+"]", func(_ string, v any) error {
		s, _ := v.(string)
		for _, ok := range values {
			if strings.EqualFold(s, ok) {
				return nil
			}
		}
		return fmt.Errorf("String must be one of (case insensitive): %s", strings.Join(values, ", "))
	})
}

// Distributed is the parsed distributed worker config.
type Distributed struct {
	*Worker
	GroupID                                                 string
	ConfigTopic, OffsetTopic, StatusTopic                   string
	ConfigReplication, OffsetReplication, StatusReplication int16 // -1 = broker default
	OffsetPartitions, StatusPartitions                      int32 // -1 = broker default
	// Topic-level configs for creating each topic, from config.storage.<x>
	// etc., without the worker's own settings; cleanup.policy is compact.
	ConfigTopicConfigs, OffsetTopicConfigs, StatusTopicConfigs map[string]string
	SessionTimeout, HeartbeatInterval, RebalanceTimeout        time.Duration
	ScheduledRebalanceMaxDelay                                 time.Duration
	WorkerSyncTimeout, WorkerUnsyncBackoff                     time.Duration
	// ConnectProtocol is eager, compatible or sessioned.
	ConnectProtocol string
	// ExactlyOnceSource is "disabled", "preparing" or "enabled" (lower-cased).
	ExactlyOnceSource string
	// Session key settings of the sessioned protocol.
	InterWorkerKeyGenerationAlgorithm string
	InterWorkerKeySize                int32 // 0 = the algorithm's default
	InterWorkerKeyTTL                 time.Duration
	InterWorkerSignatureAlgorithm     string
	InterWorkerVerificationAlgorithms []string
	// AdvertisedURL is the "http://host:port" other workers use to forward
	// requests to this one.
	AdvertisedURL string
	// KafkaReadyMinBrokers and KafkaReadyTimeout are the image's wait for
	// Kafka (cub.kafka.min.brokers, cub.kafka.timeout).
	KafkaReadyMinBrokers int
	KafkaReadyTimeout    time.Duration
	// Warnings are settings accepted but overridden, as Connect logs them.
	Warnings []string

	advertisedScheme string
}

// SourcePreflight is the distributed herder's exactly-once checks of
// source connector configs.
func (d *Distributed) SourcePreflight() connectorconfig.SourcePreflight {
	return connectorconfig.SourcePreflight{Distributed: true, ExactlyOnce: d.ExactlyOnceSource == ExactlyOnceEnabled}
}

// AdoptListenPort updates the worker id and the advertised URL with the
// port the REST listener really got.
func (d *Distributed) AdoptListenPort(port int) {
	d.Worker.AdoptListenPort(port)
	d.AdvertisedURL = advertisedURL(d.advertisedScheme, d.WorkerID)
}

// ParseDistributed validates distributed worker props.
func ParseDistributed(props map[string]string) (*Distributed, error) {
	w, v, err := parseValues(props, DistributedDef())
	if err != nil {
		return nil, err
	}
	d := &Distributed{
		Worker:                            w,
		GroupID:                           v.String(GroupID),
		ConfigTopic:                       v.String(ConfigStorageTopic),
		OffsetTopic:                       v.String(OffsetStorageTopic),
		StatusTopic:                       v.String(StatusStorageTopic),
		ConfigReplication:                 short(v, ConfigStorageReplicationFactor),
		OffsetReplication:                 short(v, OffsetStorageReplicationFactor),
		StatusReplication:                 short(v, StatusStorageReplicationFactor),
		OffsetPartitions:                  v.Int(OffsetStoragePartitions),
		StatusPartitions:                  v.Int(StatusStoragePartitions),
		SessionTimeout:                    millis(v, SessionTimeout),
		HeartbeatInterval:                 millis(v, HeartbeatInterval),
		RebalanceTimeout:                  millis(v, RebalanceTimeout),
		ScheduledRebalanceMaxDelay:        millis(v, ScheduledRebalanceMaxDelay),
		WorkerSyncTimeout:                 millis(v, WorkerSyncTimeout),
		WorkerUnsyncBackoff:               millis(v, WorkerUnsyncBackoff),
		ConnectProtocol:                   v.String(ConnectProtocol),
		ExactlyOnceSource:                 strings.ToLower(v.String(ExactlyOnceSourceSupport)),
		InterWorkerKeyGenerationAlgorithm: v.String(InterWorkerKeyGenerationAlgorithm),
		InterWorkerKeySize:                v.Int(InterWorkerKeySize),
		InterWorkerKeyTTL:                 millis(v, InterWorkerKeyTTL),
		InterWorkerSignatureAlgorithm:     v.String(InterWorkerSignatureAlgorithm),
		InterWorkerVerificationAlgorithms: v.List(InterWorkerVerificationAlgorithms),
	}
	if err := d.checkTopicsDistinct(); err != nil {
		return nil, fmt.Errorf("invalid worker config: %w", err)
	}
	if err := d.checkInterWorker(); err != nil {
		return nil, fmt.Errorf("invalid worker config: %w", err)
	}
	if !slices.Contains(d.InterWorkerVerificationAlgorithms, d.InterWorkerSignatureAlgorithm) {
		// Connect refuses this too: a worker could not verify its own requests.
		return nil, fmt.Errorf("invalid worker config: %w", &config.Error{Key: InterWorkerSignatureAlgorithm, Value: d.InterWorkerSignatureAlgorithm,
			Message: "Signature algorithm must be present in the list of verification algorithms (" + InterWorkerVerificationAlgorithms + ")"})
	}
	d.ConfigTopicConfigs = d.topicConfigs(props, ConfigStoragePrefix)
	d.OffsetTopicConfigs = d.topicConfigs(props, OffsetStoragePrefix)
	d.StatusTopicConfigs = d.topicConfigs(props, StatusStoragePrefix)
	d.KafkaReadyMinBrokers, d.KafkaReadyTimeout, err = KafkaReadySettings(props)
	if err != nil {
		return nil, err
	}
	d.advertisedScheme = d.Rest.AdvertisedScheme
	d.AdvertisedURL = advertisedURL(d.advertisedScheme, d.WorkerID)
	return d, nil
}

// checkInterWorker refuses session key settings goconnect cannot honour
// (Connect checks them against the JVM's providers at start too).
func (d *Distributed) checkInterWorker() error {
	if _, err := sessionkey.Generate(d.InterWorkerKeyGenerationAlgorithm, int(d.InterWorkerKeySize), time.Time{}); err != nil {
		key := InterWorkerKeyGenerationAlgorithm
		if sessionkey.Supported(d.InterWorkerKeyGenerationAlgorithm) {
			key = InterWorkerKeySize
		}
		return &config.Error{Key: key, Value: d.Props[key], Message: err.Error()}
	}
	if !sessionkey.Supported(d.InterWorkerSignatureAlgorithm) {
		return &config.Error{Key: InterWorkerSignatureAlgorithm, Value: d.InterWorkerSignatureAlgorithm, Message: "unknown signature algorithm (goconnect has HmacSHA1, HmacSHA224, HmacSHA256, HmacSHA384, HmacSHA512)"}
	}
	for _, a := range d.InterWorkerVerificationAlgorithms {
		if !sessionkey.Supported(a) {
			return &config.Error{Key: InterWorkerVerificationAlgorithms, Value: a, Message: "unknown verification algorithm (goconnect has HmacSHA1, HmacSHA224, HmacSHA256, HmacSHA384, HmacSHA512)"}
		}
	}
	return nil
}

// checkTopicsDistinct refuses one topic for two stores: their records
// would be read as each other's. (A goconnect check; Connect fails later.)
func (d *Distributed) checkTopicsDistinct() error {
	named := [][2]string{{ConfigStorageTopic, d.ConfigTopic}, {OffsetStorageTopic, d.OffsetTopic}, {StatusStorageTopic, d.StatusTopic}}
	for i := range named {
		for j := i + 1; j < len(named); j++ {
			if named[i][1] == named[j][1] {
				return &config.Error{Key: named[j][0], Value: named[j][1], Message: "must differ from " + named[i][0]}
			}
		}
	}
	return nil
}

// topicConfigs returns the prefixed topic-level settings as Connect's
// DistributedConfig.topicSettings does: the worker's own keys removed,
// compaction forced.
func (d *Distributed) topicConfigs(props map[string]string, prefix string) map[string]string {
	out := config.WithPrefix(props, prefix)
	delete(out, "topic")
	delete(out, "replication.factor")
	if prefix == ConfigStoragePrefix {
		if p, ok := out["partitions"]; ok && strings.TrimSpace(p) != "1" {
			d.Warnings = append(d.Warnings, fmt.Sprintf("Ignoring '%spartitions=%s' setting, since config topic partitions is always 1", prefix, p))
		}
	}
	delete(out, "partitions")
	if prefix == OffsetStoragePrefix {
		// The standalone offsets file shares the prefix; it is no topic setting.
		delete(out, "file.filename")
	}
	if p, ok := out["cleanup.policy"]; ok && strings.TrimSpace(p) != "compact" {
		d.Warnings = append(d.Warnings, fmt.Sprintf("Ignoring '%scleanup.policy=%s' setting, since compaction is always used", prefix, p))
	}
	out["cleanup.policy"] = "compact"
	return out
}

// KafkaReadySettings reads the image's Kafka wait settings from props
// (CONNECT_CUB_KAFKA_MIN_BROKERS, CONNECT_CUB_KAFKA_TIMEOUT in seconds),
// with the image's defaults 1 and 40 s.
func KafkaReadySettings(props map[string]string) (minBrokers int, timeout time.Duration, err error) {
	minBrokers, timeout = DefaultKafkaReadyMinBrokers, DefaultKafkaReadyTimeout
	if s := strings.TrimSpace(props[CubKafkaMinBrokers]); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return 0, 0, fmt.Errorf("invalid worker config: %w", &config.Error{Key: CubKafkaMinBrokers, Value: s, Message: "must be a positive whole number of brokers"})
		}
		minBrokers = n
	}
	if s := strings.TrimSpace(props[CubKafkaTimeout]); s != "" {
		secs, err := strconv.ParseFloat(s, 64)
		if err != nil || secs < 0 || secs > 1e9 {
			return 0, 0, fmt.Errorf("invalid worker config: %w", &config.Error{Key: CubKafkaTimeout, Value: s, Message: "must be a number of seconds"})
		}
		timeout = time.Duration(secs * float64(time.Second))
	}
	return minBrokers, timeout, nil
}

func advertisedURL(scheme, workerID string) string {
	host, port := workerID, ""
	if i := strings.LastIndex(workerID, ":"); i >= 0 {
		host, port = workerID[:i], workerID[i+1:]
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

// short and millis read keys that may be unset (nil) without panicking.
func short(v *config.Values, key string) int16 {
	n, _ := v.Get(key).(int16)
	return n
}

func millis(v *config.Values, key string) time.Duration {
	return time.Duration(v.Int(key)) * time.Millisecond
}
