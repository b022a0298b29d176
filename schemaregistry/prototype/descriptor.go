package prototype

import (
	"bytes"
	"encoding/base64"
	"sort"
	"strconv"
	"strings"

	"github.com/bufbuild/protocompile/ast"
	"github.com/bufbuild/protocompile/parser"
	"github.com/bufbuild/protocompile/reporter"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/descriptorpb"

	"github.com/goconnect/goconnect/internal/protoprint"
)

// Clients may register a schema as a base64 FileDescriptorProto
// (Confluent's Python serializer does); Confluent's ProtobufSchema turns
// it into a ProtoFileElement (toProtoFile) and prints that. descriptorText
// writes the same elements as .proto text, which then goes the way of any
// registered text: types fully qualified as the descriptor names them,
// map fields as the repeated entry message with option map_entry (the
// descriptor's form), proto3 fields without a label, the standard options
// Confluent copies and its (confluent.*_meta) ones. Other custom options
// are not carried (see the README).

// decodeDescriptor reads text as a base64 FileDescriptorProto; ok is
// false when it is not one (then it is .proto text).
func decodeDescriptor(text string) (*descriptorpb.FileDescriptorProto, bool) {
	t := strings.TrimSpace(text)
	if t == "" || strings.ContainsAny(t, " \n\t;{") {
		return nil, false
	}
	b, err := base64.StdEncoding.DecodeString(t)
	if err != nil {
		return nil, false
	}
	var fdp descriptorpb.FileDescriptorProto
	if err := proto.Unmarshal(b, &fdp); err != nil {
		return nil, false
	}
	return &fdp, true
}

type textWriter struct {
	b      strings.Builder
	proto3 bool
}

func (w *textWriter) line(indent int, s string) {
	w.b.WriteString(strings.Repeat("  ", indent) + s + "\n")
}

func quote(s string) string { return "\"" + protoprint.Escape(s) + "\"" }

func descriptorText(f *descriptorpb.FileDescriptorProto) string {
	w := &textWriter{proto3: f.GetSyntax() == "proto3"}
	if s := f.GetSyntax(); s == "proto2" || s == "proto3" {
		w.line(0, "syntax = "+quote(s)+";")
	}
	if f.GetPackage() != "" {
		w.line(0, "package "+f.GetPackage()+";")
	}
	public, weak := map[int32]bool{}, map[int32]bool{}
	for _, i := range f.PublicDependency {
		public[i] = true
	}
	for _, i := range f.WeakDependency {
		weak[i] = true
	}
	for i, d := range f.Dependency {
		switch {
		case public[int32(i)]:
			w.line(0, "import public "+quote(d)+";")
		case weak[int32(i)]:
			w.line(0, "import weak "+quote(d)+";")
		default:
			w.line(0, "import "+quote(d)+";")
		}
	}
	for _, o := range fileOptions(f.GetOptions()) {
		w.line(0, "option "+o+";")
	}
	for _, m := range f.MessageType {
		w.message(0, m)
	}
	for _, e := range f.EnumType {
		w.enum(0, e)
	}
	w.extends(0, f.Extension)
	for _, s := range f.Service {
		w.line(0, "service "+s.GetName()+" {")
		if s.GetOptions().GetDeprecated() || s.GetOptions().Deprecated != nil {
			w.line(1, "option deprecated = "+strconv.FormatBool(s.GetOptions().GetDeprecated())+";")
		}
		for _, m := range s.Method {
			in, out := m.GetInputType(), m.GetOutputType()
			if m.GetClientStreaming() {
				in = "stream " + in
			}
			if m.GetServerStreaming() {
				out = "stream " + out
			}
			var opts []string
			if m.GetOptions().Deprecated != nil {
				opts = append(opts, "deprecated = "+strconv.FormatBool(m.GetOptions().GetDeprecated()))
			}
			if m.GetOptions().IdempotencyLevel != nil {
				opts = append(opts, "idempotency_level = "+m.GetOptions().GetIdempotencyLevel().String())
			}
			if len(opts) == 0 {
				w.line(1, "rpc "+m.GetName()+" ("+in+") returns ("+out+");")
				continue
			}
			w.line(1, "rpc "+m.GetName()+" ("+in+") returns ("+out+") {")
			for _, o := range opts {
				w.line(2, "option "+o+";")
			}
			w.line(1, "}")
		}
		w.line(0, "}")
	}
	return w.b.String()
}

