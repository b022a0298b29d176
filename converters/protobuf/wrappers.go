package protobuf

import (
	"fmt"
	"strconv"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"

	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/internal/protoknown"
	"github.com/goconnect/goconnect/internal/protoprint"
)

// A top-level primitive is written, as ProtobufData writes it, as a
// google.protobuf wrapper message: the schema registered is
// google/protobuf/wrappers.proto itself, the message index that of the
// wrapper.
var rootWrappers = map[data.Type]string{
	data.TypeInt8: "Int32Value", data.TypeInt16: "Int32Value", data.TypeInt32: "Int32Value",
	data.TypeInt64: "Int64Value", data.TypeFloat32: "FloatValue", data.TypeFloat64: "DoubleValue",
	data.TypeBoolean: "BoolValue", data.TypeString: "StringValue", data.TypeBytes: "BytesValue",
}

func (c *Converter) wrapperSchema(s *data.Schema) (*writeSchema, error) {
	name, ok := rootWrappers[s.Type]
	if !ok || data.IsLogical(s) {
		return nil, fmt.Errorf("Unsupported root schema of type %s", s.Type.JavaName())
	}
	fd, err := c.known.FindFileByPath(protoknown.WrappersLocation)
	if err != nil {
		return nil, err
	}
	md := fd.Messages().ByName(protoreflect.Name(name))
	return &writeSchema{text: fileText(fd), fullName: string(md.FullName()), md: md, indexes: []int{md.Index()}}, nil
}

// fileText prints a file of plain messages (the wrappers) as Confluent's
// ProtobufSchemaUtils.toString prints it: syntax, package, the file
// options it knows in its order, the messages.
func fileText(fd protoreflect.FileDescriptor) string {
	var sb strings.Builder
	sb.WriteString("syntax = \"proto3\";\n")
	if fd.Package() != "" {
		sb.WriteString("package " + string(fd.Package()) + ";\n")
	}
	var opts []string
	if o, ok := fd.Options().(*descriptorpb.FileOptions); ok && o != nil {
		str := func(name string, has bool, v string) {
			if has {
				opts = append(opts, "option "+name+" = \""+protoprint.Escape(v)+"\";\n")
			}
		}
		boolean := func(name string, has bool, v bool) {
			if has {
				opts = append(opts, "option "+name+" = "+strconv.FormatBool(v)+";\n")
			}
		}
		str("java_package", o.JavaPackage != nil, o.GetJavaPackage())
		str("java_outer_classname", o.JavaOuterClassname != nil, o.GetJavaOuterClassname())
		boolean("java_multiple_files", o.JavaMultipleFiles != nil, o.GetJavaMultipleFiles())
		str("go_package", o.GoPackage != nil, o.GetGoPackage())
		boolean("deprecated", o.Deprecated != nil, o.GetDeprecated())
		boolean("cc_enable_arenas", o.CcEnableArenas != nil, o.GetCcEnableArenas())
		str("objc_class_prefix", o.ObjcClassPrefix != nil, o.GetObjcClassPrefix())
		str("csharp_namespace", o.CsharpNamespace != nil, o.GetCsharpNamespace())
	}
	if len(opts) > 0 {
		sb.WriteByte('\n')
		sb.WriteString(strings.Join(opts, ""))
	}
	sb.WriteByte('\n')
	for i := 0; i < fd.Messages().Len(); i++ {
		md := fd.Messages().Get(i)
		sb.WriteString("message " + string(md.Name()) + " {\n")
		for j := 0; j < md.Fields().Len(); j++ {
			f := md.Fields().Get(j)
			sb.WriteString("  " + f.Kind().String() + " " + string(f.Name()) + " = " + strconv.Itoa(int(f.Number())) + ";\n")
		}
		sb.WriteString("}\n")
	}
	return sb.String()
}
