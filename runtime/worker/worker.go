// Package worker runs connectors and their tasks: it builds each task's
// converters, transformation chain and Kafka clients, and drives the
// source and sink task loops. It reports every status change of what it
// runs to a status.Listener and keeps the states it reported itself; it
// never reads the listener's view.
package worker

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/runtime/configprovider"
	"github.com/goconnect/goconnect/runtime/connectorconfig"
	"github.com/goconnect/goconnect/runtime/metrics"
	"github.com/goconnect/goconnect/runtime/offsetstore"
	"github.com/goconnect/goconnect/runtime/plugins"
	"github.com/goconnect/goconnect/runtime/status"
	"github.com/goconnect/goconnect/runtime/topiccreation"
	"github.com/goconnect/goconnect/runtime/workerconfig"
)

// Worker runs connectors and tasks on this process.
type Worker struct {
	cfg     *workerconfig.Worker
	reg     *plugins.Registry
	offsets offsetstore.Store
	status  status.Listener
	log     *slog.Logger

	topics  *topicTracker
	metrics *metrics.Registry

	mu         sync.Mutex
	connectors map[string]*runningConnector
	tasks      map[status.TaskID]*runningTask
	eos        *ExactlyOnce
}

type runningConnector struct {
	parsed      *connectorconfig.Parsed
	inst        connect.Connector
	target      status.TargetState
	taskConfigs []map[string]string
	// state is the connector's last reported state ("" before the
	// first); a FAILED connector stays FAILED until it starts again.
	state status.State
	// reporting orders the connector's reports: a state is decided
	// and reported under it.
	reporting sync.Mutex
}

// New returns a worker with its own metrics registry; it reports the
// status of what it runs to listener.
func New(cfg *workerconfig.Worker, reg *plugins.Registry, offsets offsetstore.Store, listener status.Listener, log *slog.Logger) *Worker {
	w := &Worker{cfg: cfg, reg: reg, offsets: offsets, status: listener, log: log, topics: newTopicTracker(),
		connectors: map[string]*runningConnector{}, tasks: map[status.TaskID]*runningTask{}}
	w.metrics = metrics.NewRegistry(w)
	return w
}

// Config returns the worker config.
func (w *Worker) Config() *workerconfig.Worker { return w.cfg }

// Offsets returns the source offset store, for the offsets REST endpoints.
func (w *Worker) Offsets() offsetstore.Store { return w.offsets }

func (w *Worker) startConnectorInstance(ctx context.Context, rc *runningConnector) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("connector panicked: %v", r)
		}
	}()
	if configprovider.HasReferences(rc.parsed.Raw) {
		// Secrets are read again at every start, as Connect transforms
		// the stored config each time it starts a connector.
		p, err := connectorconfig.ParseResolved(w.reg, w.cfg.ConfigTransformer, rc.parsed.Raw)
		if err != nil {
			return fmt.Errorf("resolving the connector config: %w", err)
		}
		w.mu.Lock()
		rc.parsed = p
		w.mu.Unlock()
	}
	inst := rc.parsed.Plugin.New().(connect.Connector)
	if err := inst.Start(ctx, rc.parsed.Props); err != nil {
		return fmt.Errorf("starting connector: %w", err)
	}
	rc.inst = inst
	configs, err := inst.TaskConfigs(rc.parsed.TasksMax)
	if err != nil {
		return fmt.Errorf("generating task configs: %w", err)
	}
	if len(configs) > rc.parsed.TasksMax && rc.parsed.Values.Bool(connectorconfig.TasksMaxEnforce) {
		return fmt.Errorf("connector generated %d task configs but tasks.max is %d", len(configs), rc.parsed.TasksMax)
	}
	// Stored and shown task configs keep the connector's placeholders;
	// each task resolves them again when it starts, as in Connect.
	configs = configprovider.ReverseTransform(rc.parsed.Raw, configs)
	if tc := rc.parsed.Plugin.TaskClass; tc != "" {
		configs = withTaskClass(configs, tc)
	}
	w.mu.Lock()
	rc.taskConfigs = configs
	w.mu.Unlock()
	return nil
}

