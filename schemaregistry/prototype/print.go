package prototype

import (
	"math/big"
	"sort"
	"strconv"
	"strings"

	"github.com/bufbuild/protocompile/ast"
	"github.com/bufbuild/protocompile/linker"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"

	"github.com/goconnect/goconnect/internal/protoprint"
)

// This file prints a parsed .proto file as Confluent's ProtobufSchemaUtils
// prints Square Wire's ProtoFileElement: the text the registry stores and
// compares (canonical), its normalize=true form, and the
// ignore_extensions format. Wire's element model is what shapes the text:
// comments are dropped; in a message, reserved ranges, options, fields,
// oneofs, groups, extension ranges, extend blocks and nested types (messages
// before enums) each form one block; default and json_name are options
// appended after the others; option values and numbers keep their source
// text.

// maxTag is the largest field number ("max" in a range).
const maxTag = 536_870_911

type printer struct {
	file      *ast.FileNode
	normalize bool
	ignoreExt bool
	// Resolution from the linked descriptors, used by normalize: the
	// fully-qualified type (leading dot) of each field, map value and rpc
	// type, and the extendee of each extend block.
	types      map[ast.Node]string
	mapValues  map[ast.Node]string
	rpcs       map[ast.Node][2]string
	extendees  map[ast.Node]string
	extensions map[string]bool // extension full name → repeated
	scope      []string        // package and enclosing message names
	skipImport string          // an import the compiler was given, not the schema
	// entries are explicit map entry messages by full name (normalize
	// prints their fields as map<K, V>, as Confluent's normalisation).
	entries map[string][2]string
}

func newPrinter(res linker.Result, tree *ast.FileNode, normalize, ignoreExt bool) *printer {
	p := &printer{file: tree, normalize: normalize, ignoreExt: ignoreExt,
		types: map[ast.Node]string{}, mapValues: map[ast.Node]string{}, rpcs: map[ast.Node][2]string{},
		extendees: map[ast.Node]string{}, extensions: map[string]bool{}}
	if pkg := res.Package(); pkg != "" {
		p.scope = strings.Split(string(pkg), ".")
	}
	if normalize {
		p.resolveTypes(res)
		p.entries = map[string][2]string{}
		var walk func(prefix string, decls []ast.MessageElement)
		walk = func(prefix string, decls []ast.MessageElement) {
			for _, d := range decls {
				if m, ok := d.(*ast.MessageNode); ok {
					full := prefix + "." + string(m.Name.AsIdentifier())
					if k, v, ok := explicitMapEntry(m); ok {
						p.entries[full[1:]] = [2]string{k, v}
					}
					walk(full, m.Decls)
				}
			}
		}
		prefix := ""
		if pkg := res.Package(); pkg != "" {
			prefix = "." + string(pkg)
		}
		for _, d := range tree.Decls {
			if m, ok := d.(*ast.MessageNode); ok {
				full := prefix + "." + string(m.Name.AsIdentifier())
				walk(full, m.Decls)
			}
		}
	}
	return p
}

// entryOf finds the explicit map entry message a field type names.
func (p *printer) entryOf(typ string) ([2]string, bool) {
	if strings.HasPrefix(typ, ".") {
		kv, ok := p.entries[typ[1:]]
		return kv, ok
	}
	for i := len(p.scope); i >= 0; i-- {
		cand := strings.Join(append(append([]string(nil), p.scope[:i]...), typ), ".")
		if kv, ok := p.entries[cand]; ok {
			return kv, true
		}
	}
	return [2]string{}, false
}

