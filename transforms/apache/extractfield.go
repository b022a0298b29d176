package apache

import (
	"fmt"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/config"
	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/transforms/smtutil"
)

// ExtractField replaces the key or value with one of its fields.
type ExtractField struct {
	noClose
	side        smtutil.Side
	path        []string
	replaceNull bool
}

var fieldSyntaxKey = config.Key{Name: "field.syntax.version", Type: config.TypeString, Default: "V1", Validator: config.OneOf("V1", "V2"),
	Importance: config.High, Doc: "Defines the version of the syntax to access fields. If V1, field names are top-level names only; with V2, dots separate nested fields and backticks quote names containing dots."}

// ConfigDef implements connect.Transformation.
func (*ExtractField) ConfigDef() *config.Def {
	return config.NewDef().
		Define(config.Key{Name: "field", Type: config.TypeString, Required: true, Validator: config.NonEmpty(), Importance: config.Medium,
			Doc: "Field name to extract."}).
		Define(fieldSyntaxKey).
		Define(replaceNullKey)
}

// Configure implements connect.Transformation.
func (t *ExtractField) Configure(props map[string]string) error {
	v, err := parseWith(t.ConfigDef(), "ExtractField", props)
	if err != nil {
		return err
	}
	v2, _ := syntaxIsV2(v.String(fieldSyntaxKey.Name))
	if t.path, err = parsePath(v.String("field"), v2); err != nil {
		return &config.Error{Key: "field", Value: v.String("field"), Message: err.Error()}
	}
	t.replaceNull = v.Bool(replaceNullKey.Name)
	return nil
}

const extractPurpose = "field extraction"

// Apply implements connect.Transformation.
func (t *ExtractField) Apply(r *connect.Record) (*connect.Record, error) {
	s, v := t.side.Get(r)
	if s == nil {
		if v == nil {
			t.side.Set(r, nil, nil)
			return r, nil
		}
		cur := v
		for _, step := range t.path {
			m, err := smtutil.RequireMap(cur, extractPurpose)
			if err != nil {
				return nil, err
			}
			cur = m[step]
			if cur == nil {
				break
			}
		}
		t.side.Set(r, nil, cur)
		return r, nil
	}
	// Schema'd: walk the schema first so a null struct still yields the
	// field's schema.
	fs := s
	for _, step := range t.path {
		if fs.Type != data.TypeStruct {
			return nil, fmt.Errorf("Unknown field: %s", step)
		}
		f, ok := fs.Field(step)
		if !ok {
			return nil, fmt.Errorf("Unknown field: %s", step)
		}
		fs = f.Schema
	}
	cur := v
	cs := s
	for _, step := range t.path {
		if cur == nil {
			break
		}
		st, err := smtutil.RequireStruct(cur, extractPurpose)
		if err != nil {
			return nil, err
		}
		f, _ := cs.Field(step)
		cur = smtutil.FieldValue(st, f.Index, t.replaceNull)
		cs = f.Schema
	}
	t.side.Set(r, fs, cur)
	return r, nil
}