// startTask builds and starts one task; failures to build it leave the task FAILED.
func (w *Worker) startTask(ctx context.Context, rc *runningConnector, n int, taskProps map[string]string) *handle {
	id := status.TaskID{Connector: rc.parsed.Name, Task: n}
	log := w.log.With("connector", id.Connector, "task", n)
	h := newHandle(id, w.status, w.cfg.WorkerID, log)
	h.version = rc.parsed.Plugin.Version
	h.topics = &taskTopics{tracker: w.topics, connector: id.Connector, task: n}
	h.setPaused(rc.target == status.TargetPaused)
	tctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	h.cancel = cancel
	h.report(status.Unassigned, "")
	run, err := w.buildTaskResolved(h, rc, taskProps, log)
	if err != nil {
		h.fail(err, nil)
		close(h.done)
		h.abort()
		return h
	}
	go h.guard(func() error { return run(tctx) })
	return h
}

// buildTaskResolved resolves the placeholders of a task's stored config
// and builds it.
func (w *Worker) buildTaskResolved(h *handle, rc *runningConnector, taskProps map[string]string, log *slog.Logger) (func(context.Context) error, error) {
	resolved, err := w.cfg.ConfigTransformer.Transform(taskProps)
	if err != nil {
		return nil, fmt.Errorf("resolving the task config: %w", err)
	}
	return w.buildTask(h, rc, resolved, log)
}

// buildTask wires a task's plugins and clients; it returns the task loop.
func (w *Worker) buildTask(h *handle, rc *runningConnector, taskProps map[string]string, log *slog.Logger) (func(context.Context) error, error) {
	p := rc.parsed
	conv, err := newConverters(w.reg, w.cfg.Props, p.Props)
	if err != nil {
		return nil, err
	}
	ch, err := newChain(w.reg, p)
	if err != nil {
		return nil, err
	}
	if err := w.checkOverrides(p.Props); err != nil {
		ch.close()
		return nil, err
	}
	base := []kgo.Opt{kgo.SeedBrokers(w.cfg.BootstrapServers...)}
	switch c := rc.inst.(type) {
	case connect.SourceConnector:
		popts, err := producerOpts(w.cfg.Props, p.Props, clientFailed(h, "producer"))
		if err != nil {
			ch.close()
			return nil, err
		}
		opts := append(base,
			kgo.ClientID("connector-producer-"+p.Name+"-"+strconv.Itoa(h.id.Task)),
			kgo.RecordPartitioner(newExplicitPartitioner()),
			kgo.AllowAutoTopicCreation(),
			// Connect retries sends forever; the record timeout is the
			// graceful shutdown bound instead.
			kgo.RecordRetries(1<<30),
			// The Java producer's default is no compression (franz-go's
			// is snappy); producer.compression.type changes it.
			kgo.ProducerBatchCompression(kgo.NoCompression()),
			// 16 MiB (Java: 32 MiB, see defaultBufferMemory);
			// producer.buffer.memory changes it.
			kgo.MaxBufferedBytes(defaultBufferMemory),
		)
		eos := w.exactlyOnce()
		if eos != nil {
			opts = append(opts, kgo.TransactionalID(transactionalID(eos.GroupID, p.Name, h.id.Task)))
		}
		cl, err := kgo.NewClient(append(opts, popts...)...)
		if err != nil {
			ch.close()
			return nil, fmt.Errorf("creating producer: %w", err)
		}
		creator, adm, err := w.topicCreator(p, h, base, log)
		if err != nil {
			cl.Close()
			ch.close()
			return nil, err
		}
		tm := w.metrics.Task(p.Name, h.id.Task, true)
		ops, err := w.newOperator(p, h, false, tm.Errors(), log)
		if err != nil {
			closeClient(adm)
			cl.Close()
			ch.close()
			tm.Close()
			return nil, err
		}
		r := &sourceRunner{h: h, task: c.NewTask(), props: taskProps, chain: ch, conv: conv, producer: cl,
			offsets: w.offsets, flushInt: w.cfg.OffsetFlushInterval, flushTO: w.cfg.OffsetFlushTimeout, log: log, sub: newSubmitted(),
			ops: ops, tm: tm, taskClass: p.Plugin.Class, creator: creator, admin: adm}
		if eos != nil {
			r.txn = eos.Offsets
			// Connect reads the value case-insensitively, as the key's validator accepts it.
			if strings.EqualFold(strings.TrimSpace(p.Values.String(connectorconfig.TransactionBoundary)), "interval") {
				r.txnInterval = w.cfg.OffsetFlushInterval
				if p.Values.Get(connectorconfig.TransactionBoundaryIntervalMs) != nil {
					r.txnInterval = p.Values.Duration(connectorconfig.TransactionBoundaryIntervalMs)
				}
				r.flushInt = min(r.flushInt, max(r.txnInterval, time.Millisecond))
			}
		}
		return conv.closing(r.run), nil
	case connect.SinkConnector:
		tm := w.metrics.Task(p.Name, h.id.Task, false)
		ops, err := w.newOperator(p, h, true, tm.Errors(), log)
		if err != nil {
			ch.close()
			tm.Close()
			return nil, err
		}
		r := &sinkRunner{h: h, task: c.NewTask(), props: taskProps, chain: ch, conv: conv,
			flushInt: w.cfg.OffsetFlushInterval, flushTO: w.cfg.OffsetFlushTimeout, log: log, maxPoll: 500,
			consumed: map[connect.TopicPartition]int64{}, assigned: map[connect.TopicPartition]bool{},
			pausedByTask: map[connect.TopicPartition]bool{}, ops: ops, tm: tm}
		r.errant = &errantReporter{r: r}
		copts, err := consumerSecurity(w.cfg.Props, p.Props, clientFailed(h, "consumer"))
		if err != nil {
			ch.close()
			ops.Close()
			tm.Close()
			return nil, err
		}
		opts := append(base, kgo.ClientID("connector-consumer-"+p.Name+"-"+strconv.Itoa(h.id.Task)))
		opts = append(opts, r.consumerOpts(p.Name, p.Values.List(connectorconfig.Topics), p.Values.String(connectorconfig.TopicsRegex))...)
		opts = append(opts, copts...)
		cl, err := kgo.NewClient(opts...)
		if err != nil {
			ch.close()
			ops.Close()
			tm.Close()
			return nil, fmt.Errorf("creating consumer: %w", err)
		}
		r.consumer = cl
		return conv.closing(r.run), nil
	}
	ch.close()
	return nil, fmt.Errorf("connector %s is neither a source nor a sink", p.Plugin.Class)
}