// resolveTypes maps the AST's fields and rpcs to the types the linker
// resolved, and collects the extensions visible to option names.
func (p *printer) resolveTypes(res linker.Result) {
	fdp := res.FileDescriptorProto()
	entries := map[string]*descriptorpb.DescriptorProto{}
	var walkMsgs func(prefix string, ms []*descriptorpb.DescriptorProto)
	field := func(f *descriptorpb.FieldDescriptorProto) {
		n := res.FieldNode(f)
		if n == nil {
			return
		}
		if f.GetTypeName() != "" {
			p.types[n] = f.GetTypeName()
		}
		if f.GetExtendee() != "" {
			if ext, ok := extendNodeOf(p.file, n); ok {
				p.extendees[ext] = f.GetExtendee()
			}
		}
	}
	walkMsgs = func(prefix string, ms []*descriptorpb.DescriptorProto) {
		for _, m := range ms {
			full := prefix + "." + m.GetName()
			if m.GetOptions().GetMapEntry() {
				entries[full] = m
			}
			for _, f := range m.Field {
				field(f)
			}
			for _, f := range m.Extension {
				field(f)
			}
			walkMsgs(full, m.NestedType)
		}
	}
	pkg := ""
	if fdp.GetPackage() != "" {
		pkg = "." + fdp.GetPackage()
	}
	walkMsgs(pkg, fdp.MessageType)
	for _, f := range fdp.Extension {
		field(f)
	}
	for n, t := range p.types {
		if e, ok := entries[t]; ok {
			for _, f := range e.Field {
				if f.GetNumber() == 2 && f.GetTypeName() != "" {
					p.mapValues[n] = f.GetTypeName()
				}
			}
		}
	}
	for _, s := range fdp.Service {
		for _, m := range s.Method {
			if n := res.Node(m); n != nil {
				p.rpcs[n] = [2]string{m.GetInputType(), m.GetOutputType()}
			}
		}
	}
	seen := map[string]bool{}
	var exts func(f protoreflect.FileDescriptor)
	exts = func(f protoreflect.FileDescriptor) {
		if seen[f.Path()] {
			return
		}
		seen[f.Path()] = true
		var inMsgs func(ms protoreflect.MessageDescriptors)
		addAll := func(xs protoreflect.ExtensionDescriptors) {
			for i := 0; i < xs.Len(); i++ {
				p.extensions[string(xs.Get(i).FullName())] = xs.Get(i).Cardinality() == protoreflect.Repeated
			}
		}
		inMsgs = func(ms protoreflect.MessageDescriptors) {
			for i := 0; i < ms.Len(); i++ {
				addAll(ms.Get(i).Extensions())
				inMsgs(ms.Get(i).Messages())
			}
		}
		addAll(f.Extensions())
		inMsgs(f.Messages())
		for i := 0; i < f.Imports().Len(); i++ {
			exts(f.Imports().Get(i).FileDescriptor)
		}
	}
	exts(res)
}

// extendNodeOf finds the extend block holding a field node.
func extendNodeOf(file *ast.FileNode, field ast.Node) (ast.Node, bool) {
	var found ast.Node
	var inDecls func(decls []ast.MessageElement)
	check := func(e *ast.ExtendNode) {
		for _, d := range e.Decls {
			if ast.Node(d) == field {
				found = e
			}
		}
	}
	inDecls = func(decls []ast.MessageElement) {
		for _, d := range decls {
			switch d := d.(type) {
			case *ast.ExtendNode:
				check(d)
			case *ast.MessageNode:
				inDecls(d.Decls)
			}
		}
	}
	for _, d := range file.Decls {
		switch d := d.(type) {
		case *ast.ExtendNode:
			check(d)
		case *ast.MessageNode:
			inDecls(d.Decls)
		}
	}
	return found, found != nil
}

func (p *printer) enter(name string) { p.scope = append(p.scope, name) }
func (p *printer) leave()            { p.scope = p.scope[:len(p.scope)-1] }

// resolveExtension finds an option's extension by protobuf's scoping
// rules (innermost scope first); "" when unknown.
func (p *printer) resolveExtension(name string) string {
	if strings.HasPrefix(name, ".") {
		if _, ok := p.extensions[name[1:]]; ok {
			return name[1:]
		}
		return ""
	}
	for i := len(p.scope); i >= 0; i-- {
		cand := strings.Join(append(append([]string(nil), p.scope[:i]...), name), ".")
		if _, ok := p.extensions[cand]; ok {
			return cand
		}
	}
	return ""
}

func (p *printer) raw(n ast.Node) string { return p.file.NodeInfo(n).RawText() }

// print renders the file as ProtobufSchemaUtils.toString.
func (p *printer) print() string {
	var sb strings.Builder
	f := p.file
	if f.Syntax != nil {
		syntax := f.Syntax.Syntax.AsString()
		if !p.normalize || syntax == "proto3" {
			sb.WriteString("syntax = \"" + syntax + "\";\n")
		}
	}
	var imports, public []string
	var opts []*ast.OptionNode
	var types []ast.Node
	var extends []*ast.ExtendNode
	var services []*ast.ServiceNode
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.PackageNode:
			sb.WriteString("package " + string(d.Name.AsIdentifier()) + ";\n")
		case *ast.ImportNode:
			if d.Name.AsString() == p.skipImport {
				continue
			}
			if d.Public != nil {
				public = append(public, d.Name.AsString())
			} else {
				imports = append(imports, d.Name.AsString())
			}
		case *ast.OptionNode:
			opts = append(opts, d)
		case *ast.MessageNode, *ast.EnumNode:
			types = append(types, d)
		case *ast.ExtendNode:
			extends = append(extends, d)
		case *ast.ServiceNode:
			services = append(services, d)
		}
	}
	if len(imports) > 0 || len(public) > 0 {
		sb.WriteByte('\n')
		if p.normalize {
			imports, public = sortedUnique(imports), sortedUnique(public)
		}
		for _, i := range imports {
			sb.WriteString("import \"" + i + "\";\n")
		}
		for _, i := range public {
			sb.WriteString("import public \"" + i + "\";\n")
		}
	}
	if o := p.options(opts, nil); len(o) > 0 {
		sb.WriteByte('\n')
		for _, o := range o {
			sb.WriteString("option " + p.optionString(o) + ";\n")
		}
	}
	if len(types) > 0 {
		sb.WriteByte('\n')
		p.types2(&sb, types, false)
	}
	if !p.ignoreExt && len(extends) > 0 {
		sb.WriteByte('\n')
		for _, e := range p.extendBlocks(extends) {
			sb.WriteString(e)
		}
	}
	if len(services) > 0 {
		sb.WriteByte('\n')
		for _, s := range services {
			sb.WriteString(p.service(s))
		}
	}
	return sb.String()
}

