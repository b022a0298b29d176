package workerconfig

import (
	"errors"
	"maps"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/goconnect/goconnect/connect/config"
)

// TestEnvToKeyContainerRule checks the image's env_to_props rule; the
// expected values were produced by the image's Python rule.
func TestEnvToKeyContainerRule(t *testing.T) {
	cases := []struct{ in, want string }{
		// The spec's examples.
		{"CONNECT_BOOTSTRAP_SERVERS", "bootstrap.servers"},
		{"CONNECT_VALUE_CONVERTER_SCHEMA_REGISTRY_URL", "value.converter.schema.registry.url"},
		{"CONNECT_CONFIG_STORAGE_REPLICATION_FACTOR", "config.storage.replication.factor"},
		{"CONNECT_PRODUCER_CLIENT__ID", "producer.client_id"},
		{"CONNECT_FOO___BAR", "foo-bar"},
		// Digits are non-underscore characters.
		{"CONNECT_LOG4J_ROOT_LOGLEVEL", "log4j.root.loglevel"},
		{"CONNECT_X_1_2", "x.1.2"},
		{"CONNECT_A__B_C___D", "a_b.c-d"},
		// A lone underscore at either end is not between two characters.
		{"CONNECT__FOO", "_foo"},
		{"CONNECT_FOO_", "foo_"},
		{"CONNECT___A", "_a"},
		// Longer runs: "___" first, then "__".
		{"CONNECT_A____B", "a-_b"},
		{"CONNECT_A_____B", "a-_b"},
		{"CONNECT_A______B", "a--b"},
		{"CONNECT_", ""},
	}
	for _, c := range cases {
		if got := EnvToKey(c.in); got != c.want {
			t.Errorf("EnvToKey(%s) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestFromEnvSkipsOthers(t *testing.T) {
	got := FromEnv([]string{
		"CONNECT_GROUP_ID=g", "CONNECT_METRIC_REPORTERS=com.example.Reporter", "CONNECTOR_X=1",
		"PATH=/bin", "CONNECT_NO_EQUALS", "CONNECT_EMPTY=", "CONNECT_URL=http://a:1/?x=y",
	})
	want := map[string]string{"group.id": "g", "empty": "", "url": "http://a:1/?x=y"}
	if !maps.Equal(got, want) {
		t.Fatalf("FromEnv = %v, want %v", got, want)
	}
}

func distributedBase() map[string]string {
	return map[string]string{
		KeyConverter: "org.apache.kafka.connect.storage.StringConverter", ValueConverter: "org.apache.kafka.connect.json.JsonConverter",
		GroupID: "connect-cluster", ConfigStorageTopic: "c", OffsetStorageTopic: "o", StatusStorageTopic: "s",
		RestAdvertisedHostName: "w1",
	}
}

func TestParseDistributedDefaults(t *testing.T) {
	d, err := ParseDistributed(distributedBase())
	if err != nil {
		t.Fatal(err)
	}
	compact := map[string]string{"cleanup.policy": "compact"}
	checks := []struct {
		name      string
		got, want any
	}{
		{"GroupID", d.GroupID, "connect-cluster"},
		{"topics", [3]string{d.ConfigTopic, d.OffsetTopic, d.StatusTopic}, [3]string{"c", "o", "s"}},
		{"replication", [3]int16{d.ConfigReplication, d.OffsetReplication, d.StatusReplication}, [3]int16{3, 3, 3}},
		{"partitions", [2]int32{d.OffsetPartitions, d.StatusPartitions}, [2]int32{25, 5}},
		{"SessionTimeout", d.SessionTimeout, 10 * time.Second},
		{"HeartbeatInterval", d.HeartbeatInterval, 3 * time.Second},
		{"RebalanceTimeout", d.RebalanceTimeout, time.Minute},
		{"ScheduledRebalanceMaxDelay", d.ScheduledRebalanceMaxDelay, 5 * time.Minute},
		{"WorkerSyncTimeout", d.WorkerSyncTimeout, 3 * time.Second},
		{"WorkerUnsyncBackoff", d.WorkerUnsyncBackoff, 5 * time.Minute},
		{"ConnectProtocol", d.ConnectProtocol, ProtocolSessioned},
		{"ExactlyOnceSource", d.ExactlyOnceSource, ExactlyOnceDisabled},
		{"InterWorkerKeyTTL", d.InterWorkerKeyTTL, time.Hour},
		{"InterWorkerKeySize", d.InterWorkerKeySize, int32(0)},
		{"InterWorkerSignatureAlgorithm", d.InterWorkerSignatureAlgorithm, "HmacSHA256"},
		{"InterWorkerVerificationAlgorithms", d.InterWorkerVerificationAlgorithms, []string{"HmacSHA256"}},
		{"ConfigTopicConfigs", d.ConfigTopicConfigs, compact},
		{"OffsetTopicConfigs", d.OffsetTopicConfigs, compact},
		{"StatusTopicConfigs", d.StatusTopicConfigs, compact},
		{"WorkerID", d.WorkerID, "w1:8083"},
		{"AdvertisedURL", d.AdvertisedURL, "http://w1:8083"},
		{"RestAddr", d.RestAddr, ":8083"},
		{"KafkaReadyMinBrokers", d.KafkaReadyMinBrokers, 1},
		{"KafkaReadyTimeout", d.KafkaReadyTimeout, 40 * time.Second},
		{"Warnings", len(d.Warnings), 0},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestParseDistributedSettings(t *testing.T) {
	props := distributedBase()
	maps.Copy(props, map[string]string{
		ConfigStorageReplicationFactor: "-1", OffsetStoragePartitions: "-1", StatusStoragePartitions: "2",
		OffsetStorageReplicationFactor: "1", StatusStorageReplicationFactor: "2",
		SessionTimeout: "6000", ScheduledRebalanceMaxDelay: "0", ConnectProtocol: "compatible",
		ExactlyOnceSourceSupport: "ENABLED", InterWorkerKeySize: "256",
		InterWorkerSignatureAlgorithm: "HmacSHA512", InterWorkerVerificationAlgorithms: "HmacSHA256, HmacSHA512",
		"config.storage.min.insync.replicas": "2", "config.storage.partitions": "4", "config.storage.topic.x": "kept",
		"offset.storage.cleanup.policy": "delete", "offset.storage.segment.ms": "60000", "offset.storage.file.filename": "/tmp/o",
		"status.storage.cleanup.policy": "compact",
		CubKafkaMinBrokers:              "3", CubKafkaTimeout: "300",
	})
	d, err := ParseDistributed(props)
	if err != nil {
		t.Fatal(err)
	}
	if d.ConfigReplication != -1 || d.OffsetReplication != 1 || d.StatusReplication != 2 || d.OffsetPartitions != -1 || d.StatusPartitions != 2 {
		t.Errorf("topic sizes: %+v", d)
	}
	if d.SessionTimeout != 6*time.Second || d.ScheduledRebalanceMaxDelay != 0 || d.ConnectProtocol != ProtocolCompatible ||
		d.ExactlyOnceSource != ExactlyOnceEnabled || d.InterWorkerKeySize != 256 {
		t.Errorf("group settings: %+v", d)
	}
	if !reflect.DeepEqual(d.InterWorkerVerificationAlgorithms, []string{"HmacSHA256", "HmacSHA512"}) {
		t.Errorf("verification algorithms %v", d.InterWorkerVerificationAlgorithms)
	}
	wantConfig := map[string]string{"min.insync.replicas": "2", "topic.x": "kept", "cleanup.policy": "compact"}
	if !maps.Equal(d.ConfigTopicConfigs, wantConfig) {
		t.Errorf("config topic configs %v, want %v", d.ConfigTopicConfigs, wantConfig)
	}
	wantOffset := map[string]string{"segment.ms": "60000", "cleanup.policy": "compact"}
	if !maps.Equal(d.OffsetTopicConfigs, wantOffset) {
		t.Errorf("offset topic configs %v, want %v", d.OffsetTopicConfigs, wantOffset)
	}
	if len(d.Warnings) != 2 || !strings.Contains(d.Warnings[0], "config.storage.partitions=4") || !strings.Contains(d.Warnings[1], "offset.storage.cleanup.policy=delete") {
		t.Errorf("warnings %q", d.Warnings)
	}
	if d.KafkaReadyMinBrokers != 3 || d.KafkaReadyTimeout != 5*time.Minute {
		t.Errorf("kafka wait %d %v", d.KafkaReadyMinBrokers, d.KafkaReadyTimeout)
	}
}

func TestParseDistributedErrorsNameTheKey(t *testing.T) {
	cases := []struct {
		key, value string
		remove     bool // the key is removed instead of set
	}{
		{key: GroupID, remove: true},
		{key: ConfigStorageTopic, remove: true},
		{key: OffsetStorageTopic, remove: true},
		{key: StatusStorageTopic, remove: true},
		{key: GroupID, value: " "},
		{key: ConfigStorageReplicationFactor, value: "0"},
		{key: OffsetStorageReplicationFactor, value: "-2"},
		{key: StatusStorageReplicationFactor, value: "40000"},
		{key: OffsetStoragePartitions, value: "0"},
		{key: StatusStoragePartitions, value: "many"},
		{key: SessionTimeout, value: "soon"},
		{key: HeartbeatInterval, value: "0"},
		{key: ScheduledRebalanceMaxDelay, value: "-1"},
		{key: ConnectProtocol, value: "cooperative"},
		{key: ExactlyOnceSourceSupport, value: "sometimes"},
		{key: RestAdvertisedListener, value: "ftp"},
		{key: InterWorkerVerificationAlgorithms, value: ""},
		{key: InterWorkerSignatureAlgorithm, value: "HmacSHA512"}, // not among the verification algorithms
		{key: OffsetStorageTopic, value: "c"},                     // same as the config topic
		{key: StatusStorageTopic, value: "o"},                     // same as the offsets topic
		{key: CubKafkaTimeout, value: "forty"},
		{key: CubKafkaMinBrokers, value: "0"},
	}
	for _, c := range cases {
		props := distributedBase()
		if c.remove {
			delete(props, c.key)
		} else {
			props[c.key] = c.value
		}
		_, err := ParseDistributed(props)
		var ce *config.Error
		if !errors.As(err, &ce) || ce.Key != c.key {
			t.Errorf("%s=%q (removed %v): error %v does not name the key", c.key, c.value, c.remove, err)
		}
	}
}

func TestAdvertisedURL(t *testing.T) {
	cases := []struct {
		props     map[string]string
		noAdvHost bool
		want      string
	}{
		{props: map[string]string{Listeners: "https://0.0.0.0:8443"}, want: "https://w1:8443"},
		{props: map[string]string{Listeners: "https://0.0.0.0:8443", RestAdvertisedListener: "HTTP", RestAdvertisedPort: "9000"}, want: "http://w1:9000"},
		{props: map[string]string{Listeners: "http://[::1]:8083"}, noAdvHost: true, want: "http://[::1]:8083"},
		{props: map[string]string{RestPort: "18083"}, want: "http://w1:18083"},
	}
	for _, c := range cases {
		props := distributedBase()
		maps.Copy(props, c.props)
		if c.noAdvHost {
			delete(props, RestAdvertisedHostName)
		}
		d, err := ParseDistributed(props)
		if err != nil {
			t.Fatalf("%v: %v", c.props, err)
		}
		if d.AdvertisedURL != c.want {
			t.Errorf("%v: AdvertisedURL %s, want %s", c.props, d.AdvertisedURL, c.want)
		}
	}
	props := distributedBase()
	props[Listeners] = "http://127.0.0.1:0"
	d, err := ParseDistributed(props)
	if err != nil {
		t.Fatal(err)
	}
	d.AdoptListenPort(41234)
	if d.WorkerID != "w1:41234" || d.AdvertisedURL != "http://w1:41234" {
		t.Errorf("after AdoptListenPort: %s %s", d.WorkerID, d.AdvertisedURL)
	}
}

func containerEnv() []string {
	return []string{
		"CONNECT_BOOTSTRAP_SERVERS=kafka:29092", "CONNECT_GROUP_ID=g",
		"CONNECT_CONFIG_STORAGE_TOPIC=c", "CONNECT_OFFSET_STORAGE_TOPIC=o", "CONNECT_STATUS_STORAGE_TOPIC=s",
		"CONNECT_KEY_CONVERTER=org.apache.kafka.connect.storage.StringConverter",
		"CONNECT_VALUE_CONVERTER=org.apache.kafka.connect.json.JsonConverter",
		"CONNECT_REST_ADVERTISED_HOST_NAME=w1",
	}
}

func without(env []string, name string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}

func TestCheckContainerEnv(t *testing.T) {
	if err := CheckContainerEnv(containerEnv()); err != nil {
		t.Fatalf("complete environment: %v", err)
	}
	for _, name := range containerRequired {
		for _, env := range [][]string{without(containerEnv(), name), append(without(containerEnv(), name), name+"=")} {
			err := CheckContainerEnv(env)
			var me *MissingEnvError
			if !errors.As(err, &me) || me.Name != name || err.Error() != name+" is required" {
				t.Errorf("without %s: %v", name, err)
			}
		}
	}
	// The first missing one in the image's order is named.
	env := without(without(containerEnv(), "CONNECT_VALUE_CONVERTER"), "CONNECT_GROUP_ID")
	if err := CheckContainerEnv(env); err == nil || err.Error() != "CONNECT_GROUP_ID is required" {
		t.Errorf("two missing: %v", err)
	}
	// Mesos: HOST stands in for the advertised host name.
	if err := CheckContainerEnv(append(without(containerEnv(), "CONNECT_REST_ADVERTISED_HOST_NAME"), "HOST=10.0.0.5")); err != nil {
		t.Errorf("HOST set: %v", err)
	}
	for _, conv := range []string{"CONNECT_KEY_CONVERTER", "CONNECT_VALUE_CONVERTER"} {
		for _, class := range []string{"io.confluent.connect.avro.AvroConverter", "AvroConverter"} {
			env := append(without(containerEnv(), conv), conv+"="+class)
			err := CheckContainerEnv(env)
			var me *MissingEnvError
			if !errors.As(err, &me) || me.Name != conv+"_SCHEMA_REGISTRY_URL" || !strings.HasPrefix(err.Error(), conv+"_SCHEMA_REGISTRY_URL is required") {
				t.Errorf("%s=%s without registry: %v", conv, class, err)
			}
			if err := CheckContainerEnv(append(env, conv+"_SCHEMA_REGISTRY_URL=http://sr:8081")); err != nil {
				t.Errorf("%s=%s with registry: %v", conv, class, err)
			}
		}
	}
}

func TestContainerDefaults(t *testing.T) {
	props := map[string]string{}
	ContainerDefaults(props, nil)
	if !maps.Equal(props, map[string]string{RestPort: "8083"}) {
		t.Errorf("empty: %v", props)
	}
	props = map[string]string{Listeners: "http://:9000"}
	ContainerDefaults(props, []string{"HOST=10.0.0.5", "PORT0=31000"})
	want := map[string]string{Listeners: "http://:9000", RestAdvertisedHostName: "10.0.0.5", RestAdvertisedPort: "31000"}
	if !maps.Equal(props, want) {
		t.Errorf("listeners + Mesos: %v, want %v", props, want)
	}
	props = map[string]string{RestPort: "18083", RestAdvertisedHostName: "w1", RestAdvertisedPort: "8083"}
	ContainerDefaults(props, []string{"HOST=10.0.0.5", "PORT0=31000"})
	want = map[string]string{RestPort: "18083", RestAdvertisedHostName: "w1", RestAdvertisedPort: "8083"}
	if !maps.Equal(props, want) {
		t.Errorf("set values must win: %v, want %v", props, want)
	}
}

func TestIgnoredKeys(t *testing.T) {
	props := map[string]string{
		"log4j.root.loglevel": "INFO", "log4j.loggers": "org.reflections=ERROR", "plugin.path": "/usr/share/java",
		"cub.kafka.timeout": "300", "cub.kafka.min.brokers": "1", "cub.other": "x",
		"internal.key.converter": "org.apache.kafka.connect.json.JsonConverter", "internal.key.converter.schemas.enable": "false",
		"zookeeper.connect": "zk:2181", "metric.reporters": "x",
		"producer.interceptor.classes": "io.confluent.monitoring.clients.interceptor.MonitoringProducerInterceptor",
		"bootstrap.servers":            "kafka:9092", "rest.port": "8083", "value.converter.schema.registry.url": "http://sr:8081",
		"producer.client.id": "p", "log4jx": "not a log4j key",
	}
	want := []string{
		"cub.other", "internal.key.converter", "internal.key.converter.schemas.enable",
		"metric.reporters", "producer.interceptor.classes", "zookeeper.connect",
	}
	if got := IgnoredKeys(props); !reflect.DeepEqual(got, want) {
		t.Errorf("IgnoredKeys = %v\nwant %v", got, want)
	}
	if got := IgnoredEnv([]string{"KAFKA_JMX_PORT=9999", "KAFKA_HEAP_OPTS=-Xmx1g", "KAFKA_JMX_HOSTNAME=", "PATH=/bin"}); !reflect.DeepEqual(got, []string{"KAFKA_HEAP_OPTS", "KAFKA_JMX_PORT"}) {
		t.Errorf("IgnoredEnv = %v", got)
	}
}

// TestReferencePipelineEnvironment feeds the reference pipeline's worker
// environment through the container path, as `goconnect distributed`
// with no file does.
func TestReferencePipelineEnvironment(t *testing.T) {
	environ := []string{
		"CONNECT_BOOTSTRAP_SERVERS=kafka:29092",
		"CONNECT_REST_ADVERTISED_HOST_NAME=kafka-connect-01",
		"CONNECT_REST_PORT=8083",
		"CONNECT_GROUP_ID=kafka-connect-01",
		"CONNECT_CONFIG_STORAGE_TOPIC=_kafka-connect-01-configs",
		"CONNECT_OFFSET_STORAGE_TOPIC=_kafka-connect-01-offsets",
		"CONNECT_STATUS_STORAGE_TOPIC=_kafka-connect-01-status",
		"CONNECT_KEY_CONVERTER=io.confluent.connect.avro.AvroConverter",
		"CONNECT_KEY_CONVERTER_SCHEMA_REGISTRY_URL=http://schema-registry:8081",
		"CONNECT_VALUE_CONVERTER=io.confluent.connect.avro.AvroConverter",
		"CONNECT_VALUE_CONVERTER_SCHEMA_REGISTRY_URL=http://schema-registry:8081",
		"CONNECT_LOG4J_ROOT_LOGLEVEL=INFO",
		"CONNECT_LOG4J_LOGGERS=org.apache.kafka.connect.runtime.rest=WARN,org.reflections=ERROR",
		"CONNECT_LOG4J_APPENDER_STDOUT_LAYOUT_CONVERSIONPATTERN=[%d] %p %X{connector.context}%m (%c:%L)%n",
		"CONNECT_CONFIG_STORAGE_REPLICATION_FACTOR=1",
		"CONNECT_OFFSET_STORAGE_REPLICATION_FACTOR=1",
		"CONNECT_STATUS_STORAGE_REPLICATION_FACTOR=1",
		"CONNECT_PLUGIN_PATH=/usr/share/java,/usr/share/confluent-hub-components/,/data/connect-jars",
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	}
	if err := CheckContainerEnv(environ); err != nil {
		t.Fatal(err)
	}
	props := FromEnv(environ)
	ContainerDefaults(props, environ)
	d, err := ParseDistributed(props)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"BootstrapServers", d.BootstrapServers, []string{"kafka:29092"}},
		{"BootstrapExplicit", d.BootstrapExplicit, true},
		{"GroupID", d.GroupID, "kafka-connect-01"},
		{"ConfigTopic", d.ConfigTopic, "_kafka-connect-01-configs"},
		{"OffsetTopic", d.OffsetTopic, "_kafka-connect-01-offsets"},
		{"StatusTopic", d.StatusTopic, "_kafka-connect-01-status"},
		{"replication", [3]int16{d.ConfigReplication, d.OffsetReplication, d.StatusReplication}, [3]int16{1, 1, 1}},
		{"partitions", [2]int32{d.OffsetPartitions, d.StatusPartitions}, [2]int32{25, 5}},
		{"key.converter", props[KeyConverter], "io.confluent.connect.avro.AvroConverter"},
		{"value.converter.schema.registry.url", props["value.converter.schema.registry.url"], "http://schema-registry:8081"},
		{"key.converter.schema.registry.url", props["key.converter.schema.registry.url"], "http://schema-registry:8081"},
		{"RestAddr", d.RestAddr, ":8083"},
		{"WorkerID", d.WorkerID, "kafka-connect-01:8083"},
		{"AdvertisedURL", d.AdvertisedURL, "http://kafka-connect-01:8083"},
		{"ConfigTopicConfigs", d.ConfigTopicConfigs, map[string]string{"cleanup.policy": "compact"}},
		{"ExactlyOnceSource", d.ExactlyOnceSource, ExactlyOnceDisabled},
		{"KafkaReadyTimeout", d.KafkaReadyTimeout, 40 * time.Second},
		{"IgnoredKeys", IgnoredKeys(props), []string{"log4j.appender.stdout.layout.conversionpattern"}},
		{"PluginPath", d.PluginPath, []string{"/usr/share/java", "/usr/share/confluent-hub-components/", "/data/connect-jars"}},
		{"TopicCreation", d.TopicCreation, true},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

// Only exactly.once.source.support=enabled turns the preflight's
// exactly-once requirement on; every distributed worker runs the preflight.
func TestSourcePreflight(t *testing.T) {
	for mode, want := range map[string]bool{"": false, "disabled": false, "preparing": false, "enabled": true, "ENABLED": true} {
		props := distributedBase()
		if mode != "" {
			props[ExactlyOnceSourceSupport] = mode
		}
		d, err := ParseDistributed(props)
		if err != nil {
			t.Fatal(err)
		}
		if p := d.SourcePreflight(); !p.Distributed || p.ExactlyOnce != want {
			t.Errorf("exactly.once.source.support=%q: %+v", mode, p)
		}
	}
}
