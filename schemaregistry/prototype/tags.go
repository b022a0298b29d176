package prototype

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/bufbuild/protocompile/ast"
	"github.com/bufbuild/protocompile/parser"
	"github.com/bufbuild/protocompile/reporter"
	"github.com/goconnect/goconnect/internal/protoprint"
)

// TagEdit is one entity's tag change (ProtobufSchema.modifySchemaTags):
// Path is the message names from the file's top level (no package),
// then, for a field, the field name (a oneof's name may come between).
type TagEdit struct {
	Path        []string
	Field       bool
	Add, Remove []string
}

// TagPathError is Confluent's IllegalArgumentException for a path the
// schema lacks; its message is Confluent's.
type TagPathError struct{ Msg string }

func (e *TagPathError) Error() string { return e.Msg }

// edit replaces text[start:end].
type edit struct {
	start, end int
	text       string
}

// ModifyTags is ProtobufSchema.copy(tagsToAdd, tagsToRemove) on the
// schema text: each entity's Confluent meta options
// ((confluent.field_meta) of a field, (confluent.message_meta) of a
// message) are merged into one, as Confluent's mergeOptions does (members
// in first-seen order, repeated members' values in a list), the tags
// added then removed, and the option written back where the first one
// was (appended when there was none; dropped when nothing is left). The
// text answered is to be parsed again: its canonical form is Confluent's.
func ModifyTags(text string, edits []TagEdit) (string, error) {
	file, err := parser.Parse(rootName, strings.NewReader(text), reporter.NewHandler(nil))
	if err != nil {
		return "", fmt.Errorf("Invalid schema: %w", err)
	}
	var out []edit
	for _, e := range edits {
		es, err := tagEdit(file, e)
		if err != nil {
			return "", err
		}
		out = append(out, es...)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].start > out[j].start })
	for i := 1; i < len(out); i++ {
		if out[i].end > out[i-1].start && !(out[i].start == out[i-1].start && out[i].end == out[i].start) {
			return "", fmt.Errorf("Invalid schema tag edits: two entities share an option")
		}
	}
	for _, e := range out {
		text = text[:e.start] + e.text + text[e.end:]
	}
	return text, nil
}

func messagesOf(decls any) []*ast.MessageNode {
	var out []*ast.MessageNode
	switch d := decls.(type) {
	case []ast.FileElement:
		for _, x := range d {
			if m, ok := x.(*ast.MessageNode); ok {
				out = append(out, m)
			}
		}
	case []ast.MessageElement:
		for _, x := range d {
			if m, ok := x.(*ast.MessageNode); ok {
				out = append(out, m)
			}
		}
	}
	return out
}

func tagEdit(file *ast.FileNode, e TagEdit) ([]edit, error) {
	end := len(e.Path)
	if e.Field {
		end--
	}
	var msg *ast.MessageNode
	i := 0
	for ; i < end; i++ {
		var cands []*ast.MessageNode
		if i == 0 {
			cands = messagesOf(file.Decls)
		} else {
			cands = messagesOf(msg.Decls)
		}
		j := slices.IndexFunc(cands, func(m *ast.MessageNode) bool { return m.Name.Val == e.Path[i] })
		if j >= 0 {
			msg = cands[j]
			continue
		}
		if i == end-1 && e.Field {
			break
		}
		return nil, &TagPathError{fmt.Sprintf("No matching Message with name '%s' found in the schema", e.Path[i])}
	}
	if !e.Field {
		if msg == nil {
			return nil, &TagPathError{fmt.Sprintf("No matching Message with name '%s' found in the schema", strings.Join(e.Path, "."))}
		}
		return messageTagEdit(file, msg, e)
	}
	name := e.Path[len(e.Path)-1]
	notFound := &TagPathError{fmt.Sprintf("No matching Field with name '%s' found in the schema", name)}
	if msg == nil {
		return nil, notFound
	}
	var field ast.Node
	find := func(decls []ast.MessageElement, oneof string) {
		for _, d := range decls {
			switch f := d.(type) {
			case *ast.FieldNode:
				if oneof == "" && f.Name.Val == name && field == nil {
					field = f
				}
			case *ast.MapFieldNode:
				if oneof == "" && f.Name.Val == name && field == nil {
					field = f
				}
			case *ast.OneofNode:
				if oneof != "" && f.Name.Val != oneof {
					continue
				}
				for _, od := range f.Decls {
					if of, ok := od.(*ast.FieldNode); ok && of.Name.Val == name && field == nil {
						field = of
					}
				}
			}
		}
	}
	if i == end {
		find(msg.Decls, "")
		if field == nil {
			// Confluent looks in the message's fields, then its oneofs.
			for _, d := range msg.Decls {
				if o, ok := d.(*ast.OneofNode); ok && field == nil {
					find([]ast.MessageElement{o}, o.Name.Val)
				}
			}
		}
	} else {
		for _, d := range msg.Decls {
			if o, ok := d.(*ast.OneofNode); ok && o.Name.Val == e.Path[i] {
				find([]ast.MessageElement{o}, o.Name.Val)
			}
		}
	}
	if field == nil {
		return nil, notFound
	}
	return fieldTagEdit(file, field, e)
}