// types2 writes messages, then enums, each as declared.
func (p *printer) types2(sb *strings.Builder, types []ast.Node, indent bool) {
	emit := func(s string) {
		if indent {
			protoprint.AppendIndented(sb, s)
		} else {
			sb.WriteString(s)
		}
	}
	for _, t := range types {
		if m, ok := t.(*ast.MessageNode); ok {
			if _, _, entry := explicitMapEntry(m); entry && p.normalize {
				continue // printed as the map field's type
			}
			emit(p.message(m))
		}
	}
	for _, t := range types {
		if e, ok := t.(*ast.EnumNode); ok {
			emit(p.enum(e))
		}
	}
}

func sortedUnique(in []string) []string {
	out := append([]string(nil), in...)
	sort.Strings(out)
	j := 0
	for i, s := range out {
		if i == 0 || s != out[j-1] {
			out[j] = s
			j++
		}
	}
	return out[:j]
}

// rangeItem is one reserved/extensions value: a number, a range or a name.
type rangeItem struct {
	start, end int64
	isRange    bool
	name       string
	isName     bool
}

func (r rangeItem) text(normalize bool) string {
	switch {
	case r.isName:
		return "\"" + r.name + "\""
	case !r.isRange || (normalize && r.start == r.end):
		return strconv.FormatInt(r.start, 10)
	case r.end >= maxTag:
		return strconv.FormatInt(r.start, 10) + " to max"
	}
	return strconv.FormatInt(r.start, 10) + " to " + strconv.FormatInt(r.end, 10)
}

func rangeItems(ranges []*ast.RangeNode) []rangeItem {
	var out []rangeItem
	for _, r := range ranges {
		start := intValue(r.StartVal)
		switch {
		case r.Max != nil:
			out = append(out, rangeItem{start: start, end: maxTag, isRange: true})
		case r.EndVal != nil:
			out = append(out, rangeItem{start: start, end: intValue(r.EndVal), isRange: true})
		default:
			out = append(out, rangeItem{start: start, end: start})
		}
	}
	return out
}

func intValue(n ast.IntValueNode) int64 {
	v, _ := n.AsInt64()
	return v
}

// rangeLines prints reserved or extensions declarations; normalize splits
// them into one value per line, numbers by start, then names.
func (p *printer) rangeLines(keyword string, groups [][]rangeItem, opts [][]*ast.OptionNode) []string {
	type line struct {
		items []rangeItem
		opts  []*ast.OptionNode
	}
	var lines []line
	for i, g := range groups {
		var o []*ast.OptionNode
		if opts != nil {
			o = opts[i]
		}
		if p.normalize {
			for _, it := range g {
				lines = append(lines, line{[]rangeItem{it}, o})
			}
		} else {
			lines = append(lines, line{g, o})
		}
	}
	if p.normalize {
		key := func(r rangeItem) int64 {
			if r.isName {
				return 1 << 62
			}
			return r.start
		}
		sort.SliceStable(lines, func(i, j int) bool {
			a, b := lines[i].items[0], lines[j].items[0]
			if key(a) != key(b) {
				return key(a) < key(b)
			}
			if keyword == "extensions" {
				return false
			}
			return a.text(false) < b.text(false)
		})
	}
	out := make([]string, 0, len(lines))
	for _, l := range lines {
		parts := make([]string, len(l.items))
		for i, it := range l.items {
			parts[i] = it.text(p.normalize)
		}
		s := keyword + " " + strings.Join(parts, ", ")
		if o := p.options(l.opts, nil); len(o) > 0 {
			s += " " + p.appendOptions(o)
		}
		out = append(out, s+";\n")
	}
	return out
}

func reservedItems(r *ast.ReservedNode) []rangeItem {
	out := rangeItems(r.Ranges)
	for _, n := range r.Names {
		out = append(out, rangeItem{name: n.AsString(), isName: true})
	}
	for _, n := range r.Identifiers {
		out = append(out, rangeItem{name: string(n.AsIdentifier()), isName: true})
	}
	return out
}

func compactOptions(c *ast.CompactOptionsNode) []*ast.OptionNode {
	if c == nil {
		return nil
	}
	return c.Options
}

