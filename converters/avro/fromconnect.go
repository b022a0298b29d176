package avro

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/internal/avroschema"
)

// Names AvroData uses.
const (
	avroNamespace     = "io.confluent.connect.avro"
	connectDefault    = "ConnectDefault"
	mapEntryName      = "MapEntry"
	precisionParam    = "connect.decimal.precision"
	defaultPrecision  = 64
	propConnectName   = "connect.name"
	propConnectVer    = "connect.version"
	propConnectDoc    = "connect.doc"
	propConnectParams = "connect.parameters"
	propConnectDef    = "connect.default"
	propConnectType   = "connect.type"
	// Parameters of the discard.type.doc.default mapping.
	recordDocConnectParam = "connect.record.doc"
	enumDocConnectParam   = "connect.enum.doc"
)

// fromConnect maps Connect schemas to Avro as Confluent's AvroData does.
type fromConnect struct {
	cfg     dataConfig
	unnamed int
	// records are the structs converted so far: AvroData reuses the Avro
	// record of an equal struct (optional or not), so an unnamed struct
	// used twice is one ConnectDefault record, written by name the
	// second time.
	records []convertedRecord
	// seenNames are the Connect names of record fields' schemas met so far
	// (AvroData's seenNamedTypes): a named Avro type met again is written
	// by name, so the field itself carries its connect.parameters.
	seenNames map[string]bool
}

type convertedRecord struct {
	connect *data.Schema
	avro    *avroschema.Schema
}

// sameRecord is Connect schema equality with both taken as required.
func sameRecord(a, b *data.Schema) bool {
	ac, bc := *a, *b
	ac.Optional, bc.Optional = false, false
	return data.Equal(&ac, &bc)
}

func rawString(s string) json.RawMessage {
	b, _ := json.Marshal(s)
	return b
}

func (c *fromConnect) schema(s *data.Schema) (*avroschema.Schema, error) {
	base, err := c.nonOptional(s)
	if err != nil {
		return nil, err
	}
	if !s.Optional || base.Kind == avroschema.Union {
		return base, nil
	}
	if s.Default != nil {
		return &avroschema.Schema{Kind: avroschema.Union, Branches: []*avroschema.Schema{base, {Kind: avroschema.Null}}}, nil
	}
	return &avroschema.Schema{Kind: avroschema.Union, Branches: []*avroschema.Schema{{Kind: avroschema.Null}, base}}, nil
}

// names splits a Connect name into an Avro namespace and name (scrubbed
// when asked), or gives the next ConnectDefault name.
func (c *fromConnect) names(name string) (namespace, short string) {
	if name == "" {
		c.unnamed++
		short = connectDefault
		if c.unnamed > 1 {
			short += strconv.Itoa(c.unnamed)
		}
		return avroNamespace, short
	}
	return avroschema.SplitName(c.cfg.scrubFullName(name))
}

// isEnumSchema is a Connect string that AvroData made from an Avro enum.
func isEnumSchema(s *data.Schema) bool {
	if s.Type != data.TypeString {
		return false
	}
	_, a := s.Parameters[enumParam]
	_, g := s.Parameters[generalEnumParam]
	return a || g
}

// isFixedSchema is a Connect bytes schema that AvroData made from an Avro
// fixed.
func isFixedSchema(s *data.Schema) bool {
	_, ok := s.Parameters[fixedSizeParam]
	return s.Type == data.TypeBytes && s.Name != "" && ok
}

// nonOptional builds the type with its metadata props.
func (c *fromConnect) nonOptional(s *data.Schema) (*avroschema.Schema, error) {
	record := s.Type == data.TypeStruct && !isUnionSchema(s)
	if record {
		for _, r := range c.records {
			if sameRecord(r.connect, s) {
				return r.avro, nil
			}
		}
	}
	t, err := c.build(s)
	if err == nil && record {
		c.records = append(c.records, convertedRecord{connect: s, avro: t})
	}
	return t, err
}

