package workerconfig

import (
	"errors"
	"maps"
	"strings"
	"testing"

	"github.com/goconnect/goconnect/connect/config"
	"github.com/goconnect/goconnect/internal/jaas"
	"github.com/goconnect/goconnect/runtime/connectorconfig"
)

const scramJAAS = `org.apache.kafka.common.security.scram.ScramLoginModule required username="connect" password="pw";`

// The container's CONNECT_* variables reach the security settings through
// the same rule as every other setting, for the worker and its prefixes.
func TestContainerEnvSecuritySettings(t *testing.T) {
	env := FromEnv([]string{
		"CONNECT_SECURITY_PROTOCOL=SASL_SSL",
		"CONNECT_SASL_MECHANISM=SCRAM-SHA-512",
		"CONNECT_SASL_JAAS_CONFIG=" + scramJAAS,
		"CONNECT_SSL_TRUSTSTORE_LOCATION=/etc/kafka/secrets/truststore.jks",
		"CONNECT_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM=",
		"CONNECT_PRODUCER_SECURITY_PROTOCOL=SASL_SSL",
		"CONNECT_PRODUCER_SASL_JAAS_CONFIG=" + scramJAAS,
		"CONNECT_CONSUMER_SASL_MECHANISM=PLAIN",
		"CONNECT_ADMIN_SSL_KEYSTORE_TYPE=PKCS12",
		"CONNECT_CONNECTOR_CLIENT_CONFIG_OVERRIDE_POLICY=Principal",
	})
	want := map[string]string{
		"security.protocol":                       "SASL_SSL",
		"sasl.mechanism":                          "SCRAM-SHA-512",
		"sasl.jaas.config":                        scramJAAS,
		"ssl.truststore.location":                 "/etc/kafka/secrets/truststore.jks",
		"ssl.endpoint.identification.algorithm":   "",
		"producer.security.protocol":              "SASL_SSL",
		"producer.sasl.jaas.config":               scramJAAS,
		"consumer.sasl.mechanism":                 "PLAIN",
		"admin.ssl.keystore.type":                 "PKCS12",
		"connector.client.config.override.policy": "Principal",
	}
	if !maps.Equal(env, want) {
		t.Fatalf("FromEnv =\n%v\nwant\n%v", env, want)
	}
	for k := range env {
		if isIgnored(k) {
			t.Errorf("%s is reported as ignored", k)
		}
	}
}

func secureBase() map[string]string {
	return map[string]string{
		KeyConverter: "org.apache.kafka.connect.storage.StringConverter", ValueConverter: "org.apache.kafka.connect.json.JsonConverter",
		OffsetStorageFile: "/tmp/x.offsets", BootstrapServers: "broker:9093",
		"security.protocol": "SASL_SSL", "sasl.mechanism": "SCRAM-SHA-512", "sasl.jaas.config": scramJAAS,
		"producer.security.protocol": "SASL_SSL", "producer.sasl.mechanism": "SCRAM-SHA-512", "producer.sasl.jaas.config": scramJAAS,
	}
}

func TestSecuritySettingsRefusedAtStart(t *testing.T) {
	w, err := ParseStandalone(secureBase())
	if err != nil {
		t.Fatal(err)
	}
	if w.ClientOverridePolicy.Name() != "All" {
		t.Fatalf("default policy %s, want All", w.ClientOverridePolicy.Name())
	}
	if _, err := w.KafkaOptions(nil); err != nil {
		t.Fatal(err)
	}
	for key, val := range map[string]string{
		"security.protocol":                       "SASL_TLS",
		"sasl.mechanism":                          "GSSAPI",
		"sasl.jaas.config":                        "not jaas",
		"producer.sasl.mechanism":                 "SCRAM-SHA-1",
		"consumer.sasl.jaas.config":               scramJAAS, // with consumer.security.protocol unset: PLAINTEXT
		"admin.ssl.truststore.location":           "/nonexistent/ts.jks",
		"connector.client.config.override.policy": "Some",
	} {
		bad := secureBase()
		bad[key] = val
		if key == "admin.ssl.truststore.location" {
			bad["admin.security.protocol"] = "SASL_SSL"
		}
		_, err := ParseStandalone(bad)
		// admin.* settings are reported without their prefix: the admin
		// client merges the worker-level ones with them.
		name := strings.TrimPrefix(key, "admin.")
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s=%q: error %v does not name the key", key, val, err)
		}
	}
	bad := secureBase()
	bad[ClientOverridePolicy] = "Some"
	_, err = ParseStandalone(bad)
	var ce *config.Error
	if !errors.As(err, &ce) || ce.Key != ClientOverridePolicy {
		t.Fatalf("policy error %v", err)
	}
}

