package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/goconnect/goconnect/runtime/connectorconfig"
	rterrors "github.com/goconnect/goconnect/runtime/errors"
	"github.com/goconnect/goconnect/runtime/metrics"
)

// errorsConfig reads a connector's errors.* settings.
func errorsConfig(p *connectorconfig.Parsed) rterrors.Config {
	v := p.Values
	c := rterrors.Config{
		RetryTimeout:      v.Duration(connectorconfig.ErrorsRetryTime),
		MaxDelay:          v.Duration(connectorconfig.ErrorsRetryMax),
		TolerateAll:       v.String(connectorconfig.ErrorsTolerance) == "all",
		Log:               v.Bool(connectorconfig.ErrorsLogEnable),
		LogMessages:       v.Bool(connectorconfig.ErrorsLogMsgs),
		DLQTopic:          v.String(connectorconfig.DLQTopic),
		DLQContextHeaders: v.Bool(connectorconfig.DLQHeaders),
	}
	if c.RetryTimeout < 0 {
		c.RetryTimeout = -1
	}
	if rf, ok := v.Get(connectorconfig.DLQReplication).(int16); ok {
		c.DLQReplication = rf
	}
	return c
}

// newOperator builds a task's error handling; sinks with a DLQ topic get
// their DLQ producer (and the topic, created if missing), owned by the
// operator. The DLQ producer uses the task producer's settings (producer.*
// then producer.override.*), its topic creation the task admin settings,
// as Connect's Worker builds them.
func (w *Worker) newOperator(p *connectorconfig.Parsed, h *handle, sink bool, m *metrics.TaskErrors, log *slog.Logger) (*rterrors.Operator, error) {
	cfg := errorsConfig(p)
	if !sink || cfg.DLQTopic == "" {
		return rterrors.NewOperator(context.Background(), cfg, p.Name, h.id.Task, log, m, nil)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// A rejected credential ends the topic creation at once.
	ctx, failOpen := context.WithCancelCause(ctx)
	defer failOpen(nil)
	onFatal := func(client string) func(error) {
		task := clientFailed(h, client)
		return func(err error) {
			failOpen(err)
			task(err)
		}
	}
	popts, err := producerOpts(w.cfg.Props, p.Props, onFatal("dead letter queue producer"))
	if err != nil {
		return nil, err
	}
	aopts, err := adminSecurity(w.cfg.Props, p.Props, onFatal("dead letter queue admin client"))
	if err != nil {
		return nil, err
	}
	base := []kgo.Opt{kgo.SeedBrokers(w.cfg.BootstrapServers...)}
	clients := &rterrors.DLQClients{Producer: append(slices.Clip(base), popts...), Admin: append(slices.Clip(base), aopts...)}
	ops, err := rterrors.NewOperator(ctx, cfg, p.Name, h.id.Task, log, m, clients)
	if err != nil {
		if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.DeadlineExceeded) && !errors.Is(cause, context.Canceled) {
			err = cause
		}
		return nil, fmt.Errorf("opening the dead letter queue: %w", err)
	}
	return ops, nil
}