// build converts a schema not converted before.
func (c *fromConnect) build(s *data.Schema) (*avroschema.Schema, error) {
	t := &avroschema.Schema{}
	var connectType string
	switch s.Type {
	case data.TypeInt8:
		t.Kind, connectType = avroschema.Int, "int8"
	case data.TypeInt16:
		t.Kind, connectType = avroschema.Int, "int16"
	case data.TypeInt32:
		t.Kind = avroschema.Int
	case data.TypeInt64:
		t.Kind = avroschema.Long
	case data.TypeFloat32:
		t.Kind = avroschema.Float
	case data.TypeFloat64:
		t.Kind = avroschema.Double
	case data.TypeBoolean:
		t.Kind = avroschema.Boolean
	case data.TypeString:
		t.Kind = avroschema.String
		if (c.cfg.generalized || c.cfg.enhanced) && isEnumSchema(s) {
			param := enumParam
			if c.cfg.generalized {
				param = generalEnumParam
			}
			full := s.Param(param)
			if full == "" {
				return nil, fmt.Errorf("enum schema %s has no %s parameter", s.Name, param)
			}
			_, short := c.names(s.Name)
			t.Kind = avroschema.Enum
			t.Namespace, t.Name = avroschema.SplitName(full)
			if c.cfg.discardDocDef {
				t.Doc = s.Param(enumDocConnectParam)
			} else {
				t.Doc = s.Param(enumDocPrefix + short)
				if d, ok := s.Parameters[enumDefaultPrefix+short]; ok {
					t.Default = rawString(d)
				}
			}
			for _, k := range s.ParamKeys() {
				if sym, ok := strings.CutPrefix(k, param+"."); ok {
					t.Symbols = append(t.Symbols, sym)
				}
			}
		}
	case data.TypeBytes:
		t.Kind = avroschema.Bytes
		if isFixedSchema(s) {
			size, err := strconv.Atoi(s.Param(fixedSizeParam))
			if err != nil {
				return nil, fmt.Errorf("%s parameter %q: %w", fixedSizeParam, s.Param(fixedSizeParam), err)
			}
			t.Kind, t.Size = avroschema.Fixed, size
			t.Namespace, t.Name = c.names(s.Name)
		}
	case data.TypeArray:
		items, err := c.schema(s.Value)
		if err != nil {
			return nil, err
		}
		t.Kind, t.Items = avroschema.Array, items
	case data.TypeMap:
		values, err := c.schema(s.Value)
		if err != nil {
			return nil, err
		}
		if s.Key.Type == data.TypeString && (!s.Key.Optional || c.cfg.optionalMapKeys) {
			t.Kind, t.Values = avroschema.Map, values
			break
		}
		entry := &avroschema.Schema{Kind: avroschema.Record, Name: mapEntryName, Namespace: avroNamespace}
		if s.Name != "" {
			entry.Namespace, entry.Name = c.names(s.Name)
			entry.Props = []avroschema.Prop{{Key: propInternalType, Value: rawString(mapEntryName)}}
		}
		keyField, err := c.field("key", s.Key, "")
		if err != nil {
			return nil, err
		}
		valueField, err := c.field("value", s.Value, "")
		if err != nil {
			return nil, err
		}
		entry.Fields = []*avroschema.Field{keyField, valueField}
		t.Kind, t.Items = avroschema.Array, entry
	case data.TypeStruct:
		if isUnionSchema(s) {
			// A union carries no props: the struct's metadata is lost, as
			// in AvroData.
			u := &avroschema.Schema{Kind: avroschema.Union}
			if s.Optional {
				u.Branches = append(u.Branches, &avroschema.Schema{Kind: avroschema.Null})
			}
			for _, f := range s.Fields {
				b, err := c.nonOptional(f.Schema)
				if err != nil {
					return nil, fmt.Errorf("union member %s: %w", f.Name, err)
				}
				u.Branches = append(u.Branches, b)
			}
			return u, nil
		}
		t.Kind = avroschema.Record
		t.Namespace, t.Name = c.names(s.Name)
		if c.cfg.discardDocDef {
			t.Doc = s.Param(recordDocConnectParam)
		} else {
			t.Doc = s.Param(recordDocParam)
		}
		for _, f := range s.Fields {
			af, err := c.field(c.cfg.scrubField(f.Name), f.Schema, s.Param(fieldDocPrefix+f.Name))
			if err != nil {
				return nil, fmt.Errorf("field %s: %w", f.Name, err)
			}
			t.Fields = append(t.Fields, af)
		}
	default:
		return nil, fmt.Errorf("unsupported Connect type %s", s.Type.JavaName())
	}
	if c.cfg.metaData {
		if s.Doc != "" {
			t.Props = append(t.Props, avroschema.Prop{Key: propConnectDoc, Value: rawString(s.Doc)})
		}
		if s.Version != nil {
			t.Props = append(t.Props, avroschema.Prop{Key: propConnectVer, Value: json.RawMessage(strconv.Itoa(int(*s.Version)))})
		}
		if params := paramsJSON(s, c.cfg.discardDocDef); params != nil {
			t.Props = append(t.Props, avroschema.Prop{Key: propConnectParams, Value: params})
		}
		if _, flagged := s.Parameters[fieldDefaultFlag]; s.Default != nil && (!flagged || c.cfg.discardDocDef) {
			def, err := defaultJSON(s, s.Default)
			if err != nil {
				return nil, fmt.Errorf("default value: %w", err)
			}
			t.Props = append(t.Props, avroschema.Prop{Key: propConnectDef, Value: def})
		}
		if s.Name != "" {
			t.Props = append(t.Props, avroschema.Prop{Key: propConnectName, Value: rawString(s.Name)})
		}
		if connectType != "" {
			t.Props = append(t.Props, avroschema.Prop{Key: propConnectType, Value: rawString(connectType)})
		}
	}
	switch s.Name {
	case data.DecimalName:
		if s.Type != data.TypeBytes {
			break
		}
		scale, err := data.DecimalScale(s)
		if err != nil {
			return nil, err
		}
		t.Logical, t.Scale, t.Precision = "decimal", int(scale), defaultPrecision
		if p := s.Param(precisionParam); p != "" {
			n, err := strconv.Atoi(p)
			if err != nil {
				return nil, fmt.Errorf("%s parameter %q: %w", precisionParam, p, err)
			}
			t.Precision = n
		}
	case data.DateName:
		t.Logical = "date"
	case data.TimeName:
		t.Logical = "time-millis"
	case data.TimestampName:
		t.Logical = "timestamp-millis"
	}
	if t.Logical != "" {
		// logicalType is a prop in Avro-Java, written where it was added.
		t.Props = append(t.Props, avroschema.Prop{Key: "logicalType", Value: rawString(t.Logical)})
	}
	for _, k := range s.ParamKeys() {
		if strings.HasPrefix(k, "avro") {
			t.Props = append(t.Props, avroschema.Prop{Key: k, Value: rawString(s.Parameters[k])})
		}
	}
	return t, nil
}