// Connect's scoping: task producers and consumers see only their prefixed
// settings and the connector's overrides; task admin clients start from
// the worker-level ones.
func TestTaskClientScoping(t *testing.T) {
	worker := map[string]string{
		"security.protocol": "SASL_SSL", "sasl.jaas.config": "worker", "bootstrap.servers": "b:1",
		"producer.linger.ms": "5", "consumer.security.protocol": "SSL",
		"admin.sasl.jaas.config": "admin",
	}
	conn := map[string]string{"producer.override.security.protocol": "SASL_PLAINTEXT", "admin.override.sasl.mechanism": "PLAIN",
		"consumer.override.ssl.truststore.type": "PEM"}
	if got := ProducerProps(worker, conn); !maps.Equal(got, map[string]string{"linger.ms": "5", "security.protocol": "SASL_PLAINTEXT"}) {
		t.Errorf("producer: %v", got)
	}
	if got := ConsumerProps(worker, conn); !maps.Equal(got, map[string]string{"security.protocol": "SSL", "ssl.truststore.type": "PEM"}) {
		t.Errorf("consumer: %v", got)
	}
	if got := AdminProps(worker, conn); !maps.Equal(got, map[string]string{"security.protocol": "SASL_SSL", "sasl.jaas.config": "admin",
		"bootstrap.servers": "b:1", "sasl.mechanism": "PLAIN"}) {
		t.Errorf("admin: %v", got)
	}
	if got := ProducerProps(worker, nil); got["security.protocol"] != "" || got["sasl.jaas.config"] != "" {
		t.Errorf("the task producer inherited worker-level security: %v", got)
	}
}

func TestOverridePolicies(t *testing.T) {
	conn := map[string]string{"producer.override.sasl.jaas.config": "x", "consumer.override.max.poll.records": "5",
		"admin.override.security.protocol": "SSL", "name": "c"}
	for _, c := range []struct {
		policy string
		want   []string
	}{
		{"", nil},
		{"All", nil},
		{"org.apache.kafka.connect.connector.policy.AllConnectorClientConfigOverridePolicy", nil},
		{"None", []string{
			"admin.override.security.protocol: The 'None' policy does not allow 'security.protocol' to be overridden in the connector configuration.",
			"consumer.override.max.poll.records: The 'None' policy does not allow 'max.poll.records' to be overridden in the connector configuration.",
			"producer.override.sasl.jaas.config: The 'None' policy does not allow 'sasl.jaas.config' to be overridden in the connector configuration."}},
		{"PrincipalConnectorClientConfigOverridePolicy", []string{
			"consumer.override.max.poll.records: The 'Principal' policy does not allow 'max.poll.records' to be overridden in the connector configuration."}},
	} {
		p, err := connectorconfig.ParseOverridePolicy(c.policy)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range unjoin(p.Check(conn)) {
			var ce *config.Error
			if !errors.As(e, &ce) {
				t.Fatalf("%T is not a config error", e)
			}
			got = append(got, ce.Key+": "+ce.Message)
		}
		if !slicesEqual(got, c.want) {
			t.Errorf("%q: %q, want %q", c.policy, got, c.want)
		}
	}
}

func unjoin(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func slicesEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// A JAAS file's KafkaClient entry serves the SASL scopes without their own
// sasl.jaas.config, as the JVM's static JAAS configuration does.
func TestApplyJAASClient(t *testing.T) {
	module := []jaas.LoginModule{{Class: "org.apache.kafka.common.security.scram.ScramLoginModule", Flag: "required",
		Options: map[string]string{"username": "connect", "password": `p"w\d`}}}
	loads := 0
	load := func() ([]jaas.LoginModule, error) { loads++; return module, nil }
	props := map[string]string{
		"security.protocol": "SASL_SSL", "sasl.mechanism": "SCRAM-SHA-512",
		"producer.security.protocol": "SASL_SSL", "producer.sasl.mechanism": "SCRAM-SHA-512", "producer.sasl.jaas.config": scramJAAS,
		"consumer.security.protocol": "SSL",
	}
	if err := ApplyJAASClient(props, load); err != nil {
		t.Fatal(err)
	}
	want := `org.apache.kafka.common.security.scram.ScramLoginModule required password="p\"w\\d" username="connect";`
	if props["sasl.jaas.config"] != want || props["admin.sasl.jaas.config"] != want {
		t.Fatalf("worker-level/admin JAAS: %q / %q", props["sasl.jaas.config"], props["admin.sasl.jaas.config"])
	}
	if props["producer.sasl.jaas.config"] != scramJAAS || props["consumer.sasl.jaas.config"] != "" {
		t.Fatalf("scopes with their own JAAS or without SASL changed: %v", props)
	}
	if err := checkKafkaClients(props); err != nil {
		t.Fatal(err)
	}
	// Nothing to fill: the file is not read.
	if err := ApplyJAASClient(map[string]string{"security.protocol": "SSL"}, load); err != nil || loads != 1 {
		t.Fatalf("file read without need: %d loads, %v", loads, err)
	}
	two := append(module, module[0])
	if err := ApplyJAASClient(map[string]string{"security.protocol": "SASL_PLAINTEXT"}, func() ([]jaas.LoginModule, error) { return two, nil }); err == nil || !strings.Contains(err.Error(), "2 login modules") {
		t.Fatalf("two modules: %v", err)
	}
}