func (p *printer) message(m *ast.MessageNode) string {
	p.enter(string(m.Name.AsIdentifier()))
	defer p.leave()
	var sb strings.Builder
	sb.WriteString("message " + string(m.Name.AsIdentifier()) + " {")
	var reserved [][]rangeItem
	var opts []*ast.OptionNode
	var fields []ast.Node
	var oneofs []*ast.OneofNode
	var groups []*ast.GroupNode
	var extRanges [][]rangeItem
	var extOpts [][]*ast.OptionNode
	var extends []*ast.ExtendNode
	var types []ast.Node
	for _, d := range m.Decls {
		switch d := d.(type) {
		case *ast.ReservedNode:
			reserved = append(reserved, reservedItems(d))
		case *ast.OptionNode:
			opts = append(opts, d)
		case *ast.FieldNode, *ast.MapFieldNode:
			fields = append(fields, d)
		case *ast.OneofNode:
			oneofs = append(oneofs, d)
		case *ast.GroupNode:
			groups = append(groups, d)
		case *ast.ExtensionRangeNode:
			extRanges = append(extRanges, rangeItems(d.Ranges))
			extOpts = append(extOpts, compactOptions(d.Options))
		case *ast.ExtendNode:
			extends = append(extends, d)
		case *ast.MessageNode, *ast.EnumNode:
			types = append(types, d)
		}
	}
	if len(reserved) > 0 {
		sb.WriteByte('\n')
		for _, l := range p.rangeLines("reserved", reserved, nil) {
			protoprint.AppendIndented(&sb, l)
		}
	}
	p.optionBlock(&sb, opts)
	p.fieldBlock(&sb, fields)
	if p.normalize {
		kept := oneofs[:0:0]
		for _, o := range oneofs {
			if len(oneofFields(o)) > 0 {
				kept = append(kept, o)
			}
		}
		oneofs = kept
		sort.SliceStable(oneofs, func(i, j int) bool {
			return minTag(oneofFields(oneofs[i])) < minTag(oneofFields(oneofs[j]))
		})
	}
	if len(oneofs) > 0 {
		sb.WriteByte('\n')
		for _, o := range oneofs {
			protoprint.AppendIndented(&sb, p.oneof(o))
		}
	}
	if len(groups) > 0 {
		sb.WriteByte('\n')
		if p.normalize {
			sort.SliceStable(groups, func(i, j int) bool { return groups[i].Tag.Val < groups[j].Tag.Val })
		}
		for _, g := range groups {
			protoprint.AppendIndented(&sb, p.group(g))
		}
	}
	if !p.ignoreExt && len(extRanges) > 0 {
		sb.WriteByte('\n')
		for _, l := range p.rangeLines("extensions", extRanges, extOpts) {
			protoprint.AppendIndented(&sb, l)
		}
	}
	if !p.ignoreExt && len(extends) > 0 {
		sb.WriteByte('\n')
		for _, e := range p.extendBlocks(extends) {
			protoprint.AppendIndented(&sb, e)
		}
	}
	if len(types) > 0 {
		sb.WriteByte('\n')
		p.types2(&sb, types, true)
	}
	sb.WriteString("}\n")
	return sb.String()
}

// optionBlock writes "option …;" lines after a blank line, if any.
func (p *printer) optionBlock(sb *strings.Builder, decls []*ast.OptionNode) {
	opts := p.options(decls, nil)
	if len(opts) == 0 {
		return
	}
	sb.WriteByte('\n')
	for _, o := range opts {
		protoprint.AppendIndented(sb, "option "+p.optionString(o)+";\n")
	}
}

// fieldBlock writes fields after a blank line, if any, by number when
// normalizing.
func (p *printer) fieldBlock(sb *strings.Builder, fields []ast.Node) {
	if len(fields) == 0 {
		return
	}
	sb.WriteByte('\n')
	if p.normalize {
		sort.SliceStable(fields, func(i, j int) bool { return fieldTag(fields[i]) < fieldTag(fields[j]) })
	}
	for _, f := range fields {
		protoprint.AppendIndented(sb, p.field(f))
	}
}

func fieldTag(n ast.Node) uint64 {
	switch f := n.(type) {
	case *ast.FieldNode:
		return f.Tag.Val
	case *ast.MapFieldNode:
		return f.Tag.Val
	case *ast.GroupNode:
		return f.Tag.Val
	}
	return 0
}

func oneofFields(o *ast.OneofNode) []ast.Node {
	var out []ast.Node
	for _, d := range o.Decls {
		if f, ok := d.(*ast.FieldNode); ok {
			out = append(out, f)
		}
	}
	return out
}

func minTag(fields []ast.Node) uint64 {
	var m uint64
	for i, f := range fields {
		if t := fieldTag(f); i == 0 || t < m {
			m = t
		}
	}
	return m
}

