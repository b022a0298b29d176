package jsonconverter

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/big"
	"sort"
	"strconv"

	"github.com/goconnect/goconnect/connect/data"
)

// parse reads any JSON document; numbers stay json.Number so integers
// keep all 64 bits.
func parse(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if d.More() {
		return nil, fmt.Errorf("trailing data after the JSON value")
	}
	return v, nil
}

// paramOrderKey holds, inside a parsed schema's "parameters" object, the
// order of its names. No JSON text decodes to this key: encoding/json
// turns invalid UTF-8 into U+FFFD.
const paramOrderKey = "\xffparameter order"

// parseSchemaDoc is parse for a schema document, which also records the
// order of each schema's parameters (Connect keeps them in a
// LinkedHashMap, so that order comes back out when the schema is written).
// Values under "default" are data and are left as parse makes them.
func parseSchemaDoc(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	v, _, err := readOrdered(d, false)
	if err != nil {
		return nil, err
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, fmt.Errorf("trailing data after the JSON value")
	}
	return v, nil
}

// readOrdered reads one JSON value, and for an object the order of its
// names.
func readOrdered(d *json.Decoder, inData bool) (any, []string, error) {
	tok, err := d.Token()
	if err != nil {
		return nil, nil, err
	}
	delim, ok := tok.(json.Delim)
	if !ok {
		return tok, nil, nil
	}
	switch delim {
	case '[':
		arr := []any{}
		for d.More() {
			v, _, err := readOrdered(d, inData)
			if err != nil {
				return nil, nil, err
			}
			arr = append(arr, v)
		}
		_, err := d.Token()
		return arr, nil, err
	case '{':
		obj := map[string]any{}
		var order []string
		for d.More() {
			kt, err := d.Token()
			if err != nil {
				return nil, nil, err
			}
			k, _ := kt.(string)
			v, sub, err := readOrdered(d, inData || k == "default")
			if err != nil {
				return nil, nil, err
			}
			if _, dup := obj[k]; !dup {
				order = append(order, k)
			}
			if pm, isObj := v.(map[string]any); isObj && k == "parameters" && !inData && len(sub) > 0 {
				pm[paramOrderKey] = sub
			}
			obj[k] = v
		}
		_, err := d.Token()
		return obj, order, err
	}
	return nil, nil, fmt.Errorf("unexpected %v", delim)
}

type envelope struct {
	schema  json.RawMessage
	payload any
}

