package mongodb

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/config"
	"github.com/goconnect/goconnect/internal/testpki"
)

func TestClientOptionsTLS(t *testing.T) {
	ca := testpki.NewCA(t, "mongo CA")
	trust := ca.TrustStore("PKCS12", "changeit")
	keys := ca.Client("sink").KeyStore("JKS", "kspass")
	opts, err := clientOptions(props("connection.uri", "mongodb://localhost:27018/?tls=true",
		"connection.ssl.truststore", trust, "connection.ssl.truststorePassword", "changeit",
		"connection.ssl.keystore", keys, "connection.ssl.keystorePassword", "kspass"))
	if err != nil {
		t.Fatal(err)
	}
	if opts.TLSConfig == nil || opts.TLSConfig.RootCAs == nil || len(opts.TLSConfig.Certificates) != 1 || opts.TLSConfig.InsecureSkipVerify {
		t.Fatalf("TLS config from the stores: %+v", opts.TLSConfig)
	}
	if !opts.TLSConfig.RootCAs.Equal(ca.Pool()) {
		t.Fatal("the trust store's CA is not the root")
	}
	// The URI's own options are the Go driver's; plain URIs stay plain.
	if opts, err := clientOptions(props()); err != nil || opts.TLSConfig != nil {
		t.Fatalf("plain URI: %v %v", opts.TLSConfig, err)
	}
	for _, c := range []struct {
		p       map[string]string
		wantKey string
	}{
		{props("connection.ssl.truststore", trust, "connection.ssl.truststorePassword", "changeit"), keySSLTruststore},
		{props("connection.ssl.keystore", keys, "connection.ssl.keystorePassword", "kspass"), keySSLKeystore},
		{props("connection.uri", "mongodb://h/?tls=true", "connection.ssl.truststore", trust, "connection.ssl.truststorePassword", "nope"), keySSLTruststorePassword},
		{props("connection.uri", "mongodb://h/?tls=true", "connection.ssl.keystore", keys, "connection.ssl.keystorePassword", "nope"), keySSLKeystorePassword},
		{props("connection.uri", "mongodb://h/?tls=true", "connection.ssl.truststore", "/nonexistent.jks"), keySSLTruststore},
		{props("connection.uri", "mongodb://u:secretpw@h/?tls=true&tlsCAFile=/nonexistent.pem"), keyURI},
	} {
		_, err := clientOptions(c.p)
		var ce *config.Error
		if !errors.As(err, &ce) || ce.Key != c.wantKey {
			t.Errorf("%v: error %v, want one on %s", c.p, err, c.wantKey)
			continue
		}
		if strings.Contains(err.Error(), "secretpw") {
			t.Errorf("the error shows the URI's password: %v", err)
		}
		if v := (&SinkConnector{}).Validate(c.p); len(v[c.wantKey]) == 0 {
			t.Errorf("%v: Validate gave %v", c.p, v)
		}
		t.Log(err)
	}
}

// TestRejectedCertificateFailsTheTask: a server whose certificate is not
// trusted fails the write with the reason, not retriable, instead of
// being retried as an outage.
func TestRejectedCertificateFailsTheTask(t *testing.T) {
	ca := testpki.NewCA(t, "mongo CA")
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{ca.Server("localhost").TLS()}})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = c.(*tls.Conn).Handshake()
			}()
		}
	}()
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	other := testpki.NewCA(t, "another CA").TrustStore("JKS", "changeit")
	p := props("connection.uri", "mongodb://localhost:"+port+"/?tls=true&serverSelectionTimeoutMS=1500&connectTimeoutMS=1000",
		"connection.ssl.truststore", other, "connection.ssl.truststorePassword", "changeit")
	task := &SinkTask{}
	if err := task.Start(context.Background(), nil, p); err != nil {
		t.Fatal(err)
	}
	defer task.Stop()
	start := time.Now()
	err = task.Put(context.Background(), []connect.SinkRecord{*rec(nil, map[string]any{"a": "b"})})
	if err == nil {
		t.Fatal("wrote through an untrusted certificate")
	}
	t.Log(err)
	if connect.IsRetriable(err) || !strings.Contains(err.Error(), "certificate") || !strings.Contains(err.Error(), keySSLTruststore) {
		t.Fatalf("error %v (retriable %v): want a final one about the certificate", err, connect.IsRetriable(err))
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("took %v: the failure was retried", d)
	}
}
