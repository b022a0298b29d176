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
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Exists tells whether topic exists. Its metadata request does not ask
// for auto-creation and bypasses the client's metadata cache, so a topic
// seen missing here is not remembered as missing by cl's later requests.
func Exists(ctx context.Context, cl *kgo.Client, topic string) (bool, error) {
	req := kmsg.NewPtrMetadataRequest()
	rt := kmsg.NewMetadataRequestTopic()
	rt.Topic = kmsg.StringPtr(topic)
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		return false, err
	}
	for _, t := range resp.Topics {
		if t.Topic == nil || *t.Topic != topic {
			continue
		}
		err := kerr.ErrorForCode(t.ErrorCode)
		if errors.Is(err, kerr.UnknownTopicOrPartition) {
			return false, nil
		}
		return err == nil, err
	}
	return false, nil
}

// Ensure creates topic with the given partitions and replication factor
// (-1: the broker's default) and topic configs unless it exists. It
// reports whether this call created it. Errors are the broker's (kerr
// values, with the broker's message when it sent one) or the context's.
func Ensure(ctx context.Context, cl *kgo.Client, topic string, partitions int32, replication int16, configs map[string]string) (bool, error) {
	exists, err := Exists(ctx, cl, topic)
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
	resp, err := kadm.NewClient(cl).CreateTopic(ctx, partitions, replication, cfg, topic)
	if err != nil && resp.ErrMessage != "" {
		// The broker's own words, such as "Unknown topic config name: x".
		err = fmt.Errorf("%w: %s", err, resp.ErrMessage)
	}
	if errors.Is(err, kerr.TopicAlreadyExists) {
		return false, nil
	}
	return err == nil, err
}
