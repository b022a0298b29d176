package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/goconnect/goconnect/builtin"
	"github.com/goconnect/goconnect/internal/jaas"
	"github.com/goconnect/goconnect/internal/kafkaclient"
	"github.com/goconnect/goconnect/runtime/distributed"
	"github.com/goconnect/goconnect/runtime/healthcheck"
	"github.com/goconnect/goconnect/runtime/kafkaready"
	"github.com/goconnect/goconnect/runtime/kafkastate"
	"github.com/goconnect/goconnect/runtime/logging"
	"github.com/goconnect/goconnect/runtime/rest"
	"github.com/goconnect/goconnect/runtime/restclient"
	"github.com/goconnect/goconnect/runtime/status"
	"github.com/goconnect/goconnect/runtime/worker"
	"github.com/goconnect/goconnect/runtime/workerconfig"
)

// runDistributed is connect-distributed: with a file, its properties
// (CONNECT_* variables override them); without, the container's
// environment alone, checked as cp-kafka-connect checks it.
func runDistributed(ctx context.Context, args []string, _, stderr io.Writer) (err error) {
	fs := flag.NewFlagSet("distributed", flag.ContinueOnError)
	fs.SetOutput(stderr)
	logLevel := fs.String("log-level", envOr("CONNECT_LOG4J_ROOT_LOGLEVEL", "INFO"), "log level: DEBUG, INFO, WARN, ERROR")
	logLoggers := fs.String("log-loggers", envOr("CONNECT_LOG4J_LOGGERS", ""), loggersUsage)
	logJSON := fs.Bool("log-json", false, "write logs as JSON lines")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: goconnect distributed [flags] [-Djava.security.auth.login.config=jaas.conf] [worker.properties]\n\nWithout a file the worker is configured from CONNECT_* variables, as the cp-kafka-connect image is.\nThe JAAS file of basic authentication may also come from KAFKA_OPTS, as the image passes it.")
		fs.PrintDefaults()
	}
	sysProps, args := splitSystemProps(args)
	if err := fs.Parse(args); err != nil {
		return err
	}
	rootLevel := new(slog.LevelVar)
	rootLevel.Set(logging.ParseLevel(*logLevel))
	log, restoreLog := workerLogger(stderr, rootLevel, *logJSON)
	defer restoreLog()
	defer func() { err = reportFatal(log, *logJSON, err) }()
	loggers := rest.NewLoggers(rootLevel)
	if err := loggers.Configure(*logLoggers); err != nil {
		return fmt.Errorf("--log-loggers (CONNECT_LOG4J_LOGGERS): %w", err)
	}

	environ := os.Environ()
	var props map[string]string
	if fs.NArg() == 0 {
		if err := workerconfig.CheckContainerEnv(environ); err != nil {
			return err
		}
		props = workerconfig.FromEnv(environ)
		workerconfig.ContainerDefaults(props, environ)
	} else {
		var err error
		if props, err = readWorkerProps(fs.Arg(0)); err != nil {
			return err
		}
	}
	if ignored := workerconfig.IgnoredKeys(props); len(ignored) > 0 {
		log.Info("settings of the Java worker or its image are ignored", "keys", strings.Join(ignored, ","))
	}
	if ignored := workerconfig.IgnoredEnv(environ); len(ignored) > 0 {
		log.Info("environment of the Java image is ignored", "variables", strings.Join(ignored, ","))
	}
	if err := workerconfig.ApplyJAASClient(props, func() ([]jaas.LoginModule, error) { return kafkaClientJAAS(sysProps) }); err != nil {
		return err
	}
	cfg, err := workerconfig.ParseDistributed(props)
	if err != nil {
		return err
	}
	// Config providers warn here when allowed.paths refuses a path.
	cfg.ConfigTransformer = cfg.ConfigTransformer.WithLogger(log)
	for _, w := range cfg.Warnings {
		log.Warn(w)
	}
	// The readiness check connects as the worker does: a rejected
	// credential or certificate ends it at once with the broker's reason.
	readyCtx, notReady := context.WithCancelCause(ctx)
	kopts, err := cfg.KafkaOptions(notReady)
	if err != nil {
		notReady(nil)
		return err
	}
	err = kafkaready.WaitOpts(readyCtx, cfg.BootstrapServers, cfg.KafkaReadyMinBrokers, cfg.KafkaReadyTimeout, log, kopts...)
	if cause := context.Cause(readyCtx); err != nil && errors.Is(cause, kafkaclient.ErrAuthentication) {
		err = cause
	}
	notReady(nil)
	if err != nil {
		return err
	}
	rs, err := rest.Listen(cfg.Worker, cfg.AdoptListenPort, sysProps, log)
	if err != nil {
		return err
	}
	reg := builtin.Registry(cfg.PluginPath)
	warnFileConnectors(log, cfg.PluginPath)
	h, err := distributed.Start(ctx, distributed.Config{Worker: cfg, Registry: reg, Log: log,
		NewWorker: func(offsets *kafkastate.OffsetStore, l status.Listener) *worker.Worker {
			return worker.New(cfg.Worker, reg, offsets, l, log)
		}, HTTPClient: rs.Client})
	if err != nil {
		rs.Close()
		return err
	}
	scfg := rs.Config(h)
	scfg.Loggers, scfg.Commit, scfg.Log = loggers, version, log
	scfg.ConfigTransformer = cfg.ConfigTransformer
	scfg.ClientOverridePolicy = cfg.ClientOverridePolicy
	scfg.Converters = workerConverters(cfg.Props)
	scfg.SourcePreflight = cfg.SourcePreflight()
	srv := rest.New(scfg)
	srv.SetReady()
	srvCtx, stopSrv := context.WithCancel(ctx)
	defer stopSrv()
	srvDone := make(chan error, 1)
	go func() { srvDone <- srv.ServeListeners(srvCtx, rs.Main, rs.Admin) }()
	log.Info("goconnect distributed worker started", "worker_id", cfg.WorkerID, "group.id", cfg.GroupID,
		"rest", rs.Addresses(), "advertised_url", cfg.AdvertisedURL, "bootstrap.servers", strings.Join(cfg.BootstrapServers, ","))
	srvStopped := false
	select {
	case <-ctx.Done():
	case err := <-srvDone:
		srvStopped = true
		log.Error("REST server stopped", "error", err)
	}
	log.Info("shutting down: stopping tasks, committing offsets, leaving the group")
	if err := h.Stop(context.Background()); err != nil {
		log.Error("graceful shutdown incomplete", "error", err)
	}
	stopSrv()
	if !srvStopped {
		<-srvDone
	}
	log.Info("goconnect stopped")
	return nil
}

// runHealthcheck is the container's healthcheck: GET /connectors wants 200.
func runHealthcheck(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	opts := restclient.FromEnv(os.Environ())
	opts.Register(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: goconnect healthcheck [flags] [url]\n\nWithout a URL: the worker's own, from CONNECT_LISTENERS, CONNECT_REST_ADVERTISED_HOST_NAME and CONNECT_REST_PORT.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	url := healthcheck.URL(os.Environ())
	if fs.NArg() > 0 {
		url = fs.Arg(0)
	}
	return healthcheck.Healthcheck(ctx, url, opts)
}
