package avro

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/internal/avroschema"
)

// toConnect maps an Avro schema to Connect with AvroData's defaults.
func toConnect(t *avroschema.Schema) (*data.Schema, error) {
	return newToConnector(defaultDataConfig()).schema(t, false, nil)
}

// toConnector maps an Avro schema to Connect as AvroData.toConnectSchema
// does: connect.* props restore names, versions, parameters, INT8/INT16
// and defaults; ["null",X] unions become optional X, other unions a struct
// with one optional field per branch; enums become strings and fixed
// bytes, with parameters that let the way back restore them.
type toConnector struct {
	cfg dataConfig
	// unionIndex numbers unions under generalized.sum.type.support; like
	// AvroData's it counts over the converter's life, not per schema.
	unionIndex *int
	// open are the records being converted: one met again inside itself
	// is a recursive schema, which Connect schemas here cannot hold.
	open map[*avroschema.Schema]bool
}

func newToConnector(cfg dataConfig) *toConnector {
	return &toConnector{cfg: cfg, unionIndex: new(int), open: map[*avroschema.Schema]bool{}}
}

// isMapEntry is a record AvroData wrote for a map with non-string keys.
func isMapEntry(t *avroschema.Schema) bool {
	if t.Kind != avroschema.Record {
		return false
	}
	return t.FullName() == avroNamespace+"."+mapEntryName || t.PropString(propInternalType) == mapEntryName
}

// Names of AvroData's parameters and types.
const (
	unionName          = avroNamespace + ".Union"
	enumParam          = avroNamespace + ".Enum"
	generalUnionParam  = "org.apache.kafka.connect.data.Union"
	generalEnumParam   = "org.apache.kafka.connect.data.Enum"
	generalUnionPrefix = "connect_union_"
	generalFieldPrefix = generalUnionPrefix + "field_"
	recordDocParam     = avroNamespace + ".record.doc"
	fieldDocPrefix     = avroNamespace + ".field.doc."
	enumDocPrefix      = avroNamespace + ".enum.doc."
	enumDefaultPrefix  = avroNamespace + ".enum.default."
	fieldDefaultFlag   = avroNamespace + ".field.default"
	fixedSizeParam     = "connect.fixed.size"
	defaultFullName    = avroNamespace + "." + connectDefault
	propInternalType   = "connect.internal.type"
)

// isUnionSchema is AvroData's test for a Connect struct that stands for
// an Avro union.
func isUnionSchema(s *data.Schema) bool {
	if s == nil || s.Type != data.TypeStruct {
		return false
	}
	if s.Name == unionName {
		return true
	}
	_, ok := s.Parameters[generalUnionParam]
	return ok
}

// memberName is the Connect field name of union branch i.
func (c *toConnector) memberName(t *avroschema.Schema, i int) string {
	if c.cfg.generalized {
		return generalFieldPrefix + strconv.Itoa(i)
	}
	if t.Kind.Named() {
		if c.cfg.enhanced {
			return t.FullName()
		}
		return c.cfg.scrubField(t.Name)
	}
	return t.Kind.String()
}

// schema converts t; optional forces an optional schema, fieldDefault is a
// record field's default (JSON), which wins over connect.default.
func (c *toConnector) schema(t *avroschema.Schema, optional bool, fieldDefault json.RawMessage) (*data.Schema, error) {
	return c.schemaWithDoc(t, optional, fieldDefault, "")
}

