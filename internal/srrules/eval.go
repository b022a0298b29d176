package srrules

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"
	"github.com/goconnect/goconnect/connect/data"
	"github.com/twmb/franz-go/pkg/sr"
)

// errGuardSkipped is a guard that did not hold: the body is skipped.
var errGuardSkipped = errors.New("guard skipped")

// eval runs r's expression (with Confluent's optional "guard;" prefix) over
// vars. A false or failing guard skips the body: errGuardSkipped.
func (e *Engine) eval(r *sr.SchemaRule, vars map[string]any) (ref.Val, error) {
	expr := r.Expr
	if ignore, _ := strconv.ParseBool(r.Params["cel.ignore.guard.separator"]); !ignore {
		if guard, body, ok := strings.Cut(expr, ";"); ok {
			if strings.TrimSpace(guard) != "" {
				g, err := e.evalExpr(guard, vars)
				if err != nil || g != types.True {
					return nil, errGuardSkipped
				}
			}
			expr = body
		}
	}
	return e.evalExpr(expr, vars)
}

func (e *Engine) evalExpr(expr string, vars map[string]any) (ref.Val, error) {
	p, err := e.program(expr)
	if err != nil {
		return nil, err
	}
	out, _, err := p.Eval(vars)
	if err != nil {
		return nil, fmt.Errorf("Could not execute CEL script: %w", err)
	}
	return out, nil
}

// runMessage is Confluent's CelExecutor: `message` is the whole record.
func (s *Set) runMessage(r *sr.SchemaRule, msg Message) (Message, error) {
	view, err := toCEL(msg.Schema, msg.Value)
	if err != nil {
		return msg, err
	}
	out, err := s.e.eval(r, map[string]any{"message": view, "now": time.Now()})
	if errors.Is(err, errGuardSkipped) {
		return msg, nil
	}
	if err != nil {
		return msg, err
	}
	if r.Kind == sr.SchemaRuleKindCondition {
		if out == types.False {
			return msg, conditionFailed(r)
		}
		return msg, nil
	}
	native, err := toNative(out)
	if err != nil {
		return msg, err
	}
	if native == nil {
		return msg, errors.New("the transform returned null")
	}
	v, err := fromCEL(msg.Schema, native)
	if err != nil {
		return msg, fmt.Errorf("transform result: %w", err)
	}
	msg.Value = v
	return msg, nil
}

// runFields is Confluent's CelFieldExecutor over each primitive field (of
// nested structs, array elements and map values too) whose tags meet the
// rule's (all fields when the rule has none).
// fn, when set, transforms each field instead of the rule's CEL
// expression (ENCRYPT).
func (s *Set) runFields(r *sr.SchemaRule, msg Message, fn func(*data.Schema, any) (any, error)) (Message, error) {
	v := msg.Value
	if r.Kind == sr.SchemaRuleKindTransform {
		// The record may be the task's own: change a copy.
		v = deepCopy(msg.Schema, v)
	}
	w := fieldWalker{s: s, r: r, now: time.Now(), fn: fn}
	nv, err := w.walk(msg.Schema, v, nil)
	if err != nil {
		return msg, err
	}
	msg.Value = nv
	return msg, nil
}

type fieldWalker struct {
	s   *Set
	r   *sr.SchemaRule
	now time.Time
	// field is the field being walked into.
	field *fieldCtx
	// fn replaces the CEL expression (runFields).
	fn func(*data.Schema, any) (any, error)
}

type fieldCtx struct {
	container *data.Schema
	struc     *data.Struct
	name      string
	tags      []string
}

// walk visits v (of schema s) and returns it, changed by a transform.
func (w *fieldWalker) walk(s *data.Schema, v any, _ []string) (any, error) {
	if s == nil {
		return v, nil
	}
	switch s.Type {
	case data.TypeStruct:
		st, ok := v.(*data.Struct)
		if !ok || st == nil {
			return v, nil
		}
		for i, f := range s.Fields {
			prev := w.field
			w.field = &fieldCtx{container: s, struc: st, name: f.Name, tags: w.s.fieldTags(s, f.Name)}
			nv, err := w.walk(f.Schema, st.RawIndex(i), nil)
			w.field = prev
			if err != nil {
				return v, err
			}
			if w.r.Kind == sr.SchemaRuleKindTransform {
				st.PutIndex(i, nv)
			}
		}
		return st, nil
	case data.TypeArray:
		arr, ok := v.([]any)
		if !ok {
			return v, nil
		}
		for i, e := range arr {
			nv, err := w.walk(s.Value, e, nil)
			if err != nil {
				return v, err
			}
			arr[i] = nv
		}
		return arr, nil
	case data.TypeMap:
		switch m := v.(type) {
		case map[string]any:
			for k, e := range m {
				nv, err := w.walk(s.Value, e, nil)
				if err != nil {
					return v, err
				}
				m[k] = nv
			}
		case map[any]any:
			for k, e := range m {
				nv, err := w.walk(s.Value, e, nil)
				if err != nil {
					return v, err
				}
				m[k] = nv
			}
		}
		return v, nil
	}
	if w.field == nil {
		return v, nil // a primitive message: not a field
	}
	if len(w.r.Tags) > 0 && !meets(w.field.tags, w.r.Tags) {
		return v, nil
	}
	if w.fn != nil {
		nv, err := w.fn(s, v)
		if err != nil {
			return v, fmt.Errorf("field %s: %w", fullName(w.field.container, w.field.name), err)
		}
		return nv, nil
	}
	return w.apply(s, v)
}

