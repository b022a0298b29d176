package apache

import (
	"fmt"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/config"
	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/transforms/smtutil"
)

// HeaderFrom copies or moves fields into headers.
type HeaderFrom struct {
	noClose
	side        smtutil.Side
	fields      []string
	headers     []string
	move        bool
	replaceNull bool
	cache       smtutil.SchemaCache
}

// ConfigDef implements connect.Transformation.
func (*HeaderFrom) ConfigDef() *config.Def {
	return config.NewDef().
		Define(config.Key{Name: "fields", Type: config.TypeList, Required: true, Validator: nonEmptyList{}, Importance: config.High, Doc: "Field names in the record whose values are to be copied or moved to headers."}).
		Define(config.Key{Name: "headers", Type: config.TypeList, Required: true, Validator: nonEmptyList{}, Importance: config.High, Doc: "Header names, in the same order as the field names listed in the fields configuration property."}).
		Define(config.Key{Name: "operation", Type: config.TypeString, Required: true, Validator: exactOneOf{"move", "copy"}, Importance: config.High, Doc: "Either move if the fields are to be moved to the headers (removed from the key/value), or copy if the fields are to be copied to the headers (retained in the key/value)."}).
		Define(replaceNullKey)
}

// Configure implements connect.Transformation.
func (t *HeaderFrom) Configure(props map[string]string) error {
	v, err := parseWith(t.ConfigDef(), "HeaderFrom", props)
	if err != nil {
		return err
	}
	t.fields, t.headers = trimAll(v.List("fields")), trimAll(v.List("headers"))
	if len(t.fields) != len(t.headers) {
		return &config.Error{Key: "headers", Message: "'fields' config must have the same number of elements as 'headers' config."}
	}
	t.move = v.String("operation") == "move"
	t.replaceNull = v.Bool(replaceNullKey.Name)
	return nil
}

const headerFromPurpose = "header from"

// Apply implements connect.Transformation.
func (t *HeaderFrom) Apply(r *connect.Record) (*connect.Record, error) {
	s, v := t.side.Get(r)
	hdrs := r.Headers.Clone()
	if s == nil {
		m, err := smtutil.RequireMap(v, headerFromPurpose)
		if err != nil {
			return nil, err
		}
		out := m
		if t.move {
			out = smtutil.CopyMap(m, 0)
		}
		for i, f := range t.fields {
			hdrs = append(hdrs, connect.Header{Key: t.headers[i], Value: m[f]})
			if t.move {
				delete(out, f)
			}
		}
		r.Headers = hdrs
		t.side.Set(r, nil, out)
		return r, nil
	}
	st, err := smtutil.RequireStruct(v, headerFromPurpose)
	if err != nil {
		return nil, err
	}
	for i, name := range t.fields {
		f, ok := s.Field(name)
		if !ok {
			return nil, fmt.Errorf("Field %s not found in schema", name)
		}
		hdrs = append(hdrs, connect.Header{Key: t.headers[i], Schema: f.Schema, Value: smtutil.FieldValue(st, f.Index, t.replaceNull)})
	}
	r.Headers = hdrs
	if !t.move {
		return r, nil
	}
	moved := map[string]bool{}
	for _, f := range t.fields {
		moved[f] = true
	}
	ns, err := t.cache.Get(s, func(s *data.Schema) (*data.Schema, error) {
		b := smtutil.CopyBasics(s)
		for _, f := range s.Fields {
			if !moved[f.Name] {
				b.Field(f.Name, f.Schema)
			}
		}
		return b.Build()
	})
	if err != nil {
		return nil, err
	}
	out := data.NewStruct(ns)
	j := 0
	for i, f := range s.Fields {
		if !moved[f.Name] {
			out.PutIndex(j, smtutil.FieldValue(st, i, t.replaceNull))
			j++
		}
	}
	t.side.Set(r, ns, out)
	return r, nil
}

// InsertHeader adds a header with a literal value.
type InsertHeader struct {
	noClose
	header string
	schema *data.Schema
	value  any
}

// ConfigDef implements connect.Transformation.
func (*InsertHeader) ConfigDef() *config.Def {
	return config.NewDef().
		Define(config.Key{Name: "header", Type: config.TypeString, Required: true, Validator: config.NonEmpty(), Importance: config.High, Doc: "The name of the header."}).
		Define(config.Key{Name: "value.literal", Type: config.TypeString, Required: true, Validator: config.NonEmpty(), Importance: config.High, Doc: "The literal value that is to be set as the header value on all records."})
}

// Configure implements connect.Transformation.
func (t *InsertHeader) Configure(props map[string]string) error {
	v, err := parseWith(t.ConfigDef(), "InsertHeader", props)
	if err != nil {
		return err
	}
	t.header = v.String("header")
	t.schema, t.value = parseLiteral(props["value.literal"])
	return nil
}

// Apply implements connect.Transformation.
func (t *InsertHeader) Apply(r *connect.Record) (*connect.Record, error) {
	r.Headers = append(r.Headers.Clone(), connect.Header{Key: t.header, Schema: t.schema, Value: t.value})
	return r, nil
}

// DropHeaders removes headers by key.
type DropHeaders struct {
	noClose
	keys []string
}

// ConfigDef implements connect.Transformation.
func (*DropHeaders) ConfigDef() *config.Def {
	return config.NewDef().Define(config.Key{Name: "headers", Type: config.TypeList, Required: true, Validator: nonEmptyList{}, Importance: config.High, Doc: "The name of the headers to be removed."})
}

// Configure implements connect.Transformation.
func (t *DropHeaders) Configure(props map[string]string) error {
	v, err := parseWith(t.ConfigDef(), "DropHeaders", props)
	if err != nil {
		return err
	}
	t.keys = trimAll(v.List("headers"))
	return nil
}

// Apply implements connect.Transformation.
func (t *DropHeaders) Apply(r *connect.Record) (*connect.Record, error) {
	r.Headers = r.Headers.Without(t.keys...)
	return r, nil
}

// Filter drops every record it is applied to; it is used with a predicate.
type Filter struct{ noClose }

// ConfigDef implements connect.Transformation.
func (*Filter) ConfigDef() *config.Def { return config.NewDef() }

// Configure implements connect.Transformation.
func (*Filter) Configure(map[string]string) error { return nil }

// Apply implements connect.Transformation.
func (*Filter) Apply(*connect.Record) (*connect.Record, error) { return nil, nil }
