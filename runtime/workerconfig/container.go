package workerconfig

import (
	"slices"
	"strings"
)

// containerRequired are the variables the image's configure script
// ensures, in its order, so the first missing one is the one it names.
var containerRequired = []string{
	"CONNECT_BOOTSTRAP_SERVERS",
	"CONNECT_GROUP_ID",
	"CONNECT_CONFIG_STORAGE_TOPIC",
	"CONNECT_OFFSET_STORAGE_TOPIC",
	"CONNECT_STATUS_STORAGE_TOPIC",
	"CONNECT_KEY_CONVERTER",
	"CONNECT_VALUE_CONVERTER",
	"CONNECT_REST_ADVERTISED_HOST_NAME",
}

// avroConverterNames are the names Connect resolves to Confluent's
// AvroConverter. The image compares with the class name only; the aliases
// are caught too because the converter fails without a registry anyway.
var avroConverterNames = []string{"io.confluent.connect.avro.AvroConverter", "AvroConverter", "Avro"}

// MissingEnvError is a required container variable that is unset or empty.
type MissingEnvError struct {
	Name string
	// Reason says why the variable is needed when that is conditional.
	Reason string
}

func (e *MissingEnvError) Error() string {
	if e.Reason != "" {
		return e.Name + " is required (" + e.Reason + ")"
	}
	return e.Name + " is required"
}

// CheckContainerEnv applies cp-kafka-connect's required-variable rule to
// an environment in os.Environ() form. The Mesos variable HOST stands in
// for CONNECT_REST_ADVERTISED_HOST_NAME, since the image applies its Mesos
// overrides before the check.
func CheckContainerEnv(environ []string) error {
	env := envMap(environ)
	for _, name := range containerRequired {
		if env[name] != "" {
			continue
		}
		if name == "CONNECT_REST_ADVERTISED_HOST_NAME" && env["HOST"] != "" {
			continue
		}
		return &MissingEnvError{Name: name}
	}
	for _, conv := range []string{"CONNECT_KEY_CONVERTER", "CONNECT_VALUE_CONVERTER"} {
		url := conv + "_SCHEMA_REGISTRY_URL"
		if slices.Contains(avroConverterNames, strings.TrimSpace(env[conv])) && env[url] == "" {
			return &MissingEnvError{Name: url, Reason: conv + " is the AvroConverter"}
		}
	}
	return nil
}

// ContainerDefaults fills in what the image sets when it is unset:
// rest.port 8083 (only used when listeners is unset), and the Mesos
// variables HOST and PORT0 as the advertised host name and port.
func ContainerDefaults(props map[string]string, environ []string) {
	env := envMap(environ)
	if strings.TrimSpace(props[Listeners]) == "" && strings.TrimSpace(props[RestPort]) == "" {
		props[RestPort] = "8083"
	}
	if h := env["HOST"]; h != "" && strings.TrimSpace(props[RestAdvertisedHostName]) == "" {
		props[RestAdvertisedHostName] = h
	}
	if p := env["PORT0"]; p != "" && strings.TrimSpace(props[RestAdvertisedPort]) == "" {
		props[RestAdvertisedPort] = p
	}
}

// ignoredExact and ignoredPrefixes are settings that only mean something
// to the Java worker or to the image's scripts. cub.kafka.timeout and
// cub.kafka.min.brokers are not among them: goconnect honours them; nor are
// log4j.root.loglevel and log4j.loggers (the log levels); nor is
// plugin.path, whose connect-file entries enable the file connectors.
var (
	ignoredExact = []string{
		"plugin.discovery", "metric.reporters",
		"auto.include.jmx.reporter", "rest.host.name", "properties.dir",
		"producer.interceptor.classes", "consumer.interceptor.classes",
	}
	ignoredPrefixes = []string{
		"log4j.", "cub.", "jmx.", "zookeeper.", "internal.key.converter", "internal.value.converter",
		"producer.confluent.monitoring.interceptor.", "consumer.confluent.monitoring.interceptor.",
	}
)

// IgnoredKeys returns, sorted, the keys of props that only mean something
// to the Java worker or the image (logging, JMX, class loading, Java
// interceptors, the removed internal converters), so the caller can log
// them once as ignored.
func IgnoredKeys(props map[string]string) []string {
	var out []string
	for k := range props {
		if isIgnored(k) {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

func isIgnored(key string) bool {
	// The root level and named loggers' levels are honoured (--log-level,
	// --log-loggers take them from the environment).
	if key == CubKafkaTimeout || key == CubKafkaMinBrokers || key == "log4j.root.loglevel" || key == "log4j.loggers" {
		return false
	}
	if slices.Contains(ignoredExact, key) {
		return true
	}
	for _, p := range ignoredPrefixes {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	return false
}

// ignoredEnv are variables outside CONNECT_* that configure the JVM or the
// image's launch script.
var ignoredEnv = []string{"KAFKA_JMX_PORT", "KAFKA_JMX_HOSTNAME", "KAFKA_JMX_OPTS", "KAFKA_HEAP_OPTS",
	"KAFKA_LOG4J_OPTS", "KAFKA_DEBUG", "JMX_PORT", "CLASSPATH", "EXTRA_ARGS"}

// IgnoredEnv returns, sorted, the set variables of environ that only the
// JVM or the image's scripts read (JMX, heap, classpath), for the same
// once-only log line as IgnoredKeys.
func IgnoredEnv(environ []string) []string {
	var out []string
	for name, v := range envMap(environ) {
		if v != "" && slices.Contains(ignoredEnv, name) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// envMap indexes an os.Environ()-form list; the first of duplicate
// entries wins, as with getenv.
func envMap(environ []string) map[string]string {
	m := make(map[string]string, len(environ))
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			if _, dup := m[k]; !dup {
				m[k] = v
			}
		}
	}
	return m
}
