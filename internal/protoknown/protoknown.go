// Package protoknown holds the .proto files Confluent's Protobuf
// serializers and registry treat as known types, never registered as
// references: Confluent's confluent/meta.proto (the field_meta option
// ProtobufData writes) and confluent/type/decimal.proto, Google's
// google/type/date.proto and timeofday.proto; with Google's well-known
// types (google/protobuf/*, built into protocompile) they resolve every
// import a Confluent-generated schema has.
package protoknown

import (
	"context"
	"fmt"
	"strings"

	"github.com/bufbuild/protocompile"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// Import paths of the types ProtobufData maps Connect's logical types to.
const (
	MetaLocation      = "confluent/meta.proto"
	DecimalLocation   = "confluent/type/decimal.proto"
	DateLocation      = "google/type/date.proto"
	TimeLocation      = "google/type/timeofday.proto"
	TimestampLocation = "google/protobuf/timestamp.proto"
	WrappersLocation  = "google/protobuf/wrappers.proto"
)

// knownFiles are the files Confluent's serializers treat as known types
// (never registered as references) that protocompile does not carry:
// Confluent's metadata option and Decimal, Google's Date and TimeOfDay.
// The fields are those of the published files; comments and language
// options are left out since no byte depends on them.
var knownFiles = map[string]string{
	MetaLocation: `syntax = "proto3";
package confluent;
import "google/protobuf/descriptor.proto";
message Meta {
  string doc = 1;
  map<string, string> params = 2;
  repeated string tags = 3;
  repeated Rule rules = 4;
}
message Rule {
  string name = 1;
  string doc = 2;
  string expr = 3;
  string sql = 4;
}
extend google.protobuf.FileOptions { Meta file_meta = 1088; }
extend google.protobuf.MessageOptions { Meta message_meta = 1088; }
extend google.protobuf.FieldOptions { Meta field_meta = 1088; }
extend google.protobuf.EnumOptions { Meta enum_meta = 1088; }
extend google.protobuf.EnumValueOptions { Meta enum_value_meta = 1088; }
`,
	DecimalLocation: `syntax = "proto3";
package confluent.type;
message Decimal {
  bytes value = 1;
  uint32 precision = 2;
  int32 scale = 3;
}
`,
	DateLocation: `syntax = "proto3";
package google.type;
message Date {
  int32 year = 1;
  int32 month = 2;
  int32 day = 3;
}
`,
	TimeLocation: `syntax = "proto3";
package google.type;
message TimeOfDay {
  int32 hours = 1;
  int32 minutes = 2;
  int32 seconds = 3;
  int32 nanos = 4;
}
`,
}

// Resolver finds the known files, Google's well-known types and extra
// (reference name → text) for protocompile.
func Resolver(extra map[string]string) protocompile.Resolver {
	files := make(map[string]string, len(knownFiles)+len(extra))
	for k, v := range knownFiles {
		files[k] = v
	}
	for k, v := range extra {
		files[k] = v
	}
	return protocompile.WithStandardImports(&protocompile.SourceResolver{Accessor: protocompile.SourceAccessorFromMap(files)})
}

// Registry compiles the files a generated schema may import, for
// building its descriptor with protodesc.
func Registry() (*protoregistry.Files, error) {
	comp := protocompile.Compiler{Resolver: Resolver(nil)}
	fds, err := comp.Compile(context.Background(), MetaLocation, DecimalLocation, DateLocation, TimeLocation, TimestampLocation, WrappersLocation)
	if err != nil {
		return nil, fmt.Errorf("compiling the known Protobuf types: %w", err)
	}
	reg := &protoregistry.Files{}
	for _, fd := range fds {
		if err := RegisterWithDeps(reg, fd); err != nil {
			return nil, err
		}
	}
	return reg, nil
}

// RegisterWithDeps adds fd and its imports to reg, imports first.
func RegisterWithDeps(reg *protoregistry.Files, fd protoreflect.FileDescriptor) error {
	if _, err := reg.FindFileByPath(fd.Path()); err == nil {
		return nil
	}
	imps := fd.Imports()
	for i := 0; i < imps.Len(); i++ {
		if err := RegisterWithDeps(reg, imps.Get(i).FileDescriptor); err != nil {
			return err
		}
	}
	return reg.RegisterFile(fd)
}

// WithMetaImport adds the import of confluent/meta.proto to a schema
// that uses a (confluent.*_meta) option without importing it, as
// Confluent's ProtobufData writes them (its own parser knows the file).
func WithMetaImport(text string) string {
	if strings.Contains(text, "(confluent.") && !strings.Contains(text, `"`+MetaLocation+`"`) {
		return text + "\nimport \"" + MetaLocation + "\";\n"
	}
	return text
}