// metaMember is one member of a merged Meta literal.
type metaMember struct {
	name   string
	values []string // raw value texts (tags: the decoded strings)
	list   bool
}

// isMeta tells whether an option sets the named Confluent meta extension.
func isMeta(o *ast.OptionNode, ext string) bool {
	if o.Name == nil || len(o.Name.Parts) == 0 || !o.Name.Parts[0].IsExtension() {
		return false
	}
	return strings.TrimPrefix(string(o.Name.Parts[0].Name.AsIdentifier()), ".") == ext
}

// mergeMeta folds the meta options into members, as mergeOptions does.
func mergeMeta(file *ast.FileNode, opts []*ast.OptionNode) ([]metaMember, error) {
	var out []metaMember
	raw := func(n ast.Node) string { return file.NodeInfo(n).RawText() }
	put := func(name string, v ast.ValueNode) {
		i := slices.IndexFunc(out, func(m metaMember) bool { return m.name == name })
		if i < 0 {
			out = append(out, metaMember{name: name})
			i = len(out) - 1
		}
		var vals []ast.ValueNode
		if arr, ok := v.(*ast.ArrayLiteralNode); ok {
			vals = arr.Elements
			out[i].list = true
		} else {
			vals = []ast.ValueNode{v}
		}
		for _, x := range vals {
			if name == "tags" {
				if s, ok := x.(ast.StringValueNode); ok {
					out[i].values = append(out[i].values, s.AsString())
					continue
				}
			}
			out[i].values = append(out[i].values, raw(x))
		}
		if len(out[i].values) > 1 {
			out[i].list = true
		}
	}
	for _, o := range opts {
		switch len(o.Name.Parts) {
		case 1:
			lit, ok := o.Val.(*ast.MessageLiteralNode)
			if !ok {
				return nil, fmt.Errorf("Invalid schema: option %s is not a message", raw(o.Name))
			}
			for _, f := range lit.Elements {
				put(string(f.Name.Name.AsIdentifier()), f.Val)
			}
		case 2:
			put(string(o.Name.Parts[1].Name.AsIdentifier()), o.Val)
		default:
			return nil, fmt.Errorf("Invalid schema: option %s is not supported for schema tags by goconnect's registry", raw(o.Name))
		}
	}
	return out, nil
}

