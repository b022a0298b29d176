package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"text/tabwriter"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/goconnect/goconnect/builtin"
	"github.com/goconnect/goconnect/runtime/plugins"
)

func runPlugins(stdout io.Writer) error {
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TYPE\tCLASS\tVERSION\tALSO ACCEPTED AS")
	all, err := plugins.NewRegistry(builtin.All()...)
	if err != nil {
		return err
	}
	offered := builtin.Registry(nil)
	for _, d := range all.All() {
		names := strings.Join(plugins.Names(*d)[1:], ", ")
		if _, err := offered.Lookup(d.Class, d.Type); err != nil {
			names += " (only with a plugin.path entry naming connect-file)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", d.Type, d.Class, d.Version, names)
	}
	return tw.Flush()
}

// warnFileConnectors says once that the file connectors are on: they read
// and write any file the worker can, for anyone who reaches the REST API.
func warnFileConnectors(log *slog.Logger, pluginPath []string) {
	if builtin.FileConnectorsEnabled(pluginPath) {
		log.Warn("plugin.path enables FileStreamSourceConnector and FileStreamSinkConnector: anyone who can reach the REST API can read and write files the worker can",
			"plugin.path", strings.Join(pluginPath, ","))
	}
}

func runConsume(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("consume", flag.ContinueOnError)
	fs.SetOutput(stderr)
	brokers := fs.String("bootstrap-server", "127.0.0.1:9092", "Kafka brokers")
	max := fs.Int("max-records", 0, "stop after this many records (0: run until interrupted)")
	commandConfigFile := fs.String("command-config", "", "properties file with the client's security settings (security.protocol, sasl.*, ssl.*), as kafka-console-consumer's --command-config")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("consume needs one topic")
	}
	ctx, failed := context.WithCancelCause(ctx)
	defer failed(nil)
	sec, err := commandConfig(*commandConfigFile, false, failed)
	if err != nil {
		return err
	}
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(strings.Split(*brokers, ",")...), kgo.ConsumeTopics(fs.Arg(0)),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart())}, sec...)...)
	if err != nil {
		return fmt.Errorf("creating consumer: %w", err)
	}
	defer cl.Close()
	n := 0
	for ctx.Err() == nil {
		fetches := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			break
		}
		var ferr error
		fetches.EachError(func(t string, p int32, err error) { ferr = fmt.Errorf("fetching %s-%d: %w", t, p, err) })
		if ferr != nil {
			return ferr
		}
		for _, r := range fetches.Records() {
			fmt.Fprintf(stdout, "%d@%d key=%s value=%s\n", r.Partition, r.Offset, r.Key, r.Value)
			n++
			if *max > 0 && n >= *max {
				return nil
			}
		}
	}
	return authCause(ctx, nil)
}
