package avroschema

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Avro's incompatibility types (SchemaCompatibility.SchemaIncompatibilityType).
const (
	NameMismatch              = "NAME_MISMATCH"
	FixedSizeMismatch         = "FIXED_SIZE_MISMATCH"
	MissingEnumSymbols        = "MISSING_ENUM_SYMBOLS"
	ReaderFieldMissingDefault = "READER_FIELD_MISSING_DEFAULT_VALUE"
	TypeMismatch              = "TYPE_MISMATCH"
	MissingUnionBranch        = "MISSING_UNION_BRANCH"
)

// Incompatibility is one reason a reader schema cannot read a writer's
// data, as Avro's SchemaCompatibility.Incompatibility.
type Incompatibility struct {
	Type     string
	Message  string
	Location []string // JSON pointer tokens, the root's "" first
}

// Pointer is Avro's Incompatibility.getLocation: the tokens after the
// root, JSON-pointer escaped.
func (i Incompatibility) Pointer() string {
	parts := make([]string, 0, len(i.Location))
	for _, t := range i.Location[1:] {
		parts = append(parts, strings.ReplaceAll(strings.ReplaceAll(t, "~", "~0"), "/", "~1"))
	}
	return "/" + strings.Join(parts, "/")
}

// CheckCompatibility lists why reader cannot read data written with
// writer, none when it can, deciding as Avro-Java's
// SchemaCompatibility.checkReaderWriterCompatibility does: names match by
// unqualified name or a reader alias, fields by name or a reader field
// alias, a missing field needs a default, enums need the writer's symbols
// unless the reader has a default, every writer union branch must be
// readable, ints/longs/floats promote, strings and bytes interchange; a
// recursive pair on the current path counts as compatible and results are
// memoised for the whole check (a shared type's problem is listed at each
// use, with its first location).
func CheckCompatibility(reader, writer *Schema) []Incompatibility {
	c := &avroChecker{memo: map[[2]*Schema]*avroResult{}}
	return c.check("", reader, writer, nil).incompatibilities
}

// avroResult is a SchemaCompatibilityResult; inProgress marks a pair on
// the current path (a recursive type), taken as compatible.
type avroResult struct {
	incompatibilities []Incompatibility
	inProgress        bool
}

func (r *avroResult) ok() bool { return len(r.incompatibilities) == 0 }

// avroChecker is Avro's ReaderWriterCompatibilityChecker: results are
// memoised per (reader, writer) pair for the whole check.
type avroChecker struct {
	memo map[[2]*Schema]*avroResult
}

var avroOK = &avroResult{}

func (c *avroChecker) check(token string, rd, wr *Schema, location []string) *avroResult {
	location = append(location[:len(location):len(location)], token)
	key := [2]*Schema{rd, wr}
	if r, ok := c.memo[key]; ok {
		if r.inProgress {
			return avroOK
		}
		return r
	}
	c.memo[key] = &avroResult{inProgress: true}
	r := c.calculate(rd, wr, location)
	c.memo[key] = r
	return r
}

// fresh checks a pair from a new root, as Avro's two-argument
// getCompatibility does inside unions.
func (c *avroChecker) fresh(rd, wr *Schema) *avroResult {
	return c.check("", rd, wr, nil)
}

func merge(results ...*avroResult) *avroResult {
	var out []Incompatibility
	for _, r := range results {
		out = append(out, r.incompatibilities...)
	}
	if len(out) == 0 {
		return avroOK
	}
	return &avroResult{incompatibilities: out}
}

func incompatible(kind, message string, location []string) *avroResult {
	return &avroResult{incompatibilities: []Incompatibility{{Type: kind, Message: message, Location: append([]string(nil), location...)}}}
}

// javaType is Avro-Java's Schema.Type name, as its messages print it.
func javaType(k Kind) string { return strings.ToUpper(k.String()) }

func mismatch(rd, wr *Schema, location []string) *avroResult {
	return incompatible(TypeMismatch, "reader type: "+javaType(rd.Kind)+" not compatible with writer type: "+javaType(wr.Kind), location)
}

