package apache

import (
	"fmt"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/config"
	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/transforms/smtutil"
)

// SetSchemaMetadata sets the name and/or version of the key or value schema.
type SetSchemaMetadata struct {
	noClose
	side        smtutil.Side
	name        string
	version     *int32
	replaceNull bool
	cache       smtutil.SchemaCache
}

// ConfigDef implements connect.Transformation.
func (*SetSchemaMetadata) ConfigDef() *config.Def {
	return config.NewDef().
		Define(config.Key{Name: "schema.name", Type: config.TypeString, Importance: config.High, Doc: "Schema name to set."}).
		Define(config.Key{Name: "schema.version", Type: config.TypeInt, Importance: config.High, Doc: "Schema version to set."}).
		Define(replaceNullKey)
}

// Configure implements connect.Transformation.
func (t *SetSchemaMetadata) Configure(props map[string]string) error {
	v, err := parseWith(t.ConfigDef(), "SetSchemaMetadata", props)
	if err != nil {
		return err
	}
	t.name = v.String("schema.name")
	if v.Get("schema.version") != nil {
		n := v.Int("schema.version")
		t.version = &n
	}
	if t.name == "" && t.version == nil {
		return &config.Error{Key: "schema.name", Message: "Neither schema name nor version configured"}
	}
	t.replaceNull = v.Bool(replaceNullKey.Name)
	return nil
}

// Apply implements connect.Transformation.
func (t *SetSchemaMetadata) Apply(r *connect.Record) (*connect.Record, error) {
	s, v := t.side.Get(r)
	if s == nil {
		if v == nil {
			return r, nil
		}
		return nil, fmt.Errorf("Schema required for [updating schema metadata]")
	}
	ns, err := t.cache.Get(s, func(s *data.Schema) (*data.Schema, error) {
		b := data.FromSchema(s)
		if t.name != "" {
			b.Name(t.name)
		}
		if t.version != nil {
			b.Version(*t.version)
		}
		return b.Build()
	})
	if err != nil {
		return nil, err
	}
	if st, ok := v.(*data.Struct); ok {
		out := data.NewStruct(ns)
		for i := range s.Fields {
			out.PutIndex(i, smtutil.FieldValue(st, i, t.replaceNull))
		}
		v = out
	}
	t.side.Set(r, ns, v)
	return r, nil
}
