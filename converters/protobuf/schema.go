package protobuf

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"google.golang.org/protobuf/types/descriptorpb"

	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/internal/hashorder"
	"github.com/goconnect/goconnect/internal/protoknown"
)

// Names and parameters of Confluent's ProtobufData.
const (
	namespace        = "io.confluent.connect.protobuf"
	defaultName      = "ConnectDefault"
	paramEnum        = namespace + ".Enum"
	unionName        = namespace + ".Union"
	unionPrefix      = unionName + "."
	paramTag         = namespace + ".Tag"
	paramType        = namespace + ".Type"
	paramWrapper     = namespace + ".Wrapper"
	generalizedUnion = "org.apache.kafka.connect.data.Union"
	generalizedEnum  = "org.apache.kafka.connect.data.Enum"
	connectPrecision = "connect.decimal.precision"
	connectScale     = "scale"
	metaPrecision    = "precision"
	metaScale        = "scale"
	connectTypeParam = "connect.type"
	fieldMetaOption  = "confluent.field_meta"
	mapEntrySuffix   = "Entry"

	decimalType   = "confluent.type.Decimal"
	dateType      = "google.type.Date"
	timeType      = "google.type.TimeOfDay"
	timestampType = "google.protobuf.Timestamp"
)

// wrapperTypes maps Google's wrapper messages to their scalar.
var wrapperTypes = map[string]data.Type{
	"google.protobuf.DoubleValue": data.TypeFloat64, "google.protobuf.FloatValue": data.TypeFloat32,
	"google.protobuf.Int64Value": data.TypeInt64, "google.protobuf.UInt64Value": data.TypeInt64,
	"google.protobuf.Int32Value": data.TypeInt32, "google.protobuf.UInt32Value": data.TypeInt64,
	"google.protobuf.BoolValue": data.TypeBoolean, "google.protobuf.StringValue": data.TypeString,
	"google.protobuf.BytesValue": data.TypeBytes,
}

// scalarKinds are the .proto scalar type names.
var scalarKinds = map[string]descriptorpb.FieldDescriptorProto_Type{
	"double": descriptorpb.FieldDescriptorProto_TYPE_DOUBLE, "float": descriptorpb.FieldDescriptorProto_TYPE_FLOAT,
	"int64": descriptorpb.FieldDescriptorProto_TYPE_INT64, "uint64": descriptorpb.FieldDescriptorProto_TYPE_UINT64,
	"int32": descriptorpb.FieldDescriptorProto_TYPE_INT32, "fixed64": descriptorpb.FieldDescriptorProto_TYPE_FIXED64,
	"fixed32": descriptorpb.FieldDescriptorProto_TYPE_FIXED32, "bool": descriptorpb.FieldDescriptorProto_TYPE_BOOL,
	"string": descriptorpb.FieldDescriptorProto_TYPE_STRING, "bytes": descriptorpb.FieldDescriptorProto_TYPE_BYTES,
	"uint32": descriptorpb.FieldDescriptorProto_TYPE_UINT32, "sfixed32": descriptorpb.FieldDescriptorProto_TYPE_SFIXED32,
	"sfixed64": descriptorpb.FieldDescriptorProto_TYPE_SFIXED64, "sint32": descriptorpb.FieldDescriptorProto_TYPE_SINT32,
	"sint64": descriptorpb.FieldDescriptorProto_TYPE_SINT64,
}

// protoFile is a generated .proto file: one top-level message.
type protoFile struct {
	pkg     string
	imports []string
	msg     *protoMsg
}

func (f *protoFile) addImport(path string) {
	for _, p := range f.imports {
		if p == path {
			return
		}
	}
	f.imports = append(f.imports, path)
}

// fullName is the top-level message's full name.
func (f *protoFile) fullName() string {
	if f.pkg == "" {
		return f.msg.name
	}
	return f.pkg + "." + f.msg.name
}

type protoMsg struct {
	name      string
	fields    []*protoField // declaration order, oneof members included
	oneofs    []string
	synthetic []bool
	nested    []*protoMsg
	enums     []*protoEnum
	children  map[string]bool // message types already defined here
}

type protoField struct {
	name      string
	number    int32
	repeated  bool
	optional  bool // proto3 optional
	typ       string
	kind      descriptorpb.FieldDescriptorProto_Type
	oneof     int // -1: none
	params    [][2]string
	mapMember bool // key or value of a map entry: no optional label
}

type protoEnum struct {
	name   string
	values []enumValue
}

type enumValue struct {
	name   string
	number int32
}

// schemaBuilder turns a Connect schema into a .proto file as
// ProtobufData.fromConnectSchema does.
type schemaBuilder struct {
	m       *mapping
	counter int
}

