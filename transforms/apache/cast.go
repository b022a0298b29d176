package apache

import (
	"encoding/base64"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/config"
	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/transforms/smtutil"
)

// Cast changes the type of fields, or of the whole key or value.
type Cast struct {
	noClose
	side        smtutil.Side
	whole       data.Type // set when the spec is one bare type
	casts       map[string]data.Type
	order       []string
	replaceNull bool
	cache       smtutil.SchemaCache
}

var castTargets = map[string]data.Type{
	"int8": data.TypeInt8, "int16": data.TypeInt16, "int32": data.TypeInt32, "int64": data.TypeInt64,
	"float32": data.TypeFloat32, "float64": data.TypeFloat64, "boolean": data.TypeBoolean, "string": data.TypeString,
}

// ConfigDef implements connect.Transformation.
func (*Cast) ConfigDef() *config.Def {
	return config.NewDef().
		Define(config.Key{Name: "spec", Type: config.TypeList, Required: true, Validator: castSpec{}, Importance: config.High,
			Doc: "List of fields and the type to cast them to of the form field1:type,field2:type to cast fields of Maps or Structs. A single type to cast the entire value. Valid types are int8, int16, int32, int64, float32, float64, boolean, and string."}).
		Define(replaceNullKey)
}

// schemaTypes are Connect's Schema.Type names, which Kafka's Cast parses a
// spec's type with before checking it can cast to it.
var schemaTypes = map[string]bool{"INT8": true, "INT16": true, "INT32": true, "INT64": true, "FLOAT32": true, "FLOAT64": true,
	"BOOLEAN": true, "STRING": true, "BYTES": true, "ARRAY": true, "MAP": true, "STRUCT": true}

// castSpec is Cast's spec check as far as Kafka's validator words it: a
// non-empty list, and a field's type that is no Schema.Type fails as Java's
// (a ConfigException built with its message as the key name and the
// IllegalArgumentException as the value).
type castSpec struct{}

func (castSpec) Validate(name string, v any) error {
	if err := (nonEmptyList{}).Validate(name, v); err != nil {
		return err
	}
	l, _ := v.([]string)
	for _, entry := range l {
		parts := strings.Split(entry, ":")
		if len(parts) != 2 {
			continue
		}
		typ := strings.ToUpper(strings.TrimSpace(parts[1]))
		if !schemaTypes[typ] {
			return &config.Error{Key: name, Named: "Invalid type found in casting spec: " + strings.TrimSpace(parts[1]),
				Value: "java.lang.IllegalArgumentException: No enum constant org.apache.kafka.connect.data.Schema.Type." + typ, Given: true, Whole: true}
		}
	}
	return nil
}

func (castSpec) String() string {
	return "list of colon-delimited pairs, e.g. <code>foo:bar,abc:xyz</code>"
}

// Configure implements connect.Transformation.
func (t *Cast) Configure(props map[string]string) error {
	v, err := parseWith(t.ConfigDef(), "Cast", props)
	if err != nil {
		return err
	}
	t.casts = map[string]data.Type{}
	t.whole = 0
	spec := trimAll(v.List("spec"))
	for _, entry := range spec {
		field, typ, hasField := strings.Cut(entry, ":")
		if !hasField {
			typ, field = entry, ""
		}
		target, ok := castTargets[strings.ToLower(strings.TrimSpace(typ))]
		if !ok {
			return &config.Error{Key: "spec", Value: entry, Message: "Invalid type found in casting spec: " + strings.TrimSpace(typ)}
		}
		if !hasField {
			if len(spec) > 1 {
				return &config.Error{Key: "spec", Value: strings.Join(spec, ","), Message: "Cast transformations that specify a type to cast the entire value to may only specify a single cast in their spec"}
			}
			t.whole = target
			continue
		}
		field = strings.TrimSpace(field)
		t.casts[field] = target
		t.order = append(t.order, field)
	}
	t.replaceNull = v.Bool(replaceNullKey.Name)
	return nil
}