// parseEnvelope returns nil when the document is not an object with
// exactly the fields schema and payload.
func parseEnvelope(b []byte) (*envelope, error) {
	t := bytes.TrimSpace(b)
	if len(t) == 0 || t[0] != '{' {
		if _, err := parse(b); err != nil {
			return nil, err
		}
		return nil, nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(t, &raw); err != nil {
		return nil, err
	}
	s, okS := raw["schema"]
	p, okP := raw["payload"]
	if len(raw) != 2 || !okS || !okP {
		return nil, nil
	}
	payload, err := parse(p)
	if err != nil {
		return nil, err
	}
	return &envelope{schema: s, payload: payload}, nil
}

// readSchema parses an envelope's schema, cached by its JSON text.
func (c *Converter) readSchema(raw json.RawMessage) (*data.Schema, error) {
	if s, ok := c.parsed[string(raw)]; ok {
		return s, nil
	}
	key := string(raw)
	node, err := parseSchemaDoc(raw)
	if err != nil {
		return nil, err
	}
	s, err := c.asConnectSchema(node)
	if err != nil {
		return nil, err
	}
	if c.cacheSize > 0 {
		if len(c.parsed) >= c.cacheSize {
			clear(c.parsed)
			c.lastSchemaKey, c.lastSchema = "", nil
		}
		c.parsed[key] = s
		c.lastSchemaKey, c.lastSchema = key, s
	}
	return s, nil
}

// asConnectSchema converts a JSON schema object as JsonConverter does.
func (c *Converter) asConnectSchema(node any) (*data.Schema, error) {
	if node == nil {
		return nil, nil
	}
	obj, ok := node.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("schema must be a JSON object")
	}
	typeName, ok := obj["type"].(string)
	if !ok {
		return nil, fmt.Errorf("schema must contain 'type' field")
	}
	var b *data.Builder
	switch typeName {
	case "boolean", "int8", "int16", "int32", "int64", "string", "bytes":
		t, _ := data.ParseType(typeName)
		b = data.NewBuilder(t)
	case "float":
		b = data.NewBuilder(data.TypeFloat32)
	case "double":
		b = data.NewBuilder(data.TypeFloat64)
	case "array":
		items, err := c.asConnectSchema(obj["items"])
		if err != nil || items == nil {
			return nil, fmt.Errorf("array schema did not specify the items type: %v", err)
		}
		b = data.ArrayOf(items)
	case "map":
		keys, err := c.asConnectSchema(obj["keys"])
		if err != nil || keys == nil {
			return nil, fmt.Errorf("map schema did not specify the key type: %v", err)
		}
		values, err := c.asConnectSchema(obj["values"])
		if err != nil || values == nil {
			return nil, fmt.Errorf("map schema did not specify the value type: %v", err)
		}
		b = data.MapOf(keys, values)
	case "struct":
		b = data.StructBuilder()
		fields, ok := obj["fields"].([]any)
		if !ok {
			return nil, fmt.Errorf("struct schema's \"fields\" argument is not an array")
		}
		for _, fn := range fields {
			fo, ok := fn.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("struct field is not an object")
			}
			name, ok := fo["field"].(string)
			if !ok {
				return nil, fmt.Errorf("struct schema's field name not specified properly")
			}
			fs, err := c.asConnectSchema(fo)
			if err != nil {
				return nil, fmt.Errorf("field %s: %w", name, err)
			}
			b.Field(name, fs)
		}
	default:
		return nil, fmt.Errorf("unknown schema type: %s", typeName)
	}
	if opt, ok := obj["optional"]; ok {
		bv, isBool := opt.(bool)
		if !isBool {
			return nil, fmt.Errorf("optional field must be a boolean")
		}
		if bv {
			b.Optional()
		}
	}
	if n, ok := obj["name"]; ok && n != nil {
		s, isStr := n.(string)
		if !isStr {
			return nil, fmt.Errorf("schema name must be a string")
		}
		b.Name(s)
	}
	if v, ok := obj["version"]; ok && v != nil {
		num, isNum := v.(json.Number)
		n, err := num.Int64()
		if !isNum || err != nil || n < math.MinInt32 || n > math.MaxInt32 {
			return nil, fmt.Errorf("schema version must be an integer")
		}
		b.Version(int32(n))
	}
	if d, ok := obj["doc"]; ok && d != nil {
		s, isStr := d.(string)
		if !isStr {
			return nil, fmt.Errorf("schema doc must be a string")
		}
		b.Doc(s)
	}
	if p, ok := obj["parameters"]; ok && p != nil {
		po, isObj := p.(map[string]any)
		if !isObj {
			return nil, fmt.Errorf("schema parameters must be a JSON object")
		}
		order, _ := po[paramOrderKey].([]string)
		if order == nil {
			for k := range po {
				if k != paramOrderKey {
					order = append(order, k)
				}
			}
			sort.Strings(order)
		}
		for _, k := range order {
			s, isStr := po[k].(string)
			if !isStr {
				return nil, fmt.Errorf("schema parameters must have string values")
			}
			b.Param(k, s)
		}
	}
	if d, ok := obj["default"]; ok && d != nil {
		// The default is read with the schema built so far.
		partial, err := buildChecked(b)
		if err != nil {
			return nil, err
		}
		dv, err := c.toConnect(partial, d)
		if err != nil {
			return nil, fmt.Errorf("default value: %w", err)
		}
		b.Default(dv)
	}
	return buildChecked(b)
}

