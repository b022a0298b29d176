package filestream

import (
	"bufio"
	"context"
	"fmt"
	"os"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/config"
	"github.com/goconnect/goconnect/connect/data"
)

// SinkDesc registers the sink connector.
func SinkDesc() connect.PluginDesc {
	return connect.PluginDesc{
		Class: "org.apache.kafka.connect.file.FileStreamSinkConnector", Type: connect.TypeSink, Version: Version,
		TaskClass: "org.apache.kafka.connect.file.FileStreamSinkTask",
		New:       func() any { return &SinkConnector{} },
	}
}

func sinkDef() *config.Def {
	return config.NewDef().
		Define(config.Key{Name: keyFile, Type: config.TypeString, NullDefault: true, Importance: config.High, Doc: "Destination filename. If not specified, the standard output will be used"})
}

// SinkConnector appends record values to one file.
type SinkConnector struct{ props map[string]string }

// Version implements connect.Connector.
func (*SinkConnector) Version() string { return Version }

// ConfigDef implements connect.Connector.
func (*SinkConnector) ConfigDef() *config.Def { return sinkDef() }

// Start implements connect.Connector.
func (c *SinkConnector) Start(_ context.Context, props map[string]string) error {
	c.props = props
	return nil
}

// TaskConfigs implements connect.Connector; every task appends to the same file.
func (c *SinkConnector) TaskConfigs(maxTasks int) ([]map[string]string, error) {
	return connect.ReplicateTaskConfig(c.props, maxTasks), nil
}

// Stop implements connect.Connector.
func (*SinkConnector) Stop() error { return nil }

// NewTask implements connect.SinkConnector.
func (*SinkConnector) NewTask() connect.SinkTask { return &SinkTask{} }

// SinkTask writes each record value's text form on its own line.
type SinkTask struct {
	file *os.File
	w    *bufio.Writer
}

// Start implements connect.SinkTask.
func (t *SinkTask) Start(_ context.Context, _ connect.SinkTaskContext, props map[string]string) error {
	name := props[keyFile]
	if name == "" {
		t.w = bufio.NewWriter(os.Stdout)
		return nil
	}
	f, err := os.OpenFile(name, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		// Apache's message first (a status trace's first line), then the cause.
		return fmt.Errorf("Couldn't find or create file '%s' for FileStreamSinkTask\nCaused by: %w", name, err)
	}
	t.file, t.w = f, bufio.NewWriter(f)
	return nil
}

// Put implements connect.SinkTask.
func (t *SinkTask) Put(_ context.Context, recs []connect.SinkRecord) error {
	for _, r := range recs {
		if _, err := t.w.WriteString(data.JavaString(r.Value)); err != nil {
			return fmt.Errorf("writing record: %w", err)
		}
		if err := t.w.WriteByte('\n'); err != nil {
			return fmt.Errorf("writing record: %w", err)
		}
	}
	return nil
}

// Flush implements connect.SinkTask: lines are on disk before offsets commit.
func (t *SinkTask) Flush(context.Context, map[connect.TopicPartition]int64) error {
	if err := t.w.Flush(); err != nil {
		return fmt.Errorf("flushing: %w", err)
	}
	if t.file != nil {
		if err := t.file.Sync(); err != nil {
			return fmt.Errorf("syncing: %w", err)
		}
	}
	return nil
}

// Stop implements connect.SinkTask.
func (t *SinkTask) Stop() error {
	if t.file == nil {
		return t.w.Flush()
	}
	ferr := t.w.Flush()
	if err := t.file.Close(); err != nil {
		return err
	}
	return ferr
}

// AlterOffsets implements connect.OffsetsAlterer: like Apache's
// FileStreamSinkConnector it keeps no offsets of its own and checks
// nothing, and says so (Connect's shorter success message).
func (*SinkConnector) AlterOffsets(map[string]string, []connect.PartitionOffset) (bool, error) {
	return true, nil
}
