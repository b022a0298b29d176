// Package offsetstore keeps source connector offsets: the key and value
// encoding Connect uses in its offsets topic, an in-memory store, and the
// standalone file store whose bytes a Java worker can read and write too.
package offsetstore

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"

	"github.com/goconnect/goconnect/internal/hashorder"
)

// Offset is one source partition and its offset; a nil Offset removes it.
type Offset struct {
	Partition map[string]any
	Offset    map[string]any
}

// EncodeKey encodes an offsets-topic key: ["<connector>",{partition}],
// compact JSON as Connect's JsonConverter writes it, the partition's keys
// in the order Connect iterates a connector's HashMap.
func EncodeKey(connector string, partition map[string]any) ([]byte, error) {
	b, err := json.Marshal([]any{connector, hashorder.Map(partition)})
	if err != nil {
		return nil, fmt.Errorf("encoding offset key of connector %s: %w", connector, err)
	}
	return b, nil
}

// DecodeKey parses an offsets-topic key.
func DecodeKey(b []byte) (string, map[string]any, error) {
	var parts []json.RawMessage
	if err := json.Unmarshal(b, &parts); err != nil || len(parts) != 2 {
		return "", nil, fmt.Errorf("offset key %q is not a [connector, partition] array", b)
	}
	var name string
	if err := json.Unmarshal(parts[0], &name); err != nil {
		return "", nil, fmt.Errorf("offset key %q: connector name is not a string", b)
	}
	part, err := DecodeValue(parts[1])
	if err != nil {
		return "", nil, fmt.Errorf("offset key %q: %w", b, err)
	}
	return name, part, nil
}

// EncodeValue encodes an offset map, its keys in HashMap order as the Java
// worker writes them; nil encodes to nil (a tombstone).
func EncodeValue(offset map[string]any) ([]byte, error) {
	if offset == nil {
		return nil, nil
	}
	b, err := json.Marshal(hashorder.Map(offset))
	if err != nil {
		return nil, fmt.Errorf("encoding offset: %w", err)
	}
	return b, nil
}

// DecodeValue parses an offset (or partition) map; integers come back as
// int64 and other numbers as float64, as Connect's schemaless JSON does.
func DecodeValue(b []byte) (map[string]any, error) {
	if b == nil || string(bytes.TrimSpace(b)) == "null" {
		return nil, nil
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		return nil, fmt.Errorf("offset is not a JSON object: %w", err)
	}
	for k, v := range m {
		m[k] = normalize(v)
	}
	return m, nil
}

func normalize(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, err := x.Float64()
		if err != nil {
			return math.NaN()
		}
		return f
	case map[string]any:
		for k, e := range x {
			x[k] = normalize(e)
		}
	case []any:
		for i, e := range x {
			x[i] = normalize(e)
		}
	}
	return v
}

// canonical is the identity of a (connector, partition) pair independent
// of key order; json.Marshal sorts map keys.
func canonical(connector string, partition map[string]any) (string, error) {
	b, err := json.Marshal(partition)
	if err != nil {
		return "", fmt.Errorf("encoding source partition: %w", err)
	}
	return connector + "\x00" + string(b), nil
}