// schemaWithDoc is schema with a record field's doc, which becomes the
// Connect doc under discard.type.doc.default.
func (c *toConnector) schemaWithDoc(t *avroschema.Schema, optional bool, fieldDefault json.RawMessage, fieldDoc string) (*data.Schema, error) {
	var b *data.Builder
	switch t.Kind {
	case avroschema.Union:
		switch {
		case len(t.Branches) == 1 && c.cfg.flatten:
			return c.schemaWithDoc(t.Branches[0], false, nil, fieldDoc)
		case len(t.Branches) == 2 && (t.Branches[0].Kind == avroschema.Null) != (t.Branches[1].Kind == avroschema.Null):
			member := t.Branches[0]
			if member.Kind == avroschema.Null {
				member = t.Branches[1]
			}
			return c.schemaWithDoc(member, true, nil, fieldDoc)
		}
		name := unionName
		if c.cfg.generalized {
			name = generalUnionPrefix + strconv.Itoa(*c.unionIndex)
			*c.unionIndex++
		}
		b = data.StructBuilder().Name(name)
		if c.cfg.generalized {
			b.Param(generalUnionParam, name)
		}
		seen := map[string]bool{}
		for i, m := range t.Branches {
			if m.Kind == avroschema.Null {
				b.Optional()
				continue
			}
			fname := c.memberName(m, i)
			if seen[fname] {
				return nil, fmt.Errorf("Multiple union schemas map to the Connect union field name")
			}
			seen[fname] = true
			fs, err := c.schema(m, true, nil)
			if err != nil {
				return nil, err
			}
			b.Field(fname, fs)
		}
	case avroschema.Null:
		return nil, fmt.Errorf("Standalone null schemas are not supported by this converter")
	case avroschema.Boolean:
		b = data.NewBuilder(data.TypeBoolean)
	case avroschema.Int:
		b = data.NewBuilder(data.TypeInt32)
		if t.Logical == "" {
			switch ct, ok := t.Prop(propConnectType); {
			case !ok:
			case t.PropString(propConnectType) == "int8":
				b = data.NewBuilder(data.TypeInt8)
			case t.PropString(propConnectType) == "int16":
				b = data.NewBuilder(data.TypeInt16)
			default:
				return nil, fmt.Errorf("Connect type annotation %s for Avro int field is not int8 or int16", ct)
			}
		}
	case avroschema.Long:
		b = data.NewBuilder(data.TypeInt64)
	case avroschema.Float:
		b = data.NewBuilder(data.TypeFloat32)
	case avroschema.Double:
		b = data.NewBuilder(data.TypeFloat64)
	case avroschema.String:
		b = data.NewBuilder(data.TypeString)
	case avroschema.Enum:
		b = data.NewBuilder(data.TypeString)
		if c.cfg.metaData {
			switch {
			case t.Doc != "" && c.cfg.discardDocDef:
				b.Param(enumDocConnectParam, t.Doc)
			case t.Doc != "":
				b.Param(enumDocPrefix+t.Name, t.Doc)
			}
			if t.Default != nil && !c.cfg.discardDocDef {
				var sym string
				if json.Unmarshal(t.Default, &sym) == nil {
					b.Param(enumDefaultPrefix+t.Name, sym)
				}
			}
		}
		param := enumParam
		if c.cfg.generalized {
			param = generalEnumParam
		}
		b.Param(param, t.FullName())
		for i, sym := range t.Symbols {
			if c.cfg.generalized {
				b.Param(param+"."+sym, strconv.Itoa(i))
			} else {
				b.Param(param+"."+sym, sym)
			}
		}
	case avroschema.Bytes, avroschema.Fixed:
		b = data.NewBuilder(data.TypeBytes)
		if t.Logical == "decimal" {
			b.Name(data.DecimalName).Version(1).Param(data.DecimalScaleParam, strconv.Itoa(t.Scale))
			if t.Precision != 0 && t.Precision != defaultPrecision {
				b.Param(precisionParam, strconv.Itoa(t.Precision))
			}
		}
		if t.Kind == avroschema.Fixed {
			b.Param(fixedSizeParam, strconv.Itoa(t.Size))
		}
	case avroschema.Array:
		if isMapEntry(t.Items) {
			if len(t.Items.Fields) != 2 || t.Items.Fields[0].Name != "key" || t.Items.Fields[1].Name != "value" {
				return nil, fmt.Errorf("Found map encoded as array of key-value pairs, but array elements do not match the expected format.")
			}
			k, err := c.schema(t.Items.Fields[0].Type, false, nil)
			if err != nil {
				return nil, err
			}
			v, err := c.schema(t.Items.Fields[1].Type, false, nil)
			if err != nil {
				return nil, err
			}
			b = data.MapOf(k, v)
			break
		}
		items, err := c.schema(t.Items, false, nil)
		if err != nil {
			return nil, err
		}
		b = data.ArrayOf(items)
	case avroschema.Map:
		values, err := c.schema(t.Values, false, nil)
		if err != nil {
			return nil, err
		}
		b = data.MapOf(data.StringSchema, values)
	case avroschema.Record:
		if c.open[t] {
			return nil, fmt.Errorf("recursive Avro schema: record %s contains itself; not supported by goconnect's AvroConverter", t.FullName())
		}
		c.open[t] = true
		defer delete(c.open, t)
		b = data.StructBuilder()
		keepDocs := c.cfg.metaData && !c.cfg.discardDocDef
		if keepDocs && t.Doc != "" {
			b.Param(recordDocParam, t.Doc)
		}
		for _, f := range t.Fields {
			if keepDocs && f.Doc != "" {
				b.Param(fieldDocPrefix+f.Name, f.Doc)
			}
			var def json.RawMessage
			if f.HasDefault {
				def = f.Default
			}
			fs, err := c.schemaWithDoc(f.Type, false, def, f.Doc)
			if err != nil {
				return nil, fmt.Errorf("field %s: %w", f.Name, err)
			}
			if c.cfg.metaData {
				fs = withFieldParams(fs, f)
			}
			b.Field(f.Name, fs)
		}
	default:
		return nil, fmt.Errorf("Couldn't translate unsupported schema type %s.", t.Kind)
	}
	switch t.Logical {
	case "date":
		if t.Kind == avroschema.Int {
			b.Name(data.DateName).Version(1)
		}
	case "time-millis":
		if t.Kind == avroschema.Int {
			b.Name(data.TimeName).Version(1)
		}
	case "timestamp-millis":
		if t.Kind == avroschema.Long {
			b.Name(data.TimestampName).Version(1)
		}
	}
	switch {
	case c.cfg.discardDocDef:
		// The field's doc, else the type's, else connect.doc; the type's
		// doc is also kept as a parameter.
		doc := fieldDoc
		if doc == "" {
			doc = t.Doc
		}
		if doc == "" {
			doc = t.PropString(propConnectDoc)
		}
		if doc != "" {
			b.Doc(doc)
		}
		if c.cfg.metaData && t.Doc != "" {
			b.Param(recordDocConnectParam, t.Doc)
		}
	case c.cfg.metaData:
		if d := t.PropString(propConnectDoc); d != "" {
			b.Doc(d)
		}
	}
	if raw, ok := t.Prop(propConnectVer); ok {
		v, err := strconv.Atoi(string(raw))
		if err != nil {
			return nil, fmt.Errorf("Invalid Connect version found: %s", raw)
		}
		b.Version(int32(v))
	}
	if raw, ok := t.Prop(propConnectParams); ok && c.cfg.metaData {
		params, ok := orderedParams(raw)
		if !ok {
			return nil, fmt.Errorf("Expected JSON object of strings for schema parameters but found: %s", raw)
		}
		for _, kv := range params {
			b.Param(kv[0], kv[1])
		}
	}
	for _, p := range t.Props {
		if strings.HasPrefix(p.Key, "avro") {
			v := t.PropString(p.Key)
			if v == "" {
				v = string(p.Value)
			}
			b.Param(p.Key, v)
		}
	}
	connectDef, hasConnectDef := t.Prop(propConnectDef)
	def := fieldDefault
	if def == nil && hasConnectDef {
		def = connectDef
	} else if def != nil && !hasConnectDef && c.cfg.metaData && !c.cfg.discardDocDef {
		b.Param(fieldDefaultFlag, "true")
	}
	if n := t.PropString(propConnectName); n != "" {
		b.Name(n)
	} else if t.Kind == avroschema.Record || t.Kind == avroschema.Enum || (t.Kind == avroschema.Fixed && t.Logical != "decimal") {
		if n := t.FullName(); !strings.HasPrefix(n, defaultFullName) {
			b.Name(n)
		}
	}
	if optional {
		b.Optional()
	}
	partial, err := b.Build()
	if err != nil {
		return nil, err
	}
	if def != nil && !isUnionSchema(partial) {
		// AvroData logs and drops a default it cannot read.
		if v, err := fromJSONDefault(partial, def); err == nil && v != nil {
			b.Default(v)
		}
	}
	return b.Build()
}

