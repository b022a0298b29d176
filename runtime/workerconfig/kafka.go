package workerconfig

import (
	"fmt"
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/goconnect/goconnect/internal/jaas"
	"github.com/goconnect/goconnect/internal/kafkaclient"
)

// Kafka client scoping, as Connect's Worker: the worker's own clients
// (internal topics, group membership, admin work, readiness checks) use the
// worker-level settings (security.protocol, sasl.*, ssl.* at the top of the
// worker config). Task producers and consumers do NOT inherit them: they use
// producer.* / consumer.* only, then the connector's producer.override.* /
// consumer.override.*. Task admin clients (DLQ and KIP-158 topic creation)
// use the worker-level settings, then admin.*, then admin.override.*.

// KafkaOptions returns the client options of the worker's own clients.
// onFatal (may be nil) is called when a broker rejects the credentials or
// certificate (kafkaclient.Options).
func (w *Worker) KafkaOptions(onFatal func(error)) ([]kgo.Opt, error) {
	return kafkaclient.Options(w.Props, onFatal)
}

// ProducerProps, ConsumerProps and AdminProps return the unprefixed client
// settings of a connector's task clients from the worker settings and the
// connector's overrides (already allowed by the override policy).
func ProducerProps(worker, connector map[string]string) map[string]string {
	return merge(kafkaclient.Strip(worker, "producer."), kafkaclient.Strip(connector, "producer.override."))
}

// ConsumerProps: see ProducerProps.
func ConsumerProps(worker, connector map[string]string) map[string]string {
	return merge(kafkaclient.Strip(worker, "consumer."), kafkaclient.Strip(connector, "consumer.override."))
}

// AdminProps: see ProducerProps.
func AdminProps(worker, connector map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range worker {
		if !strings.HasPrefix(k, "producer.") && !strings.HasPrefix(k, "consumer.") && !strings.HasPrefix(k, "admin.") {
			out[k] = v
		}
	}
	return merge(out, kafkaclient.Strip(worker, "admin."), kafkaclient.Strip(connector, "admin.override."))
}

func merge(maps ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range maps {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// checkKafkaClients refuses at start the worker-level, producer.*,
// consumer.* and admin.* security settings a client could not use, naming
// the key.
func checkKafkaClients(props map[string]string) error {
	if _, err := kafkaclient.Options(props, nil); err != nil {
		return err
	}
	for _, prefix := range []string{"producer.", "consumer."} {
		if _, err := kafkaclient.Prefixed(props, prefix, nil); err != nil {
			return err
		}
	}
	if _, err := kafkaclient.Options(AdminProps(props, nil), nil); err != nil {
		return err
	}
	return nil
}

// ApplyJAASClient gives the Kafka clients what the JVM gives them when a JAAS
// file is set (-Djava.security.auth.login.config, also through KAFKA_OPTS):
// every client scope (worker level, producer., consumer., admin.) that uses
// SASL and has no sasl.jaas.config of its own gets the file's KafkaClient
// entry. load reads that entry; it is called only when a scope needs it.
func ApplyJAASClient(props map[string]string, load func() ([]jaas.LoginModule, error)) error {
	var need []string
	for _, scope := range []string{"", "producer.", "consumer.", "admin."} {
		proto := props[scope+"security.protocol"]
		if scope == "admin." && proto == "" {
			proto = props["security.protocol"] // the admin client starts from the worker level
		}
		if strings.HasPrefix(strings.ToUpper(strings.TrimSpace(proto)), "SASL_") && strings.TrimSpace(props[scope+"sasl.jaas.config"]) == "" {
			need = append(need, scope)
		}
	}
	if len(need) == 0 {
		return nil
	}
	modules, err := load()
	if err != nil {
		return err
	}
	if len(modules) == 0 {
		return nil // no file or no KafkaClient entry: the missing sasl.jaas.config is reported by name
	}
	if len(modules) != 1 {
		return fmt.Errorf("JAAS file: the KafkaClient entry contains %d login modules, should be 1 module", len(modules))
	}
	value := jaas.Format(modules[0])
	for _, scope := range need {
		props[scope+"sasl.jaas.config"] = value
	}
	return nil
}
