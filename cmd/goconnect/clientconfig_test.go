package main

import (
	"bytes"
	"context"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/goconnect/goconnect/internal/kafkaclient"
	"github.com/goconnect/goconnect/internal/testkit"
)

func writeProps(t *testing.T, props map[string]string) string {
	t.Helper()
	var b strings.Builder
	for k, v := range props {
		// Java properties: backslashes escape, so double them.
		b.WriteString(k + "=" + strings.ReplaceAll(v, `\`, `\\`) + "\n")
	}
	path := filepath.Join(t.TempDir(), "client.properties")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// goconnect consume --command-config reads a secured topic, and says why
// when the broker refuses it, as kafka-console-consumer.
func TestConsumeWithCommandConfig(t *testing.T) {
	b := testkit.SecureBroker(t, "SCRAM-SHA-512", "reader", `pa"ss\word`)
	sec, err := kafkaclient.Options(b.Client, nil)
	if err != nil {
		t.Fatal(err)
	}
	prod, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(strings.Split(b.Bootstrap, ",")...), kgo.AllowAutoTopicCreation()}, sec...)...)
	if err != nil {
		t.Fatal(err)
	}
	defer prod.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := prod.ProduceSync(ctx, &kgo.Record{Topic: "secured", Value: []byte("hello")}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	err = runConsume(ctx, []string{"--bootstrap-server", b.Bootstrap, "--command-config", writeProps(t, b.Client), "--max-records", "1", "secured"}, &out, &errOut)
	if err != nil || !strings.Contains(out.String(), "value=hello") {
		t.Fatalf("consume: %v, out %q", err, out.String())
	}

	bad := maps.Clone(b.Client)
	bad["sasl.jaas.config"] = testkit.JAASConfig("SCRAM-SHA-512", "reader", "wrong")
	err = runConsume(ctx, []string{"--bootstrap-server", b.Bootstrap, "--command-config", writeProps(t, bad), "secured"}, &out, &errOut)
	if !errors.Is(err, kafkaclient.ErrAuthentication) {
		t.Fatalf("wrong password: %v", err)
	}
	if ctx.Err() != nil {
		t.Fatal("consume with a wrong password ran until the test deadline")
	}
	err = runConsume(ctx, []string{"--bootstrap-server", b.Bootstrap, "--command-config", writeProps(t, map[string]string{"security.protocol": "SASL_SSL"}), "secured"}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "sasl.mechanism") {
		t.Fatalf("GSSAPI default: %v", err)
	}
}

// The KafkaClient entry of the JAAS file named in KAFKA_OPTS (or by a -D
// argument, which wins) is read as the JVM reads it.
func TestKafkaClientJAASFromKafkaOpts(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "jaas.conf")
	if err := os.WriteFile(file, []byte(`KafkaConnect { org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required file="/x"; };
KafkaClient {
  org.apache.kafka.common.security.plain.PlainLoginModule required username="connect" password="s3cret";
};`), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("KAFKA_OPTS", "-Xmx1g -Djava.security.auth.login.config="+file)
	mods, err := kafkaClientJAAS(nil)
	if err != nil || len(mods) != 1 || mods[0].Options["password"] != "s3cret" {
		t.Fatalf("KafkaClient entry: %v, %v", mods, err)
	}
	if _, err := kafkaClientJAAS([]string{"-Djava.security.auth.login.config=" + filepath.Join(dir, "missing.conf")}); err == nil || !strings.Contains(err.Error(), "missing.conf") {
		t.Fatalf("a -D argument names a missing file: %v", err)
	}
	t.Setenv("KAFKA_OPTS", "")
	if mods, err := kafkaClientJAAS(nil); err != nil || mods != nil {
		t.Fatalf("no file named: %v %v", mods, err)
	}
}
