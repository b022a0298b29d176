package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goconnect/goconnect/internal/testkit"
)

// TestSecuredStandaloneCLI starts the standalone command with an https
// listener requiring client certificates and basic authentication (the
// JAAS file named by a -D flag), and checks that healthcheck and offsets
// reach it with credentials and TLS options, and fail clearly without.
func TestSecuredStandaloneCLI(t *testing.T) {
	dir := t.TempDir()
	p := testkit.NewPKI(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	base := "https://" + addr
	creds := filepath.Join(dir, "users.properties")
	must(t, os.WriteFile(creds, []byte("admin=adm1n\n"), 0o600))
	jaas := filepath.Join(dir, "jaas.conf")
	must(t, os.WriteFile(jaas, []byte(`KafkaConnect { org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required file="`+creds+`"; };`), 0o600))
	worker := filepath.Join(dir, "worker.properties")
	must(t, os.WriteFile(worker, []byte(fmt.Sprintf("key.converter=org.apache.kafka.connect.storage.StringConverter\n"+
		"value.converter=org.apache.kafka.connect.storage.StringConverter\n"+
		"offset.storage.file.filename=%s\nlisteners=%s\nrest.advertised.host.name=localhost\n"+
		"ssl.keystore.type=PKCS12\nssl.keystore.location=%s\nssl.keystore.password=%s\n"+
		"ssl.truststore.type=PEM\nssl.truststore.location=%s\nssl.client.auth=required\n"+
		"rest.extension.classes=org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension\n",
		filepath.Join(dir, "offsets"), base, p.ServerP12, p.Password, p.CAFile)), 0o600))
	t.Setenv("KAFKA_OPTS", "")

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- runStandalone(ctx, []string{"-Djava.security.auth.login.config=" + jaas, "--embedded-kafka-port", "0",
			"--embedded-schema-registry", "", worker}, io.Discard, io.Discard)
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("standalone: %v", err)
		}
	}()
	tlsFlags := []string{"--cacert", p.CAFile, "--cert", p.ClientCert, "--key", p.ClientKey}
	good := append([]string{"--user", "admin:adm1n"}, tlsFlags...)
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := runHealthcheck(ctx, append(good, base+"/connectors"), io.Discard)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("healthcheck with credentials: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := runHealthcheck(ctx, append(tlsFlags, base+"/connectors"), io.Discard); err == nil || !strings.Contains(err.Error(), "status 401") {
		t.Fatalf("healthcheck without credentials: %v", err)
	}
	if err := runHealthcheck(ctx, []string{"--user", "admin:adm1n", "--cacert", p.CAFile, base + "/connectors"}, io.Discard); err == nil {
		t.Fatal("healthcheck without a client certificate passed a listener that requires one")
	}
	// Credentials in the URL and TLS options from the environment.
	t.Setenv("GOCONNECT_REST_CA_FILE", p.CAFile)
	t.Setenv("GOCONNECT_REST_CERT_FILE", p.ClientPEM)
	if err := runHealthcheck(ctx, []string{"https://admin:adm1n@" + addr + "/connectors"}, io.Discard); err != nil {
		t.Fatalf("healthcheck with URL credentials and env TLS: %v", err)
	}
	// The offsets CLI: authenticated, the request reaches the API (404:
	// no such connector); without credentials, 401.
	var out strings.Builder
	err = runOffsets(ctx, append([]string{"get", "--url", base, "--user", "admin:adm1n"}, "nope"), &out, io.Discard, nil)
	if err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("offsets get with credentials: %v", err)
	}
	err = runOffsets(ctx, []string{"get", "--url", base, "nope"}, &out, io.Discard, nil)
	if err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("offsets get without credentials: %v", err)
	}
	// The connectors CLI: with credentials and TLS options as flags the
	// list is the table; without credentials, 401.
	out.Reset()
	if err := runConnectors(ctx, append([]string{"list", "--url", base}, good...), &out, io.Discard); err != nil || !strings.HasPrefix(out.String(), "NAME") {
		t.Fatalf("connectors list with credentials and TLS options: %v %q", err, out.String())
	}
	if err := runConnectors(ctx, append([]string{"status", "--url", base, "nope"}, tlsFlags...), io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("connectors status without credentials: %v", err)
	}
	t.Setenv("GOCONNECT_REST_USER", "admin:adm1n")
	err = runOffsets(ctx, []string{"get", "--url", base, "nope"}, &out, io.Discard, nil)
	if err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("offsets get with env credentials: %v", err)
	}
	// Credentials and TLS both from the environment, -o json.
	out.Reset()
	if err := runConnectors(ctx, []string{"list", "--url", base, "-o", "json"}, &out, io.Discard); err != nil || strings.TrimSpace(out.String()) != "{}" {
		t.Fatalf("connectors list -o json with env credentials and TLS: %v %q", err, out.String())
	}
}
