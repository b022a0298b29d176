package apache

import (
	"fmt"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/config"
	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/transforms/smtutil"
)

// Flatten turns nested structs (or maps) into one level, joining names
// with a delimiter.
type Flatten struct {
	noClose
	side      smtutil.Side
	delimiter string
	cache     smtutil.SchemaCache
}

// ConfigDef implements connect.Transformation.
func (*Flatten) ConfigDef() *config.Def {
	return config.NewDef().Define(config.Key{Name: "delimiter", Type: config.TypeString, Default: ".", Importance: config.Medium,
		Doc: "Delimiter to insert between field names from the input record when generating field names for the output record"})
}

// Configure implements connect.Transformation.
func (t *Flatten) Configure(props map[string]string) error {
	t.delimiter = "."
	if d, ok := props["delimiter"]; ok {
		t.delimiter = d // kept verbatim, spaces included
	}
	return nil
}

const flattenPurpose = "flattening"

// Apply implements connect.Transformation.
func (t *Flatten) Apply(r *connect.Record) (*connect.Record, error) {
	s, v := t.side.Get(r)
	if v == nil {
		return r, nil
	}
	if s == nil {
		m, err := smtutil.RequireMap(v, flattenPurpose)
		if err != nil {
			return nil, err
		}
		out := map[string]any{}
		t.flattenMap("", m, out)
		t.side.Set(r, nil, out)
		return r, nil
	}
	st, err := smtutil.RequireStruct(v, flattenPurpose)
	if err != nil {
		return nil, err
	}
	ns, err := t.cache.Get(s, func(s *data.Schema) (*data.Schema, error) {
		b := smtutil.CopyBasics(s)
		if err := t.flattenSchema("", s, false, nil, b); err != nil {
			return nil, err
		}
		return b.Build()
	})
	if err != nil {
		return nil, err
	}
	out := data.NewStruct(ns)
	i := 0
	t.flattenStruct(st, out, &i)
	t.side.Set(r, ns, out)
	return r, nil
}

func (t *Flatten) name(prefix, field string) string {
	if prefix == "" {
		return field
	}
	return prefix + t.delimiter + field
}

func (t *Flatten) flattenMap(prefix string, m map[string]any, out map[string]any) {
	for k, v := range m {
		if nested, ok := v.(map[string]any); ok {
			t.flattenMap(t.name(prefix, k), nested, out)
			continue
		}
		out[t.name(prefix, k)] = v
	}
}

// flattenSchema adds the leaf fields of s; a leaf is optional when it or
// any ancestor is, and inherits the nearest ancestor default.
func (t *Flatten) flattenSchema(prefix string, s *data.Schema, optional bool, def *data.Struct, b *data.Builder) error {
	for _, f := range s.Fields {
		name := t.name(prefix, f.Name)
		opt := optional || f.Schema.Optional
		switch f.Schema.Type {
		case data.TypeStruct:
			var childDef *data.Struct
			if def != nil {
				childDef, _ = def.GetIndex(f.Index).(*data.Struct)
			} else if d, ok := f.Schema.Default.(*data.Struct); ok {
				childDef = d
			}
			if err := t.flattenSchema(name, f.Schema, opt, childDef, b); err != nil {
				return err
			}
		case data.TypeMap:
			return fmt.Errorf("Flatten transformation does not support MAP for record with schemas (for field %s).", name)
		default:
			fb := data.FromSchema(f.Schema)
			if opt {
				fb.Optional()
			}
			if def != nil {
				fb.Default(def.GetIndex(f.Index))
			}
			fs, err := fb.Build()
			if err != nil {
				return fmt.Errorf("field %s: %w", name, err)
			}
			b.Field(name, fs)
		}
	}
	return nil
}

func (t *Flatten) flattenStruct(st *data.Struct, out *data.Struct, i *int) {
	for idx, f := range st.Schema().Fields {
		v := st.GetIndex(idx)
		if f.Schema.Type == data.TypeStruct {
			nested, _ := v.(*data.Struct)
			if nested == nil {
				*i += countLeaves(f.Schema)
				continue
			}
			t.flattenStruct(nested, out, i)
			continue
		}
		out.PutIndex(*i, v)
		*i++
	}
}

func countLeaves(s *data.Schema) int {
	n := 0
	for _, f := range s.Fields {
		if f.Schema.Type == data.TypeStruct {
			n += countLeaves(f.Schema)
		} else {
			n++
		}
	}
	return n
}
