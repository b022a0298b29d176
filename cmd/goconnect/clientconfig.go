package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/goconnect/goconnect/internal/jaas"
	"github.com/goconnect/goconnect/internal/kafkaclient"
	"github.com/goconnect/goconnect/internal/properties"
	"github.com/goconnect/goconnect/runtime/basicauth"
)

// commandConfig reads a Kafka tool's --command-config file (Java
// properties: security.protocol, sasl.*, ssl.*, as kafka-console-consumer
// takes them; keys may carry Confluent's kafkastore. prefix) and returns the
// client options, with onFatal called when the broker rejects the
// credentials or certificate. An empty path means no settings.
//
// storeOnly reads the kafkastore.* keys alone, as Confluent's store does
// from schema-registry.properties, whose unprefixed ssl.* keys are its
// https listener's.
func commandConfig(path string, storeOnly bool, onFatal func(error)) ([]kgo.Opt, error) {
	if path == "" {
		return kafkaclient.Options(nil, onFatal)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--command-config: %w", err)
	}
	defer f.Close()
	props, err := properties.Parse(f)
	if err != nil {
		return nil, fmt.Errorf("--command-config %s: %w", path, err)
	}
	if storeOnly {
		store := map[string]string{}
		for k, v := range props {
			if strings.HasPrefix(k, "kafkastore.") {
				store[k] = v
			}
		}
		props = store
	}
	for k, v := range props {
		if rest, ok := strings.CutPrefix(k, "kafkastore."); ok {
			if rest == kafkaclient.BootstrapServers {
				// Confluent's registry takes listener-style addresses
				// (PLAINTEXT://host:port).
				v = stripSchemes(v)
			}
			props[rest] = v
		}
	}
	opts, err := kafkaclient.Options(props, onFatal)
	if err != nil {
		return nil, fmt.Errorf("--command-config %s: %w", path, err)
	}
	return opts, nil
}

// authCause returns the authentication failure that ended ctx, if any,
// else err.
func authCause(ctx context.Context, err error) error {
	if cause := context.Cause(ctx); errors.Is(cause, kafkaclient.ErrAuthentication) {
		return cause
	}
	return err
}

// kafkaClientJAAS reads the KafkaClient entry of the JAAS file named by
// -Djava.security.auth.login.config (goconnect's own -D arguments, or
// KAFKA_OPTS as the image passes it): the JVM's default login of Kafka
// clients without sasl.jaas.config. None when no file is named.
func kafkaClientJAAS(sysProps []string) ([]jaas.LoginModule, error) {
	path := basicauth.LoginConfigPath(os.Getenv("KAFKA_OPTS"), sysProps)
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", basicauth.LoginConfigProperty, err)
	}
	entries, err := jaas.ParseFile(string(b))
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", basicauth.LoginConfigProperty, path, err)
	}
	return entries["KafkaClient"], nil
}

// stripSchemes turns "PLAINTEXT://a:9092,SSL://b:9093" into "a:9092,b:9093".
func stripSchemes(list string) string {
	var out []string
	for _, b := range strings.Split(list, ",") {
		b = strings.TrimSpace(b)
		if i := strings.Index(b, "://"); i >= 0 {
			b = b[i+3:]
		}
		if b != "" {
			out = append(out, b)
		}
	}
	return strings.Join(out, ",")
}
