// Package filestream provides Apache Kafka's FileStream example connectors:
// a source that tails a text file line by line, and a sink that appends
// record values to a file. They are small, dependency-free connectors
// useful for trying a pipeline and for testing the runtime.
package filestream

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/config"
	"github.com/goconnect/goconnect/connect/data"
)

// Version is reported for both connectors.
const Version = "4.1.0-goconnect"

const (
	keyFile      = "file"
	keyTopic     = "topic"
	keyBatchSize = "batch.size"
	// Offset and partition field names, as Apache's FileStreamSourceTask writes them.
	partitionFilename = "filename"
	offsetPosition    = "position"
)

// SourceDesc registers the source connector.
func SourceDesc() connect.PluginDesc {
	return connect.PluginDesc{
		Class: "org.apache.kafka.connect.file.FileStreamSourceConnector", Type: connect.TypeSource, Version: Version,
		TaskClass: "org.apache.kafka.connect.file.FileStreamSourceTask",
		New:       func() any { return &SourceConnector{} },
	}
}

func sourceDef() *config.Def {
	return config.NewDef().
		Define(config.Key{Name: keyFile, Type: config.TypeString, NullDefault: true, Importance: config.High, Doc: "Source filename. If not specified, the standard input will be used"}).
		Define(config.Key{Name: keyTopic, Type: config.TypeString, Required: true, Validator: singleTopic{}, Importance: config.High, Doc: "The topic to publish data to"}).
		Define(config.Key{Name: keyBatchSize, Type: config.TypeInt, Default: "2000", Importance: config.Low, Doc: "The maximum number of records the source task can read from the file each time it is polled"})
}

// singleTopic is Connect 4.1's NonEmptyString check of topic, plus the
// single-topic check older Connect made: a comma-separated list is refused
// rather than used as one topic name.
type singleTopic struct{}

func (singleTopic) Validate(_ string, v any) error {
	s, _ := v.(string)
	if s == "" {
		return fmt.Errorf("String must be non-empty")
	}
	if strings.Contains(s, ",") {
		return fmt.Errorf("'topic' in FileStreamSourceConnector configuration requires definition of a single topic")
	}
	return nil
}

func (singleTopic) String() string { return "a single topic" }

// SourceConnector reads one file with one task.
type SourceConnector struct{ props map[string]string }

// Version implements connect.Connector.
func (*SourceConnector) Version() string { return Version }

// ConfigDef implements connect.Connector.
func (*SourceConnector) ConfigDef() *config.Def { return sourceDef() }

// Start implements connect.Connector.
func (c *SourceConnector) Start(_ context.Context, props map[string]string) error {
	if _, err := sourceDef().Parse(props); err != nil {
		return err
	}
	c.props = props
	return nil
}

// TaskConfigs implements connect.Connector: one task reads the file.
func (c *SourceConnector) TaskConfigs(int) ([]map[string]string, error) {
	return []map[string]string{c.props}, nil
}

// Stop implements connect.Connector.
func (*SourceConnector) Stop() error { return nil }

// NewTask implements connect.SourceConnector.
func (*SourceConnector) NewTask() connect.SourceTask { return &SourceTask{} }

// SourceTask emits each complete line of the file as a STRING value.
type SourceTask struct {
	filename  string
	topic     string
	batchSize int
	file      *os.File
	reader    *bufio.Reader
	position  int64
	partition map[string]any
	// pending holds a line read without its newline yet.
	pending []byte
}

// Start implements connect.SourceTask: it resumes after the stored position.
func (t *SourceTask) Start(ctx context.Context, tc connect.SourceTaskContext, props map[string]string) error {
	v, err := sourceDef().Parse(props)
	if err != nil {
		return err
	}
	t.filename, t.topic, t.batchSize = v.String(keyFile), v.String(keyTopic), int(v.Int(keyBatchSize))
	if t.batchSize < 1 {
		// Connect 4.1 accepts any batch.size; its task then returns each
		// line on its own, as one here.
		t.batchSize = 1
	}
	if t.filename == "" {
		t.reader = bufio.NewReader(os.Stdin)
		return nil
	}
	t.partition = map[string]any{partitionFilename: t.filename}
	off, err := tc.Offsets().Offset(ctx, t.partition)
	if err != nil {
		return fmt.Errorf("reading stored offset of %s: %w", t.filename, err)
	}
	if pos, ok := off[offsetPosition]; ok {
		switch p := pos.(type) {
		case int64:
			t.position = p
		case float64:
			t.position = int64(p)
		default:
			return fmt.Errorf("stored offset position of %s is %T, not a number", t.filename, pos)
		}
	}
	return nil
}

