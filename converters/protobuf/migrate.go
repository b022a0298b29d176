package protobuf

import (
	"fmt"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"
)

// migrate is Confluent's Protobuf read with migrations: the payload parsed
// as the writer's message, printed as Protobuf JSON as
// ProtobufSchemaUtils.toJson prints it (JsonFormat with the default
// values of fields without presence: json names, 64-bit integers as
// strings), run through the rules, and parsed as the reader's message (JsonFormat's parser: an
// unknown field is an error); it returns the reader message's bytes.
func migrate(payload []byte, writer, reader protoreflect.MessageDescriptor, run func([]byte) ([]byte, error)) ([]byte, error) {
	msg := dynamicpb.NewMessage(writer)
	if err := proto.Unmarshal(payload, msg); err != nil {
		return nil, fmt.Errorf("parsing the writer's message for migration: %w", err)
	}
	doc, err := protojson.MarshalOptions{EmitDefaultValues: true}.Marshal(msg)
	if err != nil {
		return nil, fmt.Errorf("writing the writer's message as Protobuf JSON: %w", err)
	}
	if doc, err = run(doc); err != nil {
		return nil, err
	}
	out := dynamicpb.NewMessage(reader)
	if err := protojson.Unmarshal(doc, out); err != nil {
		return nil, fmt.Errorf("parsing the migrated JSON %s as %s: %w", doc, reader.FullName(), err)
	}
	b, err := proto.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("writing the migrated message: %w", err)
	}
	return b, nil
}
