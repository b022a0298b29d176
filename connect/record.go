// Package connect is goconnect's plugin API, the Go counterpart of Connect's
// api module: records, headers, and the interfaces that connectors, tasks,
// converters, transformations and predicates implement. It depends on nothing
// else in goconnect; plugins depend on it, never on the runtime.
package connect

import (
	"time"

	"github.com/goconnect/goconnect/connect/data"
)

// Header is one record header with an optional schema.
type Header struct {
	Key    string
	Schema *data.Schema
	Value  any
}

// Headers is an ordered header list; keys may repeat, as in Kafka.
type Headers []Header

// Last returns the last header with the key.
func (h Headers) Last(key string) (Header, bool) {
	for i := len(h) - 1; i >= 0; i-- {
		if h[i].Key == key {
			return h[i], true
		}
	}
	return Header{}, false
}

// Without returns a copy without any header of the given keys.
func (h Headers) Without(keys ...string) Headers {
	out := make(Headers, 0, len(h))
outer:
	for _, x := range h {
		for _, k := range keys {
			if x.Key == k {
				continue outer
			}
		}
		out = append(out, x)
	}
	return out
}

// Clone returns a copy that can be changed without touching h.
func (h Headers) Clone() Headers { return append(Headers(nil), h...) }

// NoPartition marks a source record whose partition the producer chooses.
const NoPartition int32 = -1

// TimestampType says where a sink record's timestamp came from.
type TimestampType int8

// Timestamp types, as Kafka's.
const (
	NoTimestampType TimestampType = iota
	CreateTime
	LogAppendTime
)

// Record is what source and sink records share, and what transformations
// and predicates see (Connect's ConnectRecord).
type Record struct {
	Topic string
	// Partition is the Kafka partition; NoPartition on a source record
	// lets the producer choose.
	Partition   int32
	KeySchema   *data.Schema
	Key         any
	ValueSchema *data.Schema
	Value       any
	// Timestamp is zero when the record has none.
	Timestamp time.Time
	Headers   Headers
	// KafkaOffset is the offset in Kafka of a sink record, -1 for a
	// source record (InsertField's offset.field reads it).
	KafkaOffset int64
}

// SourceRecord is produced by a source task. SourcePartition and
// SourceOffset hold only string keys and primitive values.
type SourceRecord struct {
	Record
	SourcePartition map[string]any
	SourceOffset    map[string]any
}

// NewSourceRecord builds a source record for the producer to partition.
func NewSourceRecord(partition, offset map[string]any, topic string, keySchema *data.Schema, key any, valueSchema *data.Schema, value any) SourceRecord {
	return SourceRecord{
		Record: Record{
			Topic: topic, Partition: NoPartition,
			KeySchema: keySchema, Key: key, ValueSchema: valueSchema, Value: value,
			KafkaOffset: -1,
		},
		SourcePartition: partition,
		SourceOffset:    offset,
	}
}

// SinkRecord is delivered to a sink task.
type SinkRecord struct {
	Record
	TimestampType TimestampType
	// OriginalTopic, OriginalPartition and OriginalOffset are the record's
	// coordinates before transformations (KIP-793).
	OriginalTopic     string
	OriginalPartition int32
	OriginalOffset    int64
}

// TopicPartition names a Kafka partition.
type TopicPartition struct {
	Topic     string
	Partition int32
}
