// Package debezium holds Debezium's ExtractNewRecordState transform
// ("unwrap"): it turns a change event envelope into the row it carries.
package debezium

import (
	"fmt"
	"strings"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/config"
	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/transforms/smtutil"
)

// Class is the Java class name users configure.
const Class = "io.debezium.transforms.ExtractNewRecordState"

// Desc registers the transform.
func Desc() connect.PluginDesc {
	return connect.PluginDesc{Class: Class, Type: connect.TypeTransformation, Version: "2.7.3.Final", New: func() any { return &ExtractNewRecordState{} }}
}

// Delete and tombstone handling modes.
const (
	modeDrop                 = "drop"
	modeNone                 = "none"
	modeRewrite              = "rewrite"
	modeTombstone            = "tombstone"
	modeRewriteWithTombstone = "rewrite-with-tombstone"
	modeDeleteToTombstone    = "delete-to-tombstone"
	deletedField             = "__deleted"
)

// ExtractNewRecordState replaces an envelope by its after (or before) row.
type ExtractNewRecordState struct {
	// keepTombstones keeps incoming tombstones.
	keepTombstones bool
	// deleteMode is what happens to a delete event: drop, none (value null
	// with the row schema), rewrite, or delete-to-tombstone.
	deleteMode string
	// rewrite adds __deleted to every row.
	rewrite     bool
	addFields   []addedField
	addHeaders  []addedField
	routeBy     string
	replaceNull bool
	cache       smtutil.SchemaCache
}

// addedField is one add.fields / add.headers entry.
type addedField struct {
	// parent is "" for the envelope itself, else "source" or "transaction".
	parent string
	field  string
	output string
}

// ConfigDef implements connect.Transformation.
func (*ExtractNewRecordState) ConfigDef() *config.Def {
	return config.NewDef().
		Define(config.Key{Name: "drop.tombstones", Type: config.TypeBoolean, Default: "true", Importance: config.Low,
			Doc: "Debezium by default generates a tombstone record to enable Kafka compaction after a delete record was generated. This record is usually filtered out to avoid duplicates as a delete record is converted to a tombstone record, too. Deprecated: use delete.tombstone.handling.mode."}).
		Define(config.Key{Name: "delete.handling.mode", Type: config.TypeString, Default: modeDrop, Validator: config.OneOf(modeDrop, modeRewrite, modeNone), Importance: config.Medium,
			Doc: "How to handle delete records: drop, none or rewrite. Deprecated: use delete.tombstone.handling.mode."}).
		Define(config.Key{Name: "delete.tombstone.handling.mode", Type: config.TypeString, Default: "",
			Validator: config.Func("one of drop, tombstone, rewrite, rewrite-with-tombstone, delete-to-tombstone", func(_ string, v any) error {
				switch strings.ToLower(v.(string)) {
				case "", modeDrop, modeTombstone, modeRewrite, modeRewriteWithTombstone, modeDeleteToTombstone:
					return nil
				}
				return fmt.Errorf("Value must be one of drop, tombstone, rewrite, rewrite-with-tombstone, delete-to-tombstone")
			}), Importance: config.Medium,
			Doc: "How to handle delete records and tombstones: drop, tombstone, rewrite, rewrite-with-tombstone or delete-to-tombstone."}).
		Define(config.Key{Name: "add.fields", Type: config.TypeList, Default: "", Importance: config.Low,
			Doc: "Adds each field listed, prefixed with __ (or __<struct>_ if the struct is specified)."}).
		Define(config.Key{Name: "add.fields.prefix", Type: config.TypeString, Default: "__", Importance: config.Low, Doc: "Prefix of added fields."}).
		Define(config.Key{Name: "add.headers", Type: config.TypeList, Default: "", Importance: config.Low,
			Doc: "Adds each field listed to the header, prefixed with __ (or __<struct>_ if the struct is specified)."}).
		Define(config.Key{Name: "add.headers.prefix", Type: config.TypeString, Default: "__", Importance: config.Low, Doc: "Prefix of added headers."}).
		Define(config.Key{Name: "route.by.field", Type: config.TypeString, Default: "", Importance: config.Low,
			Doc: "The column which determines how the events will be routed, the value will replace the topic name."}).
		Define(config.Key{Name: "replace.null.with.default", Type: config.TypeBoolean, Default: "true", Importance: config.Low,
			Doc: "Replace null values of fields that have a default with the default."})
}

