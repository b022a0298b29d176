package mysql

import (
	"errors"
	"maps"
	"strings"
	"testing"

	"github.com/goconnect/goconnect/connect/config"
)

const scramJAAS = `org.apache.kafka.common.security.scram.ScramLoginModule required username="dbz" password="pw";`

// The schema history clients take Debezium's own client settings, 2.x
// names over 1.x ones, and nothing else.
func TestHistoryClientSettings(t *testing.T) {
	props := map[string]string{
		"security.protocol": "SASL_SSL", // the connector's, not the history's
		"schema.history.internal.producer.security.protocol":   "SASL_SSL",
		"schema.history.internal.producer.sasl.mechanism":      "SCRAM-SHA-512",
		"schema.history.internal.producer.sasl.jaas.config":    scramJAAS,
		"database.history.producer.ssl.truststore.type":        "PEM",
		"database.history.consumer.security.protocol":          "SSL",
		"schema.history.internal.kafka.bootstrap.servers":      "b:9093",
		"schema.history.internal.consumer.ssl.truststore.type": "PKCS12",
	}
	p, err := historyClientProps(props, "producer.")
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{"security.protocol": "SASL_SSL", "sasl.mechanism": "SCRAM-SHA-512", "sasl.jaas.config": scramJAAS,
		"ssl.truststore.type": "PEM"}; !maps.Equal(p, want) {
		t.Fatalf("producer settings %v, want %v", p, want)
	}
	c, err := historyClientProps(props, "consumer.")
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{"security.protocol": "SSL", "ssl.truststore.type": "PKCS12"}; !maps.Equal(c, want) {
		t.Fatalf("consumer settings %v, want %v", c, want)
	}

	bad := maps.Clone(props)
	bad["schema.history.internal.producer.sasl.mechanism"] = "GSSAPI"
	_, err = historyClientProps(bad, "producer.")
	var ce *config.Error
	if !errors.As(err, &ce) || ce.Key != "schema.history.internal.producer.sasl.mechanism" || !strings.Contains(ce.Message, "GSSAPI") {
		t.Fatalf("bad mechanism: %v", err)
	}
	_, err = historyClientProps(map[string]string{"database.history.consumer.sasl.jaas.config": scramJAAS}, "consumer.")
	if !errors.As(err, &ce) || ce.Key != "database.history.consumer.sasl.jaas.config" {
		t.Fatalf("1.x key: %v", err)
	}
}
