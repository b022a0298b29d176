package avro

import (
	"encoding/binary"
	"fmt"
	"math"
	"sort"
	"sync"

	"github.com/goconnect/goconnect/internal/avroschema"
)

// anythingText is AvroData's ANYTHING_SCHEMA as Avro-Java prints it: the
// record a schemaless value is written as, one optional field per kind,
// arrays of itself and maps as arrays of key/value entries.
const anythingText = `{"type":"record","name":"Anything","namespace":"io.confluent.connect.avro","fields":[` +
	`{"name":"boolean","type":["null","boolean"],"default":null},` +
	`{"name":"bytes","type":["null","bytes"],"default":null},` +
	`{"name":"double","type":["null","double"],"default":null},` +
	`{"name":"float","type":["null","float"],"default":null},` +
	`{"name":"int","type":["null","int"],"default":null},` +
	`{"name":"long","type":["null","long"],"default":null},` +
	`{"name":"string","type":["null","string"],"default":null},` +
	`{"name":"array","type":["null",{"type":"array","items":"Anything"}],"default":null},` +
	`{"name":"map","type":["null",{"type":"array","items":{"type":"record","name":"MapEntry","fields":[` +
	`{"name":"key","type":"Anything"},{"name":"value","type":"Anything"}]}}],"default":null}]}`

// The Anything fields' positions.
const (
	anyBoolean = iota
	anyBytes
	anyDouble
	anyFloat
	anyInt
	anyLong
	anyString
	anyArray
	anyMap
	anyFields
)

var anythingSchema = sync.OnceValues(func() (*avroschema.Schema, error) { return avroschema.Parse(anythingText) })

// isAnything is a schema whose records appendAnything writes.
func isAnything(t *avroschema.Schema) bool {
	return t.Kind == avroschema.Record && t.FullName() == avroNamespace+".Anything" && len(t.Fields) == anyFields
}

// appendAnything writes a schemaless Connect value as an Anything record
// (AvroData's maybeWrapSchemaless): the field of the value's kind holds it,
// the others are null; a null (inside an array or map) is all nulls.
// Map entries are written in key order (Java iterates its HashMap).
func appendAnything(b []byte, v any) ([]byte, error) {
	field := -1
	switch v.(type) {
	case nil:
	case bool:
		field = anyBoolean
	case []byte:
		field = anyBytes
	case float64:
		field = anyDouble
	case float32:
		field = anyFloat
	case int8, int16, int32:
		field = anyInt
	case int64:
		field = anyLong
	case string:
		field = anyString
	case []any:
		field = anyArray
	case map[string]any, map[any]any:
		field = anyMap
	default:
		return b, fmt.Errorf("schemaless value of Java-less type %T cannot be written as %s.Anything", v, avroNamespace)
	}
	for i := 0; i < anyFields; i++ {
		if i != field {
			b = append(b, 0) // the null branch
			continue
		}
		b = append(b, 2) // branch 1
		var err error
		switch x := v.(type) {
		case bool:
			if x {
				b = append(b, 1)
			} else {
				b = append(b, 0)
			}
		case []byte:
			b = binary.AppendVarint(b, int64(len(x)))
			b = append(b, x...)
		case float64:
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(x))
		case float32:
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
		case int8:
			b = binary.AppendVarint(b, int64(x))
		case int16:
			b = binary.AppendVarint(b, int64(x))
		case int32:
			b = binary.AppendVarint(b, int64(x))
		case int64:
			b = binary.AppendVarint(b, x)
		case string:
			b = binary.AppendVarint(b, int64(len(x)))
			b = append(b, x...)
		case []any:
			if len(x) > 0 {
				b = binary.AppendVarint(b, int64(len(x)))
				for _, e := range x {
					if b, err = appendAnything(b, e); err != nil {
						return b, err
					}
				}
			}
			b = append(b, 0)
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			if len(keys) > 0 {
				b = binary.AppendVarint(b, int64(len(keys)))
				for _, k := range keys {
					if b, err = appendAnything(b, k); err != nil {
						return b, err
					}
					if b, err = appendAnything(b, x[k]); err != nil {
						return b, err
					}
				}
			}
			b = append(b, 0)
		case map[any]any:
			keys := make([]any, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Slice(keys, func(i, j int) bool { return fmt.Sprint(keys[i]) < fmt.Sprint(keys[j]) })
			if len(keys) > 0 {
				b = binary.AppendVarint(b, int64(len(keys)))
				for _, k := range keys {
					if b, err = appendAnything(b, k); err != nil {
						return b, err
					}
					if b, err = appendAnything(b, x[k]); err != nil {
						return b, err
					}
				}
			}
			b = append(b, 0)
		}
	}
	return b, nil
}