// field builds a record field as AvroData's addAvroRecordField: a default
// from the Connect default, null for an optional field; the doc is the
// record's field-doc parameter, or with discard.type.doc.default the field
// schema's own doc.
func (c *fromConnect) field(name string, fs *data.Schema, doc string) (*avroschema.Field, error) {
	if c.cfg.discardDocDef {
		doc = fs.Doc
	}
	seenName := c.cfg.scrubFullName(fs.Name)
	alreadySeen := seenName != "" && c.seenNames[seenName]
	if seenName != "" {
		if c.seenNames == nil {
			c.seenNames = map[string]bool{}
		}
		c.seenNames[seenName] = true
	}
	ft, err := c.schema(fs)
	if err != nil {
		return nil, err
	}
	af := &avroschema.Field{Name: name, Type: ft, Doc: doc}
	if c.cfg.metaData && alreadySeen && namedAvro(ft) {
		if params := paramsJSON(fs, c.cfg.discardDocDef); params != nil {
			af.Props = append(af.Props, avroschema.Prop{Key: propConnectParams, Value: params})
		}
	}
	switch {
	case fs.Default != nil:
		def, err := defaultJSON(fs, fs.Default)
		if err != nil {
			return nil, fmt.Errorf("default: %w", err)
		}
		af.Default, af.HasDefault = def, true
	case fs.Optional:
		af.Default, af.HasDefault = json.RawMessage("null"), true
	}
	return af, nil
}

// namedAvro is a record, enum or fixed, or a union with one of them.
func namedAvro(t *avroschema.Schema) bool {
	if t.Kind == avroschema.Union {
		for _, b := range t.Branches {
			if b.Kind.Named() {
				return true
			}
		}
		return false
	}
	return t.Kind.Named()
}

// paramsJSON is connect.parameters: the parameters in their order, less
// AvroData's own field-default flag (kept with discard.type.doc.default);
// nil when none are left.
func paramsJSON(s *data.Schema, keepFlag bool) json.RawMessage {
	params := []byte{'{'}
	n := 0
	for _, k := range s.ParamKeys() {
		if k == fieldDefaultFlag && !keepFlag {
			continue
		}
		if n > 0 {
			params = append(params, ',')
		}
		n++
		params = append(params, rawString(k)...)
		params = append(params, ':')
		params = append(params, rawString(s.Parameters[k])...)
	}
	if n == 0 {
		return nil
	}
	return append(params, '}')
}

// defaultJSON writes a Connect value as an Avro JSON default.
func defaultJSON(s *data.Schema, v any) (json.RawMessage, error) {
	j, err := jsonValue(s, v)
	if err != nil {
		return nil, err
	}
	return json.Marshal(j)
}

func jsonValue(s *data.Schema, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch x := v.(type) {
	case *data.BigDecimal:
		return bytesAsString(data.TwosComplement(x.Unscaled)), nil
	case time.Time:
		switch s.Name {
		case data.DateName:
			d, err := data.DateToDays(x)
			return d, err
		case data.TimeName:
			m, err := data.TimeToMillis(x)
			return m, err
		}
		return x.UnixMilli(), nil
	case []byte:
		return bytesAsString(x), nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			j, err := jsonValue(s.Value, e)
			if err != nil {
				return nil, err
			}
			out[i] = j
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			j, err := jsonValue(s.Value, e)
			if err != nil {
				return nil, err
			}
			out[k] = j
		}
		return out, nil
	case *data.Struct:
		out := make(map[string]any, len(s.Fields))
		for i, f := range s.Fields {
			j, err := jsonValue(f.Schema, x.GetIndex(i))
			if err != nil {
				return nil, err
			}
			out[f.Name] = j
		}
		return out, nil
	}
	return v, nil
}

// bytesAsString is Avro's JSON form of bytes: one code point per byte.
func bytesAsString(b []byte) string {
	r := make([]byte, 0, len(b)*2)
	for _, c := range b {
		r = utf8.AppendRune(r, rune(c))
	}
	return string(r)
}
