// Command goconnect is a Kafka Connect worker: a drop-in replacement for
// the Java connect-standalone and connect-distributed commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"syscall"

	"github.com/goconnect/goconnect/internal/gctune"
	"github.com/goconnect/goconnect/internal/mask"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "0.1.0-dev"

const usage = `goconnect — a Kafka Connect worker in Go

Usage:
  goconnect standalone [flags] worker.properties [connector.json|connector.properties|folder ...]
  goconnect distributed [flags] [worker.properties]   (no file: CONNECT_* environment, as the container)
  goconnect healthcheck [--user u:p] [--cacert ca.pem] [--cert c.pem] [url]
                                         GET /connectors must answer 200
  goconnect consume [flags] topic        print records of a topic (for trying things out)
  goconnect offsets get|set|reset [--url http://127.0.0.1:8083] [--file offsets.json] [--user u:p] connector
                                         read or change a connector's offsets through the REST API
  goconnect connectors list|status|config|pause|resume|stop|restart|delete [--url …] [-o json] [name]
                                         look at and act on connectors through the REST API
  goconnect schema-registry [--bootstrap-server host:port] [--listen 127.0.0.1:8081]
                                         a Confluent-compatible Avro schema registry kept in _schemas
  goconnect plugins                      list the plugins and the Java class names they answer to
  goconnect version

Run "goconnect <command> -h" for a command's flags.
`

// loggersUsage describes --log-loggers, which both worker modes take.
const loggersUsage = "levels of named loggers, name=LEVEL,… (env CONNECT_LOG4J_LOGGERS); " +
	"org.apache.kafka.connect.runtime.rest=WARN turns the REST request log off"

// defaultGCPercent trades memory for throughput: records are short-lived
// garbage, and at Go's default of 100 the collector costs a quarter of the
// source path's time. 800 rather than 400: a live stream's small live heap
// (~11 MB) is collected at ~96 MB (gctune.Floor) instead of ~55 MB, 7%
// less CPU per live MySQL transaction; above ~10 MB live the tuner's
// limit decides either way. GOGC in the environment still wins.
const defaultGCPercent = 800

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	tuneGC(ctx, os.Getenv)
	// GOCONNECT_CPUPROFILE=file writes a CPU profile, for finding where a
	// pipeline spends its time (go tool pprof).
	if path := os.Getenv("GOCONNECT_CPUPROFILE"); path != "" {
		if f, err := os.Create(path); err == nil && pprof.StartCPUProfile(f) == nil {
			code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
			pprof.StopCPUProfile()
			f.Close()
			writeHeapProfile()
			os.Exit(code)
		}
	}
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	writeHeapProfile()
	os.Exit(code)
}

// tuneGC sets the collector's defaults unless the environment sets them.
func tuneGC(ctx context.Context, getenv func(string) string) {
	if getenv("GOGC") != "" {
		return
	}
	debug.SetGCPercent(defaultGCPercent)
	if getenv("GOMEMLIMIT") == "" {
		// GOGC=800 alone lets the heap reach 9× the live heap; the
		// tuner caps it near gctune.Floor while little is live.
		go gctune.Run(ctx, gctune.Floor, gctune.Factor, gctune.Every)
	}
}

// writeHeapProfile writes the heap profile to GOCONNECT_MEMPROFILE, when
// set, at exit: its alloc_space view shows what allocated during the run
// (inuse_space is of the exit moment only).
func writeHeapProfile() {
	path := os.Getenv("GOCONNECT_MEMPROFILE")
	if path == "" {
		return
	}
	if f, err := os.Create(path); err == nil {
		_ = pprof.Lookup("allocs").WriteTo(f, 0)
		f.Close()
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "standalone":
		err = runStandalone(ctx, args[1:], stdout, stderr)
	case "distributed":
		err = runDistributed(ctx, args[1:], stdout, stderr)
	case "healthcheck":
		err = runHealthcheck(ctx, args[1:], stderr)
	case "schema-registry":
		err = runRegistry(ctx, args[1:], stderr)
	case "consume":
		err = runConsume(ctx, args[1:], stdout, stderr)
	case "offsets":
		err = runOffsets(ctx, args[1:], stdout, stderr, os.Stdin)
	case "connectors":
		err = runConnectors(ctx, args[1:], stdout, stderr)
	case "plugins":
		err = runPlugins(stdout)
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, "goconnect", version)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "goconnect: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		if errors.As(err, new(reported)) {
			return 1
		}
		fmt.Fprintln(stderr, "goconnect:", mask.Text(err.Error()))
		return 1
	}
	return 0
}