const castPurpose = "cast types"

// Apply implements connect.Transformation.
func (t *Cast) Apply(r *connect.Record) (*connect.Record, error) {
	s, v := t.side.Get(r)
	if v == nil {
		return r, nil
	}
	if t.whole != 0 {
		out, err := castValue(s, v, t.whole)
		if err != nil {
			return nil, err
		}
		var ns *data.Schema
		if s != nil {
			ns = primitiveLike(s, t.whole, nil)
		}
		t.side.Set(r, ns, out)
		return r, nil
	}
	if s == nil {
		m, err := smtutil.RequireMap(v, castPurpose)
		if err != nil {
			return nil, err
		}
		out := smtutil.CopyMap(m, 0)
		for f, target := range t.casts {
			if x, ok := m[f]; ok && x != nil {
				c, err := castValue(nil, x, target)
				if err != nil {
					return nil, fmt.Errorf("field %s: %w", f, err)
				}
				out[f] = c
			}
		}
		t.side.Set(r, nil, out)
		return r, nil
	}
	st, err := smtutil.RequireStruct(v, castPurpose)
	if err != nil {
		return nil, err
	}
	ns, err := t.cache.Get(s, t.buildSchema)
	if err != nil {
		return nil, err
	}
	out := data.NewStruct(ns)
	for i, f := range s.Fields {
		x := smtutil.FieldValue(st, i, t.replaceNull)
		if target, ok := t.casts[f.Name]; ok && x != nil {
			if x, err = castValue(f.Schema, x, target); err != nil {
				return nil, fmt.Errorf("field %s: %w", f.Name, err)
			}
		}
		out.PutIndex(i, x)
	}
	t.side.Set(r, ns, out)
	return r, nil
}

func (t *Cast) buildSchema(s *data.Schema) (*data.Schema, error) {
	b := smtutil.CopyBasics(s)
	for _, f := range s.Fields {
		target, ok := t.casts[f.Name]
		if !ok {
			b.Field(f.Name, f.Schema)
			continue
		}
		if !castable(f.Schema) {
			return nil, fmt.Errorf("Cast transformation does not support casting to/from %s", f.Schema.Type.JavaName())
		}
		var def any
		if f.Schema.Default != nil {
			d, err := castValue(f.Schema, f.Schema.Default, target)
			if err != nil {
				return nil, fmt.Errorf("default of field %s: %w", f.Name, err)
			}
			def = d
		}
		b.Field(f.Name, primitiveLike(f.Schema, target, def))
	}
	return b.Build()
}

func castable(s *data.Schema) bool {
	return s.Type.IsPrimitive() || data.IsLogical(s)
}

// primitiveLike is the target primitive schema with the source's optionality.
func primitiveLike(s *data.Schema, t data.Type, def any) *data.Schema {
	b := data.NewBuilder(t)
	if s.Optional {
		b.Optional()
	}
	if def != nil {
		b.Default(def)
	}
	return b.MustBuild()
}