func meets(have, want []string) bool {
	for _, h := range have {
		for _, t := range want {
			if h == t {
				return true
			}
		}
	}
	return false
}

// apply runs the rule on one primitive field value.
func (w *fieldWalker) apply(s *data.Schema, v any) (any, error) {
	fc := w.field
	value, err := toCEL(s, v)
	if err != nil {
		return v, err
	}
	container, err := toCEL(fc.container, fc.struc)
	if err != nil {
		return v, err
	}
	tags := fc.tags
	if tags == nil {
		tags = []string{}
	}
	fullName := fullName(fc.container, fc.name)
	out, err := w.s.e.eval(w.r, map[string]any{
		"value":    value,
		"fullName": fullName,
		"name":     fc.name,
		"typeName": typeName(s, v),
		"tags":     tags,
		"message":  container,
		"now":      w.now,
	})
	if errors.Is(err, errGuardSkipped) {
		return v, nil
	}
	if err != nil {
		return v, err
	}
	if w.r.Kind == sr.SchemaRuleKindCondition {
		if out == types.False {
			return v, conditionFailed(w.r)
		}
		return v, nil
	}
	native, err := toNative(out)
	if err != nil {
		return v, err
	}
	nv, err := fromCEL(s, native)
	if err != nil {
		return v, fmt.Errorf("field %s: %w", fullName, err)
	}
	return nv, nil
}

// fullName is a field's name qualified by its record's (Connect) name.
func fullName(record *data.Schema, field string) string {
	if record.Name == "" {
		return field
	}
	return record.Name + "." + field
}

// typeName is Confluent's RuleContext.Type name of a field's value.
func typeName(s *data.Schema, v any) string {
	if v == nil {
		return "NULL"
	}
	switch s.Type {
	case data.TypeInt8, data.TypeInt16, data.TypeInt32:
		return "INT"
	case data.TypeInt64:
		return "LONG"
	case data.TypeFloat32:
		return "FLOAT"
	case data.TypeFloat64:
		return "DOUBLE"
	case data.TypeBoolean:
		return "BOOLEAN"
	case data.TypeString:
		// The enum parameters of AvroData, JsonSchemaData, ProtobufData and
		// their generalized form: Confluent sees an enum there.
		for _, p := range []string{"io.confluent.connect.avro.Enum", "io.confluent.connect.json.Enum", "io.confluent.connect.protobuf.Enum", "org.apache.kafka.connect.data.Enum"} {
			if _, ok := s.Parameters[p]; ok {
				return "ENUM"
			}
		}
		return "STRING"
	case data.TypeBytes:
		return "BYTES"
	case data.TypeArray:
		return "ARRAY"
	case data.TypeMap:
		return "MAP"
	default:
		return "RECORD"
	}
}

// toCEL is the value CEL sees: structs as maps of their fields, integers
// as int64, floats as float64, Connect's logical types as the Avro/JSON
// numbers (and Decimal's unscaled bytes) the serializers encode them as.
func toCEL(s *data.Schema, v any) (any, error) {
	if v == nil || s == nil {
		return v, nil
	}
	switch s.Name {
	case data.TimestampName:
		if t, ok := v.(time.Time); ok {
			return data.TimestampToMillis(t), nil
		}
	case data.DateName:
		if t, ok := v.(time.Time); ok {
			d, err := data.DateToDays(t)
			return int64(d), err
		}
	case data.TimeName:
		if t, ok := v.(time.Time); ok {
			ms, err := data.TimeToMillis(t)
			return int64(ms), err
		}
	case data.DecimalName:
		if d, ok := v.(*data.BigDecimal); ok {
			return data.DecimalToBytes(s, d)
		}
	}
	switch x := v.(type) {
	case int8:
		return int64(x), nil
	case int16:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case float32:
		return float64(x), nil
	case *data.Struct:
		m := make(map[string]any, len(s.Fields))
		for i, f := range s.Fields {
			fv, err := toCEL(f.Schema, x.RawIndex(i))
			if err != nil {
				return nil, err
			}
			m[f.Name] = fv
		}
		return m, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			ev, err := toCEL(s.Value, e)
			if err != nil {
				return nil, err
			}
			out[i] = ev
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			ev, err := toCEL(s.Value, e)
			if err != nil {
				return nil, err
			}
			out[k] = ev
		}
		return out, nil
	case map[any]any:
		out := make(map[any]any, len(x))
		for k, e := range x {
			kv, err := toCEL(s.Key, k)
			if err != nil {
				return nil, err
			}
			ev, err := toCEL(s.Value, e)
			if err != nil {
				return nil, err
			}
			out[kv] = ev
		}
		return out, nil
	}
	return v, nil
}

