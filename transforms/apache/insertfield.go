package apache

import (
	"fmt"
	"strings"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/config"
	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/transforms/smtutil"
)

// InsertField adds the record's topic, partition, offset, timestamp and a
// static value as fields.
type InsertField struct {
	noClose
	side                         smtutil.Side
	topic, partition, offset, ts insertSpec
	static                       insertSpec
	staticValue                  string
	replaceNull                  bool
	cache                        smtutil.SchemaCache
}

// insertSpec is a field name with its `!` (required) or `?` (optional) suffix parsed.
type insertSpec struct {
	name     string
	optional bool
}

func parseInsertSpec(s string) insertSpec {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return insertSpec{}
	case strings.HasSuffix(s, "!"):
		return insertSpec{name: strings.TrimSuffix(s, "!"), optional: false}
	case strings.HasSuffix(s, "?"):
		return insertSpec{name: strings.TrimSuffix(s, "?"), optional: true}
	}
	return insertSpec{name: s, optional: true}
}

// ConfigDef implements connect.Transformation.
func (*InsertField) ConfigDef() *config.Def {
	d := config.NewDef()
	for _, k := range []struct{ name, doc string }{
		{"topic.field", "Field name for Kafka topic. Suffix with ! to make this a required field, or ? to keep it optional (the default)."},
		{"partition.field", "Field name for Kafka partition. Suffix with ! to make this a required field, or ? to keep it optional (the default)."},
		{"offset.field", "Field name for Kafka offset - only applicable to sink connectors. Suffix with ! to make this a required field, or ? to keep it optional (the default)."},
		{"timestamp.field", "Field name for record timestamp. Suffix with ! to make this a required field, or ? to keep it optional (the default)."},
		{"static.field", "Field name for static data field. Suffix with ! to make this a required field, or ? to keep it optional (the default)."},
		{"static.value", "Static field value, if field name configured."},
	} {
		d.Define(config.Key{Name: k.name, Type: config.TypeString, Importance: config.Medium, Doc: k.doc})
	}
	return d.Define(replaceNullKey)
}

// Configure implements connect.Transformation.
func (t *InsertField) Configure(props map[string]string) error {
	v, err := parseWith(t.ConfigDef(), "InsertField", props)
	if err != nil {
		return err
	}
	t.topic = parseInsertSpec(v.String("topic.field"))
	t.partition = parseInsertSpec(v.String("partition.field"))
	t.offset = parseInsertSpec(v.String("offset.field"))
	t.ts = parseInsertSpec(v.String("timestamp.field"))
	t.static = parseInsertSpec(v.String("static.field"))
	t.staticValue = v.String("static.value")
	t.replaceNull = v.Bool(replaceNullKey.Name)
	if t.topic.name == "" && t.partition.name == "" && t.offset.name == "" && t.ts.name == "" && t.static.name == "" {
		return &config.Error{Key: "topic.field", Message: "No field insertion configured"}
	}
	if t.static.name != "" && t.staticValue == "" {
		return &config.Error{Key: "static.value", Message: "No value specified for static field: " + t.static.name}
	}
	return nil
}

const insertPurpose = "field insertion"

// Apply implements connect.Transformation.
func (t *InsertField) Apply(r *connect.Record) (*connect.Record, error) {
	s, v := t.side.Get(r)
	if v == nil {
		return r, nil // tombstones pass
	}
	if t.offset.name != "" && r.KafkaOffset < 0 {
		return nil, fmt.Errorf("Only SinkRecord supported for [%s], found: org.apache.kafka.connect.source.SourceRecord", insertPurpose)
	}
	if s == nil {
		m, err := smtutil.RequireMap(v, insertPurpose)
		if err != nil {
			return nil, err
		}
		out := smtutil.CopyMap(m, 5)
		if t.topic.name != "" {
			out[t.topic.name] = r.Topic
		}
		if t.partition.name != "" && r.Partition >= 0 {
			out[t.partition.name] = r.Partition
		}
		if t.offset.name != "" {
			out[t.offset.name] = r.KafkaOffset
		}
		if t.ts.name != "" && !r.Timestamp.IsZero() {
			out[t.ts.name] = r.Timestamp.UnixMilli()
		}
		if t.static.name != "" {
			out[t.static.name] = t.staticValue
		}
		t.side.Set(r, nil, out)
		return r, nil
	}
	st, err := smtutil.RequireStruct(v, insertPurpose)
	if err != nil {
		return nil, err
	}
	ns, err := t.cache.Get(s, t.buildSchema)
	if err != nil {
		return nil, err
	}
	out := data.NewStruct(ns)
	for i := range s.Fields {
		out.PutIndex(i, smtutil.FieldValue(st, i, t.replaceNull))
	}
	put := func(spec insertSpec, val any) {
		if spec.name != "" {
			f, _ := ns.Field(spec.name)
			out.PutIndex(f.Index, val)
		}
	}
	put(t.topic, r.Topic)
	if r.Partition >= 0 {
		put(t.partition, r.Partition)
	}
	if t.offset.name != "" {
		put(t.offset, r.KafkaOffset)
	}
	if !r.Timestamp.IsZero() {
		put(t.ts, r.Timestamp.UTC())
	}
	put(t.static, t.staticValue)
	if err := out.Validate(); err != nil {
		return nil, fmt.Errorf("InsertField: %w", err)
	}
	t.side.Set(r, ns, out)
	return r, nil
}

func (t *InsertField) buildSchema(s *data.Schema) (*data.Schema, error) {
	b := smtutil.CopyBasics(s)
	for _, f := range s.Fields {
		b.Field(f.Name, f.Schema)
	}
	add := func(spec insertSpec, opt, req *data.Schema) {
		if spec.name == "" {
			return
		}
		if spec.optional {
			b.Field(spec.name, opt)
		} else {
			b.Field(spec.name, req)
		}
	}
	add(t.topic, data.OptionalString, data.StringSchema)
	add(t.partition, data.OptionalInt32, data.Int32Schema)
	add(t.offset, data.OptionalInt64, data.Int64Schema)
	add(t.ts, data.TimestampBuilder().Optional().MustBuild(), data.TimestampBuilder().MustBuild())
	add(t.static, data.OptionalString, data.StringSchema)
	ns, err := b.Build()
	if err != nil {
		return nil, fmt.Errorf("InsertField: %w", err)
	}
	return ns, nil
}
