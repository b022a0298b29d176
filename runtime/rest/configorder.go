package rest

import (
	"bytes"
	"encoding/json"

	"github.com/goconnect/goconnect/internal/hashorder"
)

// orderedConfig is a connector or task config written with its keys in a
// given order. Connect answers a write with the request's own map (a
// LinkedHashMap: the request's order, "name" last when it added it) and a
// read with the config it read back from the config topic through
// JsonConverter, a HashMap (see internal/hashorder).
type orderedConfig struct {
	keys  []string
	props map[string]string
}

// hashOrdered is props in java.util.HashMap order.
func hashOrdered(props map[string]string) orderedConfig {
	m := make(map[string]any, len(props))
	for k := range props {
		m[k] = nil
	}
	return orderedConfig{keys: hashorder.Keys(m), props: props}
}

// storedOrdered is a connector config in the order Connect iterates the
// config it stored (herder.Info.Keys); HashMap order when unknown.
func storedOrdered(props map[string]string, stored []string) orderedConfig {
	if stored == nil {
		return hashOrdered(props)
	}
	return requestOrdered(props, stored)
}

// taskOrdered is a task config in HashMap order: Connect copies the
// connector's config (iterated in its stored order) into a HashMap and
// adds task.class, so keys sharing a bucket keep that order.
func taskOrdered(props map[string]string, stored []string) orderedConfig {
	if stored == nil {
		return hashOrdered(props)
	}
	return orderedConfig{keys: hashorder.Order(requestOrdered(props, stored).keys), props: props}
}

// requestOrdered is props in the order of keys (the request's), then any
// key the request did not have (the name Connect adds), in hash order.
func requestOrdered(props map[string]string, keys []string) orderedConfig {
	out := orderedConfig{props: props}
	seen := make(map[string]bool, len(keys))
	for _, k := range keys {
		if _, ok := props[k]; ok && !seen[k] {
			seen[k] = true
			out.keys = append(out.keys, k)
		}
	}
	for _, k := range hashOrdered(props).keys {
		if !seen[k] {
			out.keys = append(out.keys, k)
		}
	}
	return out
}

// MarshalJSON implements json.Marshaler.
func (c orderedConfig) MarshalJSON() ([]byte, error) {
	if c.props == nil {
		return []byte("null"), nil
	}
	return marshalOrdered(c.keys, c.props)
}

// marshalOrdered writes a JSON object with keys in the given order.
func marshalOrdered[V any](keys []string, values map[string]V) ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, err := encode(k)
		if err != nil {
			return nil, err
		}
		vb, err := encode(values[k])
		if err != nil {
			return nil, err
		}
		b.Write(kb)
		b.WriteByte(':')
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// objectKeys returns the keys of the JSON object at field (or of the
// top-level object when field is empty) in b, in their order; nil when b
// is not such an object.
func objectKeys(b []byte, field string) []string {
	d := json.NewDecoder(bytes.NewReader(b))
	if t, err := d.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	if field != "" {
		for {
			t, err := d.Token()
			if err != nil || t == json.Delim('}') {
				return nil
			}
			if t == field {
				if t, err := d.Token(); err != nil || t != json.Delim('{') {
					return nil
				}
				break
			}
			var skip json.RawMessage
			if d.Decode(&skip) != nil {
				return nil
			}
		}
	}
	var keys []string
	for d.More() {
		t, err := d.Token()
		if err != nil {
			return keys
		}
		k, _ := t.(string)
		keys = append(keys, k)
		var skip json.RawMessage
		if d.Decode(&skip) != nil {
			return keys
		}
	}
	return keys
}

// hashOrderedNames is names in java.util.HashMap order.
func hashOrderedNames(names []string) []string {
	m := make(map[string]any, len(names))
	for _, n := range names {
		m[n] = nil
	}
	return hashorder.Keys(m)
}

// expandedMap is GET /connectors?expand=…, written in names' order.
type expandedMap struct {
	names  []string
	values map[string]expanded
}

// MarshalJSON implements json.Marshaler.
func (e expandedMap) MarshalJSON() ([]byte, error) {
	return marshalOrdered(e.names, e.values)
}
