package worker

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/goconnect/goconnect/connect/config"
	"github.com/goconnect/goconnect/internal/kafkaclient"
	"github.com/goconnect/goconnect/runtime/workerconfig"
)

// producerOpts translates the Java producer settings users put under
// producer.* (worker) and producer.override.* (connector) into franz-go
// options, security included (workerconfig.ProducerProps: a task producer
// does not inherit the worker-level security settings). Settings with no
// franz-go meaning are ignored, as Connect ignores unknown client keys.
// onFatal is called when the broker rejects the producer's credentials.
func producerOpts(worker, conn map[string]string, onFatal func(error)) ([]kgo.Opt, error) {
	props := workerconfig.ProducerProps(worker, conn)
	opts, err := kafkaclient.Options(props, onFatal)
	if err != nil {
		return nil, fmt.Errorf("producer.%w", err)
	}
	for _, k := range config.SortedKeys(props) {
		v := strings.TrimSpace(props[k])
		switch k {
		case "linger.ms":
			ms, err := strconv.ParseInt(v, 10, 64)
			if err != nil || ms < 0 {
				return nil, &config.Error{Key: "producer." + k, Value: v, Message: "must be a non-negative number of milliseconds"}
			}
			opts = append(opts, kgo.ProducerLinger(time.Duration(ms)*time.Millisecond))
		case "compression.type":
			c, err := codec(v)
			if err != nil {
				return nil, &config.Error{Key: "producer." + k, Value: v, Message: err.Error()}
			}
			opts = append(opts, kgo.ProducerBatchCompression(c))
		case "batch.size", "max.request.size":
			n, err := strconv.ParseInt(v, 10, 32)
			if err != nil || n <= 0 {
				return nil, &config.Error{Key: "producer." + k, Value: v, Message: "must be a positive number of bytes"}
			}
			if k == "batch.size" {
				opts = append(opts, kgo.ProducerBatchMaxBytes(int32(n)))
			} else {
				opts = append(opts, kgo.BrokerMaxWriteBytes(int32(n)))
			}
		case "buffer.memory":
			// Java's bound on the bytes waiting to be sent; franz-go's
			// default has none (only 50000 records), which lets a fast
			// source hold far more than the Java worker would.
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				return nil, &config.Error{Key: "producer." + k, Value: v, Message: "must be a positive number of bytes"}
			}
			opts = append(opts, kgo.MaxBufferedBytes(int(n)))
		case "acks":
			switch v {
			case "all", "-1":
				opts = append(opts, kgo.RequiredAcks(kgo.AllISRAcks()))
			case "1":
				opts = append(opts, kgo.RequiredAcks(kgo.LeaderAck()), kgo.DisableIdempotentWrite())
			case "0":
				opts = append(opts, kgo.RequiredAcks(kgo.NoAck()), kgo.DisableIdempotentWrite())
			default:
				return nil, &config.Error{Key: "producer." + k, Value: v, Message: "must be all, -1, 0 or 1"}
			}
		}
	}
	return opts, nil
}

// consumerSecurity and adminSecurity are the security options of a task's
// consumer (consumer.* then consumer.override.*) and admin clients
// (worker-level, admin.*, then admin.override.*), as Connect scopes them.
func consumerSecurity(worker, conn map[string]string, onFatal func(error)) ([]kgo.Opt, error) {
	opts, err := kafkaclient.Options(workerconfig.ConsumerProps(worker, conn), onFatal)
	if err != nil {
		return nil, fmt.Errorf("consumer.%w", err)
	}
	return opts, nil
}

func adminSecurity(worker, conn map[string]string, onFatal func(error)) ([]kgo.Opt, error) {
	opts, err := kafkaclient.Options(workerconfig.AdminProps(worker, conn), onFatal)
	if err != nil {
		return nil, fmt.Errorf("admin client: %w", err)
	}
	return opts, nil
}

// checkOverrides refuses a task whose connector overrides client settings
// the worker's policy does not allow; the herder refuses such configs
// already, this catches configs stored before the policy changed, with
// Connect's message.
func (w *Worker) checkOverrides(conn map[string]string) error {
	if err := w.cfg.ClientOverridePolicy.Check(conn); err != nil {
		return fmt.Errorf("Client Config Overrides not allowed: %w", err)
	}
	return nil
}

func codec(name string) (kgo.CompressionCodec, error) {
	switch strings.ToLower(name) {
	case "none", "":
		return kgo.NoCompression(), nil
	case "gzip":
		return kgo.GzipCompression(), nil
	case "snappy":
		return kgo.SnappyCompression(), nil
	case "lz4":
		return kgo.Lz4Compression(), nil
	case "zstd":
		return kgo.ZstdCompression(), nil
	}
	return kgo.CompressionCodec{}, fmt.Errorf("unknown compression type; use none, gzip, snappy, lz4 or zstd")
}

// defaultBufferMemory is goconnect's producer.buffer.memory default, half
// the Java producer's 32 MiB: Go's collector needs room beyond what is
// live, so the buffer weighs about twice in the process's memory; with
// 32 MiB a MySQL snapshot or binlog catch-up of 10M rows peaked at
// 156–160 MB RSS, with 16 MiB at 134–146 MB, at the same rate.
const defaultBufferMemory = 16 << 20