// fileOptions are the file options Confluent's toProtoFile copies, in its
// order.
func fileOptions(o *descriptorpb.FileOptions) []string {
	if o == nil {
		return nil
	}
	var out []string
	str := func(name string, v *string) {
		if v != nil {
			out = append(out, name+" = "+quote(*v))
		}
	}
	boolean := func(name string, v *bool) {
		if v != nil {
			out = append(out, name+" = "+strconv.FormatBool(*v))
		}
	}
	str("java_package", o.JavaPackage)
	str("java_outer_classname", o.JavaOuterClassname)
	boolean("java_multiple_files", o.JavaMultipleFiles)
	//lint:ignore SA1019 deprecated in descriptor.proto, still copied by Confluent
	boolean("java_generate_equals_and_hash", o.JavaGenerateEqualsAndHash)
	boolean("java_string_check_utf8", o.JavaStringCheckUtf8)
	if o.OptimizeFor != nil {
		out = append(out, "optimize_for = "+o.GetOptimizeFor().String())
	}
	str("go_package", o.GoPackage)
	boolean("cc_generic_services", o.CcGenericServices)
	boolean("java_generic_services", o.JavaGenericServices)
	boolean("py_generic_services", o.PyGenericServices)
	boolean("deprecated", o.Deprecated)
	boolean("cc_enable_arenas", o.CcEnableArenas)
	str("objc_class_prefix", o.ObjcClassPrefix)
	str("csharp_namespace", o.CsharpNamespace)
	str("swift_prefix", o.SwiftPrefix)
	str("php_class_prefix", o.PhpClassPrefix)
	str("php_namespace", o.PhpNamespace)
	str("php_metadata_namespace", o.PhpMetadataNamespace)
	str("ruby_package", o.RubyPackage)
	if m := metaOption(o, 1088); m != "" {
		out = append(out, "(confluent.file_meta) = "+m)
	}
	return out
}

// metaOption renders a (confluent.*_meta) option (extension number 1088 of
// the options message) as Confluent's toOption builds it: doc, params as
// a list of {key, value} ({value, key} for precision and scale), tags,
// rules; "" when absent or empty.
func metaOption(opts proto.Message, number int32) string {
	raw := proto.Message(opts).ProtoReflect().GetUnknown()
	var metaBytes []byte
	for len(raw) > 0 {
		num, typ, n := consumeTag(raw)
		if n < 0 {
			return ""
		}
		raw = raw[n:]
		if typ != 2 {
			m := skipField(raw, typ)
			if m < 0 {
				return ""
			}
			raw = raw[m:]
			continue
		}
		l, m := consumeVarint(raw)
		if m < 0 || int(l) > len(raw[m:]) {
			return ""
		}
		if num == number {
			metaBytes = append(metaBytes, raw[m:m+int(l)]...)
		}
		raw = raw[m+int(l):]
	}
	if metaBytes == nil {
		return ""
	}
	var doc string
	var params [][2]string
	var tags []string
	var rules []map[string]string
	for b := metaBytes; len(b) > 0; {
		num, typ, n := consumeTag(b)
		if n < 0 || typ != 2 {
			return ""
		}
		b = b[n:]
		l, m := consumeVarint(b)
		if m < 0 || int(l) > len(b[m:]) {
			return ""
		}
		v := b[m : m+int(l)]
		b = b[m+int(l):]
		switch num {
		case 1:
			doc = string(v)
		case 2:
			fields := lengthFields(v)
			params = append(params, [2]string{fields[1], fields[2]})
		case 3:
			tags = append(tags, string(v))
		case 4:
			f := lengthFields(v)
			r := map[string]string{}
			for i, k := range []string{"", "name", "doc", "expr", "sql"} {
				if i > 0 && f[int32(i)] != "" {
					r[k] = f[int32(i)]
				}
			}
			if len(r) > 0 {
				rules = append(rules, r)
			}
		}
	}
	var parts []string
	if doc != "" {
		parts = append(parts, "doc: "+quote(doc))
	}
	if len(params) > 0 {
		var items []string
		for _, p := range params {
			if p[0] == "precision" || p[0] == "scale" {
				items = append(items, "{ value: "+quote(p[1])+" key: "+quote(p[0])+" }")
			} else {
				items = append(items, "{ key: "+quote(p[0])+" value: "+quote(p[1])+" }")
			}
		}
		parts = append(parts, "params: ["+strings.Join(items, ", ")+"]")
	}
	if len(tags) > 0 {
		q := make([]string, len(tags))
		for i, t := range tags {
			q[i] = quote(t)
		}
		parts = append(parts, "tags: ["+strings.Join(q, ", ")+"]")
	}
	if len(rules) > 0 {
		var items []string
		for _, r := range rules {
			var kv []string
			for _, k := range []string{"name", "doc", "expr", "sql"} {
				if v, ok := r[k]; ok {
					kv = append(kv, k+": "+quote(v))
				}
			}
			items = append(items, "{ "+strings.Join(kv, " ")+" }")
		}
		parts = append(parts, "rules: ["+strings.Join(items, ", ")+"]")
	}
	if len(parts) == 0 {
		return ""
	}
	return "{ " + strings.Join(parts, " ") + " }"
}

