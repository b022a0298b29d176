// Package topicadmin creates Kafka topics the way Connect's TopicAdmin and
// Debezium's schema history do: look first, create only what is missing,
// and take a concurrent creation ("already exists") as success. Looking
// first matters on clusters whose ACLs let a client describe and write a
// topic but not create one.
package topicadmin

import (
	"context"
	"errors"
	"fmt"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
)

// Exists tells whether topic exists. A metadata request never creates it:
// kadm does not ask for auto-creation.
func Exists(ctx context.Context, adm *kadm.Client, topic string) (bool, error) {
	md, err := adm.Metadata(ctx, topic)
	if err != nil {
		return false, err
	}
	d, ok := md.Topics[topic]
	if !ok || errors.Is(d.Err, kerr.UnknownTopicOrPartition) {
		return false, nil
	}
	return d.Err == nil, d.Err
}

// Ensure creates topic with the given partitions and replication factor
// (-1: the broker's default) and topic configs unless it exists. It
// reports whether this call created it. Errors are the broker's (kerr
// values, with the broker's message when it sent one) or the context's.
func Ensure(ctx context.Context, adm *kadm.Client, topic string, partitions int32, replication int16, configs map[string]string) (bool, error) {
	exists, err := Exists(ctx, adm, topic)
	if err != nil {
		return false, err
	}
	if exists {
		return false, nil
	}
	cfg := make(map[string]*string, len(configs))
	for k, v := range configs {
		cfg[k] = &v
	}
	resp, err := adm.CreateTopic(ctx, partitions, replication, cfg, topic)
	if err == nil {
		err = resp.Err
		if err != nil && resp.ErrMessage != "" {
			err = fmt.Errorf("%w: %s", err, resp.ErrMessage)
		}
	}
	if errors.Is(err, kerr.TopicAlreadyExists) {
		return false, nil
	}
	return err == nil, err
}