func (p *printer) oneof(o *ast.OneofNode) string {
	var sb strings.Builder
	sb.WriteString("oneof " + string(o.Name.AsIdentifier()) + " {")
	var opts []*ast.OptionNode
	var groups []*ast.GroupNode
	for _, d := range o.Decls {
		switch d := d.(type) {
		case *ast.OptionNode:
			opts = append(opts, d)
		case *ast.GroupNode:
			groups = append(groups, d)
		}
	}
	p.optionBlock(&sb, opts)
	fields := oneofFields(o)
	p.fieldBlock(&sb, fields)
	if len(groups) > 0 {
		sb.WriteByte('\n')
		for _, g := range groups {
			protoprint.AppendIndented(&sb, p.group(g))
		}
	}
	sb.WriteString("}\n")
	return sb.String()
}

// group prints a proto2 group as Wire keeps it: label, name, tag and its
// fields.
func (p *printer) group(g *ast.GroupNode) string {
	var sb strings.Builder
	if g.Label.KeywordNode != nil {
		sb.WriteString(g.Label.Val + " ")
	}
	sb.WriteString("group " + string(g.Name.AsIdentifier()) + " = " + strconv.FormatUint(g.Tag.Val, 10) + " {")
	p.enter(string(g.Name.AsIdentifier()))
	defer p.leave()
	var fields []ast.Node
	for _, d := range g.Decls {
		switch d.(type) {
		case *ast.FieldNode, *ast.MapFieldNode:
			fields = append(fields, d)
		}
	}
	p.fieldBlock(&sb, fields)
	sb.WriteString("}\n")
	return sb.String()
}

// extendBlocks prints extend blocks; normalize groups their fields by the
// resolved extendee.
func (p *printer) extendBlocks(extends []*ast.ExtendNode) []string {
	type block struct {
		name   string
		fields []ast.Node
	}
	var blocks []*block
	byName := map[string]*block{}
	for _, e := range extends {
		name := string(e.Extendee.AsIdentifier())
		var fields []ast.Node
		for _, d := range e.Decls {
			if f, ok := d.(*ast.FieldNode); ok {
				fields = append(fields, f)
			}
		}
		if p.normalize {
			if r, ok := p.extendees[e]; ok {
				name = r
			}
			if b, ok := byName[name]; ok {
				b.fields = append(b.fields, fields...)
				continue
			}
		}
		b := &block{name, fields}
		byName[name] = b
		blocks = append(blocks, b)
	}
	out := make([]string, 0, len(blocks))
	for _, b := range blocks {
		var sb strings.Builder
		sb.WriteString("extend " + b.name + " {")
		p.fieldBlock(&sb, b.fields)
		sb.WriteString("}\n")
		out = append(out, sb.String())
	}
	return out
}

// scalarTypes are protobuf's scalar type names.
var scalarTypes = map[string]bool{"double": true, "float": true, "int32": true, "int64": true, "uint32": true,
	"uint64": true, "sint32": true, "sint64": true, "fixed32": true, "fixed64": true, "sfixed32": true,
	"sfixed64": true, "bool": true, "string": true, "bytes": true}

func (p *printer) field(n ast.Node) string {
	var sb strings.Builder
	var label, typ, name string
	var tag uint64
	var opts []*ast.OptionNode
	switch f := n.(type) {
	case *ast.FieldNode:
		if f.Label.KeywordNode != nil {
			label = f.Label.Val
		}
		typ = string(f.FldType.AsIdentifier())
		if p.normalize && !scalarTypes[typ] {
			if kv, ok := p.entryOf(typ); ok && f.Label.Repeated {
				value := kv[1]
				if !scalarTypes[value] && !strings.HasPrefix(value, ".") {
					value = "." + value
				}
				label, typ = "", "map<"+kv[0]+", "+value+">"
			} else if r, ok := p.types[n]; ok {
				typ = r
			}
		}
		name, tag, opts = string(f.Name.AsIdentifier()), f.Tag.Val, compactOptions(f.Options)
	case *ast.MapFieldNode:
		value := string(f.MapType.ValueType.AsIdentifier())
		if p.normalize {
			if r, ok := p.mapValues[n]; ok {
				value = r
			}
		}
		typ = "map<" + string(f.MapType.KeyType.AsIdentifier()) + ", " + value + ">"
		name, tag, opts = string(f.Name.AsIdentifier()), f.Tag.Val, compactOptions(f.Options)
	}
	if label != "" {
		sb.WriteString(label + " ")
	}
	sb.WriteString(typ + " " + name + " = " + strconv.FormatUint(tag, 10))
	// Wire lifts default and json_name out of the options; the printer
	// appends them after the others.
	var plain, special []*ast.OptionNode
	for _, o := range opts {
		if len(o.Name.Parts) == 1 && !o.Name.Parts[0].IsExtension() {
			switch string(o.Name.Parts[0].Name.AsIdentifier()) {
			case "default", "json_name":
				special = append(special, o)
				continue
			}
		}
		plain = append(plain, o)
	}
	sort.SliceStable(special, func(i, j int) bool {
		return string(special[i].Name.Parts[0].Name.AsIdentifier()) == "default"
	})
	if o := p.options(plain, special, typ); len(o) > 0 {
		sb.WriteString(" " + p.appendOptions(o))
	}
	sb.WriteString(";\n")
	return sb.String()
}