// Poll implements connect.SourceTask: it waits for the file to appear or grow.
func (t *SourceTask) Poll(ctx context.Context) ([]connect.SourceRecord, error) {
	for {
		if err := t.open(); err != nil {
			return nil, err
		}
		if t.reader != nil {
			recs, err := t.readLines()
			if err != nil || len(recs) > 0 {
				return recs, err
			}
		}
		select {
		case <-ctx.Done():
			return nil, nil
		case <-time.After(time.Second):
		}
	}
}

func (t *SourceTask) open() error {
	if t.reader != nil || t.filename == "" {
		return nil
	}
	f, err := os.Open(t.filename)
	if errors.Is(err, os.ErrNotExist) {
		return nil // wait for it, as Apache's task does
	}
	if err != nil {
		return fmt.Errorf("opening %s: %w", t.filename, err)
	}
	if _, err := f.Seek(t.position, io.SeekStart); err != nil {
		f.Close()
		return fmt.Errorf("seeking %s to %d: %w", t.filename, t.position, err)
	}
	t.file, t.reader = f, bufio.NewReaderSize(f, 64*1024)
	return nil
}

func (t *SourceTask) readLines() ([]connect.SourceRecord, error) {
	var recs []connect.SourceRecord
	for len(recs) < t.batchSize {
		chunk, err := t.reader.ReadSlice('\n')
		t.pending = append(t.pending, chunk...)
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return recs, fmt.Errorf("reading %s: %w", t.filename, err)
		}
		t.position += int64(len(t.pending))
		line := string(trimEOL(t.pending))
		t.pending = t.pending[:0]
		var off map[string]any
		if t.partition != nil {
			off = map[string]any{offsetPosition: t.position}
		}
		recs = append(recs, connect.NewSourceRecord(t.partition, off, t.topic, nil, nil, data.StringSchema, line))
	}
	return recs, nil
}

func trimEOL(b []byte) []byte {
	b = b[:len(b)-1]
	if len(b) > 0 && b[len(b)-1] == '\r' {
		b = b[:len(b)-1]
	}
	return b
}

// Stop implements connect.SourceTask.
func (t *SourceTask) Stop() error {
	if t.file != nil {
		return t.file.Close()
	}
	return nil
}

// AlterOffsets implements connect.OffsetsAlterer with the checks of
// Apache's FileStreamSourceConnector, so a malformed offset is refused
// through the REST API instead of failing the task at its next start.
// Tombstones pass, so stale partitions can always be cleaned up.
func (*SourceConnector) AlterOffsets(props map[string]string, offsets []connect.PartitionOffset) (bool, error) {
	if props[keyFile] == "" {
		return false, fmt.Errorf("Offsets cannot be modified if the '%s' configuration is unspecified. "+
			"This is because stdin is used for input and offsets are not tracked.", keyFile)
	}
	for _, o := range offsets {
		if o.Offset == nil {
			continue
		}
		pos, ok := o.Offset[offsetPosition]
		if !ok {
			return false, fmt.Errorf("Offset objects should either be null or contain the key '%s'", offsetPosition)
		}
		// The runtime hands over JSON integers as int64 (Java's Long).
		p, ok := pos.(int64)
		if !ok {
			return false, fmt.Errorf("The value for the '%s' key in the offset is expected to be a Long value", offsetPosition)
		}
		if p < 0 {
			return false, fmt.Errorf("The value for the '%s' key in the offset should be a non-negative value", offsetPosition)
		}
		if o.Partition == nil {
			return false, errors.New("Partition objects cannot be null")
		}
		if _, ok := o.Partition[partitionFilename]; !ok {
			return false, fmt.Errorf("Partition objects should contain the key '%s'", partitionFilename)
		}
	}
	// The task checks the position against the file when it starts.
	return true, nil
}
