package mongodb

import (
	"errors"
	"fmt"
	"math/big"
	"sort"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/goconnect/goconnect/connect/data"
)

// errNoConverter is the DataException of the Java sink for key or value
// types it cannot turn into a document.
var errNoConverter = errors.New("no converter present due to unexpected object type")

// toDocument converts a record key or value to a BSON document, as the Java
// SinkConverter does: structs field by field, maps by their entries,
// strings as (extended) JSON, bytes as raw BSON. A nil value yields nil.
func toDocument(s *data.Schema, v any) (bson.D, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case *data.Struct:
		return structDoc(x)
	case map[string]any:
		return mapDoc(x, nil)
	case map[any]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[fmt.Sprint(k)] = e
		}
		return mapDoc(out, nil)
	case string:
		var d bson.D
		if err := bson.UnmarshalExtJSON([]byte(x), false, &d); err != nil {
			return nil, fmt.Errorf("parsing the string as a JSON document: %w", err)
		}
		return d, nil
	case []byte:
		var d bson.D
		if err := bson.Unmarshal(x, &d); err != nil {
			return nil, fmt.Errorf("reading bytes as a BSON document: %w", err)
		}
		return d, nil
	}
	return nil, fmt.Errorf("%w: %T (schema %s)", errNoConverter, v, s)
}

func structDoc(st *data.Struct) (bson.D, error) {
	s := st.Schema()
	out := make(bson.D, 0, len(s.Fields))
	for i, f := range s.Fields {
		bv, err := toBSON(f.Schema, st.GetIndex(i))
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", f.Name, err)
		}
		out = append(out, bson.E{Key: f.Name, Value: bv})
	}
	return out, nil
}

// mapDoc converts a map; keys are sorted so documents are deterministic
// (the Java codec iterates a HashMap, whose order is arbitrary too).
func mapDoc(m map[string]any, valSchema *data.Schema) (bson.D, error) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make(bson.D, 0, len(m))
	for _, k := range keys {
		bv, err := toBSON(valSchema, m[k])
		if err != nil {
			return nil, fmt.Errorf("map entry %s: %w", k, err)
		}
		out = append(out, bson.E{Key: k, Value: bv})
	}
	return out, nil
}

// toBSON converts one value; s may be nil (schemaless).
func toBSON(s *data.Schema, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	if s != nil {
		switch s.Name {
		case data.DecimalName:
			return decimal(v)
		case data.DateName, data.TimeName, data.TimestampName:
			if t, ok := v.(time.Time); ok {
				return bson.NewDateTimeFromTime(t), nil
			}
		}
	}
	switch x := v.(type) {
	case bool, string, float64:
		return x, nil
	case int8:
		return int32(x), nil
	case int16:
		return int32(x), nil
	case int32:
		return x, nil
	case int:
		return int64(x), nil
	case int64:
		return x, nil
	case float32:
		return float64(x), nil
	case []byte:
		return bson.Binary{Subtype: bson.TypeBinaryGeneric, Data: x}, nil
	case time.Time:
		return bson.NewDateTimeFromTime(x), nil
	case *data.BigDecimal:
		return decimal(x)
	case *data.Struct:
		return structDoc(x)
	case []any:
		var es *data.Schema
		if s != nil {
			es = s.Value
		}
		out := make(bson.A, len(x))
		for i, e := range x {
			bv, err := toBSON(es, e)
			if err != nil {
				return nil, fmt.Errorf("array element %d: %w", i, err)
			}
			out[i] = bv
		}
		return out, nil
	case map[string]any:
		var vs *data.Schema
		if s != nil {
			vs = s.Value
		}
		return mapDoc(x, vs)
	case map[any]any:
		var vs *data.Schema
		if s != nil {
			vs = s.Value
		}
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[fmt.Sprint(k)] = e
		}
		return mapDoc(m, vs)
	case bson.D, bson.A, bson.ObjectID, bson.Binary, bson.DateTime, bson.Decimal128:
		return x, nil
	}
	return nil, fmt.Errorf("%w: %T", errNoConverter, v)
}

func decimal(v any) (any, error) {
	d, ok := v.(*data.BigDecimal)
	if !ok || d == nil || d.Unscaled == nil {
		return nil, fmt.Errorf("decimal value of type %T", v)
	}
	dec, ok := bson.ParseDecimal128FromBigInt(new(big.Int).Set(d.Unscaled), -int(d.Scale))
	if !ok {
		return nil, fmt.Errorf("decimal %s does not fit a Decimal128", d)
	}
	return dec, nil
}

// lookup returns a top-level field of a document.
func lookup(d bson.D, key string) (any, bool) {
	for _, e := range d {
		if e.Key == key {
			return e.Value, true
		}
	}
	return nil, false
}

// set replaces or appends a top-level field.
func set(d bson.D, key string, v any) bson.D {
	for i := range d {
		if d[i].Key == key {
			d[i].Value = v
			return d
		}
	}
	return append(d, bson.E{Key: key, Value: v})
}

// without returns a copy of d without the field.
func without(d bson.D, key string) bson.D {
	out := make(bson.D, 0, len(d))
	for _, e := range d {
		if e.Key != key {
			out = append(out, e)
		}
	}
	return out
}

// clone deep-copies documents and arrays so processors never share state
// between the key/value documents and the id.
func clone(v any) any {
	switch x := v.(type) {
	case bson.D:
		out := make(bson.D, len(x))
		for i, e := range x {
			out[i] = bson.E{Key: e.Key, Value: clone(e.Value)}
		}
		return out
	case bson.A:
		out := make(bson.A, len(x))
		for i, e := range x {
			out[i] = clone(e)
		}
		return out
	}
	return v
}

func cloneDoc(d bson.D) bson.D {
	if d == nil {
		return nil
	}
	return clone(d).(bson.D)
}

// flatten turns {a: {b: 1}} into {"a.b": 1}, the filter shape of the
// business-key strategies for partial id strategies.
func flatten(prefix string, d bson.D, out bson.D) bson.D {
	for _, e := range d {
		k := e.Key
		if prefix != "" {
			k = prefix + "." + k
		}
		if sub, ok := e.Value.(bson.D); ok {
			out = flatten(k, sub, out)
			continue
		}
		out = append(out, bson.E{Key: k, Value: e.Value})
	}
	return out
}