// castValue converts one value with Java's conversion rules.
func castValue(s *data.Schema, v any, target data.Type) (any, error) {
	// Logical values become their encoded number, or formatted text.
	if t, ok := v.(time.Time); ok {
		if target == data.TypeString {
			name := ""
			if s != nil {
				name = s.Name
			}
			switch name {
			case data.DateName:
				return t.UTC().Format("2006-01-02"), nil
			case data.TimeName:
				return t.UTC().Format("15:04:05.000Z"), nil
			}
			return t.UTC().Format("2006-01-02T15:04:05.000Z"), nil
		}
		ms := t.UnixMilli()
		if s != nil && s.Name == data.DateName {
			ms /= 24 * 60 * 60 * 1000
		}
		v = ms
	}
	if d, ok := v.(*data.BigDecimal); ok {
		if target == data.TypeString {
			return d.String(), nil
		}
		if target == data.TypeFloat32 || target == data.TypeFloat64 {
			v = d.Float64()
		} else {
			v = decimalToInt(d)
		}
	}
	if b, ok := v.([]byte); ok {
		if target != data.TypeString {
			return nil, fmt.Errorf("Unexpected type in Cast transformation: BYTES can only be cast to string")
		}
		return base64.StdEncoding.EncodeToString(b), nil
	}
	switch x := v.(type) {
	case string:
		return castString(x, target)
	case bool:
		if target == data.TypeString {
			return strconv.FormatBool(x), nil
		}
		n := int64(0)
		if x {
			n = 1
		}
		return castNumber(n, target)
	case int8, int16, int32, int64, float32, float64:
		return castNumber(x, target)
	}
	return nil, fmt.Errorf("Invalid type found in casting: %s", smtutil.JavaClass(v))
}

func castNumber(v any, target data.Type) (any, error) {
	var i int64
	var f float64
	isFloat := false
	switch x := v.(type) {
	case int8:
		i = int64(x)
	case int16:
		i = int64(x)
	case int32:
		i = int64(x)
	case int64:
		i = x
	case float32:
		f, isFloat = float64(x), true
	case float64:
		f, isFloat = x, true
	}
	if isFloat && target != data.TypeFloat32 && target != data.TypeFloat64 && target != data.TypeString && target != data.TypeBoolean {
		i = javaD2L(f)
	}
	switch target {
	case data.TypeInt8:
		return int8(i), nil
	case data.TypeInt16:
		return int16(i), nil
	case data.TypeInt32:
		return int32(i), nil
	case data.TypeInt64:
		return i, nil
	case data.TypeFloat32:
		if isFloat {
			return float32(f), nil
		}
		return float32(i), nil
	case data.TypeFloat64:
		if isFloat {
			return f, nil
		}
		return float64(i), nil
	case data.TypeBoolean:
		if isFloat {
			return f != 0, nil
		}
		return i != 0, nil
	case data.TypeString:
		return data.JavaString(v), nil
	}
	return nil, fmt.Errorf("cannot cast to %s", target.JavaName())
}

// javaD2L is Java's (long) cast of a double: truncation, saturating, NaN → 0.
func javaD2L(f float64) int64 {
	switch {
	case math.IsNaN(f):
		return 0
	case f >= math.MaxInt64:
		return math.MaxInt64
	case f <= math.MinInt64:
		return math.MinInt64
	}
	return int64(f)
}

func castString(s string, target data.Type) (any, error) {
	switch target {
	case data.TypeString:
		return s, nil
	case data.TypeBoolean:
		return strings.EqualFold(s, "true"), nil // Boolean.parseBoolean
	case data.TypeFloat32:
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 32)
		if err != nil {
			return nil, fmt.Errorf("Value (%s) was not a valid float", s)
		}
		return float32(f), nil
	case data.TypeFloat64:
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return nil, fmt.Errorf("Value (%s) was not a valid double", s)
		}
		return f, nil
	}
	bits := map[data.Type]int{data.TypeInt8: 8, data.TypeInt16: 16, data.TypeInt32: 32, data.TypeInt64: 64}[target]
	n, err := strconv.ParseInt(s, 10, bits)
	if err != nil {
		return nil, fmt.Errorf("For input string: \"%s\"", s)
	}
	return castNumber(n, target)
}

// decimalToInt truncates toward zero, as BigDecimal.longValue does for
// values that fit.
func decimalToInt(d *data.BigDecimal) int64 {
	if d.Scale <= 0 {
		r, err := d.Rescale(0)
		if err != nil {
			return 0
		}
		return r.Unscaled.Int64()
	}
	if d.Scale > 1000 {
		return 0
	}
	p := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(d.Scale)), nil)
	return new(big.Int).Quo(d.Unscaled, p).Int64()
}
