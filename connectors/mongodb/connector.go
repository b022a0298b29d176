// Package mongodb is a MongoDB sink with the config and semantics of
// MongoDB's Kafka connector (com.mongodb.kafka.connect.MongoSinkConnector).
package mongodb

import (
	"context"
	"errors"
	"time"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/config"
)

// Version is reported for the plugin.
const Version = "1.16.0-goconnect"

// SinkDesc registers the sink connector.
func SinkDesc() connect.PluginDesc {
	return connect.PluginDesc{
		Class: "com.mongodb.kafka.connect.MongoSinkConnector", Type: connect.TypeSink, Version: Version,
		TaskClass: "com.mongodb.kafka.connect.sink.MongoSinkTask",
		New:       func() any { return &SinkConnector{} },
	}
}

// SinkConnector hands its config to every task.
type SinkConnector struct{ props map[string]string }

// Version implements connect.Connector.
func (*SinkConnector) Version() string { return Version }

// ConfigDef implements connect.Connector.
func (*SinkConnector) ConfigDef() *config.Def { return sinkDef() }

// Validate implements connect.Validator: the cross-key rules of the
// default topic config (per-topic overrides are checked when a task meets
// the topic).
func (*SinkConnector) Validate(props map[string]string) map[string][]string {
	out := map[string][]string{}
	add := func(err error) {
		var ce *config.Error
		if errors.As(err, &ce) {
			out[ce.Key] = append(out[ce.Key], ce.Error())
		} else if err != nil {
			out[keyDatabase] = append(out[keyDatabase], err.Error())
		}
	}
	add(checkTopics(props))
	if _, err := clientOptions(props); err != nil {
		add(err)
	}
	if props[keyDatabase] != "" {
		_, err := newTopicConfig(props, "", time.Now)
		add(err)
	}
	return out
}

// Start implements connect.Connector.
func (c *SinkConnector) Start(_ context.Context, props map[string]string) error {
	if err := checkTopics(props); err != nil {
		return err
	}
	if _, err := clientOptions(props); err != nil {
		return err
	}
	// Fail fast on a bad default config; overrides are checked per topic.
	if _, err := newTopicConfig(props, "", time.Now); err != nil {
		return err
	}
	c.props = props
	return nil
}

// TaskConfigs implements connect.Connector.
func (c *SinkConnector) TaskConfigs(maxTasks int) ([]map[string]string, error) {
	return connect.ReplicateTaskConfig(c.props, maxTasks), nil
}

// Stop implements connect.Connector.
func (*SinkConnector) Stop() error { return nil }

// NewTask implements connect.SinkConnector.
func (*SinkConnector) NewTask() connect.SinkTask { return &SinkTask{now: time.Now} }
