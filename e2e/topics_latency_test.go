//go:build e2e

package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// TestDistributedActiveTopicShownWithFirstRecord: GET /connectors/{name}/topics
// lists a source connector's topic as soon as its first record is in Kafka
// (Connect records the topic when the send is acknowledged), read on the
// worker that does not run the task, within one status-topic fetch. Measured
// against the Java reference (Connect 3.8.1 distributed): the topic showed
// 0.3–1.2 s after the create there, 0.03–0.6 s on goconnect.
func TestDistributedActiveTopicShownWithFirstRecord(t *testing.T) {
	c := newCluster(t, "")
	a, b := c.start(""), c.start("")
	name := "ratings"
	topic := uniqueName(t, "ratings")
	if code, body := httpNoRebalance409(t, "POST", "http://"+a+"/connectors", ratingsConnector(name, topic, 1)); code != 201 {
		t.Fatalf("create: %d %s", code, body)
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(kafkaAddr), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.AllowAutoTopicCreation())
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatal("no record in 60 s")
		}
		if fs.NumRecords() > 0 {
			break
		}
	}
	first := time.Now()
	for _, w := range []string{a, b} {
		shown := waitUntil(t, 10*time.Second, "the topic in "+w+"'s /topics", func() bool {
			_, body := httpDo("GET", "http://"+w+"/connectors/"+name+"/topics", "")
			return strings.Contains(string(body), `"`+topic+`"`)
		})
		if late := time.Since(first); late > 2*time.Second {
			t.Errorf("worker %s listed the topic %s after the first record (waited %s), want within 2 s", w, late.Round(10*time.Millisecond), shown)
		}
	}
}