func (m *mapping) fromConnectSchema(s *data.Schema) (*protoFile, error) {
	b := &schemaBuilder{m: m}
	full := b.nameOrDefault(s.Name)
	ns, name := b.splitName(full)
	if s.Type != data.TypeStruct {
		return nil, fmt.Errorf("a top-level %s schema is not supported by goconnect's ProtobufConverter (Confluent writes it as a google.protobuf wrapper); use a struct", s.Type.JavaName())
	}
	f := &protoFile{pkg: ns}
	msg, err := b.message(f, name, s)
	if err != nil {
		return nil, err
	}
	f.msg = msg
	return f, nil
}

func (b *schemaBuilder) nameOrDefault(name string) string {
	if name != "" {
		return name
	}
	b.counter++
	return defaultName + strconv.Itoa(b.counter)
}

// splitName splits a dotted name into package and last part, each part
// scrubbed.
func (b *schemaBuilder) splitName(full string) (string, string) {
	parts := strings.Split(full, ".")
	for i := range parts {
		parts[i] = b.m.scrub(parts[i])
	}
	if len(parts) <= 1 {
		return "", parts[0]
	}
	return strings.Join(parts[:len(parts)-1], "."), parts[len(parts)-1]
}

func (b *schemaBuilder) unqualified(name string) string {
	full := b.nameOrDefault(name)
	if i := strings.LastIndexByte(full, '.'); i >= 0 {
		full = full[i+1:]
	}
	return b.m.scrub(full)
}

func (b *schemaBuilder) message(f *protoFile, name string, s *data.Schema) (*protoMsg, error) {
	m := &protoMsg{name: name, children: map[string]bool{}}
	index := int32(1)
	for _, fld := range s.Fields {
		tag := index
		if t, ok := s.Fields[fld.Index].Schema.Parameters[paramTag]; ok {
			n, err := strconv.ParseInt(t, 10, 32)
			if err != nil {
				return nil, fmt.Errorf("field %s: parameter %s=%q is not a number", fld.Name, paramTag, t)
			}
			tag = int32(n)
		} else {
			index++
		}
		pf, err := b.field(f, m, fld.Schema, b.m.scrub(fld.Name), tag, false)
		if err != nil {
			return nil, err
		}
		if pf == nil {
			continue
		}
		if pf.optional {
			m.oneofs = append(m.oneofs, "_"+pf.name)
			m.synthetic = append(m.synthetic, true)
			pf.oneof = len(m.oneofs) - 1
		}
		m.fields = append(m.fields, pf)
	}
	return m, nil
}

func (b *schemaBuilder) isOptionalLabel(s *data.Schema) bool {
	return s.Type != data.TypeArray && s.Type != data.TypeMap && b.m.optionalForNullables && s.Optional
}

// field defines one field in m (and the types it needs); nil for a union,
// which becomes a oneof of m.
func (b *schemaBuilder) field(f *protoFile, m *protoMsg, s *data.Schema, name string, tag int32, oneofMember bool) (*protoField, error) {
	pf := &protoField{name: name, number: tag, oneof: -1}
	pf.repeated = s.Type == data.TypeArray || s.Type == data.TypeMap
	pf.optional = b.isOptionalLabel(s) && !oneofMember
	if s.Type == data.TypeArray {
		s = s.Value
	}
	typ, kind, err := b.dataType(s, name, &pf.params, oneofMember)
	if err != nil {
		return nil, fmt.Errorf("field %s: %w", name, err)
	}
	pf.typ, pf.kind = typ, kind
	switch {
	case s.Type == data.TypeStruct:
		if isUnion(s) {
			un := ""
			if b.m.generalized {
				un = s.Parameters[generalizedUnion]
			} else {
				un = b.unqualified(strings.TrimPrefix(s.Name, unionPrefix))
			}
			return nil, b.oneof(f, m, s, un)
		}
		if m.name != typ && !m.children[typ] {
			m.children[typ] = true
			nested, err := b.message(f, typ, s)
			if err != nil {
				return nil, err
			}
			m.nested = append(m.nested, nested)
		}
	case s.Type == data.TypeMap:
		entry, err := b.mapEntry(f, typ, s)
		if err != nil {
			return nil, err
		}
		m.nested = append(m.nested, entry)
	case isEnum(s):
		en := b.unqualified(s.Name)
		found := false
		for _, e := range m.enums {
			found = found || e.name == en
		}
		if !found {
			m.enums = append(m.enums, b.enum(en, s))
		}
	default:
		if dep := dependencyOf(typ); dep != "" {
			f.addImport(dep)
		}
	}
	return pf, nil
}