// lengthFields reads a message of string fields (numbered 1..n).
func lengthFields(b []byte) map[int32]string {
	out := map[int32]string{}
	for len(b) > 0 {
		num, typ, n := consumeTag(b)
		if n < 0 || typ != 2 {
			return out
		}
		b = b[n:]
		l, m := consumeVarint(b)
		if m < 0 || int(l) > len(b[m:]) {
			return out
		}
		out[num] = string(b[m : m+int(l)])
		b = b[m+int(l):]
	}
	return out
}

func consumeVarint(b []byte) (uint64, int) {
	var v uint64
	for i := 0; i < len(b) && i < 10; i++ {
		v |= uint64(b[i]&0x7f) << (7 * i)
		if b[i] < 0x80 {
			return v, i + 1
		}
	}
	return 0, -1
}

func consumeTag(b []byte) (int32, int, int) {
	v, n := consumeVarint(b)
	return int32(v >> 3), int(v & 7), n
}

func skipField(b []byte, typ int) int {
	switch typ {
	case 0:
		_, n := consumeVarint(b)
		return n
	case 1:
		if len(b) < 8 {
			return -1
		}
		return 8
	case 5:
		if len(b) < 4 {
			return -1
		}
		return 4
	}
	return -1
}

func (w *textWriter) message(indent int, m *descriptorpb.DescriptorProto) {
	w.line(indent, "message "+m.GetName()+" {")
	in := indent + 1
	for _, r := range m.ReservedRange {
		w.line(in, "reserved "+rangeText(r.GetStart(), r.GetEnd()-1)+";")
	}
	for _, n := range m.ReservedName {
		w.line(in, "reserved "+quote(n)+";")
	}
	if o := m.GetOptions(); o != nil {
		if o.NoStandardDescriptorAccessor != nil {
			w.line(in, "option no_standard_descriptor_accessor = "+strconv.FormatBool(o.GetNoStandardDescriptorAccessor())+";")
		}
		if o.Deprecated != nil {
			w.line(in, "option deprecated = "+strconv.FormatBool(o.GetDeprecated())+";")
		}
		if o.MapEntry != nil {
			w.line(in, "option map_entry = "+strconv.FormatBool(o.GetMapEntry())+";")
		}
		if meta := metaOption(o, 1088); meta != "" {
			w.line(in, "option (confluent.message_meta) = "+meta+";")
		}
	}
	oneofs := make([][]*descriptorpb.FieldDescriptorProto, len(m.OneofDecl))
	for _, f := range m.Field {
		if f.OneofIndex != nil && !f.GetProto3Optional() {
			oneofs[f.GetOneofIndex()] = append(oneofs[f.GetOneofIndex()], f)
			continue
		}
		w.line(in, w.field(f, false)+";")
	}
	for i, fs := range oneofs {
		if len(fs) == 0 {
			continue
		}
		w.line(in, "oneof "+m.OneofDecl[i].GetName()+" {")
		for _, f := range fs {
			w.line(in+1, w.field(f, true)+";")
		}
		w.line(in, "}")
	}
	for _, r := range m.ExtensionRange {
		w.line(in, "extensions "+rangeText(r.GetStart(), r.GetEnd()-1)+";")
	}
	w.extends(in, m.Extension)
	for _, n := range m.NestedType {
		w.message(in, n)
	}
	for _, e := range m.EnumType {
		w.enum(in, e)
	}
	w.line(indent, "}")
}

