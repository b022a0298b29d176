package worker

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
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
// their DLQ producer (and the topic, created if missing).
func (w *Worker) newOperator(p *connectorconfig.Parsed, task int, sink bool, m *metrics.TaskErrors, log *slog.Logger) (*rterrors.Operator, error) {
	cfg := errorsConfig(p)
	var dlq *rterrors.DLQ
	if sink && cfg.DLQTopic != "" {
		popts, err := producerOpts(w.cfg.Props, p.Props)
		if err != nil {
			return nil, err
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		base := []kgo.Opt{kgo.SeedBrokers(w.cfg.BootstrapServers...)}
		dlq, err = rterrors.OpenDLQ(ctx, cfg, p.Name, task, append(slices.Clip(base), popts...), base, log, m)
		if err != nil {
			return nil, fmt.Errorf("opening the dead letter queue: %w", err)
		}
	}
	return rterrors.NewOperator(cfg, p.Name+"-"+strconv.Itoa(task), log, dlq, m), nil
}
