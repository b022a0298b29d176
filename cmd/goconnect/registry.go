package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/goconnect/goconnect/schemaregistry"
	"github.com/goconnect/goconnect/schemaregistry/dekregistry"
)

func runRegistry(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("schema-registry", flag.ContinueOnError)
	fs.SetOutput(stderr)
	brokers := fs.String("bootstrap-server", "127.0.0.1:9092", "Kafka brokers holding the schemas topic")
	listen := fs.String("listen", "127.0.0.1:8081", "address to serve the registry API on")
	topic := fs.String("topic", schemaregistry.Topic, "compacted topic holding the schemas")
	maxKeys := fs.Int("dek-max-keys", dekregistry.MaxKeysDefault, "the DEK registry's limit of KEKs and of DEKs (Confluent's dek.registry.max.keys): creating more is 409/40972")
	commandConfigFile := fs.String("command-config", "", "properties file with the Kafka client's security settings (security.protocol, sasl.*, ssl.*; Confluent's kafkastore. prefix accepted)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	sctx, failed := context.WithCancelCause(ctx)
	defer failed(nil)
	sec, err := commandConfig(*commandConfigFile, failed)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("schema registry: %w", err)
	}
	srv, err := startRegistry(sctx, strings.Split(*brokers, ","), *topic, ln, *maxKeys, sec...)
	if err != nil {
		return authCause(sctx, err)
	}
	log.Info("schema registry started", "listen", ln.Addr().String(), "topic", *topic)
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}

// startRegistry replays the schemas topic and serves the registry on ln.
func startRegistry(ctx context.Context, brokers []string, topic string, ln net.Listener, maxKeys int, opts ...kgo.Opt) (*http.Server, error) {
	reg := schemaregistry.New(nil)
	octx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	j, err := schemaregistry.OpenKafka(octx, brokers, topic, reg, opts...)
	if err != nil {
		return nil, err
	}
	reg.SetJournal(j)
	// The DEK registry (client-side field-level encryption's KEKs and
	// DEKs) in its own compacted topic, as Confluent keeps it.
	dek := dekregistry.New(nil)
	dj, err := schemaregistry.OpenKafka(octx, brokers, dekregistry.Topic, dek, opts...)
	if err != nil {
		j.Close()
		return nil, err
	}
	dek.SetJournal(dj)
	dek.SetMaxKeys(maxKeys)
	// As Confluent's LocalKmsDriver on the server: local-kms's secret from
	// LOCAL_SECRET lets shared local-kms KEKs generate their DEKs here.
	if secret := os.Getenv("LOCAL_SECRET"); secret != "" {
		if err := dek.SetLocalSecret(secret); err != nil {
			j.Close()
			dj.Close()
			return nil, err
		}
	}
	srv := &http.Server{Handler: schemaregistry.Handler(reg, func(m *http.ServeMux) { dekregistry.Routes(m, dek) }), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			slog.Error("schema registry server stopped", "error", err)
		}
		j.Close()
		dj.Close()
	}()
	return srv, nil
}
