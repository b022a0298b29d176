package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime/debug"
	"strings"

	"github.com/goconnect/goconnect/builtin"
	"github.com/goconnect/goconnect/internal/jaas"
	"github.com/goconnect/goconnect/runtime/embedded"
	"github.com/goconnect/goconnect/runtime/logging"
	"github.com/goconnect/goconnect/runtime/offsetstore"
	"github.com/goconnect/goconnect/runtime/rest"
	"github.com/goconnect/goconnect/runtime/standalone"
	"github.com/goconnect/goconnect/runtime/workerconfig"
	"github.com/goconnect/goconnect/schemaregistry"
	"github.com/goconnect/goconnect/schemaregistry/dekregistry"
)

type standaloneFlags struct {
	embedded     bool
	embeddedPort int
	embeddedDir  string
	retention    int64
	embeddedSR   string
	logLevel     string
	logLoggers   string
	logJSON      bool
}

func runStandalone(ctx context.Context, args []string, _, stderr io.Writer) (err error) {
	fs := flag.NewFlagSet("standalone", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var f standaloneFlags
	fs.BoolVar(&f.embedded, "embedded-kafka", false, "start an in-process Kafka broker even when bootstrap.servers is set")
	fs.IntVar(&f.embeddedPort, "embedded-kafka-port", 9092, "port of the embedded broker")
	fs.StringVar(&f.embeddedDir, "embedded-kafka-dir", "", "removed: the embedded broker keeps records in memory only")
	fs.Int64Var(&f.retention, "embedded-kafka-retention-bytes", embedded.DefaultRetentionBytes, "record bytes each partition of the embedded broker keeps; older records are dropped (-1: keep all, memory grows without bound)")
	fs.StringVar(&f.embeddedSR, "embedded-schema-registry", "127.0.0.1:8081", "with the embedded broker, also serve a schema registry here (empty: none)")
	fs.StringVar(&f.logLevel, "log-level", envOr("CONNECT_LOG4J_ROOT_LOGLEVEL", "INFO"), "log level: DEBUG, INFO, WARN, ERROR")
	fs.StringVar(&f.logLoggers, "log-loggers", envOr("CONNECT_LOG4J_LOGGERS", ""), loggersUsage)
	fs.BoolVar(&f.logJSON, "log-json", false, "write logs as JSON lines")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: goconnect standalone [flags] [-Djava.security.auth.login.config=jaas.conf] worker.properties [connector.json|connector.properties|folder ...]")
		fs.PrintDefaults()
	}
	sysProps, args := splitSystemProps(args)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() < 1 {
		fs.Usage()
		return fmt.Errorf("standalone needs a worker properties file")
	}
	rootLevel := new(slog.LevelVar)
	rootLevel.Set(logging.ParseLevel(f.logLevel))
	log, restoreLog := workerLogger(stderr, rootLevel, f.logJSON)
	defer restoreLog()
	defer func() { err = reportFatal(log, f.logJSON, err) }()
	loggers := rest.NewLoggers(rootLevel)
	if err := loggers.Configure(f.logLoggers); err != nil {
		return fmt.Errorf("--log-loggers (CONNECT_LOG4J_LOGGERS): %w", err)
	}

	props, err := readWorkerProps(fs.Arg(0))
	if err != nil {
		return err
	}
	if err := workerconfig.ApplyJAASClient(props, func() ([]jaas.LoginModule, error) { return kafkaClientJAAS(sysProps) }); err != nil {
		return err
	}
	cfg, err := workerconfig.ParseStandalone(props)
	if err != nil {
		return err
	}
	// Config providers warn here when allowed.paths refuses a path.
	cfg.ConfigTransformer = cfg.ConfigTransformer.WithLogger(log)
	if f.embeddedDir != "" {
		// The persisted mode was not crash-safe (topics lost after a kill,
		// acknowledged records missing): refuse it rather than pretend.
		return fmt.Errorf("--embedded-kafka-dir was removed: the embedded broker keeps records in memory only, for trying goconnect out; for data that survives restarts run a real Kafka (scripts/services.sh up kafka) and set bootstrap.servers")
	}
	if f.retention == 0 || f.retention < -1 {
		return fmt.Errorf("--embedded-kafka-retention-bytes must be a positive number of bytes, or -1 to keep everything")
	}
	if f.embedded || !cfg.BootstrapExplicit {
		broker, err := embedded.Start(embedded.Config{Port: f.embeddedPort, RetentionBytes: f.retention})
		if err != nil {
			return err
		}
		defer broker.Close()
		cfg.BootstrapServers = broker.Addrs()
		if f.retention > 0 && os.Getenv("GOMEMLIMIT") == "" {
			debug.SetMemoryLimit(embedded.MemoryLimit(f.retention))
		}
		log.Info("embedded Kafka broker started (set bootstrap.servers to use a real cluster)", "addrs", strings.Join(broker.Addrs(), ","))
		if f.embeddedSR != "" {
			// A convenience for trying Avro pipelines: a busy port is
			// reported, not fatal.
			if ln, err := net.Listen("tcp", f.embeddedSR); err != nil {
				log.Warn("embedded schema registry not started", "error", err)
			} else if srv, err := startRegistry(ctx, registrySettings{brokers: broker.Addrs(), topic: schemaregistry.Topic, maxKeys: dekregistry.MaxKeysDefault}, ln, log); err != nil {
				ln.Close()
				log.Warn("embedded schema registry not started", "error", err)
			} else {
				defer srv.Close()
				log.Info("embedded schema registry started", "url", "http://"+ln.Addr().String())
			}
		}
	}
	offsets, err := offsetstore.OpenFile(cfg.OffsetFile)
	if err != nil {
		return err
	}
	rs, err := rest.Listen(cfg, cfg.AdoptListenPort, sysProps, log)
	if err != nil {
		return err
	}
	reg := builtin.Registry(cfg.PluginPath)
	warnFileConnectors(log, cfg.PluginPath)
	h := standalone.New(cfg, reg, offsets, log)

	// The REST API listens before connectors load, as in Connect: /health
	// answers 503 "starting" until they are.
	scfg := rs.Config(h)
	scfg.Loggers, scfg.Commit, scfg.Log = loggers, version, log
	scfg.ConfigTransformer = cfg.ConfigTransformer
	scfg.ClientOverridePolicy = cfg.ClientOverridePolicy
	scfg.Converters = workerConverters(cfg.Props)
	srv := rest.New(scfg)
	srvCtx, stopSrv := context.WithCancel(ctx)
	defer stopSrv()
	srvDone := make(chan error, 1)
	go func() { srvDone <- srv.ServeListeners(srvCtx, rs.Main, rs.Admin) }()

	if err := loadConnectors(ctx, h, fs.Args()[1:], log); err != nil {
		stopSrv()
		<-srvDone
		_ = h.Stop(context.Background())
		return err
	}
	srv.SetReady()
	go func() {
		// GET / reports the cluster id; ask for it now so the first
		// request does not wait for the brokers.
		if _, err := h.ClusterID(ctx); err != nil && ctx.Err() == nil {
			log.Warn("could not read the Kafka cluster id yet", "error", err)
		}
	}()
	log.Info("goconnect standalone worker started", "worker_id", cfg.WorkerID, "rest", rs.Addresses(),
		"bootstrap.servers", strings.Join(cfg.BootstrapServers, ","))
	var srvErr error
	select {
	case <-ctx.Done():
		srvErr = <-srvDone
	case srvErr = <-srvDone:
	}
	if srvErr != nil {
		log.Error("REST server stopped", "error", srvErr)
	}
	log.Info("shutting down: stopping tasks, flushing and committing offsets")
	if err := h.Stop(context.Background()); err != nil {
		// Offsets of records not acknowledged were not committed, so a
		// restart re-reads them: nothing is lost.
		log.Error("graceful shutdown incomplete", "error", err)
	}
	log.Info("goconnect stopped")
	return nil
}

