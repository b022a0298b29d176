package worker

import "github.com/twmb/franz-go/pkg/kgo"

// explicitPartitioner honours a partition set on a source record and
// otherwise partitions as the Java producer does (murmur2 of the key,
// sticky batches for records without one).
type explicitPartitioner struct{ inner kgo.Partitioner }

func newExplicitPartitioner() kgo.Partitioner {
	return explicitPartitioner{inner: kgo.StickyKeyPartitioner(nil)}
}

func (p explicitPartitioner) ForTopic(t string) kgo.TopicPartitioner {
	return &explicitTopicPartitioner{inner: p.inner.ForTopic(t)}
}

type explicitTopicPartitioner struct{ inner kgo.TopicPartitioner }

// noPartition marks a produced record whose partition the partitioner picks.
const noPartition = -1

func (p *explicitTopicPartitioner) RequiresConsistency(r *kgo.Record) bool {
	return r.Partition != noPartition || p.inner.RequiresConsistency(r)
}

func (p *explicitTopicPartitioner) Partition(r *kgo.Record, n int) int {
	if r.Partition != noPartition && int(r.Partition) < n {
		return int(r.Partition)
	}
	return p.inner.Partition(r, n)
}

func (p *explicitTopicPartitioner) OnNewBatch() {
	if nb, ok := p.inner.(kgo.TopicPartitionerOnNewBatch); ok {
		nb.OnNewBatch()
	}
}