func (p *printer) enum(e *ast.EnumNode) string {
	p.enter(string(e.Name.AsIdentifier()))
	defer p.leave()
	var sb strings.Builder
	sb.WriteString("enum " + string(e.Name.AsIdentifier()) + " {")
	var reserved [][]rangeItem
	var opts []*ast.OptionNode
	var values []*ast.EnumValueNode
	for _, d := range e.Decls {
		switch d := d.(type) {
		case *ast.ReservedNode:
			reserved = append(reserved, reservedItems(d))
		case *ast.OptionNode:
			opts = append(opts, d)
		case *ast.EnumValueNode:
			values = append(values, d)
		}
	}
	if len(reserved) > 0 {
		sb.WriteByte('\n')
		for _, l := range p.rangeLines("reserved", reserved, nil) {
			protoprint.AppendIndented(&sb, l)
		}
	} else if len(opts) > 0 || len(values) > 0 {
		sb.WriteByte('\n')
	}
	for _, o := range p.options(opts, nil) {
		protoprint.AppendIndented(&sb, "option "+p.optionString(o)+";\n")
	}
	if p.normalize {
		sort.SliceStable(values, func(i, j int) bool {
			a, b := intValue(values[i].Number), intValue(values[j].Number)
			if a != b {
				return a < b
			}
			return values[i].Name.AsIdentifier() < values[j].Name.AsIdentifier()
		})
	}
	for _, v := range values {
		s := string(v.Name.AsIdentifier()) + " = " + strconv.FormatInt(intValue(v.Number), 10)
		if o := p.options(compactOptions(v.Options), nil); len(o) > 0 {
			s += " " + p.appendOptions(o)
		}
		protoprint.AppendIndented(&sb, s+";\n")
	}
	sb.WriteString("}\n")
	return sb.String()
}

func (p *printer) service(s *ast.ServiceNode) string {
	var sb strings.Builder
	sb.WriteString("service " + string(s.Name.AsIdentifier()) + " {")
	var opts []*ast.OptionNode
	var rpcs []*ast.RPCNode
	for _, d := range s.Decls {
		switch d := d.(type) {
		case *ast.OptionNode:
			opts = append(opts, d)
		case *ast.RPCNode:
			rpcs = append(rpcs, d)
		}
	}
	p.optionBlock(&sb, opts)
	if len(rpcs) > 0 {
		sb.WriteByte('\n')
		for _, r := range rpcs {
			protoprint.AppendIndented(&sb, p.rpc(r))
		}
	}
	sb.WriteString("}\n")
	return sb.String()
}

func (p *printer) rpc(r *ast.RPCNode) string {
	var sb strings.Builder
	in, out := string(r.Input.MessageType.AsIdentifier()), string(r.Output.MessageType.AsIdentifier())
	if p.normalize {
		if t, ok := p.rpcs[r]; ok {
			in, out = t[0], t[1]
		}
	}
	sb.WriteString("rpc " + string(r.Name.AsIdentifier()) + " (")
	if r.Input.Stream != nil {
		sb.WriteString("stream ")
	}
	sb.WriteString(in + ") returns (")
	if r.Output.Stream != nil {
		sb.WriteString("stream ")
	}
	sb.WriteString(out + ")")
	var opts []*ast.OptionNode
	for _, d := range r.Decls {
		if o, ok := d.(*ast.OptionNode); ok {
			opts = append(opts, o)
		}
	}
	if o := p.options(opts, nil); len(o) > 0 {
		sb.WriteString(" {\n")
		for _, o := range o {
			protoprint.AppendIndented(&sb, "option "+p.optionString(o)+";\n")
		}
		sb.WriteByte('}')
	}
	sb.WriteString(";\n")
	return sb.String()
}

// Option values as Wire's OptionElement kinds.
type optKind int

const (
	oString optKind = iota
	oBool
	oEnum
	oNumber
	oOption // a nested option: (foo).bar = 1
	oMap    // a message literal
	oList
)

type optValue struct {
	kind optKind
	text string // string, bool, enum and number values
	sub  *option
	m    []mapEntry
	list []optValue
}

type mapEntry struct {
	key string
	val optValue
}

type option struct {
	name  string
	paren bool
	val   optValue
}

