package apache

import (
	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/config"
	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/transforms/smtutil"
)

// HoistField wraps the key or value in a struct (or map) with one field.
type HoistField struct {
	noClose
	side  smtutil.Side
	field string
	cache smtutil.SchemaCache
}

// ConfigDef implements connect.Transformation.
func (*HoistField) ConfigDef() *config.Def {
	return config.NewDef().Define(config.Key{Name: "field", Type: config.TypeString, Required: true, Validator: config.NonEmpty(), Importance: config.Medium,
		Doc: "Field name for the single field that will be created in the resulting Struct or Map."})
}

// Configure implements connect.Transformation.
func (t *HoistField) Configure(props map[string]string) error {
	v, err := parseWith(t.ConfigDef(), "HoistField", props)
	if err != nil {
		return err
	}
	t.field = v.String("field")
	return nil
}

// Apply implements connect.Transformation.
func (t *HoistField) Apply(r *connect.Record) (*connect.Record, error) {
	s, v := t.side.Get(r)
	if s == nil {
		t.side.Set(r, nil, map[string]any{t.field: v})
		return r, nil
	}
	ns, err := t.cache.Get(s, func(s *data.Schema) (*data.Schema, error) {
		return data.StructBuilder().Field(t.field, s).Build()
	})
	if err != nil {
		return nil, err
	}
	out := data.NewStruct(ns)
	out.PutIndex(0, v)
	t.side.Set(r, ns, out)
	return r, nil
}
