// Package prototype is the registry's PROTOBUF schema type: .proto text
// parsed and linked by bufbuild/protocompile (references are imports
// named by their reference name; Google's well-known types are built in)
// and compatibility as Confluent's Protobuf SchemaDiff decides it.
package prototype

import (
	"context"
	"encoding/base64"
	"fmt"
	"sort"
	"strings"

	"github.com/bufbuild/protocompile"
	"github.com/bufbuild/protocompile/ast"
	"github.com/bufbuild/protocompile/linker"
	"github.com/bufbuild/protocompile/parser"
	"github.com/bufbuild/protocompile/reporter"
	"github.com/goconnect/goconnect/internal/hashorder"
	"github.com/goconnect/goconnect/internal/protoknown"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
)

// Type is the schemaType the registry API uses.
const Type = "PROTOBUF"

// rootName is the file name the schema itself compiles under.
const rootName = "goconnect.registry.schema.proto"

// Schema is a parsed and linked .proto file.
type Schema struct {
	res  linker.Result
	file protoreflect.FileDescriptor
	// tree is the syntax tree printed: res's, or the registered text's
	// when the compiler was given a rewritten text (folded map entries).
	tree      *ast.FileNode
	canonical string
	addedMeta bool // the meta import was added for the compiler
}

func (s *Schema) printer(normalize, ignoreExt bool) *printer {
	p := newPrinter(s.res, s.tree, normalize, ignoreExt)
	if s.addedMeta {
		p.skipImport = protoknown.MetaLocation
	}
	return p
}

// Parse compiles a .proto text, or a base64 FileDescriptorProto as
// Confluent also accepts; refs maps import paths to the texts of the
// referenced schemas. Google's well-known types and the files Confluent's
// registry knows without a reference (confluent/meta.proto,
// confluent/type/*.proto, google/type/*.proto) are built in.
func Parse(text string, refs map[string]string) (*Schema, error) {
	if fdp, ok := decodeDescriptor(text); ok {
		text = descriptorText(fdp)
	}
	s, err := compile(text, text, refs)
	if err != nil {
		// Explicit map entry messages (the descriptor form of map fields,
		// which Confluent's parser reads) are compiled as map fields.
		if folded, ok := foldMapEntries(text); ok {
			if s, ferr := compile(text, folded, refs); ferr == nil {
				return s, nil
			}
		}
		return nil, err
	}
	return s, nil
}

// compile links source (text, or a rewriting of it) and prints text.
func compile(text, source string, refs map[string]string) (*Schema, error) {
	// Confluent's parser knows confluent/meta.proto's options without the
	// import (ProtobufData writes them so): the import is added for the
	// compiler and left out of the printed text.
	compiled := protoknown.WithMetaImport(source)
	files := map[string]string{rootName: compiled}
	for name, r := range refs {
		files[name] = r
	}
	var errs []string
	comp := protocompile.Compiler{
		Resolver:   protoknown.Resolver(files),
		RetainASTs: true,
		Reporter: reporter.NewReporter(func(err reporter.ErrorWithPos) error {
			errs = append(errs, err.Error())
			return nil
		}, nil),
	}
	fds, err := comp.Compile(context.Background(), rootName)
	if err != nil {
		if len(errs) > 0 {
			return nil, fmt.Errorf("Invalid schema %s", strings.Join(errs, "; "))
		}
		return nil, fmt.Errorf("Invalid schema: %w", err)
	}
	res, ok := fds[0].(linker.Result)
	if !ok || res.AST() == nil {
		return nil, fmt.Errorf("Invalid schema: no syntax tree for %s", rootName)
	}
	s := &Schema{res: res, file: fds[0], tree: res.AST(), addedMeta: compiled != source}
	if source != text {
		if s.tree, err = parser.Parse(rootName, strings.NewReader(text), reporter.NewHandler(nil)); err != nil {
			return nil, fmt.Errorf("Invalid schema: %w", err)
		}
	}
	s.canonical = s.printer(false, false).print()
	return s, nil
}

// Canonical is the text Confluent's ProtobufSchema.canonicalString
// prints: the registry stores and compares it, so one schema written
// differently (spacing, comments, declaration layout) gets one id.
func (s *Schema) Canonical() string { return s.canonical }

// Normalized is ProtobufSchema.normalize's text (normalize=true): types
// fully qualified, fields, enum constants, oneofs, reserved ranges,
// imports and options sorted, numbers rewritten.
func (s *Schema) Normalized() string { return s.printer(true, false).print() }

