package apache

import (
	"fmt"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/config"
	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/transforms/smtutil"
)

// ValueToKey replaces the key with fields of the value.
type ValueToKey struct {
	noClose
	fields      []string
	replaceNull bool
	cache       smtutil.SchemaCache
}

// ConfigDef implements connect.Transformation.
func (*ValueToKey) ConfigDef() *config.Def {
	return config.NewDef().
		Define(config.Key{Name: "fields", Type: config.TypeList, Required: true, Validator: nonEmptyList{}, Importance: config.High,
			Doc: "Field names on the record value to extract as the record key."}).
		Define(replaceNullKey)
}

// Configure implements connect.Transformation.
func (t *ValueToKey) Configure(props map[string]string) error {
	v, err := parseWith(t.ConfigDef(), "ValueToKey", props)
	if err != nil {
		return err
	}
	t.fields = trimAll(v.List("fields"))
	t.replaceNull = v.Bool(replaceNullKey.Name)
	return nil
}

const copyPurpose = "copying fields from value to key"

// Apply implements connect.Transformation.
func (t *ValueToKey) Apply(r *connect.Record) (*connect.Record, error) {
	if r.ValueSchema == nil {
		m, err := smtutil.RequireMap(r.Value, copyPurpose)
		if err != nil {
			return nil, err
		}
		key := make(map[string]any, len(t.fields))
		for _, f := range t.fields {
			key[f] = m[f]
		}
		r.KeySchema, r.Key = nil, key
		return r, nil
	}
	st, err := smtutil.RequireStruct(r.Value, copyPurpose)
	if err != nil {
		return nil, err
	}
	ks, err := t.cache.Get(r.ValueSchema, func(s *data.Schema) (*data.Schema, error) {
		b := data.StructBuilder()
		for _, name := range t.fields {
			f, ok := s.Field(name)
			if !ok {
				return nil, fmt.Errorf("Field does not exist: %s", name)
			}
			b.Field(name, f.Schema)
		}
		return b.Build()
	})
	if err != nil {
		return nil, err
	}
	key := data.NewStruct(ks)
	for i, name := range t.fields {
		f, _ := r.ValueSchema.Field(name)
		key.PutIndex(i, smtutil.FieldValue(st, f.Index, t.replaceNull))
	}
	r.KeySchema, r.Key = ks, key
	return r, nil
}