// fromJSONDefault reads an Avro JSON default into a Connect value.
func fromJSONDefault(s *data.Schema, raw json.RawMessage) (any, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var node any
	if err := d.Decode(&node); err != nil {
		return nil, err
	}
	return jsonToConnect(s, node)
}

func jsonToConnect(s *data.Schema, node any) (any, error) {
	if node == nil {
		return nil, nil
	}
	switch s.Name {
	case data.DecimalName, data.DateName, data.TimeName, data.TimestampName:
		// Logical defaults are rare; skip rather than guess their JSON form.
		return nil, nil
	}
	switch s.Type {
	case data.TypeBoolean:
		b, ok := node.(bool)
		if !ok {
			return nil, fmt.Errorf("expected a boolean")
		}
		return b, nil
	case data.TypeInt8, data.TypeInt16, data.TypeInt32, data.TypeInt64:
		n, ok := node.(json.Number)
		if !ok {
			return nil, fmt.Errorf("expected a number")
		}
		i, err := n.Int64()
		if err != nil {
			return nil, err
		}
		switch s.Type {
		case data.TypeInt8:
			return int8(i), nil
		case data.TypeInt16:
			return int16(i), nil
		case data.TypeInt32:
			return int32(i), nil
		}
		return i, nil
	case data.TypeFloat32, data.TypeFloat64:
		n, ok := node.(json.Number)
		if !ok {
			return nil, fmt.Errorf("expected a number")
		}
		f, err := n.Float64()
		if s.Type == data.TypeFloat32 {
			return float32(f), err
		}
		return f, err
	case data.TypeString:
		str, ok := node.(string)
		if !ok {
			return nil, fmt.Errorf("expected a string")
		}
		return str, nil
	case data.TypeBytes:
		str, ok := node.(string)
		if !ok {
			return nil, fmt.Errorf("expected a string")
		}
		out := make([]byte, 0, len(str))
		for _, r := range str {
			out = append(out, byte(r))
		}
		return out, nil
	}
	return nil, nil // containers: Connect keeps no default here
}