// Configure implements connect.Transformation.
func (t *ExtractNewRecordState) Configure(props map[string]string) error {
	v, err := t.ConfigDef().Parse(props)
	if err != nil {
		return fmt.Errorf("ExtractNewRecordState: %w", err)
	}
	switch mode := strings.ToLower(strings.TrimSpace(v.String("delete.tombstone.handling.mode"))); mode {
	case "":
		// The legacy keys, with their defaults.
		t.keepTombstones = !v.Bool("drop.tombstones")
		t.deleteMode = strings.ToLower(v.String("delete.handling.mode"))
		t.rewrite = t.deleteMode == modeRewrite
	case modeDrop:
		t.deleteMode = modeDrop
	case modeTombstone:
		t.deleteMode = modeNone
	case modeRewrite:
		t.deleteMode, t.rewrite = modeRewrite, true
	case modeRewriteWithTombstone:
		t.deleteMode, t.rewrite, t.keepTombstones = modeRewrite, true, true
	case modeDeleteToTombstone:
		t.deleteMode = modeDeleteToTombstone
	}
	if t.addFields, err = parseAdded(v.List("add.fields"), v.String("add.fields.prefix")); err != nil {
		return &config.Error{Key: "add.fields", Value: props["add.fields"], Message: err.Error()}
	}
	if t.addHeaders, err = parseAdded(v.List("add.headers"), v.String("add.headers.prefix")); err != nil {
		return &config.Error{Key: "add.headers", Value: props["add.headers"], Message: err.Error()}
	}
	if h := strings.TrimSpace(props["drop.fields.header.name"]); h != "" {
		// Debezium's drop-fields feature is not implemented: refused
		// rather than ignored (README, Debezium SMTs).
		return &config.Error{Key: "drop.fields.header.name", Value: h, Message: "drop.fields.header.name is not supported by goconnect yet"}
	}
	t.routeBy = strings.TrimSpace(v.String("route.by.field"))
	t.replaceNull = v.Bool("replace.null.with.default")
	return nil
}

func parseAdded(entries []string, prefix string) ([]addedField, error) {
	var out []addedField
	for _, e := range entries {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		spec, rename, renamed := strings.Cut(e, ":")
		parent, field, qualified := strings.Cut(spec, ".")
		if !qualified {
			field, parent = spec, ""
			switch spec {
			case "op", "ts_ms", "ts_us", "ts_ns":
			case "id", "total_order", "data_collection_order":
				parent = "transaction"
			default:
				parent = "source"
			}
		}
		if field == "" || (renamed && rename == "") {
			return nil, fmt.Errorf("invalid entry %q", e)
		}
		name := field
		if qualified {
			name = parent + "_" + field
		}
		if renamed {
			name = rename
		}
		out = append(out, addedField{parent: parent, field: field, output: prefix + name})
	}
	return out, nil
}

