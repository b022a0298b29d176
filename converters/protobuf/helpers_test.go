package protobuf

import (
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/goconnect/goconnect/internal/protoknown"
)

type registryFiles = protoregistry.Files

func protoknownRegistry() (*registryFiles, error) { return protoknown.Registry() }

func protoValueInt64(v int64) protoreflect.Value { return protoreflect.ValueOfInt64(v) }
func protoInt32(v int32) protoreflect.Value      { return protoreflect.ValueOfInt32(v) }
func protoUint32(v uint32) protoreflect.Value    { return protoreflect.ValueOfUint32(v) }
func protoUint64(v uint64) protoreflect.Value    { return protoreflect.ValueOfUint64(v) }
func protoString(v string) protoreflect.Value    { return protoreflect.ValueOfString(v) }
func enumVal(v int32) protoreflect.Value         { return protoreflect.ValueOfEnum(protoreflect.EnumNumber(v)) }
func protoMapKey(v string) protoreflect.MapKey   { return protoreflect.ValueOfString(v).MapKey() }
func protoMessage(m protoreflect.ProtoMessage) protoreflect.Value {
	return protoreflect.ValueOfMessage(m.ProtoReflect())
}