// topicCreator builds a source task's topic creation (KIP-158) when the
// worker allows it and the connector configures it, with the task's own
// admin client built from the same base options as its other clients.
// Both are nil otherwise.
func (w *Worker) topicCreator(p *connectorconfig.Parsed, h *handle, base []kgo.Opt, log *slog.Logger) (*topiccreation.Creator, *kgo.Client, error) {
	if !w.cfg.TopicCreation || !topiccreation.Used(p.Props) {
		return nil, nil, nil
	}
	groups, err := topiccreation.Parse(p.Props)
	if err != nil {
		return nil, nil, err
	}
	sec, err := adminSecurity(w.cfg.Props, p.Props, clientFailed(h, "admin client"))
	if err != nil {
		return nil, nil, err
	}
	opts := append(slices.Clip(base), kgo.ClientID("connector-adminclient-"+p.Name+"-"+strconv.Itoa(h.id.Task)))
	opts = append(opts, sec...)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("creating admin client: %w", err)
	}
	return topiccreation.NewCreator(groups, cl, log), cl, nil
}

// clientFailed returns the onFatal callback of a task's client: the task
// ends FAILED with the error, the client named.
func clientFailed(h *handle, client string) func(error) {
	return func(err error) { h.failFast(fmt.Errorf("task %s: %w", client, err)) }
}

func closeClient(cl *kgo.Client) {
	if cl != nil {
		cl.Close()
	}
}

// withTaskClass copies task configs with task.class set, as Connect's
// Worker adds it to every task config it stores.
func withTaskClass(configs []map[string]string, class string) []map[string]string {
	out := make([]map[string]string, len(configs))
	for i, c := range configs {
		m := make(map[string]string, len(c)+1)
		for k, v := range c {
			m[k] = v
		}
		m[connectorconfig.TaskClass] = class
		out[i] = m
	}
	return out
}