// Apply implements connect.Transformation.
func (t *ExtractNewRecordState) Apply(r *connect.Record) (*connect.Record, error) {
	if r.Value == nil {
		if !t.keepTombstones {
			return nil, nil
		}
		for _, h := range t.addHeaders {
			if h.parent == "" && h.field == "op" {
				r.Headers = append(r.Headers.Clone(), connect.Header{Key: h.output, Schema: data.OptionalString, Value: "d"})
			}
		}
		return r, nil
	}
	env, ok := r.Value.(*data.Struct)
	if !ok || r.ValueSchema == nil || !strings.HasSuffix(r.ValueSchema.Name, ".Envelope") {
		return r, nil // schema changes, heartbeats, schemaless records
	}
	if len(t.addHeaders) > 0 {
		hdrs := r.Headers.Clone()
		for _, h := range t.addHeaders {
			s, v, found := lookup(env, h)
			if found {
				hdrs = append(hdrs, connect.Header{Key: h.output, Schema: s, Value: v})
			}
		}
		r.Headers = hdrs
	}
	after, _ := field(env, "after").(*data.Struct)
	before, _ := field(env, "before").(*data.Struct)
	if after == nil && before == nil {
		return nil, nil // truncate events
	}
	row, deleted := after, "false"
	if after == nil {
		row, deleted = before, "true"
		switch t.deleteMode {
		case modeDrop:
			return nil, nil
		case modeNone:
			r.ValueSchema, r.Value = before.Schema(), nil
			return r, nil
		case modeDeleteToTombstone:
			r.ValueSchema, r.Value = nil, nil
			return r, nil
		}
	}
	out, err := t.newRow(r.ValueSchema, env, row, deleted)
	if err != nil {
		return nil, err
	}
	if t.routeBy != "" {
		if f, ok := row.Schema().Field(t.routeBy); ok {
			if topic, ok := row.GetIndex(f.Index).(string); ok {
				r.Topic = topic
			}
		}
	}
	r.ValueSchema, r.Value = out.Schema(), out
	return r, nil
}

// newRow builds the output row: the row's columns, __deleted in rewrite
// mode, then the added fields (Debezium 2.x order). Debezium rebuilds the
// schema even with nothing to add (its addFields runs for every row), with
// Connect's copySchemaBasics, so the row schema loses its optionality.
func (t *ExtractNewRecordState) newRow(envSchema *data.Schema, env, row *data.Struct, deleted string) (*data.Struct, error) {
	s, err := t.cache.Get(envSchema, func(*data.Schema) (*data.Schema, error) {
		rs := row.Schema()
		b := smtutil.CopyBasics(rs)
		for _, f := range rs.Fields {
			b.Field(f.Name, f.Schema)
		}
		if t.rewrite {
			b.Field(deletedField, data.OptionalString)
		}
		for _, a := range t.addFields {
			fs, ok := schemaOf(envSchema, a)
			if !ok {
				continue // Debezium 2.x skips unknown names silently
			}
			b.Field(a.output, optional(fs))
		}
		return b.Build()
	})
	if err != nil {
		return nil, fmt.Errorf("ExtractNewRecordState: %w", err)
	}
	out := data.NewStruct(s)
	rs := row.Schema()
	for i := range rs.Fields {
		if t.replaceNull {
			out.PutIndex(i, row.GetIndex(i))
		} else {
			out.PutIndex(i, row.RawIndex(i))
		}
	}
	if t.rewrite {
		f, _ := s.Field(deletedField)
		out.PutIndex(f.Index, deleted)
	}
	for _, a := range t.addFields {
		f, ok := s.Field(a.output)
		if !ok {
			continue
		}
		_, v, _ := lookup(env, a)
		out.PutIndex(f.Index, v)
	}
	return out, nil
}

func field(st *data.Struct, name string) any {
	f, ok := st.Schema().Field(name)
	if !ok {
		return nil
	}
	return st.GetIndex(f.Index)
}

// lookup finds an added field's schema and value in the envelope; a
// missing parent struct gives a null value.
func lookup(env *data.Struct, a addedField) (*data.Schema, any, bool) {
	fs, ok := schemaOf(env.Schema(), a)
	if !ok {
		return nil, nil, false
	}
	holder := env
	if a.parent != "" {
		p, _ := field(env, a.parent).(*data.Struct)
		if p == nil {
			return optional(fs), nil, true
		}
		holder = p
	}
	return optional(fs), field(holder, a.field), true
}

func schemaOf(envSchema *data.Schema, a addedField) (*data.Schema, bool) {
	s := envSchema
	if a.parent != "" {
		p, ok := envSchema.Field(a.parent)
		if !ok || p.Schema.Type != data.TypeStruct {
			return nil, false
		}
		s = p.Schema
	}
	f, ok := s.Field(a.field)
	if !ok {
		return nil, false
	}
	return f.Schema, true
}

func optional(s *data.Schema) *data.Schema {
	if s.Optional {
		return s
	}
	return data.FromSchema(s).Optional().MustBuild()
}

// Close implements connect.Transformation.
func (*ExtractNewRecordState) Close() error { return nil }
