package apache

import (
	"fmt"
	"strings"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/config"
	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/transforms/smtutil"
)

// ReplaceField keeps, drops and renames fields.
type ReplaceField struct {
	noClose
	side             smtutil.Side
	exclude, include map[string]bool
	renames          map[string]string
	replaceNull      bool
	cache            smtutil.SchemaCache
}

// ConfigDef implements connect.Transformation.
func (*ReplaceField) ConfigDef() *config.Def {
	return config.NewDef().
		Define(config.Key{Name: "exclude", Type: config.TypeList, Default: "", Importance: config.Medium, Doc: "Fields to exclude. This takes precedence over the fields to include."}).
		Define(config.Key{Name: "include", Type: config.TypeList, Default: "", Importance: config.Medium, Doc: "Fields to include. If specified, only these fields will be used."}).
		Define(config.Key{Name: "renames", Type: config.TypeList, Default: "", Validator: renamesValidator{}, Importance: config.Medium, Doc: "Field rename mappings."}).
		Define(config.Key{Name: "blacklist", Type: config.TypeList, Default: "", Importance: config.Low, Doc: "Deprecated. Use exclude instead."}).
		Define(config.Key{Name: "whitelist", Type: config.TypeList, Default: "", Importance: config.Low, Doc: "Deprecated. Use include instead."}).
		Define(replaceNullKey)
}

type renamesValidator struct{}

func (renamesValidator) Validate(_ string, v any) error {
	for _, p := range v.([]string) {
		if parts := strings.Split(p, ":"); len(parts) != 2 || parts[0] == "" || parts[1] == "" {
			return fmt.Errorf("Invalid rename mapping: %s", p)
		}
	}
	return nil
}
func (renamesValidator) String() string { return "list of colon-delimited pairs, e.g. foo:bar,abc:xyz" }

func set(l []string) map[string]bool {
	m := make(map[string]bool, len(l))
	for _, s := range trimAll(l) {
		m[s] = true
	}
	return m
}

// Configure implements connect.Transformation.
func (t *ReplaceField) Configure(props map[string]string) error {
	v, err := parseWith(t.ConfigDef(), "ReplaceField", props)
	if err != nil {
		return err
	}
	ex, in := v.List("exclude"), v.List("include")
	if len(ex) == 0 {
		ex = v.List("blacklist")
	}
	if len(in) == 0 {
		in = v.List("whitelist")
	}
	t.exclude, t.include = set(ex), set(in)
	t.renames = map[string]string{}
	for _, p := range v.List("renames") {
		from, to, _ := strings.Cut(p, ":")
		t.renames[from] = to
	}
	t.replaceNull = v.Bool(replaceNullKey.Name)
	return nil
}

func (t *ReplaceField) keep(name string) bool {
	return !t.exclude[name] && (len(t.include) == 0 || t.include[name])
}

func (t *ReplaceField) renamed(name string) string {
	if n, ok := t.renames[name]; ok {
		return n
	}
	return name
}

const replacePurpose = "field replacement"

// Apply implements connect.Transformation.
func (t *ReplaceField) Apply(r *connect.Record) (*connect.Record, error) {
	s, v := t.side.Get(r)
	if v == nil {
		return r, nil
	}
	if s == nil {
		m, err := smtutil.RequireMap(v, replacePurpose)
		if err != nil {
			return nil, err
		}
		out := make(map[string]any, len(m))
		for k, x := range m {
			if t.keep(k) {
				out[t.renamed(k)] = x
			}
		}
		t.side.Set(r, nil, out)
		return r, nil
	}
	st, err := smtutil.RequireStruct(v, replacePurpose)
	if err != nil {
		return nil, err
	}
	ns, err := t.cache.Get(s, func(s *data.Schema) (*data.Schema, error) {
		b := smtutil.CopyBasics(s)
		for _, f := range s.Fields {
			if t.keep(f.Name) {
				b.Field(t.renamed(f.Name), f.Schema)
			}
		}
		return b.Build()
	})
	if err != nil {
		return nil, fmt.Errorf("ReplaceField: %w", err)
	}
	out := data.NewStruct(ns)
	j := 0
	for i, f := range s.Fields {
		if t.keep(f.Name) {
			out.PutIndex(j, smtutil.FieldValue(st, i, t.replaceNull))
			j++
		}
	}
	t.side.Set(r, ns, out)
	return r, nil
}