func (b *schemaBuilder) oneof(f *protoFile, m *protoMsg, s *data.Schema, name string) error {
	m.oneofs = append(m.oneofs, name)
	m.synthetic = append(m.synthetic, false)
	idx := len(m.oneofs) - 1
	for _, fld := range s.Fields {
		t, ok := fld.Schema.Parameters[paramTag]
		n, err := strconv.ParseInt(t, 10, 32)
		if !ok || err != nil || n <= 0 {
			// ProtobufData uses tag 0 here, which the descriptor refuses.
			return fmt.Errorf("union %s member %s has no valid %s parameter: Protobuf field numbers must be positive", name, fld.Name, paramTag)
		}
		pf, err := b.field(f, m, fld.Schema, b.m.scrub(fld.Name), int32(n), true)
		if err != nil {
			return err
		}
		if pf != nil {
			pf.oneof = idx
			m.fields = append(m.fields, pf)
		}
	}
	return nil
}

func (b *schemaBuilder) mapEntry(f *protoFile, name string, s *data.Schema) (*protoMsg, error) {
	m := &protoMsg{name: name, children: map[string]bool{}}
	for i, part := range []struct {
		name string
		s    *data.Schema
	}{{"key", s.Key}, {"value", s.Value}} {
		pf, err := b.field(f, m, part.s, part.name, int32(i+1), false)
		if err != nil {
			return nil, err
		}
		if pf == nil {
			return nil, fmt.Errorf("a union cannot be a map %s", part.name)
		}
		// ProtobufData adds these without the synthetic oneof: the
		// optional label does not survive into the descriptor.
		pf.optional = false
		pf.mapMember = true
		m.fields = append(m.fields, pf)
	}
	return m, nil
}

func (b *schemaBuilder) enum(name string, s *data.Schema) *protoEnum {
	e := &protoEnum{name: name}
	param := paramEnum
	if b.m.generalized {
		param = generalizedEnum
	}
	for _, k := range s.ParamKeys() {
		if sym, ok := strings.CutPrefix(k, param+"."); ok {
			n, _ := strconv.ParseInt(s.Parameters[k], 10, 32)
			e.values = append(e.values, enumValue{sym, int32(n)})
		}
	}
	return e
}

func isUnion(s *data.Schema) bool {
	if strings.HasPrefix(s.Name, unionName) {
		return true
	}
	_, ok := s.Parameters[generalizedUnion]
	return ok
}

func isEnum(s *data.Schema) bool {
	if s.Parameters == nil {
		return false
	}
	_, g := s.Parameters[generalizedEnum]
	_, p := s.Parameters[paramEnum]
	return g || p
}

func dependencyOf(typ string) string {
	switch typ {
	case decimalType:
		return protoknown.DecimalLocation
	case dateType:
		return protoknown.DateLocation
	case timeType:
		return protoknown.TimeLocation
	case timestampType:
		return protoknown.TimestampLocation
	}
	if _, ok := wrapperTypes[typ]; ok {
		return protoknown.WrappersLocation
	}
	return ""
}

const msgKind = descriptorpb.FieldDescriptorProto_TYPE_MESSAGE

