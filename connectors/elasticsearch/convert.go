package elasticsearch

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/data"
	jsonconv "github.com/goconnect/goconnect/internal/jsonconverter"
)

// dataError is a conversion failure of one record (Connect's
// DataException): reported to the DLQ, then dropped or fatal per
// drop.invalid.message.
type dataError struct{ msg string }

func (e *dataError) Error() string { return e.msg }

func dataErrorf(format string, args ...any) error {
	return &dataError{msg: fmt.Sprintf(format, args...)}
}

func isDataError(err error) bool {
	var d *dataError
	return errors.As(err, &d)
}

// op is the bulk operation of one document.
type op int

const (
	opIndex op = iota
	opCreate
	opUpdate
	opDelete
)

func (o op) String() string { return [...]string{"index", "create", "update", "delete"}[o] }

// action is one bulk item built from one record.
type action struct {
	rec   connect.SinkRecord
	op    op
	index string
	// id is the document id taken from the key; with offsetID the id is
	// topic+partition+offset, written straight into the bulk body rather
	// than kept as one more string per document.
	id       string
	offsetID bool
	version  int64
	external bool
	body     []byte // source JSON; nil for deletes
	retryOn  int    // retry_on_conflict of updates
}

// docID is the document id, for logs and reports.
func (a *action) docID() string {
	if a.offsetID {
		return string(a.appendID(nil))
	}
	return a.id
}

func (a *action) appendID(b []byte) []byte {
	if !a.offsetID {
		return append(b, a.id...)
	}
	b = append(b, a.rec.Topic...)
	b = append(b, '+')
	b = strconv.AppendInt(b, int64(a.rec.Partition), 10)
	b = append(b, '+')
	return strconv.AppendInt(b, a.rec.KafkaOffset, 10)
}

// size is an upper estimate of the item's length in a bulk body.
func (a *action) size() int {
	return 2*len(a.body) + len(a.index) + len(a.id) + len(a.rec.Topic) + 128
}

// appendTo writes the item as NDJSON lines (action line, then source).
func (a *action) appendTo(b []byte) []byte {
	b = append(b, `{"`...)
	b = append(b, a.op.String()...)
	b = append(b, `":{"_index":`...)
	b = appendJSONString(b, a.index)
	if a.offsetID && plainJSON(a.rec.Topic) {
		b = append(b, `,"_id":"`...)
		b = a.appendID(b)
		b = append(b, '"')
	} else if a.offsetID {
		// A topic renamed by a transform may need escaping.
		b = append(b, `,"_id":`...)
		b = appendJSONString(b, a.docID())
	} else if a.id != "" {
		b = append(b, `,"_id":`...)
		b = appendJSONString(b, a.id)
	}
	if a.external {
		b = append(b, `,"version_type":"external","version":`...)
		b = strconv.AppendInt(b, a.version, 10)
	}
	if a.op == opUpdate {
		b = append(b, `,"retry_on_conflict":`...)
		b = strconv.AppendInt(b, int64(a.retryOn), 10)
	}
	b = append(b, "}}\n"...)
	switch a.op {
	case opDelete:
	case opUpdate:
		b = append(b, `{"doc":`...)
		b = append(b, a.body...)
		b = append(b, `,"upsert":`...)
		b = append(b, a.body...)
		b = append(b, "}\n"...)
	default:
		b = append(b, a.body...)
		b = append(b, '\n')
	}
	return b
}

