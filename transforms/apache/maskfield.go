package apache

import (
	"fmt"
	"math/big"
	"strconv"
	"time"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/config"
	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/transforms/smtutil"
)

// MaskField replaces fields with a zero value or a replacement.
type MaskField struct {
	noClose
	side        smtutil.Side
	fields      []string
	replacement string
	replaceNull bool
}

// ConfigDef implements connect.Transformation.
func (*MaskField) ConfigDef() *config.Def {
	return config.NewDef().
		Define(config.Key{Name: "fields", Type: config.TypeList, Required: true, Validator: nonEmptyList{}, Importance: config.High, Doc: "Names of fields to mask."}).
		Define(config.Key{Name: "replacement", Type: config.TypeString, Importance: config.Low, Doc: "Custom value replacement, that will be applied to all 'fields' values (numeric or non-empty string values only)."}).
		Define(replaceNullKey)
}

// Configure implements connect.Transformation.
func (t *MaskField) Configure(props map[string]string) error {
	v, err := parseWith(t.ConfigDef(), "MaskField", props)
	if err != nil {
		return err
	}
	t.fields = trimAll(v.List("fields"))
	t.replacement = v.String("replacement")
	if _, set := props["replacement"]; set && t.replacement == "" {
		return &config.Error{Key: "replacement", Message: "String may not be empty"}
	}
	t.replaceNull = v.Bool(replaceNullKey.Name)
	return nil
}

const maskPurpose = "mask fields"

// Apply implements connect.Transformation.
func (t *MaskField) Apply(r *connect.Record) (*connect.Record, error) {
	s, v := t.side.Get(r)
	if s == nil {
		m, err := smtutil.RequireMap(v, maskPurpose)
		if err != nil {
			return nil, err
		}
		out := smtutil.CopyMap(m, len(t.fields))
		for _, f := range t.fields {
			mv, err := t.mask(nil, m[f])
			if err != nil {
				return nil, err
			}
			out[f] = mv
		}
		t.side.Set(r, nil, out)
		return r, nil
	}
	st, err := smtutil.RequireStruct(v, maskPurpose)
	if err != nil {
		return nil, err
	}
	out := data.NewStruct(s)
	for i := range s.Fields {
		out.PutIndex(i, smtutil.FieldValue(st, i, t.replaceNull))
	}
	for _, name := range t.fields {
		f, ok := s.Field(name)
		if !ok {
			continue
		}
		mv, err := t.mask(f.Schema, out.RawIndex(f.Index))
		if err != nil {
			return nil, err
		}
		out.PutIndex(f.Index, mv)
	}
	t.side.Set(r, s, out)
	return r, nil
}

// mask returns the masked form of a value; nulls stay null.
func (t *MaskField) mask(_ *data.Schema, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	if t.replacement == "" {
		return zeroOf(v)
	}
	rep := t.replacement
	bad := func(err error) error {
		return fmt.Errorf("Unable to convert %s (%s) to number: %v", rep, smtutil.JavaClass(v), err)
	}
	switch v.(type) {
	case string:
		return rep, nil
	case int8:
		n, err := strconv.ParseInt(rep, 10, 8)
		if err != nil {
			return nil, bad(err)
		}
		return int8(n), nil
	case int16:
		n, err := strconv.ParseInt(rep, 10, 16)
		if err != nil {
			return nil, bad(err)
		}
		return int16(n), nil
	case int32:
		n, err := strconv.ParseInt(rep, 10, 32)
		if err != nil {
			return nil, bad(err)
		}
		return int32(n), nil
	case int64:
		n, err := strconv.ParseInt(rep, 10, 64)
		if err != nil {
			return nil, bad(err)
		}
		return n, nil
	case float32:
		f, err := strconv.ParseFloat(rep, 32)
		if err != nil {
			return nil, bad(err)
		}
		return float32(f), nil
	case float64:
		f, err := strconv.ParseFloat(rep, 64)
		if err != nil {
			return nil, bad(err)
		}
		return f, nil
	case *data.BigDecimal:
		d, err := data.ParseBigDecimal(rep)
		if err != nil {
			return nil, bad(err)
		}
		return d, nil
	}
	return nil, fmt.Errorf("Cannot mask value of type %s with custom replacement.", smtutil.JavaClass(v))
}

func zeroOf(v any) (any, error) {
	switch x := v.(type) {
	case bool:
		return false, nil
	case int8:
		return int8(0), nil
	case int16:
		return int16(0), nil
	case int32:
		return int32(0), nil
	case int64:
		return int64(0), nil
	case float32:
		return float32(0), nil
	case float64:
		return 0.0, nil
	case string:
		return "", nil
	case *data.BigDecimal:
		return &data.BigDecimal{Unscaled: new(big.Int), Scale: x.Scale}, nil
	case time.Time:
		return time.UnixMilli(0).UTC(), nil
	case []any:
		return []any{}, nil
	case map[string]any:
		return map[string]any{}, nil
	case map[any]any:
		return map[any]any{}, nil
	case []byte:
		return []byte{}, nil
	}
	return nil, fmt.Errorf("Cannot mask value of type: %s", smtutil.JavaClass(v))
}