// orderedParams reads a connect.parameters object in its order (AvroData
// fills Connect's LinkedHashMap from it); ok=false when it is not an
// object of strings.
func orderedParams(raw json.RawMessage) ([][2]string, bool) {
	d := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := d.Token(); err != nil || tok != json.Delim('{') {
		return nil, false
	}
	var out [][2]string
	for d.More() {
		k, err := d.Token()
		if err != nil {
			return nil, false
		}
		v, err := d.Token()
		if err != nil {
			return nil, false
		}
		ks, ok1 := k.(string)
		vs, ok2 := v.(string)
		if !ok1 || !ok2 {
			return nil, false
		}
		out = append(out, [2]string{ks, vs})
	}
	if tok, err := d.Token(); err != nil || tok != json.Delim('}') {
		return nil, false
	}
	return out, true
}

// withFieldParams applies a record field's own connect.parameters (written
// by AvroData where the field's named type is a reference to an earlier
// definition): kept as is when they match the type's parameters, else a
// copy with them set over the type's. A prop that is not an object of
// strings is ignored.
func withFieldParams(s *data.Schema, f *avroschema.Field) *data.Schema {
	var raw json.RawMessage
	for _, p := range f.Props {
		if p.Key == propConnectParams {
			raw = p.Value
		}
	}
	if raw == nil {
		return s
	}
	params, ok := orderedParams(raw)
	if !ok {
		return s
	}
	same := true
	for _, kv := range params {
		if v, ok := s.Parameters[kv[0]]; !ok || v != kv[1] {
			same = false
			break
		}
	}
	if same {
		return s
	}
	b := data.FromSchema(s)
	for _, kv := range params {
		b.Param(kv[0], kv[1])
	}
	out, err := b.Build()
	if err != nil {
		return s
	}
	return out
}
