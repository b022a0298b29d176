package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"sync"
	"time"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"
	"github.com/twmb/franz-go/pkg/kgo"
)

// bareProduce is the baseline that does the work the snapshot does, and
// nothing more: a streaming SELECT * of the table, each row written
// straight into the key and value JSON the connector writes for it
// (schemas.enable=false: the same bytes but for the timestamps) and
// produced by a bare franz-go client with the worker's producer settings.
// It returns rows/s and the first record's value. The table must have the
// bench's columns (id INT, name VARCHAR, amount DECIMAL(10,2), ts DATETIME).
func (b *bench) bareProduce(table, prefix string, at gomysql.Position) (float64, []byte, error) {
	topic := prefix + "." + b.db + "." + table
	if err := b.createTopics(topic); err != nil {
		return 0, nil, err
	}
	start := time.Now()
	popts, err := bareProducerOpts(producerSettings())
	if err != nil {
		return 0, nil, err
	}
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(*brokers), kgo.ProducerBatchCompression(kgo.NoCompression()),
		kgo.MaxBufferedBytes(16 << 20), kgo.RecordRetries(1 << 30)}, popts...)...)
	if err != nil {
		return 0, nil, err
	}
	defer cl.Close()
	c, err := connect(b.db)
	if err != nil {
		return 0, nil, err
	}
	defer c.Close()
	var (
		mu       sync.Mutex
		firstErr error
		first    []byte
		n        int
		buf      []byte
	)
	promise := func(_ *kgo.Record, err error) {
		if err != nil {
			mu.Lock()
			if firstErr == nil {
				firstErr = err
			}
			mu.Unlock()
		}
	}
	head := `{"version":"2.7.3.Final","connector":"mysql","name":` + strconv.Quote(prefix) + `,"ts_ms":`
	mid := `,"snapshot":"true","db":` + strconv.Quote(b.db) + `,"sequence":null,"ts_us":`
	tail := `,"table":` + strconv.Quote(table) + `,"server_id":0,"gtid":null,"file":` + strconv.Quote(at.Name) +
		`,"pos":` + strconv.FormatUint(uint64(at.Pos), 10) + `,"row":0,"thread":null,"query":null}`
	var res gomysql.Result
	err = c.ExecuteSelectStreaming("SELECT * FROM "+table, &res, func(row []gomysql.FieldValue) error {
		if len(row) != 4 {
			return fmt.Errorf("row has %d columns, want 4", len(row))
		}
		now := time.Now()
		ms, ns := now.UnixMilli(), now.UnixNano()
		key := strconv.AppendInt(append(make([]byte, 0, 24), `{"id":`...), row[0].AsInt64(), 10)
		key = append(key, '}')
		buf = append(buf[:0], `{"before":null,"after":{"id":`...)
		buf = strconv.AppendInt(buf, row[0].AsInt64(), 10)
		buf = append(buf, `,"name":`...)
		buf = appendJSONString(buf, row[1].AsString())
		buf = append(buf, `,"amount":`...)
		if buf, err = appendDecimal(buf, string(row[2].AsString()), 2); err != nil {
			return err
		}
		buf = append(buf, `,"ts":`...)
		ts, err := time.Parse(time.DateTime, string(row[3].AsString()))
		if err != nil {
			return err
		}
		buf = strconv.AppendInt(buf, ts.UnixMilli(), 10)
		buf = append(buf, `},"source":`...)
		buf = append(buf, head...)
		buf = strconv.AppendInt(buf, ms, 10)
		buf = append(buf, mid...)
		buf = strconv.AppendInt(buf, ms*1000, 10)
		buf = append(buf, `,"ts_ns":`...)
		buf = strconv.AppendInt(buf, ms*int64(time.Millisecond), 10)
		buf = append(buf, tail...)
		buf = append(buf, `,"transaction":null,"op":"r","ts_ms":`...)
		buf = strconv.AppendInt(buf, ms, 10)
		buf = append(buf, `,"ts_us":`...)
		buf = strconv.AppendInt(buf, ns/1000, 10)
		buf = append(buf, `,"ts_ns":`...)
		buf = strconv.AppendInt(buf, ns, 10)
		buf = append(buf, '}')
		value := append([]byte(nil), buf...)
		if first == nil {
			first = value
		}
		n++
		cl.Produce(context.Background(), &kgo.Record{Topic: topic, Key: key, Value: value}, promise)
		return nil
	}, nil)
	if err != nil {
		return 0, nil, err
	}
	if err := cl.Flush(context.Background()); err != nil {
		return 0, nil, err
	}
	mu.Lock()
	defer mu.Unlock()
	return float64(n) / time.Since(start).Seconds(), first, firstErr
}