func rangeText(start, end int32) string {
	if start == end {
		return strconv.Itoa(int(start))
	}
	return strconv.Itoa(int(start)) + " to " + strconv.Itoa(int(end))
}

func (w *textWriter) extends(indent int, fields []*descriptorpb.FieldDescriptorProto) {
	var order []string
	by := map[string][]*descriptorpb.FieldDescriptorProto{}
	for _, f := range fields {
		if _, ok := by[f.GetExtendee()]; !ok {
			order = append(order, f.GetExtendee())
		}
		by[f.GetExtendee()] = append(by[f.GetExtendee()], f)
	}
	for _, e := range order {
		w.line(indent, "extend "+e+" {")
		for _, f := range by[e] {
			w.line(indent+1, w.field(f, false)+";")
		}
		w.line(indent, "}")
	}
}

func (w *textWriter) field(f *descriptorpb.FieldDescriptorProto, inOneof bool) string {
	var sb strings.Builder
	if !inOneof {
		switch {
		case f.GetProto3Optional():
			sb.WriteString("optional ")
		case f.GetLabel() == descriptorpb.FieldDescriptorProto_LABEL_REPEATED:
			sb.WriteString("repeated ")
		case w.proto3:
		case f.GetLabel() == descriptorpb.FieldDescriptorProto_LABEL_REQUIRED:
			sb.WriteString("required ")
		default:
			sb.WriteString("optional ")
		}
	}
	typ := f.GetTypeName()
	if typ == "" {
		typ = strings.ToLower(strings.TrimPrefix(f.GetType().String(), "TYPE_"))
	}
	sb.WriteString(typ + " " + f.GetName() + " = " + strconv.Itoa(int(f.GetNumber())))
	var opts []string
	if o := f.GetOptions(); o != nil {
		if o.Ctype != nil {
			opts = append(opts, "ctype = "+o.GetCtype().String())
		}
		if o.Packed != nil {
			opts = append(opts, "packed = "+strconv.FormatBool(o.GetPacked()))
		}
		if o.Jstype != nil {
			opts = append(opts, "jstype = "+o.GetJstype().String())
		}
		if o.Deprecated != nil {
			opts = append(opts, "deprecated = "+strconv.FormatBool(o.GetDeprecated()))
		}
		if o.DebugRedact != nil {
			opts = append(opts, "debug_redact = "+strconv.FormatBool(o.GetDebugRedact()))
		}
		if o.Retention != nil {
			opts = append(opts, "retention = "+o.GetRetention().String())
		}
		for _, t := range o.Targets {
			opts = append(opts, "targets = "+t.String())
		}
		if meta := metaOption(o, 1088); meta != "" {
			opts = append(opts, "(confluent.field_meta) = "+meta)
		}
	}
	if !w.proto3 && f.DefaultValue != nil {
		v := f.GetDefaultValue()
		if f.GetType() == descriptorpb.FieldDescriptorProto_TYPE_STRING || f.GetType() == descriptorpb.FieldDescriptorProto_TYPE_BYTES {
			v = quote(v)
		}
		opts = append(opts, "default = "+v)
	}
	if f.JsonName != nil {
		opts = append(opts, "json_name = "+quote(f.GetJsonName()))
	}
	if len(opts) > 0 {
		sb.WriteString(" [" + strings.Join(opts, ", ") + "]")
	}
	return sb.String()
}