// options converts option declarations (and the field's default and
// json_name, typed by fieldType) and applies the format's filters:
// ignore_extensions drops custom options but Confluent's own; normalize
// resolves and sorts them.
func (p *printer) options(decls []*ast.OptionNode, special []*ast.OptionNode, fieldType ...string) []*option {
	var out []*option
	for _, d := range decls {
		out = append(out, p.convertOption(d))
	}
	for _, d := range special {
		o := p.convertOption(d)
		if o.name == "default" && len(fieldType) > 0 {
			o.val = typedDefault(o.val, fieldType[0])
		} else {
			o.val.kind = oString
		}
		out = append(out, o)
	}
	if len(out) == 0 {
		return nil
	}
	if p.ignoreExt {
		kept := out[:0:0]
		for _, o := range out {
			if !o.paren || strings.HasPrefix(o.name, "confluent.") {
				kept = append(kept, o)
			}
		}
		out = kept
	}
	if p.normalize {
		for i, o := range out {
			if o.paren {
				if r := p.resolveExtension(o.name); r != "" {
					out[i] = transform(&option{name: r, paren: true, val: o.val})
				}
			}
		}
		sort.SliceStable(out, func(i, j int) bool { return out[i].name < out[j].name })
		merged := out[:0:0]
		for _, o := range out {
			if n := len(merged); n > 0 && merged[n-1].name == o.name {
				if repeated, known := p.extensions[o.name]; known && !repeated {
					prev := merged[n-1]
					if prev.val.kind == oMap && o.val.kind == oMap {
						prev.val.m = mergeMaps(prev.val.m, o.val.m)
					} else {
						merged[n-1] = o
					}
					continue
				}
			}
			merged = append(merged, o)
		}
		out = merged
	}
	return out
}

// typedDefault gives a field's default value the kind Confluent's toKind
// gives its type (bytes count as a number there).
func typedDefault(v optValue, fieldType string) optValue {
	switch fieldType {
	case "bool":
		v.kind = oBool
	case "string":
		v.kind = oString
	case "bytes", "double", "float", "fixed32", "fixed64", "int32", "int64", "sfixed32", "sfixed64",
		"sint32", "sint64", "uint32", "uint64":
		v.kind = oNumber
	default:
		v.kind = oEnum
	}
	return v
}

func mergeMaps(a, b []mapEntry) []mapEntry {
	out := append([]mapEntry(nil), a...)
	for _, e := range b {
		found := false
		for i := range out {
			if out[i].key == e.key {
				found = true
				if out[i].val.kind == oMap && e.val.kind == oMap {
					out[i].val.m = mergeMaps(out[i].val.m, e.val.m)
				} else {
					out[i].val = e.val // a singular value set twice: the last wins
				}
			}
		}
		if !found {
			out = append(out, e)
		}
	}
	return out
}

// transform turns (foo).bar = 1 into (foo) = { bar: 1 }, as
// ProtobufSchema.transform.
func transform(o *option) *option {
	if o.val.kind != oOption {
		return o
	}
	return &option{name: o.name, paren: o.paren, val: transformValue(o.val.sub)}
}

func transformValue(sub *option) optValue {
	v := sub.val
	if v.kind == oOption {
		v = transformValue(v.sub)
	}
	return optValue{kind: oMap, m: []mapEntry{{sub.name, v}}}
}

func (p *printer) convertOption(d *ast.OptionNode) *option {
	parts := d.Name.Parts
	val := p.convertValue(d.Val)
	for i := len(parts) - 1; i >= 1; i-- {
		sub := &option{name: string(parts[i].Name.AsIdentifier()), paren: parts[i].IsExtension(), val: val}
		if sub.paren {
			sub.name = "(" + sub.name + ")"
			sub.paren = false
		}
		val = optValue{kind: oOption, sub: sub}
	}
	return &option{name: string(parts[0].Name.AsIdentifier()), paren: parts[0].IsExtension(), val: val}
}

func (p *printer) convertValue(v ast.ValueNode) optValue {
	switch v := v.(type) {
	case ast.StringValueNode:
		return optValue{kind: oString, text: v.AsString()}
	case *ast.IdentNode, *ast.CompoundIdentNode:
		id := string(v.(ast.IdentValueNode).AsIdentifier())
		if id == "true" || id == "false" {
			return optValue{kind: oBool, text: id}
		}
		return optValue{kind: oEnum, text: id}
	case *ast.UintLiteralNode, *ast.FloatLiteralNode:
		return optValue{kind: oNumber, text: p.raw(v)}
	case *ast.NegativeIntLiteralNode:
		return optValue{kind: oNumber, text: "-" + p.raw(v.Uint)}
	case *ast.SignedFloatLiteralNode:
		sign := p.raw(v.Sign)
		if sign == "+" {
			sign = ""
		}
		return optValue{kind: oNumber, text: sign + p.raw(v.Float)}
	case *ast.SpecialFloatLiteralNode:
		return optValue{kind: oEnum, text: p.raw(v)}
	case *ast.MessageLiteralNode:
		out := optValue{kind: oMap}
		for _, e := range v.Elements {
			key := string(e.Name.Name.AsIdentifier())
			if e.Name.URLPrefix != nil {
				key = string(e.Name.URLPrefix.AsIdentifier()) + "/" + key
			}
			if e.Name.IsExtension() || e.Name.URLPrefix != nil {
				key = "[" + key + "]"
			}
			val := p.convertValue(e.Val)
			found := false
			for i := range out.m {
				if out.m[i].key == key { // a repeated key collects a list
					found = true
					if out.m[i].val.kind != oList {
						out.m[i].val = optValue{kind: oList, list: []optValue{out.m[i].val}}
					}
					out.m[i].val.list = append(out.m[i].val.list, val)
				}
			}
			if !found {
				out.m = append(out.m, mapEntry{key, val})
			}
		}
		return out
	case *ast.ArrayLiteralNode:
		out := optValue{kind: oList}
		for _, e := range v.Elements {
			out.list = append(out.list, p.convertValue(e))
		}
		return out
	}
	return optValue{kind: oEnum, text: p.raw(v)}
}