// appendJSONString quotes ASCII text as the JSON converter does (the
// bench's names need no escaping beyond quote and backslash).
func appendJSONString(b, s []byte) []byte {
	b = append(b, '"')
	for _, c := range s {
		if c == '"' || c == '\\' {
			b = append(b, '\\')
		}
		b = append(b, c)
	}
	return append(b, '"')
}

// appendDecimal writes a DECIMAL's text as Connect's Decimal in JSON:
// base64 of the unscaled value's minimal two's-complement bytes.
func appendDecimal(b []byte, s string, scale int) ([]byte, error) {
	whole, frac, _ := strings.Cut(s, ".")
	for len(frac) < scale {
		frac += "0"
	}
	u, ok := new(big.Int).SetString(whole+frac, 10)
	if !ok {
		return b, fmt.Errorf("decimal %q", s)
	}
	var raw []byte
	switch u.Sign() {
	case 0:
		raw = []byte{0}
	case 1:
		raw = u.Bytes()
		if raw[0]&0x80 != 0 {
			raw = append([]byte{0}, raw...)
		}
	default:
		// Two's complement of a negative value: 2^(8n) + u for the
		// smallest n whose top bit stays set.
		n := (u.BitLen() + 8) / 8
		raw = new(big.Int).Add(new(big.Int).Lsh(big.NewInt(1), uint(8*n)), u).Bytes()
	}
	b = append(b, '"')
	b = base64.StdEncoding.AppendEncode(b, raw)
	return append(b, '"'), nil
}

// producerSettings parses -producer.
func producerSettings() map[string]string {
	m := map[string]string{}
	for _, kv := range strings.Split(*prodProps, ",") {
		if k, v, ok := strings.Cut(strings.TrimSpace(kv), "="); ok {
			m[k] = v
		}
	}
	return m
}

// bareProducerOpts maps -producer onto franz-go as the worker maps the
// same producer settings (runtime/worker producerOpts).
func bareProducerOpts(m map[string]string) ([]kgo.Opt, error) {
	var opts []kgo.Opt
	for k, v := range m {
		switch k {
		case "compression.type":
			c := map[string]kgo.CompressionCodec{"none": kgo.NoCompression(), "gzip": kgo.GzipCompression(),
				"snappy": kgo.SnappyCompression(), "lz4": kgo.Lz4Compression(), "zstd": kgo.ZstdCompression()}
			codec, ok := c[v]
			if !ok {
				return nil, fmt.Errorf("-producer: unknown compression.type %q", v)
			}
			opts = append(opts, kgo.ProducerBatchCompression(codec))
		case "batch.size":
			n, err := strconv.ParseInt(v, 10, 32)
			if err != nil {
				return nil, fmt.Errorf("-producer: batch.size: %w", err)
			}
			opts = append(opts, kgo.ProducerBatchMaxBytes(int32(n)))
		case "linger.ms":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("-producer: linger.ms: %w", err)
			}
			opts = append(opts, kgo.ProducerLinger(time.Duration(n)*time.Millisecond))
		case "acks":
			switch v {
			case "all", "-1":
			case "1":
				opts = append(opts, kgo.RequiredAcks(kgo.LeaderAck()), kgo.DisableIdempotentWrite())
			case "0":
				opts = append(opts, kgo.RequiredAcks(kgo.NoAck()), kgo.DisableIdempotentWrite())
			default:
				return nil, fmt.Errorf("-producer: acks %q", v)
			}
		default:
			return nil, fmt.Errorf("-producer: %s is not one the bare producer knows (compression.type, batch.size, linger.ms, acks)", k)
		}
	}
	return opts, nil
}
