// Package embedded starts an in-process Kafka broker (franz-go's kfake) so
// goconnect runs with nothing else installed. It is for trying goconnect
// out and for tests, not for production data.
package embedded

import (
	"fmt"

	"github.com/twmb/franz-go/pkg/kfake"
)

// Broker is a running in-process broker.
type Broker struct {
	cluster *kfake.Cluster
}

// Start listens on 127.0.0.1:port (0 picks a free port). A non-empty dir
// keeps the broker's data across restarts.
func Start(port int, dir string) (*Broker, error) {
	opts := []kfake.Opt{
		kfake.Ports(port),
		kfake.AllowAutoTopicCreation(),
		kfake.DefaultNumPartitions(1),
		kfake.ClusterID("goconnect-embedded"),
	}
	if dir != "" {
		opts = append(opts, kfake.DataDir(dir))
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		return nil, fmt.Errorf("starting embedded Kafka broker on port %d: %w", port, err)
	}
	return &Broker{cluster: c}, nil
}

// Addrs returns the broker addresses for bootstrap.servers.
func (b *Broker) Addrs() []string { return b.cluster.ListenAddrs() }

// Close stops the broker.
func (b *Broker) Close() { b.cluster.Close() }