// plainJSON is true when s needs no escaping inside a JSON string.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x80 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// appendJSONString quotes s; plain ASCII (index names, most ids) is
// copied as is, anything else goes through encoding/json.
func appendJSONString(b []byte, s string) []byte {
	if !plainJSON(s) {
		q, _ := json.Marshal(s) // a string always marshals
		return append(b, q...)
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// indexName is the index (or data stream) of a topic, as Confluent names
// it.
func indexName(s *settings, topic string) string {
	t := strings.ToLower(topic)
	if s.dataStream() {
		if len(t) > 100 {
			t = t[:100]
		}
		return s.dsType + "-" + s.dsDataset + "-" + t
	}
	if len(t) > 255 {
		t = t[:255]
	}
	if strings.HasPrefix(t, "-") || strings.HasPrefix(t, "_") {
		t = t[1:]
	}
	if t == "." || t == ".." {
		t = strings.ReplaceAll(t, ".", "dot")
	}
	return t
}

// documentID is the key as a document id (Confluent's convertKey).
func documentID(keySchema *data.Schema, key any) (string, error) {
	if key == nil {
		return "", dataErrorf("Key is used as document id and can not be null.")
	}
	var t data.Type
	if keySchema != nil {
		t = keySchema.Type
	} else {
		// Schemaless: the value's type decides, as Java's class does.
		switch key.(type) {
		case int8:
			t = data.TypeInt8
		case int16:
			t = data.TypeInt16
		case int32:
			t = data.TypeInt32
		case int64, int:
			t = data.TypeInt64
		case string:
			t = data.TypeString
		case float32:
			t = data.TypeFloat32
		case float64:
			t = data.TypeFloat64
		case bool:
			t = data.TypeBoolean
		case []byte:
			t = data.TypeBytes
		case []any:
			t = data.TypeArray
		case map[string]any, map[any]any:
			t = data.TypeMap
		case *data.Struct:
			t = data.TypeStruct
		default:
			return "", dataErrorf("Java class %T does not have corresponding schema type.", key)
		}
	}
	s := fmt.Sprint(key)
	if s == "" {
		return "", dataErrorf("Key is used as document id and can not be empty.")
	}
	switch t {
	case data.TypeInt8, data.TypeInt16, data.TypeInt32, data.TypeInt64, data.TypeString:
		return s, nil
	}
	return "", dataErrorf("%s is not supported as the document id.", t.JavaName())
}

// converter builds bulk actions from records. It is used by one goroutine
// (Put) only: the JSON converter keeps a buffer.
type converter struct {
	s    *settings
	json *jsonconv.Converter
	// pre caches preprocessed value schemas by identity: a stream of
	// records shares one schema object.
	pre map[*data.Schema]*data.Schema
}

func newConverter(s *settings) (*converter, error) {
	j := jsonconv.New()
	if err := j.Configure(map[string]string{"schemas.enable": "false"}, false); err != nil {
		return nil, fmt.Errorf("configuring the JSON converter: %w", err)
	}
	return &converter{s: s, json: j, pre: map[*data.Schema]*data.Schema{}}, nil
}

// convert returns the action of a record, or nil when it is skipped. A
// *dataError is a conversion failure of this record.
func (c *converter) convert(rec connect.SinkRecord, index string) (*action, error) {
	a := &action{}
	if keep, err := c.convertInto(a, rec, index); !keep || err != nil {
		return nil, err
	}
	return a, nil
}

// convertInto fills a (a slot of the task's batch, so no allocation per
// record) with the action of a record; keep is false when the record is
// skipped.
func (c *converter) convertInto(a *action, rec connect.SinkRecord, index string) (keep bool, err error) {
	s := c.s
	*a = action{rec: rec, index: index}
	ignoreKey := s.ignoreKey(rec.Topic)
	if ignoreKey {
		a.offsetID = true
	} else {
		// A delete of a record without key cannot name a document.
		if rec.Value == nil && s.nulls == nullDelete && rec.Key == nil {
			return false, nil
		}
		if a.id, err = documentID(rec.KeySchema, rec.Key); err != nil {
			return false, err
		}
	}
	if rec.Value == nil {
		switch s.nulls {
		case nullIgnore:
			return false, nil
		case nullFail:
			return false, dataErrorf("Sink record with key of %v and null value encountered for topic/partition/offset %s/%d/%d (to ignore future records like this change the configuration property '%s' from '%s' to '%s')",
				rec.Key, rec.Topic, rec.Partition, rec.KafkaOffset, keyNullValues, "fail", "ignore")
		}
		a.op = opDelete
	} else {
		if a.body, err = c.body(rec); err != nil {
			return false, err
		}
		switch {
		case s.upsert:
			a.op = opUpdate
			a.retryOn = min(s.maxInFlight, 5)
			return true, nil
		case s.dataStream():
			a.op = opCreate
		default:
			a.op = opIndex
		}
	}
	if !s.dataStream() && !ignoreKey {
		a.external = true
		a.version = rec.KafkaOffset
		if s.versionHeader != "" {
			if h, ok := rec.Headers.Last(s.versionHeader); ok {
				v, err := headerVersion(h.Value)
				if err != nil {
					return false, dataErrorf("header %s is not a version: %v", s.versionHeader, err)
				}
				a.version = v
			}
		}
	}
	return true, nil
}

func headerVersion(v any) (int64, error) {
	switch x := v.(type) {
	case int8:
		return int64(x), nil
	case int16:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case int64:
		return x, nil
	case string:
		return strconv.ParseInt(strings.TrimSpace(x), 10, 64)
	case []byte:
		return strconv.ParseInt(strings.TrimSpace(string(x)), 10, 64)
	}
	return 0, fmt.Errorf("unsupported header value type %T", v)
}

// body is the document source: the value as schemaless JSON, after
// Confluent's preprocessing when schemas are not ignored.
func (c *converter) body(rec connect.SinkRecord) ([]byte, error) {
	schema, value := rec.ValueSchema, rec.Value
	if !c.s.ignoreSchema(rec.Topic) && schema != nil {
		ps, ok := c.pre[schema]
		if !ok {
			ps = preSchema(schema, c.s.compactMap)
			c.pre[schema] = ps
		}
		if ps != schema {
			v, err := preValue(value, schema, ps)
			if err != nil {
				return nil, err
			}
			schema, value = ps, v
		}
	}
	b, err := c.json.FromConnectData(rec.Topic, nil, schema, value)
	if err != nil {
		return nil, dataErrorf("converting the value of %s-%d@%d to JSON: %v", rec.Topic, rec.Partition, rec.KafkaOffset, err)
	}
	if c.s.dataStream() {
		return c.addTimestamp(b, rec)
	}
	return b, nil
}

// addTimestamp sets @timestamp for data streams: the first present
// configured field, else the record timestamp in epoch ms.
func (c *converter) addTimestamp(b []byte, rec connect.SinkRecord) ([]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, dataErrorf("data stream documents must be JSON objects: %v", err)
	}
	if len(c.s.dsTimestamp) > 0 {
		for _, f := range c.s.dsTimestamp {
			if v, ok := m[strings.TrimSpace(f)]; ok {
				m["@timestamp"] = v
				break
			}
		}
	} else if rec.Timestamp.IsZero() {
		m["@timestamp"] = json.RawMessage("null")
	} else {
		m["@timestamp"] = json.RawMessage(strconv.AppendInt(nil, rec.Timestamp.UnixMilli(), 10))
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return nil, fmt.Errorf("adding @timestamp: %w", err)
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// preSchema is Confluent's preProcessSchema: Decimal → FLOAT64, and maps
// as JSON objects (string keys with compact.map.entries) or arrays of
// {key, value} structs. It returns s itself when nothing changes.
func preSchema(s *data.Schema, compact bool) *data.Schema {
	if s == nil {
		return nil
	}
	if s.Name == data.DecimalName {
		b := data.NewBuilder(data.TypeFloat64)
		if s.Optional {
			b.Optional()
		}
		if d, ok := s.Default.(*data.BigDecimal); ok {
			b.Default(d.Float64())
		}
		return b.MustBuild()
	}
	switch s.Type {
	case data.TypeArray:
		e := preSchema(s.Value, compact)
		if e == s.Value {
			return s
		}
		return copyBasics(s, data.ArrayOf(e))
	case data.TypeMap:
		if s.Key == nil || s.Value == nil {
			return s
		}
		k, v := preSchema(s.Key, compact), preSchema(s.Value, compact)
		if compact && s.Key != nil && s.Key.Type == data.TypeString {
			if k == s.Key && v == s.Value {
				return s
			}
			return copyBasics(s, data.MapOf(k, v))
		}
		entry := data.StructBuilder().Name(s.Name).Field("key", k).Field("value", v).MustBuild()
		return copyBasics(s, data.ArrayOf(entry))
	case data.TypeStruct:
		changed := false
		fields := make([]*data.Schema, len(s.Fields))
		for i, f := range s.Fields {
			fields[i] = preSchema(f.Schema, compact)
			changed = changed || fields[i] != f.Schema
		}
		if !changed {
			return s
		}
		b := data.StructBuilder()
		for i, f := range s.Fields {
			b.Field(f.Name, fields[i])
		}
		return copyBasics(s, b)
	}
	return s
}

// copyBasics carries name, version, doc, optionality and parameters over.
func copyBasics(from *data.Schema, b *data.Builder) *data.Schema {
	b.Name(from.Name).Doc(from.Doc).ParamsFrom(from)
	if from.Version != nil {
		b.Version(*from.Version)
	}
	if from.Optional {
		b.Optional()
	}
	return b.MustBuild()
}

// preValue converts a value of schema s to schema ps (see preSchema).
func preValue(v any, s, ps *data.Schema) (any, error) {
	if s == ps {
		return v, nil
	}
	if v == nil {
		if s.Default != nil {
			v = s.Default
		} else if s.Optional {
			return nil, nil
		} else {
			return nil, dataErrorf("null value for field that is required and has no default value")
		}
	}
	if s.Name == data.DecimalName {
		d, ok := v.(*data.BigDecimal)
		if !ok {
			return nil, dataErrorf("decimal value of type %T", v)
		}
		return d.Float64(), nil
	}
	switch s.Type {
	case data.TypeArray:
		in, ok := v.([]any)
		if !ok {
			return nil, dataErrorf("array value of type %T", v)
		}
		out := make([]any, len(in))
		for i, e := range in {
			x, err := preValue(e, s.Value, ps.Value)
			if err != nil {
				return nil, err
			}
			out[i] = x
		}
		return out, nil
	case data.TypeMap:
		type kv struct{ k, v any }
		var entries []kv
		switch m := v.(type) {
		case map[string]any:
			for k, x := range m {
				entries = append(entries, kv{k, x})
			}
		case map[any]any:
			for k, x := range m {
				entries = append(entries, kv{k, x})
			}
		default:
			return nil, dataErrorf("map value of type %T", v)
		}
		if ps.Type == data.TypeMap {
			out := make(map[any]any, len(entries))
			for _, e := range entries {
				k, err := preValue(e.k, s.Key, ps.Key)
				if err != nil {
					return nil, err
				}
				x, err := preValue(e.v, s.Value, ps.Value)
				if err != nil {
					return nil, err
				}
				out[k] = x
			}
			return out, nil
		}
		out := make([]any, 0, len(entries))
		for _, e := range entries {
			k, err := preValue(e.k, s.Key, ps.Value.Fields[0].Schema)
			if err != nil {
				return nil, err
			}
			x, err := preValue(e.v, s.Value, ps.Value.Fields[1].Schema)
			if err != nil {
				return nil, err
			}
			st := data.NewStruct(ps.Value)
			st.PutIndex(0, k)
			st.PutIndex(1, x)
			out = append(out, st)
		}
		return out, nil
	case data.TypeStruct:
		in, ok := v.(*data.Struct)
		if !ok {
			return nil, dataErrorf("struct value of type %T", v)
		}
		out := data.NewStruct(ps)
		for i, f := range s.Fields {
			x, err := preValue(in.GetIndex(i), f.Schema, ps.Fields[i].Schema)
			if err != nil {
				return nil, fmt.Errorf("field %s: %w", f.Name, err)
			}
			out.PutIndex(i, x)
		}
		return out, nil
	}
	return v, nil
}

// mapping is the index mapping of a value schema (Confluent's
// Mapping.buildMapping).
func mapping(s *data.Schema) (map[string]any, error) {
	if s == nil {
		return nil, dataErrorf("Cannot infer mapping without schema.")
	}
	return fieldMapping(s), nil
}

func fieldMapping(s *data.Schema) map[string]any {
	switch s.Name {
	case data.DateName, data.TimeName, data.TimestampName:
		m := map[string]any{"type": "date"}
		if t, ok := s.Default.(interface{ UnixMilli() int64 }); ok {
			m["null_value"] = t.UnixMilli()
		}
		return m
	case data.DecimalName:
		m := map[string]any{"type": "double"}
		if d, ok := s.Default.(*data.BigDecimal); ok {
			m["null_value"] = d.Float64()
		}
		return m
	}
	prim := func(t string) map[string]any {
		m := map[string]any{"type": t}
		if s.Default != nil {
			m["null_value"] = s.Default
		}
		return m
	}
	switch s.Type {
	case data.TypeBoolean:
		return prim("boolean")
	case data.TypeInt8:
		return prim("byte")
	case data.TypeInt16:
		return prim("short")
	case data.TypeInt32:
		return prim("integer")
	case data.TypeInt64:
		return prim("long")
	case data.TypeFloat32:
		return prim("float")
	case data.TypeFloat64:
		return prim("double")
	case data.TypeString:
		// Text fields take no null_value; Confluent ignores the default.
		return map[string]any{"type": "text", "fields": map[string]any{
			"keyword": map[string]any{"type": "keyword", "ignore_above": 256},
		}}
	case data.TypeBytes:
		return map[string]any{"type": "binary"}
	case data.TypeArray:
		if s.Value == nil {
			return map[string]any{}
		}
		return fieldMapping(s.Value)
	case data.TypeMap:
		if s.Key == nil || s.Value == nil {
			return map[string]any{}
		}
		return map[string]any{"properties": map[string]any{
			"key":   fieldMapping(s.Key),
			"value": fieldMapping(s.Value),
		}}
	case data.TypeStruct:
		props := make(map[string]any, len(s.Fields))
		for _, f := range s.Fields {
			props[f.Name] = fieldMapping(f.Schema)
		}
		return map[string]any{"properties": props}
	}
	return map[string]any{}
}
