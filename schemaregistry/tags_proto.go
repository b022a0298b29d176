package schemaregistry

import (
	"errors"
	"slices"

	"github.com/goconnect/goconnect/schemaregistry/prototype"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// protoTaggedEntities is ProtobufSchema.inlineTaggedEntities: each
// message (named by its nesting, without the package, each name once)
// with the tags of its (confluent.message_meta) option as a record, then
// its oneof fields and its other fields with their (confluent.field_meta)
// tags, then its nested messages. Options written several times are
// merged, as Confluent's mergeOptions does (the descriptor already
// holds them merged).
func protoTaggedEntities(fd protoreflect.FileDescriptor) []SchemaTags {
	var out []SchemaTags
	visited := map[string]bool{}
	var walk func(msgs protoreflect.MessageDescriptors, scope string)
	walk = func(msgs protoreflect.MessageDescriptors, scope string) {
		for i := 0; i < msgs.Len(); i++ {
			md := msgs.Get(i)
			if md.IsMapEntry() {
				// Wire's model (Confluent's) has map fields, not entry messages.
				continue
			}
			name := scope + string(md.Name())
			if visited[name] {
				continue
			}
			visited[name] = true
			if tags := metaTags(md.Options(), "confluent.message_meta"); len(tags) > 0 {
				out = append(out, SchemaTags{SchemaEntity{name, entityRecord}, tags})
			}
			field := func(f protoreflect.FieldDescriptor) {
				if tags := metaTags(f.Options(), "confluent.field_meta"); len(tags) > 0 {
					out = append(out, SchemaTags{SchemaEntity{name + "." + string(f.Name()), entityField}, tags})
				}
			}
			oneofs := md.Oneofs()
			for j := 0; j < oneofs.Len(); j++ {
				if o := oneofs.Get(j); !o.IsSynthetic() {
					for k := 0; k < o.Fields().Len(); k++ {
						field(o.Fields().Get(k))
					}
				}
			}
			fields := md.Fields()
			for j := 0; j < fields.Len(); j++ {
				if f := fields.Get(j); f.ContainingOneof() == nil || f.ContainingOneof().IsSynthetic() {
					field(f)
				}
			}
			walk(md.Messages(), name+".")
		}
	}
	walk(fd.Messages(), "")
	return out
}

// metaTags reads the tags of a Confluent Meta option (by the extension's
// full name) from options the compiler interpreted.
func metaTags(opts protoreflect.ProtoMessage, ext protoreflect.FullName) []string {
	if opts == nil {
		return nil
	}
	var tags []string
	opts.ProtoReflect().Range(func(xd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if xd.FullName() != ext || xd.Kind() != protoreflect.MessageKind {
			return true
		}
		m := v.Message()
		td := m.Descriptor().Fields().ByName("tags")
		if td == nil || !td.IsList() {
			return true
		}
		l := m.Get(td).List()
		for i := 0; i < l.Len(); i++ {
			if t := l.Get(i).String(); !slices.Contains(tags, t) {
				tags = append(tags, t)
			}
		}
		return true
	})
	return tags
}

// modifyProtoTags is ProtobufSchema.copy(tagsToAdd, tagsToRemove): the
// entities (those to add to first, then those only removed from) edited
// in the schema text by prototype.ModifyTags; the caller parses the text
// answered, whose canonical form is then Confluent's.
func modifyProtoTags(text string, add, remove []entityTags) (string, error) {
	tagsOf := func(list []entityTags, e SchemaEntity) []string {
		for _, x := range list {
			if sameEntity(x.entity, e) {
				return x.tags
			}
		}
		return nil
	}
	var entities []SchemaEntity
	for _, a := range add {
		entities = append(entities, a.entity)
	}
	for _, r := range remove {
		if !slices.ContainsFunc(entities, func(e SchemaEntity) bool { return sameEntity(e, r.entity) }) {
			entities = append(entities, r.entity)
		}
	}
	edits := make([]prototype.TagEdit, 0, len(entities))
	for _, e := range entities {
		edits = append(edits, prototype.TagEdit{Path: javaSplit(e.normalizedPath()), Field: e.EntityType == entityField,
			Add: tagsOf(add, e), Remove: tagsOf(remove, e)})
	}
	out, err := prototype.ModifyTags(text, edits)
	var pathErr *prototype.TagPathError
	if errors.As(err, &pathErr) {
		return "", illegalArgument(pathErr.Msg)
	}
	if err != nil {
		return "", invalidSchema(err)
	}
	return out, nil
}