// Formatted is the text of ?format=: "serialized" is the base64
// FileDescriptorProto (named "default", as Confluent's DynamicSchema),
// "ignore_extensions" the canonical text without custom options but
// Confluent's, extension ranges and extend blocks; any other format is the
// canonical text (Confluent ignores unknown formats).
func (s *Schema) Formatted(format string) (string, error) {
	switch format {
	case "serialized":
		fdp := proto.Clone(s.res.FileDescriptorProto()).(*descriptorpb.FileDescriptorProto)
		fdp.Name = proto.String("default")
		fdp.SourceCodeInfo = nil
		b, err := proto.MarshalOptions{Deterministic: true}.Marshal(fdp)
		if err != nil {
			return "", fmt.Errorf("serialize descriptor: %w", err)
		}
		return base64.StdEncoding.EncodeToString(b), nil
	case "ignore_extensions":
		return s.printer(false, true).print(), nil
	}
	return s.canonical, nil
}

// File is the linked descriptor.
func (s *Schema) File() protoreflect.FileDescriptor { return s.file }

// Difference is one change, named as Confluent's Protobuf diff names it.
type Difference struct {
	Type string
	Path string
}

var compatible = map[string]bool{
	"MESSAGE_ADDED": true, "MESSAGE_MOVED": true, "ENUM_ADDED": true, "ENUM_REMOVED": true,
	"ENUM_CONST_ADDED": true, "ENUM_CONST_CHANGED": true, "ENUM_CONST_REMOVED": true,
	"FIELD_ADDED": true, "FIELD_REMOVED": true, "FIELD_NAME_CHANGED": true, "FIELD_STRING_OR_BYTES_LABEL_CHANGED": true,
	"ONEOF_ADDED": true, "ONEOF_REMOVED": true, "ONEOF_FIELD_ADDED": true, "ONEOF_FIELD_MOVED_TO_TOP_LEVEL": true,
}

type ctx struct {
	path  []string
	diffs []Difference
	// seen holds the original messages being compared on the way down
	// (Confluent's SchemaScope): a recursive type compares its fields once.
	seen map[protoreflect.FullName]bool
}

func (c *ctx) add(t string) {
	c.diffs = append(c.diffs, Difference{t, "#/" + strings.Join(c.path, "/")})
}
func (c *ctx) enter(p string) { c.path = append(c.path, p) }
func (c *ctx) leave()         { c.path = c.path[:len(c.path)-1] }
func (c *ctx) ok() bool {
	for _, d := range c.diffs {
		if !compatible[d.Type] {
			return false
		}
	}
	return true
}

// Diff lists the changes from original to update.
func Diff(original, update *Schema) []Difference {
	c := &ctx{seen: map[protoreflect.FullName]bool{}}
	if original.file.Package() != update.file.Package() {
		c.add("PACKAGE_CHANGED")
	}
	compareTypes(c, original.file.Messages(), original.file.Enums(), update.file.Messages(), update.file.Enums())
	return c.diffs
}

type messages interface {
	Len() int
	Get(int) protoreflect.MessageDescriptor
}

type enums interface {
	Len() int
	Get(int) protoreflect.EnumDescriptor
}

func byName(ms messages) (map[string]protoreflect.MessageDescriptor, map[string]int) {
	out, idx := map[string]protoreflect.MessageDescriptor{}, map[string]int{}
	n := 0
	for i := 0; i < ms.Len(); i++ {
		m := ms.Get(i)
		if m.IsMapEntry() {
			continue // a map field's type, not a message of the schema
		}
		out[string(m.Name())] = m
		idx[string(m.Name())] = n
		n++
	}
	return out, idx
}