// metaLiteral applies the tag changes and writes the option value; ""
// when no member is left.
func metaLiteral(members []metaMember, e TagEdit) string {
	i := slices.IndexFunc(members, func(m metaMember) bool { return m.name == "tags" })
	var tags []string
	if i >= 0 {
		for _, t := range members[i].values {
			if !slices.Contains(tags, t) {
				tags = append(tags, t)
			}
		}
	}
	for _, t := range e.Add {
		if !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	tags = slices.DeleteFunc(tags, func(t string) bool { return slices.Contains(e.Remove, t) })
	switch {
	case i >= 0 && len(tags) == 0:
		members = slices.Delete(members, i, i+1)
	case i >= 0:
		members[i].values, members[i].list = tags, true
	case len(tags) > 0:
		members = append(members, metaMember{name: "tags", values: tags, list: true})
	}
	if len(members) == 0 {
		return ""
	}
	var parts []string
	for _, m := range members {
		vals := m.values
		if m.name == "tags" {
			vals = make([]string, len(m.values))
			for j, t := range m.values {
				vals[j] = "\"" + protoprint.Escape(t) + "\""
			}
		}
		if m.list {
			parts = append(parts, m.name+": ["+strings.Join(vals, ", ")+"]")
		} else {
			parts = append(parts, m.name+": "+vals[0])
		}
	}
	return "{ " + strings.Join(parts, " ") + " }"
}

// offsets is a node's byte span [start, end): NodeInfo's End is the
// offset of its last character (always ASCII for the nodes used here).
func offsets(file *ast.FileNode, n ast.Node) (int, int) {
	info := file.NodeInfo(n)
	return info.Start().Offset, info.End().Offset + 1
}

func fieldTagEdit(file *ast.FileNode, n ast.Node, e TagEdit) ([]edit, error) {
	const ext = "confluent.field_meta"
	var opts *ast.CompactOptionsNode
	var semi *ast.RuneNode
	switch f := n.(type) {
	case *ast.FieldNode:
		opts, semi = f.Options, f.Semicolon
	case *ast.MapFieldNode:
		opts, semi = f.Options, f.Semicolon
	}
	var metas []*ast.OptionNode
	if opts != nil {
		for _, o := range opts.Options {
			if isMeta(o, ext) {
				metas = append(metas, o)
			}
		}
	}
	members, err := mergeMeta(file, metas)
	if err != nil {
		return nil, err
	}
	lit := metaLiteral(members, e)
	// The options rewritten: the others as written, the merged meta where
	// the first meta option was (last when there was none).
	var items []string
	placed := false
	if opts != nil {
		for _, o := range opts.Options {
			if isMeta(o, ext) {
				if !placed && lit != "" {
					items = append(items, "("+ext+") = "+lit)
				}
				placed = true
				continue
			}
			items = append(items, file.NodeInfo(o).RawText())
		}
	}
	if !placed && lit != "" {
		items = append(items, "("+ext+") = "+lit)
	}
	block := ""
	if len(items) > 0 {
		block = " [" + strings.Join(items, ", ") + "]"
	}
	if opts != nil {
		s, end := offsets(file, opts)
		// From the end of the tag number, so no stray space is left.
		var tagEnd int
		switch f := n.(type) {
		case *ast.FieldNode:
			_, tagEnd = offsets(file, f.Tag)
		case *ast.MapFieldNode:
			_, tagEnd = offsets(file, f.Tag)
		}
		if tagEnd > 0 && tagEnd <= s {
			s = tagEnd
		}
		return []edit{{s, end, block}}, nil
	}
	if semi == nil {
		return nil, fmt.Errorf("Invalid schema: field without ';'")
	}
	s, _ := offsets(file, semi)
	return []edit{{s, s, block}}, nil
}

func messageTagEdit(file *ast.FileNode, m *ast.MessageNode, e TagEdit) ([]edit, error) {
	const ext = "confluent.message_meta"
	var metas []*ast.OptionNode
	for _, d := range m.Decls {
		if o, ok := d.(*ast.OptionNode); ok && isMeta(o, ext) {
			metas = append(metas, o)
		}
	}
	members, err := mergeMeta(file, metas)
	if err != nil {
		return nil, err
	}
	lit := metaLiteral(members, e)
	decl := ""
	if lit != "" {
		decl = "option (" + ext + ") = " + lit + ";"
	}
	if len(metas) == 0 {
		_, at := offsets(file, m.OpenBrace)
		if decl == "" {
			return nil, nil
		}
		return []edit{{at, at, "\n" + decl}}, nil
	}
	var out []edit
	for i, o := range metas {
		s, end := offsets(file, o)
		t := ""
		if i == 0 {
			t = decl
		}
		out = append(out, edit{s, end, t})
	}
	return out, nil
}