// maxDecimalScale bounds the scale of Decimal schemas read from messages:
// writing a decimal as a plain number takes memory proportional to its
// scale, and Connect's scale is any int32.
const maxDecimalScale = 1000

// buildChecked builds a schema and rejects Decimal schemas whose scale is
// missing, malformed or absurd, so a bad envelope fails on read instead of
// on every later use of the schema.
func buildChecked(b *data.Builder) (*data.Schema, error) {
	s, err := b.Build()
	if err != nil || s.Name != data.DecimalName {
		return s, err
	}
	scale, err := data.DecimalScale(s)
	if err != nil {
		return nil, err
	}
	if scale > maxDecimalScale || scale < -maxDecimalScale {
		return nil, fmt.Errorf("invalid Decimal schema: scale %d is outside [-%d, %d]", scale, maxDecimalScale, maxDecimalScale)
	}
	return s, nil
}

// toConnect converts a payload node with a schema.
func (c *Converter) toConnect(s *data.Schema, node any) (any, error) {
	if node == nil {
		if s.Default != nil && c.replaceNull {
			return s.Default, nil
		}
		if s.Optional {
			return nil, nil
		}
		return nil, fmt.Errorf("invalid null value for required %s field", s.Type.JavaName())
	}
	switch s.Name {
	case data.DecimalName:
		scale, err := data.DecimalScale(s)
		if err != nil {
			return nil, err
		}
		switch x := node.(type) {
		case json.Number:
			d, err := data.ParseBigDecimal(x.String())
			if err != nil {
				f, ferr := x.Float64()
				if ferr != nil {
					return nil, err
				}
				d, err = data.ParseBigDecimal(strconv.FormatFloat(f, 'f', -1, 64))
				if err != nil {
					return nil, err
				}
			}
			// Connect keeps the schema's scale; refuse a number that
			// would need rounding rather than change its value.
			return d.Rescale(scale)
		case string:
			raw, err := base64.StdEncoding.DecodeString(x)
			if err != nil {
				return nil, fmt.Errorf("invalid base64 in Decimal value: %w", err)
			}
			return &data.BigDecimal{Unscaled: data.FromTwosComplement(raw), Scale: scale}, nil
		}
		return nil, fmt.Errorf("invalid type for Decimal: %T", node)
	case data.DateName:
		n, err := integer(node, math.MinInt32, math.MaxInt32)
		if err != nil {
			return nil, fmt.Errorf("invalid type for Date: %w", err)
		}
		return data.DateFromDays(int32(n)), nil
	case data.TimeName:
		n, err := integer(node, 0, 86_399_999)
		if err != nil {
			return nil, fmt.Errorf("invalid type for Time: %w", err)
		}
		return data.TimeFromMillis(int32(n)), nil
	case data.TimestampName:
		n, err := integer(node, math.MinInt64, math.MaxInt64)
		if err != nil {
			return nil, fmt.Errorf("invalid type for Timestamp: %w", err)
		}
		return data.TimestampFromMillis(n), nil
	}
	switch s.Type {
	case data.TypeBoolean:
		if b, ok := node.(bool); ok {
			return b, nil
		}
	case data.TypeInt8:
		n, err := integer(node, math.MinInt8, math.MaxInt8)
		return int8(n), err
	case data.TypeInt16:
		n, err := integer(node, math.MinInt16, math.MaxInt16)
		return int16(n), err
	case data.TypeInt32:
		n, err := integer(node, math.MinInt32, math.MaxInt32)
		return int32(n), err
	case data.TypeInt64:
		return integer(node, math.MinInt64, math.MaxInt64)
	case data.TypeFloat32:
		f, err := float(node)
		return float32(f), err
	case data.TypeFloat64:
		return float(node)
	case data.TypeString:
		if str, ok := node.(string); ok {
			return str, nil
		}
	case data.TypeBytes:
		if str, ok := node.(string); ok {
			raw, err := base64.StdEncoding.DecodeString(str)
			if err != nil {
				return nil, fmt.Errorf("invalid base64 in bytes value: %w", err)
			}
			return raw, nil
		}
	case data.TypeArray:
		arr, ok := node.([]any)
		if !ok {
			break
		}
		out := make([]any, len(arr))
		for i, e := range arr {
			v, err := c.toConnect(s.Value, e)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	case data.TypeMap:
		return c.mapToConnect(s, node)
	case data.TypeStruct:
		obj, ok := node.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("structs should be encoded as JSON objects")
		}
		st := data.NewStruct(s)
		for _, f := range s.Fields {
			v, err := c.toConnect(f.Schema, obj[f.Name])
			if err != nil {
				return nil, fmt.Errorf("field %s: %w", f.Name, err)
			}
			st.PutIndex(f.Index, v)
		}
		return st, nil
	}
	return nil, fmt.Errorf("invalid JSON %T for schema type %s", node, s.Type.JavaName())
}