func (c *avroChecker) calculate(rd, wr *Schema, location []string) *avroResult {
	if rd.Kind == wr.Kind {
		switch rd.Kind {
		case Array:
			return c.check("items", rd.Items, wr.Items, location)
		case Map:
			return c.check("values", rd.Values, wr.Values, location)
		case Fixed:
			return merge(checkNames(rd, wr, location), checkSize(rd, wr, location))
		case Enum:
			return merge(checkNames(rd, wr, location), checkSymbols(rd, wr, location))
		case Record:
			return merge(checkNames(rd, wr, location), c.checkFields(rd, wr, location))
		case Union:
			var rs []*avroResult
			for i, b := range wr.Branches {
				if !c.fresh(rd, b).ok() {
					rs = append(rs, incompatible(MissingUnionBranch, "reader union lacking writer type: "+javaType(b.Kind),
						append(location[:len(location):len(location)], strconv.Itoa(i))))
				}
			}
			return merge(rs...)
		}
		return avroOK
	}
	if wr.Kind == Union {
		var rs []*avroResult
		for i, b := range wr.Branches {
			rs = append(rs, c.check(strconv.Itoa(i), rd, b, location))
		}
		return merge(rs...)
	}
	switch rd.Kind {
	case Long:
		if wr.Kind == Int {
			return avroOK
		}
	case Float:
		if wr.Kind == Int || wr.Kind == Long {
			return avroOK
		}
	case Double:
		if wr.Kind == Int || wr.Kind == Long || wr.Kind == Float {
			return avroOK
		}
	case Bytes:
		if wr.Kind == String {
			return avroOK
		}
	case String:
		if wr.Kind == Bytes {
			return avroOK
		}
	case Union:
		for _, b := range rd.Branches {
			if c.fresh(b, wr).ok() {
				return avroOK
			}
		}
		return incompatible(MissingUnionBranch, "reader union lacking writer type: "+javaType(wr.Kind), location)
	}
	return mismatch(rd, wr, location)
}

// checkNames is Avro's schemaNameEquals: the unqualified names match, or
// a reader alias is the writer's full name.
func checkNames(rd, wr *Schema, location []string) *avroResult {
	if rd.Name == wr.Name {
		return avroOK
	}
	for _, a := range rd.Aliases {
		if a == wr.FullName() {
			return avroOK
		}
	}
	return incompatible(NameMismatch, "expected: "+wr.FullName(), append(location[:len(location):len(location)], "name"))
}

func checkSize(rd, wr *Schema, location []string) *avroResult {
	if rd.Size == wr.Size {
		return avroOK
	}
	return incompatible(FixedSizeMismatch, fmt.Sprintf("expected: %d, found: %d", wr.Size, rd.Size), append(location[:len(location):len(location)], "size"))
}

func checkSymbols(rd, wr *Schema, location []string) *avroResult {
	have := map[string]bool{}
	for _, s := range rd.Symbols {
		have[s] = true
	}
	var missing []string
	for _, s := range wr.Symbols {
		if !have[s] {
			missing = append(missing, s)
		}
	}
	if len(missing) == 0 {
		return avroOK
	}
	var def string
	if rd.Default != nil && json.Unmarshal(rd.Default, &def) == nil && have[def] {
		return avroOK
	}
	sort.Strings(missing)
	return incompatible(MissingEnumSymbols, "["+strings.Join(missing, ", ")+"]", append(location[:len(location):len(location)], "symbols"))
}

func (c *avroChecker) checkFields(rd, wr *Schema, location []string) *avroResult {
	location = append(location[:len(location):len(location)], "fields")
	var rs []*avroResult
	for pos, rf := range rd.Fields {
		at := append(location[:len(location):len(location)], strconv.Itoa(pos))
		wf := writerField(wr, rf)
		switch {
		case wf != nil:
			rs = append(rs, c.check("type", rf.Type, wf.Type, at))
		case rf.HasDefault:
		case rf.Type.Kind == Enum && rf.Type.Default != nil:
			// Avro checks the enum against the writer record itself.
			rs = append(rs, c.check("type", rf.Type, wr, at))
		default:
			rs = append(rs, incompatible(ReaderFieldMissingDefault, rf.Name, at))
		}
	}
	return merge(rs...)
}

// writerField is Avro's lookupWriterField: by name, then by the reader
// field's aliases (the first match; Avro refuses several).
func writerField(wr *Schema, rf *Field) *Field {
	byName := func(n string) *Field {
		for _, f := range wr.Fields {
			if f.Name == n {
				return f
			}
		}
		return nil
	}
	if f := byName(rf.Name); f != nil {
		return f
	}
	for _, a := range rf.Aliases {
		if f := byName(a); f != nil {
			return f
		}
	}
	return nil
}