// dataType names a field's type as ProtobufData.dataTypeFromConnectSchema.
func (b *schemaBuilder) dataType(s *data.Schema, fieldName string, params *[][2]string, oneofMember bool) (string, descriptorpb.FieldDescriptorProto_Type, error) {
	switch s.Name {
	case data.DecimalName:
		kv := map[string]string{}
		if p, ok := s.Parameters[connectPrecision]; ok {
			kv[metaPrecision] = p
		}
		if p, ok := s.Parameters[connectScale]; ok {
			kv[metaScale] = p
		}
		keys := make([]string, 0, len(kv))
		for k := range kv {
			keys = append(keys, k)
		}
		// Java's HashMap order, as the params map is filled from one.
		for _, k := range hashorder.Order(keys) {
			*params = append(*params, [2]string{k, kv[k]})
		}
		return decimalType, msgKind, nil
	case data.DateName:
		return dateType, msgKind, nil
	case data.TimeName:
		return timeType, msgKind, nil
	case data.TimestampName:
		return timestampType, msgKind, nil
	}
	wrap := b.m.wrapperForNullables && s.Optional && (!oneofMember || s.Parameters[paramWrapper] == "true")
	scalar := func(name, wrapper string) (string, descriptorpb.FieldDescriptorProto_Type, error) {
		if wrap {
			return wrapper, msgKind, nil
		}
		k, ok := scalarKinds[name]
		if !ok {
			return "", 0, fmt.Errorf("unknown Protobuf type %q in parameter %s", name, paramType)
		}
		return name, k, nil
	}
	switch s.Type {
	case data.TypeInt8, data.TypeInt16:
		*params = append(*params, [2]string{connectTypeParam, s.Type.String()})
		return scalar("int32", "google.protobuf.Int32Value")
	case data.TypeInt32:
		if e, ok := s.Parameters[paramEnum]; ok {
			return e, descriptorpb.FieldDescriptorProto_TYPE_ENUM, nil
		}
		t := "int32"
		if p, ok := s.Parameters[paramType]; ok {
			t = p
		}
		return scalar(t, "google.protobuf.Int32Value")
	case data.TypeInt64:
		t := "int64"
		if p, ok := s.Parameters[paramType]; ok {
			t = p
		}
		w := "google.protobuf.Int64Value"
		switch t {
		case "uint32", "fixed32":
			w = "google.protobuf.UInt32Value"
		case "uint64", "fixed64":
			w = "google.protobuf.UInt64Value"
		}
		return scalar(t, w)
	case data.TypeFloat32:
		return scalar("float", "google.protobuf.FloatValue")
	case data.TypeFloat64:
		return scalar("double", "google.protobuf.DoubleValue")
	case data.TypeBoolean:
		return scalar("bool", "google.protobuf.BoolValue")
	case data.TypeString:
		if e, ok := s.Parameters[generalizedEnum]; ok {
			return e, descriptorpb.FieldDescriptorProto_TYPE_ENUM, nil
		}
		if e, ok := s.Parameters[paramEnum]; ok {
			return e, descriptorpb.FieldDescriptorProto_TYPE_ENUM, nil
		}
		return scalar("string", "google.protobuf.StringValue")
	case data.TypeBytes:
		return scalar("bytes", "google.protobuf.BytesValue")
	case data.TypeArray:
		return "", 0, fmt.Errorf("Array cannot be nested")
	case data.TypeMap:
		return toMapEntry(b.unqualified(s.Name)), msgKind, nil
	case data.TypeStruct:
		n := b.unqualified(s.Name)
		if n == fieldName {
			// A message type cannot share its field's name.
			n += "Message"
		}
		return n, msgKind, nil
	}
	return "", 0, fmt.Errorf("unknown schema type: %s", s.Type.JavaName())
}

// toMapEntry is ProtobufSchema.toMapEntry: lower_underscore names in
// UpperCamel, plus Entry.
func toMapEntry(s string) string {
	if strings.Contains(s, "_") {
		var sb strings.Builder
		for _, w := range strings.Split(s, "_") {
			if w == "" {
				continue
			}
			r := []rune(strings.ToLower(w))
			r[0] = unicode.ToUpper(r[0])
			sb.WriteString(string(r))
		}
		s = sb.String()
	}
	return s + mapEntrySuffix
}

// toMapField is ProtobufSchema.toMapField: an entry message name back
// to lower_underscore without Entry.
func toMapField(s string) string {
	parts := strings.Split(s, ".")
	last := parts[len(parts)-1]
	if strings.HasSuffix(last, mapEntrySuffix) {
		last = strings.TrimSuffix(last, mapEntrySuffix)
		var sb strings.Builder
		for i, r := range last {
			if unicode.IsUpper(r) {
				if i > 0 {
					sb.WriteByte('_')
				}
				r = unicode.ToLower(r)
			}
			sb.WriteRune(r)
		}
		parts[len(parts)-1] = sb.String()
	}
	return strings.Join(parts, ".")
}

// scrub is ProtobufData.doScrubName when scrub.invalid.names is set.
func (m *mapping) scrub(name string) string {
	if !m.scrubNames || name == "" {
		return name
	}
	return scrubName(name)
}

func scrubName(name string) string {
	valid := func(c byte) bool {
		return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_'
	}
	ok := true
	for i := 0; i < len(name); i++ {
		ok = ok && valid(name[i])
	}
	if ok && !(name[0] >= '0' && name[0] <= '9') && name[0] != '_' {
		return name
	}
	// Java's URLEncoder (form encoding: space as '+'), then every
	// remaining invalid character as '_'.
	enc := []byte(javaURLEncode(name))
	if enc[0] >= '0' && enc[0] <= '9' || enc[0] == '_' {
		enc = append([]byte{'x'}, enc...)
	}
	for i, c := range enc {
		if !valid(c) {
			enc[i] = '_'
		}
	}
	return string(enc)
}

// javaURLEncode is java.net.URLEncoder.encode(s, "UTF-8"): letters,
// digits and ".-*_" stay, a space becomes '+', other bytes %XX.
func javaURLEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.IndexByte("_.-*", c) >= 0:
			b.WriteByte(c)
		case c == ' ':
			b.WriteByte('+')
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}
