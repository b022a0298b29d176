// Package storage declares where a herder keeps the cluster's state:
// connector configs, target states, task configs and restart requests
// (ConfigStore), connector and task statuses with the topics connectors
// use (StatusStore), and source offsets (offsetstore.Store). The engine
// in package herder only sees these interfaces. Standalone mode keeps
// config and status in memory (this package) and offsets in a file
// (package offsetstore); distributed mode keeps all three in Kafka
// topics (package kafkastate).
package storage

import (
	"context"
	"time"

	"github.com/goconnect/goconnect/runtime/offsetstore"
	"github.com/goconnect/goconnect/runtime/status"
)

// ConfigStore holds what connectors should exist and how: written by the
// leader, read by every worker.
type ConfigStore interface {
	// Snapshot returns a deep copy of the current state.
	Snapshot() Snapshot
	// ReadToEnd waits until the store holds everything written before.
	ReadToEnd(ctx context.Context) error
	// PutConnector writes a connector config, after its target state when
	// target is not empty.
	PutConnector(ctx context.Context, name string, props map[string]string, target status.TargetState) error
	PutTarget(ctx context.Context, name string, target status.TargetState) error
	// PutTaskConfigs replaces a connector's task configs as one generation.
	PutTaskConfigs(ctx context.Context, name string, tasks []map[string]string) error
	// RemoveConnector forgets a connector's config and target state.
	RemoveConnector(ctx context.Context, name string) error
	// PutRestart records a restart request for the workers to act on.
	PutRestart(ctx context.Context, name string, req RestartRequest) error
	// Watch registers f to hear every later change, after it is applied
	// and before Snapshot's Offset passes it. f must not block.
	Watch(f func(ConfigChange))
}

// StatusStore holds the cluster-wide view of statuses and active topics.
// A worker publishes the statuses of what it runs; every worker reads
// all of them.
type StatusStore interface {
	// Board is the cluster-wide view, read by the REST API.
	Board() *status.Board
	// Publish writes one change without waiting; generation is the
	// writer's group generation (Connect keeps the newest).
	Publish(ctx context.Context, c status.Change, generation int32)
	// Flush waits for the writes made so far.
	Flush(ctx context.Context) error
	// PublishTopic records that a connector's task uses topic (KIP-558).
	PublishTopic(connector, topic string, task int, now time.Time)
	// ActiveTopics returns a connector's active topics, sorted.
	ActiveTopics(connector string) []string
	// ResetTopics forgets a connector's active topics.
	ResetTopics(ctx context.Context, connector string) error
	// OnTopicsReset registers f to hear connectors whose active topics
	// were reset, so workers record them again as tasks use them.
	OnTopicsReset(f func(connector string))
}

// OffsetStore is where source offsets live.
type OffsetStore = offsetstore.Store