func (c *Converter) mapToConnect(s *data.Schema, node any) (any, error) {
	if s.Key.Type == data.TypeString {
		obj, ok := node.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("maps with string fields should be encoded as JSON objects")
		}
		out := make(map[string]any, len(obj))
		for k, e := range obj {
			v, err := c.toConnect(s.Value, e)
			if err != nil {
				return nil, err
			}
			out[k] = v
		}
		return out, nil
	}
	arr, ok := node.([]any)
	if !ok {
		return nil, fmt.Errorf("maps with non-string fields should be encoded as JSON array of tuples")
	}
	out := make(map[any]any, len(arr))
	for _, e := range arr {
		pair, ok := e.([]any)
		if !ok || len(pair) != 2 {
			return nil, fmt.Errorf("found invalid map entry instead of array tuple")
		}
		k, err := c.toConnect(s.Key, pair[0])
		if err != nil {
			return nil, err
		}
		if !hashable(k) {
			return nil, fmt.Errorf("map key of type %s cannot be used as a Go map key", s.Key.Type.JavaName())
		}
		v, err := c.toConnect(s.Value, pair[1])
		if err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, nil
}

func hashable(v any) bool {
	switch v.(type) {
	case []byte, []any, map[string]any, map[any]any:
		return false
	}
	return true
}

func integer(node any, min, max int64) (int64, error) {
	num, ok := node.(json.Number)
	if !ok {
		return 0, fmt.Errorf("expected a number, got %T", node)
	}
	n, err := num.Int64()
	if err != nil {
		// Java narrows a fractional or huge number; refuse instead of
		// silently changing the value.
		if bf, ok := new(big.Float).SetString(num.String()); ok && bf.IsInt() {
			return 0, fmt.Errorf("number %s out of range", num)
		}
		return 0, fmt.Errorf("expected an integer, got %s", num)
	}
	if n < min || n > max {
		return 0, fmt.Errorf("number %d out of range [%d, %d]", n, min, max)
	}
	return n, nil
}

func float(node any) (float64, error) {
	switch x := node.(type) {
	case json.Number:
		return x.Float64()
	case string:
		// Non-finite values are written quoted.
		switch x {
		case "NaN":
			return math.NaN(), nil
		case "Infinity":
			return math.Inf(1), nil
		case "-Infinity":
			return math.Inf(-1), nil
		}
	}
	return 0, fmt.Errorf("expected a number, got %T", node)
}

// inferValue converts a schemaless payload: integers to int64, other
// numbers to float64, objects to maps, arrays to slices.
func inferValue(node any) (any, error) {
	switch x := node.(type) {
	case nil, bool, string:
		return x, nil
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n, nil
		}
		return x.Float64()
	case []any:
		for i, e := range x {
			v, err := inferValue(e)
			if err != nil {
				return nil, err
			}
			x[i] = v
		}
		return x, nil
	case map[string]any:
		for k, e := range x {
			v, err := inferValue(e)
			if err != nil {
				return nil, err
			}
			x[k] = v
		}
		return x, nil
	}
	return nil, fmt.Errorf("unexpected JSON node %T", node)
}