// sortedNames lists the names of two maps sorted (a TreeSet).
func sortedNames[V any](a, b map[string]V) []string {
	var out []string
	for k := range a {
		out = append(out, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// hashSetOrder lists the names of two declaration-ordered lists as
// Confluent's diff iterates them: a HashSet copied from the first list's
// HashMap, then the second's HashMap's names added.
func hashSetOrder(first, second []string) []string {
	return hashorder.OrderSet(hashorder.Order(first), hashorder.Order(second))
}

func messageNames(ms messages) []string {
	var out []string
	for i := 0; i < ms.Len(); i++ {
		if !ms.Get(i).IsMapEntry() {
			out = append(out, string(ms.Get(i).Name()))
		}
	}
	return out
}

func enumNames(es enums) []string {
	out := make([]string, es.Len())
	for i := range out {
		out[i] = string(es.Get(i).Name())
	}
	return out
}

func compareTypes(c *ctx, om messages, oe enums, um messages, ue enums) {
	oms, oidx := byName(om)
	ums, uidx := byName(um)
	for _, name := range hashSetOrder(messageNames(om), messageNames(um)) {
		c.enter(name)
		o, u := oms[name], ums[name]
		switch {
		case u == nil:
			c.add("MESSAGE_REMOVED")
		case o == nil:
			c.add("MESSAGE_ADDED")
		default:
			compareMessages(c, o, u)
			if oidx[name] != uidx[name] {
				c.add("MESSAGE_MOVED")
			}
		}
		c.leave()
	}
	oes, ues := map[string]protoreflect.EnumDescriptor{}, map[string]protoreflect.EnumDescriptor{}
	for i := 0; i < oe.Len(); i++ {
		oes[string(oe.Get(i).Name())] = oe.Get(i)
	}
	for i := 0; i < ue.Len(); i++ {
		ues[string(ue.Get(i).Name())] = ue.Get(i)
	}
	for _, name := range hashSetOrder(enumNames(oe), enumNames(ue)) {
		c.enter(name)
		o, u := oes[name], ues[name]
		switch {
		case u == nil:
			c.add("ENUM_REMOVED")
		case o == nil:
			c.add("ENUM_ADDED")
		default:
			compareEnums(c, o, u)
		}
		c.leave()
	}
}

func compareEnums(c *ctx, o, u protoreflect.EnumDescriptor) {
	ov, uv := map[int32]string{}, map[int32]string{}
	for i := 0; i < o.Values().Len(); i++ {
		ov[int32(o.Values().Get(i).Number())] = string(o.Values().Get(i).Name())
	}
	for i := 0; i < u.Values().Len(); i++ {
		uv[int32(u.Values().Get(i).Number())] = string(u.Values().Get(i).Name())
	}
	for _, n := range unionNumbers(ov, uv) {
		c.enter(fmt.Sprint(n))
		on, inO := ov[n]
		un, inU := uv[n]
		switch {
		case !inU:
			c.add("ENUM_CONST_REMOVED")
		case !inO:
			c.add("ENUM_CONST_ADDED")
		case on != un:
			c.add("ENUM_CONST_CHANGED")
		}
		c.leave()
	}
}

func unionNumbers[V any](a, b map[int32]V) []int32 {
	seen := map[int32]bool{}
	var out []int32
	for _, m := range []map[int32]V{a, b} {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// realOneof is the oneof a field is in, "" for none (proto3 optional's
// synthetic oneof is no oneof in the .proto text).
func realOneof(f protoreflect.FieldDescriptor) string {
	if o := f.ContainingOneof(); o != nil && !o.IsSynthetic() {
		return string(o.Name())
	}
	return ""
}

func compareMessages(c *ctx, o, u protoreflect.MessageDescriptor) {
	key := o.FullName()
	if !c.seen[key] {
		c.seen[key] = true
		compareFields(c, o, u)
		compareTypes(c, o.Messages(), o.Enums(), u.Messages(), u.Enums())
		delete(c.seen, key)
		return
	}
	compareTypes(c, o.Messages(), o.Enums(), u.Messages(), u.Enums())
}

func compareFields(c *ctx, o, u protoreflect.MessageDescriptor) {
	of, uf := map[int32]protoreflect.FieldDescriptor{}, map[int32]protoreflect.FieldDescriptor{}
	for i := 0; i < o.Fields().Len(); i++ {
		of[int32(o.Fields().Get(i).Number())] = o.Fields().Get(i)
	}
	for i := 0; i < u.Fields().Len(); i++ {
		uf[int32(u.Fields().Get(i).Number())] = u.Fields().Get(i)
	}
	oneofs := func(m protoreflect.MessageDescriptor) map[string]protoreflect.OneofDescriptor {
		out := map[string]protoreflect.OneofDescriptor{}
		for i := 0; i < m.Oneofs().Len(); i++ {
			if oo := m.Oneofs().Get(i); !oo.IsSynthetic() {
				out[string(oo.Name())] = oo
			}
		}
		return out
	}
	oo, uo := oneofs(o), oneofs(u)
	deleted := map[string]bool{}
	for name, one := range oo {
		if _, ok := uo[name]; ok {
			continue
		}
		survives := false
		for i := 0; i < one.Fields().Len(); i++ {
			if uf[int32(one.Fields().Get(i).Number())] != nil {
				survives = true
			}
		}
		if !survives {
			deleted[name] = true
		}
	}
	for i := 0; i < u.Oneofs().Len(); i++ {
		one := u.Oneofs().Get(i)
		if one.IsSynthetic() {
			continue
		}
		c.enter(string(one.Name()))
		groups, movedIn := map[string]bool{}, 0
		for j := 0; j < one.Fields().Len(); j++ {
			n := int32(one.Fields().Get(j).Number())
			if f := of[n]; f != nil {
				if g := realOneof(f); g != "" {
					groups["oneof:"+g] = true
				} else {
					groups[fmt.Sprint("field:", n)] = true
					movedIn++
				}
			}
		}
		if len(groups) > 1 {
			if movedIn > 1 {
				c.add("MULTIPLE_FIELDS_MOVED_TO_ONEOF")
			} else {
				c.add("FIELD_MOVED_TO_EXISTING_ONEOF")
			}
		}
		c.leave()
	}
	for _, name := range sortedNames(oo, uo) {
		c.enter(name)
		if uo[name] == nil {
			c.add("ONEOF_REMOVED")
		} else if oo[name] == nil {
			c.add("ONEOF_ADDED")
		}
		c.leave()
	}
	for _, n := range unionNumbers(of, uf) {
		o, u := of[n], uf[n]
		switch {
		case u == nil:
			if g := realOneof(o); g != "" {
				if !deleted[g] {
					c.enter(g)
					c.enter(fmt.Sprint(n))
					c.add("ONEOF_FIELD_REMOVED")
					c.leave()
					c.leave()
				}
			} else {
				c.enter(fmt.Sprint(n))
				if o.Cardinality() == protoreflect.Required {
					c.add("REQUIRED_FIELD_REMOVED")
				} else {
					c.add("FIELD_REMOVED")
				}
				c.leave()
			}
		case o == nil:
			if g := realOneof(u); g != "" {
				c.enter(g)
				c.enter(fmt.Sprint(n))
				c.add("ONEOF_FIELD_ADDED")
				c.leave()
				c.leave()
			} else {
				c.enter(fmt.Sprint(n))
				if u.Cardinality() == protoreflect.Required {
					c.add("REQUIRED_FIELD_ADDED")
				} else {
					c.add("FIELD_ADDED")
				}
				c.leave()
			}
		default:
			og, ug := realOneof(o), realOneof(u)
			if og != "" && ug == "" {
				c.enter(fmt.Sprint(n))
				c.add("ONEOF_FIELD_MOVED_TO_TOP_LEVEL")
				c.leave()
			}
			depth := 1
			if ug != "" {
				c.enter(ug)
				depth++
			}
			c.enter(fmt.Sprint(n))
			compareField(c, o, u)
			for ; depth > 0; depth-- {
				c.leave()
			}
		}
	}
}

// label is the field's label as written in the .proto text ("" when
// none: a proto3 singular field).
func label(f protoreflect.FieldDescriptor) string {
	switch {
	case f.Cardinality() == protoreflect.Repeated:
		return "repeated"
	case f.Cardinality() == protoreflect.Required:
		return "required"
	case f.HasOptionalKeyword() || f.ParentFile().Syntax() == protoreflect.Proto2:
		return "optional"
	}
	return ""
}

func compareField(c *ctx, o, u protoreflect.FieldDescriptor) {
	if o.Name() != u.Name() {
		c.add("FIELD_NAME_CHANGED")
	}
	compareLabelsAndTypes(c, label(o), label(u), o, u)
}

type fieldKind int

const (
	kScalar fieldKind = iota
	kMap
	kMessage
)

func kindOf(f protoreflect.FieldDescriptor) fieldKind {
	switch {
	case f.IsMap():
		return kMap
	case f.Kind() == protoreflect.MessageKind || f.Kind() == protoreflect.GroupKind:
		return kMessage
	}
	return kScalar // enums count as scalars
}

func scalarKind(f protoreflect.FieldDescriptor) string {
	switch f.Kind() {
	case protoreflect.EnumKind, protoreflect.Int32Kind, protoreflect.Int64Kind, protoreflect.Uint32Kind, protoreflect.Uint64Kind, protoreflect.BoolKind:
		return "GENERAL_NUMBER"
	case protoreflect.Sint32Kind, protoreflect.Sint64Kind:
		return "SIGNED_NUMBER"
	case protoreflect.StringKind, protoreflect.BytesKind:
		return "STRING_OR_BYTES"
	case protoreflect.Fixed32Kind, protoreflect.Sfixed32Kind:
		return "FIXED32"
	case protoreflect.Fixed64Kind, protoreflect.Sfixed64Kind:
		return "FIXED64"
	case protoreflect.FloatKind:
		return "FLOAT"
	case protoreflect.DoubleKind:
		return "DOUBLE"
	}
	return "ANY"
}

func compareLabelsAndTypes(c *ctx, ol, ul string, o, u protoreflect.FieldDescriptor) {
	ok, uk := kindOf(o), kindOf(u)
	if ok != uk {
		c.add("FIELD_KIND_CHANGED")
		return
	}
	switch ok {
	case kScalar:
		os, us := scalarKind(o), scalarKind(u)
		if os != us {
			c.add("FIELD_SCALAR_KIND_CHANGED")
			return
		}
		if ol != "" && ul != "" && ol != ul {
			if os == "STRING_OR_BYTES" {
				c.add("FIELD_STRING_OR_BYTES_LABEL_CHANGED")
			} else if os != "ANY" {
				c.add("FIELD_NUMERIC_LABEL_CHANGED")
			}
		}
	case kMessage:
		om, um := o.Message(), u.Message()
		if localName(om) != localName(um) {
			c.add("FIELD_NAMED_TYPE_CHANGED")
			return
		}
		// Confluent compares the type in a subcontext whose path is the
		// type's name within its package.
		seen := make(map[protoreflect.FullName]bool, len(c.seen))
		for k := range c.seen {
			seen[k] = true
		}
		sub := &ctx{path: strings.Split(localName(om), "."), seen: seen}
		compareMessages(sub, om, um)
		c.diffs = append(c.diffs, sub.diffs...)
		if !sub.ok() {
			c.add("FIELD_NAMED_TYPE_CHANGED")
		}
	case kMap:
		compareLabelsAndTypes(c, "", "", o.MapKey(), u.MapKey())
		compareLabelsAndTypes(c, "", "", o.MapValue(), u.MapValue())
	}
}

// localName is a message's full name without its file's package.
func localName(m protoreflect.MessageDescriptor) string {
	full, pkg := string(m.FullName()), string(m.ParentFile().Package())
	if pkg != "" && strings.HasPrefix(full, pkg+".") {
		return full[len(pkg)+1:]
	}
	return full
}

// message is Confluent's text for a difference, the reader's and
// writer's roles left as "%s" in that order.
func message(d Difference) string {
	p := d.Path
	m := ""
	switch d.Type {
	case "PACKAGE_CHANGED":
		m = "The package at '" + p + "' in the %s schema does not match the package in the %s schema"
	case "MESSAGE_REMOVED":
		m = "The %s schema is missing a MESSAGE type at path '" + p + "' in the %s schema"
	case "FIELD_KIND_CHANGED":
		m = "The type of a field at path '" + p + "' in the %s schema does not match the %s schema"
	case "FIELD_SCALAR_KIND_CHANGED":
		m = "The kind of a SCALAR field at path '" + p + "' in the %s schema does not match its kind in the %s schema"
	case "FIELD_NAMED_TYPE_CHANGED":
		m = "The type of a MESSAGE field at path '" + p + "' in the %s schema does not match its type in the %s schema"
	case "FIELD_NUMERIC_LABEL_CHANGED":
		m = "The label for a NUMERIC field at path '" + p + "' in the %s schema does not match its label in the %s schema"
	case "REQUIRED_FIELD_ADDED":
		m = "A required field  at path '" + p + "' in the %s schema is missing in the %s schema"
	case "REQUIRED_FIELD_REMOVED":
		m = "The %s schema is missing a required field at path: '" + p + "' in the %s schema"
	case "ONEOF_FIELD_REMOVED":
		m = "The %s schema is missing a oneof field at path '" + p + "' in the %s schema"
	case "ONEOF_FIELD_MOVED_TO_TOP_LEVEL":
		m = "The oneof field at path '" + p + "' in the %s schema was moved out of its oneof to a top-level field in the %s schema"
	case "MULTIPLE_FIELDS_MOVED_TO_ONEOF":
		m = "Multiple fields in the oneof at path '" + p + "' in the %s schema are outside a oneof in the %s schema"
	case "FIELD_MOVED_TO_EXISTING_ONEOF":
		m = "A field in the oneof at path '" + p + "' in the %s schema is outside an existing oneof in the %s schema"
	}
	return `{errorType:"` + d.Type + `", description:"` + m + `"}`
}

// Incompatibilities lists why reader cannot read data written with
// writer, Confluent's messages with "%s" for the two roles.
func Incompatibilities(reader, writer *Schema) []string {
	var out []string
	for _, d := range Diff(writer, reader) {
		if !compatible[d.Type] {
			out = append(out, message(d))
		}
	}
	return out
}
