package worker

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/goconnect/goconnect/connect/config"
)

// producerOpts translates the Java producer settings users put under
// producer.* (worker) and producer.override.* (connector) into franz-go
// options. Settings with no franz-go meaning are ignored, as Connect
// ignores unknown client keys.
func producerOpts(worker, conn map[string]string) ([]kgo.Opt, error) {
	props := config.WithPrefix(worker, "producer.")
	for k, v := range config.WithPrefix(conn, "producer.override.") {
		props[k] = v
	}
	var opts []kgo.Opt
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
