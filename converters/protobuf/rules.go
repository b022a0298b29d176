package protobuf

import (
	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/internal/srrules"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// protoTags gives rules the inline tags of fd's message fields, the
// option (confluent.field_meta).tags, by field name (a Connect struct's
// name need not be its message's).
func protoTags(fd protoreflect.FileDescriptor) srrules.TagFunc {
	if fd == nil {
		return nil
	}
	byField := map[string][]string{}
	seen := map[protoreflect.FullName]bool{}
	var walk func(msgs protoreflect.MessageDescriptors)
	walk = func(msgs protoreflect.MessageDescriptors) {
		for i := 0; i < msgs.Len(); i++ {
			md := msgs.Get(i)
			if seen[md.FullName()] {
				continue
			}
			seen[md.FullName()] = true
			fields := md.Fields()
			for j := 0; j < fields.Len(); j++ {
				f := fields.Get(j)
				if tags := fieldMetaTags(f); len(tags) > 0 {
					byField[string(f.Name())] = append(byField[string(f.Name())], tags...)
				}
			}
			walk(md.Messages())
		}
	}
	walk(fd.Messages())
	if len(byField) == 0 {
		return nil
	}
	return func(_ *data.Schema, field string) []string { return byField[field] }
}

// fieldMetaTags reads the tags of a field's confluent.field_meta option,
// when the schema's compilation resolved that extension.
func fieldMetaTags(f protoreflect.FieldDescriptor) []string {
	opts := f.Options()
	if opts == nil {
		return nil
	}
	var tags []string
	opts.ProtoReflect().Range(func(xd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if xd.FullName() != "confluent.field_meta" || xd.Kind() != protoreflect.MessageKind {
			return true
		}
		m := v.Message()
		td := m.Descriptor().Fields().ByName("tags")
		if td == nil || !td.IsList() {
			return true
		}
		l := m.Get(td).List()
		for i := 0; i < l.Len(); i++ {
			tags = append(tags, l.Get(i).String())
		}
		return true
	})
	return tags
}
