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
// straight into the key and value the connector writes for it (JSON with
// schemas.enable=false, or Avro in Confluent's frame under the ids in
// ids: the same bytes but for the timestamps) and produced by a bare
// franz-go client with the worker's producer settings. It returns rows/s
// and the first record's value. The table must have the bench's columns
// (id INT, name VARCHAR, amount DECIMAL(10,2), ts DATETIME).
func (b *bench) bareProduce(table, prefix string, at gomysql.Position, ids *avroIDs) (float64, []byte, error) {
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
	encode := jsonRow(b.db, table, prefix, at)
	if ids != nil {
		encode = avroRow(b.db, table, prefix, at, *ids)
	}
	var res gomysql.Result
	err = c.ExecuteSelectStreaming("SELECT * FROM "+table, &res, func(row []gomysql.FieldValue) error {
		if len(row) != 4 {
			return fmt.Errorf("row has %d columns, want 4", len(row))
		}
		var key []byte
		if key, buf, err = encode(buf[:0], row); err != nil {
			return err
		}
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

// rowEncoder writes a row's key and value: the value into b, the key
// in a new slice.
type rowEncoder func(b []byte, row []gomysql.FieldValue) (key, value []byte, err error)

// jsonRow writes the JSON converter's bytes (schemas.enable=false).
func jsonRow(db, table, prefix string, at gomysql.Position) rowEncoder {
	head := `{"version":"2.7.3.Final","connector":"mysql","name":` + strconv.Quote(prefix) + `,"ts_ms":`
	mid := `,"snapshot":"true","db":` + strconv.Quote(db) + `,"sequence":null,"ts_us":`
	tail := `,"table":` + strconv.Quote(table) + `,"server_id":0,"gtid":null,"file":` + strconv.Quote(at.Name) +
		`,"pos":` + strconv.FormatUint(uint64(at.Pos), 10) + `,"row":0,"thread":null,"query":null}`
	return func(buf []byte, row []gomysql.FieldValue) ([]byte, []byte, error) {
		now := time.Now()
		ms, ns := now.UnixMilli(), now.UnixNano()
		key := strconv.AppendInt(append(make([]byte, 0, 24), `{"id":`...), row[0].AsInt64(), 10)
		key = append(key, '}')
		buf = append(buf, `{"before":null,"after":{"id":`...)
		buf = strconv.AppendInt(buf, row[0].AsInt64(), 10)
		buf = append(buf, `,"name":`...)
		buf = appendJSONString(buf, row[1].AsString())
		buf = append(buf, `,"amount":"`...)
		raw, err := decimalBytes(string(row[2].AsString()), 2)
		if err != nil {
			return nil, nil, err
		}
		buf = base64.StdEncoding.AppendEncode(buf, raw)
		buf = append(buf, `","ts":`...)
		ts, err := time.Parse(time.DateTime, string(row[3].AsString()))
		if err != nil {
			return nil, nil, err
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
		return key, append(buf, '}'), nil
	}
}

// avroIDs are the registry ids of the connector's key and value schemas.
type avroIDs struct{ key, value uint32 }

// avroRow writes the AvroConverter's bytes: the Envelope's fields in the
// connector's order (before, after, source, transaction, op, ts_ms,
// ts_us, ts_ns), optional ones as ["null", T] unions (["T", "null"] when
// the field has a default).
func avroRow(db, table, prefix string, at gomysql.Position, ids avroIDs) rowEncoder {
	var head, mid, tail []byte
	head = appendAvroBytes(head, "2.7.3.Final")
	head = appendAvroBytes(head, "mysql")
	head = appendAvroBytes(head, prefix)
	// snapshot defaults to "false": its union is ["string", "null"].
	mid = appendAvroBytes(append(mid, 0), "true")
	mid = appendAvroBytes(mid, db)
	mid = append(mid, avroNull) // sequence
	tail = appendAvroBytes(append(tail, avroSome), table)
	tail = appendLong(tail, 0)    // server_id
	tail = append(tail, avroNull) // gtid
	tail = appendAvroBytes(tail, at.Name)
	tail = appendLong(tail, int64(at.Pos))
	tail = appendLong(tail, 0)              // row
	tail = append(tail, avroNull, avroNull) // thread, query
	tail = append(tail, avroNull)           // transaction
	tail = appendAvroBytes(tail, "r")       // op
	return func(buf []byte, row []gomysql.FieldValue) ([]byte, []byte, error) {
		now := time.Now()
		ms, ns := now.UnixMilli(), now.UnixNano()
		id := row[0].AsInt64()
		key := appendLong(appendFrame(make([]byte, 0, 10), ids.key), id)
		buf = appendFrame(buf, ids.value)
		buf = append(buf, avroNull, avroSome) // before, after
		buf = appendLong(buf, id)
		buf = appendAvroBytes(append(buf, avroSome), row[1].AsString())
		raw, err := decimalBytes(string(row[2].AsString()), 2)
		if err != nil {
			return nil, nil, err
		}
		buf = appendAvroBytes(append(buf, avroSome), raw)
		ts, err := time.Parse(time.DateTime, string(row[3].AsString()))
		if err != nil {
			return nil, nil, err
		}
		buf = appendLong(append(buf, avroSome), ts.UnixMilli())
		buf = append(buf, head...)
		buf = appendLong(buf, ms)
		buf = append(buf, mid...)
		buf = appendLong(append(buf, avroSome), ms*1000)
		buf = appendLong(append(buf, avroSome), ms*int64(time.Millisecond))
		buf = append(buf, tail...)
		buf = appendLong(append(buf, avroSome), ms)
		buf = appendLong(append(buf, avroSome), ns/1000)
		return key, appendLong(append(buf, avroSome), ns), nil
	}
}

// decimalBytes is a DECIMAL's text as Connect's Decimal: the unscaled
// value's minimal two's-complement bytes.
func decimalBytes(s string, scale int) ([]byte, error) {
	whole, frac, _ := strings.Cut(s, ".")
	for len(frac) < scale {
		frac += "0"
	}
	u, ok := new(big.Int).SetString(whole+frac, 10)
	if !ok {
		return nil, fmt.Errorf("decimal %q", s)
	}
	switch u.Sign() {
	case 0:
		return []byte{0}, nil
	case 1:
		raw := u.Bytes()
		if raw[0]&0x80 != 0 {
			raw = append([]byte{0}, raw...)
		}
		return raw, nil
	default:
		// Two's complement of a negative value: 2^(8n) + u for the
		// smallest n whose top bit stays set.
		n := (u.BitLen() + 8) / 8
		return new(big.Int).Add(new(big.Int).Lsh(big.NewInt(1), uint(8*n)), u).Bytes(), nil
	}
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
