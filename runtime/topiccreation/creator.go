package topiccreation

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/goconnect/goconnect/internal/topicadmin"
)

// Timeout bounds the look-up and creation of one topic.
const Timeout = 30 * time.Second

// Creator creates the topics one source task writes to, before the first
// record to each (Connect's AbstractWorkerSourceTask.maybeCreateTopic).
// Topics it has seen (created or found) are cached for the task's life.
// It is used from the task's goroutine only, so it needs no lock.
type Creator struct {
	groups *Groups
	adm    *kgo.Client
	log    *slog.Logger
	known  map[string]struct{}
}

// NewCreator returns a creator using adm, the task's admin client.
func NewCreator(groups *Groups, adm *kgo.Client, log *slog.Logger) *Creator {
	return &Creator{groups: groups, adm: adm, log: log, known: map[string]struct{}{}}
}

// Ensure makes sure topic exists, creating it with the settings of the
// first group matching it. A nil Creator (creation off) does nothing.
func (c *Creator) Ensure(ctx context.Context, topic string) error {
	if c == nil {
		return nil
	}
	if _, ok := c.known[topic]; ok {
		return nil
	}
	c.log.Info("The task will send records to this topic for the first time; checking whether it exists", "topic", topic)
	g := c.groups.For(topic)
	nt := g.NewTopic(topic)
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	created, err := topicadmin.Ensure(ctx, c.adm, topic, nt.Partitions, nt.ReplicationFactor, nt.Configs)
	if err != nil {
		return createError(nt, err)
	}
	c.known[topic] = struct{}{}
	if created {
		c.log.Info("Created topic", "topic", nt.String(), "group", g.String())
	} else {
		c.log.Info("Topic already exists", "topic", topic)
	}
	return nil
}

// createError words a failure as Connect's TopicAdmin and source task do.
func createError(nt Topic, err error) error {
	switch {
	case errors.Is(err, kerr.TopicAuthorizationFailed), errors.Is(err, kerr.ClusterAuthorizationFailed):
		return fmt.Errorf("Task failed to create new topic %s. Ensure that the task is authorized to create topics or that the topic exists and restart the task: %w", nt, err)
	case errors.Is(err, kerr.InvalidConfig):
		return fmt.Errorf("Unable to create topic(s) '%s': %w", nt.Name, err)
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, kerr.RequestTimedOut):
		return fmt.Errorf("Timed out while checking for or creating topic(s) '%s'. This could indicate a connectivity issue, unavailable topic partitions, or if this is your first use of the topic it may have taken too long to create: %w", nt.Name, err)
	}
	return fmt.Errorf("Error while attempting to create/find topic(s) '%s' as %s: %w", nt.Name, nt, err)
}
