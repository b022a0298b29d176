package connect

import "errors"

// PartitionOffset is one partition and its new offset in an offsets
// change; a nil Offset removes the partition's offset. For sink
// connectors the partition has kafka_topic and kafka_partition and the
// offset kafka_offset, as Connect's REST API writes them.
type PartitionOffset struct {
	Partition map[string]any
	Offset    map[string]any
}

// OffsetsAlterer is optionally implemented by connectors that keep
// offsets outside Kafka, or want to check offsets changed through the
// REST API (KIP-875's Connector.alterOffsets). It is called while the
// connector is stopped, before the framework writes the change; a reset
// passes every partition with a nil offset. Returning true tells users
// the connector applied the change itself; returning an error rejects it.
type OffsetsAlterer interface {
	AlterOffsets(props map[string]string, offsets []PartitionOffset) (bool, error)
}

// ErrOffsetsUnsupported is returned by AlterOffsets when the connector
// cannot have its offsets changed (Java's UnsupportedOperationException).
var ErrOffsetsUnsupported = errors.New("modifying offsets is not supported")
