package protobuf

import (
	"strconv"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/descriptorpb"

	"github.com/goconnect/goconnect/internal/protoprint"
)

// text prints the file as Confluent's ProtobufSchema.canonicalString
// (ProtobufSchemaUtils.toString) prints the descriptor ProtobufData
// builds: the schema text the converter registers.
func (f *protoFile) text() string {
	var sb strings.Builder
	sb.WriteString("syntax = \"proto3\";\n")
	if f.pkg != "" {
		sb.WriteString("package " + f.pkg + ";\n")
	}
	if len(f.imports) > 0 {
		sb.WriteByte('\n')
		for _, imp := range f.imports {
			sb.WriteString("import \"" + imp + "\";\n")
		}
	}
	sb.WriteByte('\n')
	sb.WriteString(f.msg.text())
	return sb.String()
}

func (m *protoMsg) text() string {
	var sb strings.Builder
	sb.WriteString("message " + m.name + " {")
	var plain []*protoField
	for _, f := range m.fields {
		if f.oneof < 0 || m.synthetic[f.oneof] {
			plain = append(plain, f)
		}
	}
	if len(plain) > 0 {
		sb.WriteByte('\n')
		for _, f := range plain {
			protoprint.AppendIndented(&sb, f.text(true))
		}
	}
	oneofs := false
	for i, name := range m.oneofs {
		if m.synthetic[i] {
			continue
		}
		var o strings.Builder
		o.WriteString("oneof " + name + " {")
		n := 0
		for _, f := range m.fields {
			if f.oneof == i {
				if n == 0 {
					o.WriteByte('\n')
				}
				n++
				protoprint.AppendIndented(&o, f.text(false))
			}
		}
		if n == 0 {
			continue // Confluent drops empty oneofs
		}
		o.WriteString("}\n")
		if !oneofs {
			sb.WriteByte('\n')
			oneofs = true
		}
		protoprint.AppendIndented(&sb, o.String())
	}
	if len(m.nested)+len(m.enums) > 0 {
		sb.WriteByte('\n')
		for _, n := range m.nested {
			protoprint.AppendIndented(&sb, n.text())
		}
		for _, e := range m.enums {
			protoprint.AppendIndented(&sb, e.text())
		}
	}
	sb.WriteString("}\n")
	return sb.String()
}

func (e *protoEnum) text() string {
	var sb strings.Builder
	sb.WriteString("enum " + e.name + " {")
	if len(e.values) > 0 {
		sb.WriteByte('\n')
	}
	for _, v := range e.values {
		protoprint.AppendIndented(&sb, v.name+" = "+strconv.Itoa(int(v.number))+";\n")
	}
	sb.WriteString("}\n")
	return sb.String()
}

func (f *protoField) text(withLabel bool) string {
	var sb strings.Builder
	if withLabel {
		switch {
		case f.repeated:
			sb.WriteString("repeated ")
		case f.optional:
			sb.WriteString("optional ")
		}
	}
	sb.WriteString(f.typ + " " + f.name + " = " + strconv.Itoa(int(f.number)))
	if len(f.params) > 0 {
		// [(confluent.field_meta) = {params: [{key, value}...]}] in
		// Confluent's layout; precision and scale list the value first.
		var list strings.Builder
		list.WriteString("[\n")
		for i, kv := range f.params {
			var entry strings.Builder
			entry.WriteString("{\n")
			k := "key: \"" + protoprint.Escape(kv[0]) + "\""
			v := "value: \"" + protoprint.Escape(kv[1]) + "\""
			if kv[0] == metaPrecision || kv[0] == metaScale {
				protoprint.AppendIndented(&entry, v+",")
				protoprint.AppendIndented(&entry, k)
			} else {
				protoprint.AppendIndented(&entry, k+",")
				protoprint.AppendIndented(&entry, v)
			}
			entry.WriteString("}")
			if i < len(f.params)-1 {
				entry.WriteString(",")
			}
			protoprint.AppendIndented(&list, entry.String())
		}
		list.WriteString("]")
		var opt strings.Builder
		opt.WriteString("(" + fieldMetaOption + ") = {\n")
		protoprint.AppendIndented(&opt, "params: "+list.String())
		opt.WriteString("}")
		sb.WriteString(" [" + opt.String() + "]")
	}
	sb.WriteString(";\n")
	return sb.String()
}

// descriptor is the file as a FileDescriptorProto, for protodesc.
func (f *protoFile) descriptor(name string) *descriptorpb.FileDescriptorProto {
	fd := &descriptorpb.FileDescriptorProto{
		Name:        proto.String(name),
		Syntax:      proto.String("proto3"),
		Dependency:  f.imports,
		MessageType: []*descriptorpb.DescriptorProto{f.msg.descriptor()},
	}
	if f.pkg != "" {
		fd.Package = proto.String(f.pkg)
	}
	return fd
}

func (m *protoMsg) descriptor() *descriptorpb.DescriptorProto {
	d := &descriptorpb.DescriptorProto{Name: proto.String(m.name)}
	for _, o := range m.oneofs {
		d.OneofDecl = append(d.OneofDecl, &descriptorpb.OneofDescriptorProto{Name: proto.String(o)})
	}
	for _, f := range m.fields {
		fd := &descriptorpb.FieldDescriptorProto{
			Name:   proto.String(f.name),
			Number: proto.Int32(f.number),
			Label:  descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum(),
			Type:   f.kind.Enum(),
		}
		if f.repeated {
			fd.Label = descriptorpb.FieldDescriptorProto_LABEL_REPEATED.Enum()
		}
		if f.kind == descriptorpb.FieldDescriptorProto_TYPE_MESSAGE || f.kind == descriptorpb.FieldDescriptorProto_TYPE_ENUM {
			fd.TypeName = proto.String(f.typ)
		}
		if f.oneof >= 0 {
			fd.OneofIndex = proto.Int32(int32(f.oneof))
			if m.synthetic[f.oneof] {
				fd.Proto3Optional = proto.Bool(true)
			}
		}
		d.Field = append(d.Field, fd)
	}
	for _, n := range m.nested {
		d.NestedType = append(d.NestedType, n.descriptor())
	}
	for _, e := range m.enums {
		ed := &descriptorpb.EnumDescriptorProto{Name: proto.String(e.name)}
		for _, v := range e.values {
			ed.Value = append(ed.Value, &descriptorpb.EnumValueDescriptorProto{Name: proto.String(v.name), Number: proto.Int32(v.number)})
		}
		d.EnumType = append(d.EnumType, ed)
	}
	return d
}