func (w *textWriter) enum(indent int, e *descriptorpb.EnumDescriptorProto) {
	w.line(indent, "enum "+e.GetName()+" {")
	in := indent + 1
	for _, r := range e.ReservedRange {
		w.line(in, "reserved "+rangeText(r.GetStart(), r.GetEnd())+";")
	}
	for _, n := range e.ReservedName {
		w.line(in, "reserved "+quote(n)+";")
	}
	if o := e.GetOptions(); o != nil {
		if o.AllowAlias != nil {
			w.line(in, "option allow_alias = "+strconv.FormatBool(o.GetAllowAlias())+";")
		}
		if o.Deprecated != nil {
			w.line(in, "option deprecated = "+strconv.FormatBool(o.GetDeprecated())+";")
		}
		if meta := metaOption(o, 1088); meta != "" {
			w.line(in, "option (confluent.enum_meta) = "+meta+";")
		}
	}
	for _, v := range e.Value {
		s := v.GetName() + " = " + strconv.Itoa(int(v.GetNumber()))
		var opts []string
		if o := v.GetOptions(); o != nil {
			if o.Deprecated != nil {
				opts = append(opts, "deprecated = "+strconv.FormatBool(o.GetDeprecated()))
			}
			if o.DebugRedact != nil {
				opts = append(opts, "debug_redact = "+strconv.FormatBool(o.GetDebugRedact()))
			}
			if meta := metaOption(o, 1088); meta != "" {
				opts = append(opts, "(confluent.enum_value_meta) = "+meta)
			}
		}
		if len(opts) > 0 {
			s += " [" + strings.Join(opts, ", ") + "]"
		}
		w.line(in, s+";")
	}
	w.line(indent, "}")
}

// foldMapEntries rewrites explicit map entry messages (a nested message
// with option map_entry = true, fields key = 1 and value = 2, and the
// repeated field of that type), which Confluent's parser accepts and the
// descriptor form prints, into map<K, V> fields that a compiler accepts.
// ok is false when there is nothing to fold.
func foldMapEntries(text string) (string, bool) {
	file, err := parser.Parse(rootName, strings.NewReader(text), reporter.NewHandler(nil))
	if err != nil {
		return "", false
	}
	type edit struct {
		start, end int
		with       string
	}
	var edits []edit
	span := func(n ast.Node) (int, int) {
		// End's offset is its last character's (only its column is past it).
		info := file.NodeInfo(n)
		return info.Start().Offset, info.End().Offset + 1
	}
	var walk func(decls []ast.MessageElement)
	walk = func(decls []ast.MessageElement) {
		entries := map[string][2]string{}
		for _, d := range decls {
			m, ok := d.(*ast.MessageNode)
			if !ok {
				continue
			}
			if key, value, ok := explicitMapEntry(m); ok {
				entries[string(m.Name.AsIdentifier())] = [2]string{key, value}
				s, e := span(m)
				edits = append(edits, edit{s, e, ""})
				continue
			}
			walk(m.Decls)
		}
		for _, d := range decls {
			f, ok := d.(*ast.FieldNode)
			if !ok || !f.Label.Repeated {
				continue
			}
			typ := string(f.FldType.AsIdentifier())
			kv, ok := entries[typ[strings.LastIndex(typ, ".")+1:]]
			if !ok {
				continue
			}
			s, _ := span(f.Label.KeywordNode)
			_, e := span(f.FldType)
			edits = append(edits, edit{s, e, "map<" + kv[0] + ", " + kv[1] + ">"})
		}
	}
	for _, d := range file.Decls {
		if m, ok := d.(*ast.MessageNode); ok {
			walk(m.Decls)
		}
	}
	if len(edits) == 0 {
		return "", false
	}
	sort.Slice(edits, func(i, j int) bool { return edits[i].start > edits[j].start })
	b := []byte(text)
	for _, e := range edits {
		b = append(b[:e.start:e.start], append([]byte(e.with), b[e.end:]...)...)
	}
	return string(bytes.TrimSpace(b)) + "\n", true
}

// explicitMapEntry recognises an explicit map entry message: its key and value
// types.
func explicitMapEntry(m *ast.MessageNode) (string, string, bool) {
	isEntry := false
	var key, value string
	for _, d := range m.Decls {
		switch d := d.(type) {
		case *ast.OptionNode:
			if len(d.Name.Parts) == 1 && string(d.Name.Parts[0].Name.AsIdentifier()) == "map_entry" {
				if id, ok := d.Val.(*ast.IdentNode); ok && id.Val == "true" {
					isEntry = true
				}
			}
		case *ast.FieldNode:
			switch d.Tag.Val {
			case 1:
				key = string(d.FldType.AsIdentifier())
			case 2:
				value = string(d.FldType.AsIdentifier())
			}
		}
	}
	return key, value, isEntry && key != "" && value != ""
}