func (p *printer) optionString(o *option) string {
	var sb strings.Builder
	if o.paren {
		sb.WriteString("(" + o.name + ")")
	} else {
		sb.WriteString(o.name)
	}
	switch o.val.kind {
	case oString:
		sb.WriteString(" = \"" + protoprint.Escape(o.val.text) + "\"")
	case oBool, oEnum:
		sb.WriteString(" = " + o.val.text)
	case oNumber:
		sb.WriteString(" = " + p.number(o.val.text))
	case oOption:
		sb.WriteString("." + p.optionString(o.val.sub))
	case oMap:
		sb.WriteString(" = {\n")
		p.formatMap(&sb, o.val.m)
		sb.WriteByte('}')
	case oList:
		items := make([]string, len(o.val.list))
		for i, v := range o.val.list {
			items[i] = p.valueString(v)
		}
		sb.WriteString(" = " + appendItems(items))
	}
	return sb.String()
}

func (p *printer) formatMap(sb *strings.Builder, m []mapEntry) {
	if p.normalize {
		var kept []mapEntry
		seen := map[string]bool{}
		for _, e := range m {
			if e.val.kind == oList && len(e.val.list) == 0 {
				continue
			}
			if strings.HasPrefix(e.key, "[") && strings.HasSuffix(e.key, "]") {
				if r := p.resolveExtension(e.key[1 : len(e.key)-1]); r != "" {
					e.key = "[" + r + "]"
				}
			}
			if seen[e.key] {
				continue
			}
			seen[e.key] = true
			kept = append(kept, e)
		}
		sort.SliceStable(kept, func(i, j int) bool { return kept[i].key < kept[j].key })
		m = kept
	}
	for i, e := range m {
		end := ","
		if i == len(m)-1 {
			end = ""
		}
		protoprint.AppendIndented(sb, e.key+": "+p.valueString(e.val)+end)
	}
}

func (p *printer) valueString(v optValue) string {
	switch v.kind {
	case oString:
		return "\"" + protoprint.Escape(v.text) + "\""
	case oMap:
		var sb strings.Builder
		sb.WriteString("{\n")
		p.formatMap(&sb, v.m)
		sb.WriteByte('}')
		return sb.String()
	case oList:
		if p.normalize && len(v.list) == 1 {
			return p.valueString(v.list[0])
		}
		var sb strings.Builder
		sb.WriteString("[\n")
		for i, e := range v.list {
			end := ","
			if i == len(v.list)-1 {
				end = ""
			}
			protoprint.AppendIndented(&sb, p.valueString(e)+end)
		}
		sb.WriteByte(']')
		return sb.String()
	case oNumber:
		return p.number(v.text)
	case oOption:
		return p.optionString(v.sub)
	}
	return v.text
}

func (p *printer) appendOptions(opts []*option) string {
	items := make([]string, len(opts))
	for i, o := range opts {
		items[i] = p.optionString(o)
	}
	return appendItems(items)
}

// appendItems is ProtobufSchemaUtils.appendOptions: one item inline, more
// one per line.
func appendItems(items []string) string {
	if len(items) == 1 {
		return "[" + items[0] + "]"
	}
	var sb strings.Builder
	sb.WriteString("[\n")
	for i, it := range items {
		end := ","
		if i == len(items)-1 {
			end = ""
		}
		protoprint.AppendIndented(&sb, it+end)
	}
	sb.WriteByte(']')
	return sb.String()
}

func (p *printer) number(text string) string {
	if !p.normalize {
		return text
	}
	if s, ok := formatNumber(text); ok {
		return s
	}
	return text
}

// formatNumber is Confluent's normalised number: the value read as
// commons-lang NumberUtils.createNumber reads it (hex, octal, decimal,
// exponent) and written by java.text.DecimalFormat without grouping (at
// most three fraction digits, half-even).
func formatNumber(text string) (string, bool) {
	if i, ok := new(big.Int).SetString(text, 0); ok && !strings.ContainsAny(text, ".eE") || (ok && strings.HasPrefix(strings.ToLower(strings.TrimPrefix(text, "-")), "0x")) {
		return i.String(), true
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return "", false
	}
	s := strconv.FormatFloat(f, 'f', 3, 64)
	s = strings.TrimRight(s, "0")
	s = strings.TrimSuffix(s, ".")
	return s, true
}