// toNative turns a CEL result into plain Go values.
func toNative(v ref.Val) (any, error) {
	switch x := v.(type) {
	case types.Null:
		return nil, nil
	case traits.Lister:
		var out []any
		for it := x.Iterator(); it.HasNext() == types.True; {
			e, err := toNative(it.Next())
			if err != nil {
				return nil, err
			}
			out = append(out, e)
		}
		if out == nil {
			out = []any{}
		}
		return out, nil
	case traits.Mapper:
		out := map[string]any{}
		for it := x.Iterator(); it.HasNext() == types.True; {
			k := it.Next()
			ks, ok := k.Value().(string)
			if !ok {
				return nil, fmt.Errorf("map key %v is not a string", k.Value())
			}
			e, err := toNative(x.Get(k))
			if err != nil {
				return nil, err
			}
			out[ks] = e
		}
		return out, nil
	}
	if types.IsError(v) {
		return nil, fmt.Errorf("Could not execute CEL script: %v", v)
	}
	return v.Value(), nil
}

// fromCEL maps a CEL result back onto Connect schema s, narrowing numbers
// as Confluent's CelFieldExecutor does.
func fromCEL(s *data.Schema, v any) (any, error) {
	if v == nil {
		if !s.Optional {
			return nil, fmt.Errorf("null for a required %s", s.Type)
		}
		return nil, nil
	}
	switch s.Name {
	case data.TimestampName:
		if n, ok := v.(int64); ok {
			return data.TimestampFromMillis(n), nil
		}
	case data.DateName:
		if n, ok := v.(int64); ok && n >= math.MinInt32 && n <= math.MaxInt32 {
			return data.DateFromDays(int32(n)), nil
		}
	case data.TimeName:
		if n, ok := v.(int64); ok && n >= math.MinInt32 && n <= math.MaxInt32 {
			return data.TimeFromMillis(int32(n)), nil
		}
	case data.DecimalName:
		if b, ok := v.([]byte); ok {
			return data.DecimalFromBytes(s, b)
		}
	}
	bad := func() (any, error) { return nil, fmt.Errorf("a %T result for a %s", v, s.Type) }
	switch s.Type {
	case data.TypeInt8, data.TypeInt16, data.TypeInt32, data.TypeInt64:
		var n int64
		switch x := v.(type) {
		case int64:
			n = x
		case uint64:
			n = int64(x)
		case float64:
			n = int64(x)
		default:
			return bad()
		}
		switch s.Type {
		case data.TypeInt8:
			return int8(n), nil
		case data.TypeInt16:
			return int16(n), nil
		case data.TypeInt32:
			return int32(n), nil
		}
		return n, nil
	case data.TypeFloat32, data.TypeFloat64:
		var f float64
		switch x := v.(type) {
		case float64:
			f = x
		case int64:
			f = float64(x)
		case uint64:
			f = float64(x)
		default:
			return bad()
		}
		if s.Type == data.TypeFloat32 {
			return float32(f), nil
		}
		return f, nil
	case data.TypeBoolean:
		if _, ok := v.(bool); !ok {
			return bad()
		}
	case data.TypeString:
		if _, ok := v.(string); !ok {
			return bad()
		}
	case data.TypeBytes:
		if _, ok := v.([]byte); !ok {
			return bad()
		}
	case data.TypeArray:
		arr, ok := v.([]any)
		if !ok {
			return bad()
		}
		out := make([]any, len(arr))
		for i, e := range arr {
			ev, err := fromCEL(s.Value, e)
			if err != nil {
				return nil, err
			}
			out[i] = ev
		}
		return out, nil
	case data.TypeMap:
		m, ok := v.(map[string]any)
		if !ok {
			return bad()
		}
		out := make(map[string]any, len(m))
		for k, e := range m {
			ev, err := fromCEL(s.Value, e)
			if err != nil {
				return nil, err
			}
			out[k] = ev
		}
		return out, nil
	case data.TypeStruct:
		m, ok := v.(map[string]any)
		if !ok {
			return bad()
		}
		st := data.NewStruct(s)
		for i, f := range s.Fields {
			fv, err := fromCEL(f.Schema, m[f.Name])
			if err != nil {
				return nil, fmt.Errorf("field %s: %w", f.Name, err)
			}
			st.PutIndex(i, fv)
		}
		return st, nil
	}
	return v, nil
}

// deepCopy copies the containers of v (structs, arrays, maps).
func deepCopy(s *data.Schema, v any) any {
	if s == nil || v == nil {
		return v
	}
	switch x := v.(type) {
	case *data.Struct:
		st := data.NewStruct(s)
		for i, f := range s.Fields {
			st.PutIndex(i, deepCopy(f.Schema, x.RawIndex(i)))
		}
		return st
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = deepCopy(s.Value, e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = deepCopy(s.Value, e)
		}
		return out
	case map[any]any:
		out := make(map[any]any, len(x))
		for k, e := range x {
			out[k] = deepCopy(s.Value, e)
		}
		return out
	}
	return v
}