// readWorkerProps reads the worker file; CONNECT_* variables override it,
// as in the container.
func readWorkerProps(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading worker config: %w", err)
	}
	defer f.Close()
	props, err := workerconfig.ParseProperties(f)
	if err != nil {
		return nil, fmt.Errorf("worker config %s: %w", path, err)
	}
	for k, v := range workerconfig.FromEnv(os.Environ()) {
		props[k] = v
	}
	return props, nil
}

// loadConnectors starts the connectors of the given files and folders. A
// file named on the command line must be good (startup fails otherwise,
// as in Connect); a bad file inside a folder is reported and skipped.
func loadConnectors(ctx context.Context, h *standalone.Herder, paths []string, log *slog.Logger) error {
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return fmt.Errorf("connector config: %w", err)
		}
		if !st.IsDir() {
			cf, err := workerconfig.ReadConnectorFile(p)
			if err != nil {
				return err
			}
			if err := h.Create(ctx, cf.Name, cf.Config, cf.InitialState); err != nil {
				return fmt.Errorf("%s: %w", p, err)
			}
			continue
		}
		files, errs := workerconfig.ReadConnectorDir(p)
		for _, e := range errs {
			log.Error("skipping connector file", "error", e)
		}
		for _, cf := range files {
			if err := h.Create(ctx, cf.Name, cf.Config, cf.InitialState); err != nil {
				log.Error("skipping connector file", "file", cf.Path, "error", err)
			}
		}
	}
	return nil
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// newLogger writes text (or JSON) lines at the level held by level, which
// PUT /admin/loggers/root changes at run time; secrets are masked.
func newLogger(w io.Writer, level *slog.LevelVar, json bool) *slog.Logger {
	return logging.NewLeveled(w, level, json)
}

// workerConverters are the worker's converter classes the REST API
// reports as a connector's defaults in validation answers.
func workerConverters(props map[string]string) map[string]string {
	out := map[string]string{workerconfig.HeaderConverter: workerconfig.DefaultHeaderConverterClass}
	for _, k := range []string{workerconfig.KeyConverter, workerconfig.ValueConverter, workerconfig.HeaderConverter} {
		if v := strings.TrimSpace(props[k]); v != "" {
			out[k] = v
		}
	}
	return out
}
