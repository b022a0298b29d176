package standalone

import (
	"fmt"
	"sync"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// admin is a lazily created Kafka admin client, used for the cluster id
// and for sink connector offsets (consumer group connect-<name>).
type admin struct {
	brokers func() []string
	// opts are the worker-level client settings (security).
	opts func() ([]kgo.Opt, error)

	mu     sync.Mutex
	cl     *kgo.Client
	adm    *kadm.Client
	closed bool
}

func (a *admin) get() (*kadm.Client, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.adm != nil {
		return a.adm, nil
	}
	if a.closed {
		return nil, fmt.Errorf("the worker is shutting down")
	}
	opts, err := a.opts()
	if err != nil {
		return nil, err
	}
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(a.brokers()...)}, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("creating Kafka admin client: %w", err)
	}
	a.cl, a.adm = cl, kadm.NewClient(cl)
	return a.adm, nil
}

func (a *admin) close() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.closed = true
	if a.cl != nil {
		a.cl.Close()
		a.cl, a.adm = nil, nil
	}
}
