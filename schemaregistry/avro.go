package schemaregistry

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/goconnect/goconnect/internal/avroschema"
)

// avroType is the AVRO schema type as Confluent's AvroSchema: the stored
// text is Avro-Java's rendering of the schema (canonicalString), named
// types of references are written as names, normalisation is Confluent's
// (AvroSchemaUtils.toNormalizedString), and compatibility is Avro's
// SchemaCompatibility with Confluent's messages.
type avroType struct{}

func (avroType) Name() string { return "AVRO" }

func (avroType) Parse(text string, refs []ResolvedReference) (ParsedSchema, error) {
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(text)); err != nil {
		return nil, fmt.Errorf("Invalid schema: invalid Avro schema JSON: %w", err)
	}
	texts := make([]string, len(refs))
	for i, r := range refs {
		texts[i] = r.Schema
	}
	s, known, err := avroschema.ParseReferenced(b.String(), texts)
	if err != nil {
		return nil, fmt.Errorf("Invalid schema: %w", err)
	}
	return &avroSchema{tree: s, known: known}, nil
}

type avroSchema struct {
	tree  *avroschema.Schema
	known []string // full names the references define
}

func (s *avroSchema) Canonical() string  { return avroschema.JavaString(s.tree, s.known) }
func (s *avroSchema) Normalized() string { return avroschema.NormalizedString(s.tree, s.known) }

// BackwardCompatible lists Avro's incompatibilities of reading data
// written with previous using this schema, each as Confluent's Difference
// renders it; the two %s are the reader's and the writer's role.
func (s *avroSchema) BackwardCompatible(previous ParsedSchema) []string {
	p, ok := previous.(*avroSchema)
	if !ok {
		return []string{"Incompatible because of different schema type"}
	}
	c := &avroChecker{memo: map[[2]*avroschema.Schema]*avroResult{}}
	var out []string
	for _, inc := range c.check("", s.tree, p.tree, nil).incompatibilities {
		out = append(out, inc.String())
	}
	return out
}

// Avro's incompatibility types (SchemaCompatibility.SchemaIncompatibilityType).
const (
	nameMismatch       = "NAME_MISMATCH"
	fixedSizeMismatch  = "FIXED_SIZE_MISMATCH"
	missingEnumSymbols = "MISSING_ENUM_SYMBOLS"
	missingDefault     = "READER_FIELD_MISSING_DEFAULT_VALUE"
	typeMismatch       = "TYPE_MISMATCH"
	missingUnionBranch = "MISSING_UNION_BRANCH"
)

type incompatibility struct {
	kind     string
	message  string
	location []string // JSON pointer tokens, the root's "" first
}

// pointer is Avro's Incompatibility.getLocation: the tokens after the
// root, JSON-pointer escaped.
func (i incompatibility) pointer() string {
	parts := make([]string, 0, len(i.location))
	for _, t := range i.location[1:] {
		parts = append(parts, strings.ReplaceAll(strings.ReplaceAll(t, "~", "~0"), "/", "~1"))
	}
	return "/" + strings.Join(parts, "/")
}

// String is Confluent's Difference.toString.
func (i incompatibility) String() string {
	path := i.pointer()
	var desc string
	switch i.kind {
	case fixedSizeMismatch:
		desc = "The size of FIXED type field at path '" + path + "' in the %s schema does not match with the %s schema"
	case typeMismatch:
		desc = "The type (path '" + path + "') of a field in the %s schema does not match with the %s schema"
	case nameMismatch:
		desc = "The name of the schema has changed (path '" + path + "')"
	case missingEnumSymbols:
		desc = "The %s schema is missing enum symbols '" + i.message + "' at path '" + path + "' in the %s schema"
	case missingUnionBranch:
		desc = "The %s schema is missing a type inside a union field at path '" + path + "' in the %s schema"
	case missingDefault:
		desc = "The field '" + i.message + "' at path '" + path + "' in the %s schema has no default value and is missing in the %s schema"
	}
	return "{errorType:'" + i.kind + "', description:'" + desc + "', additionalInfo:'" + i.message + "'}"
}

// avroResult is a SchemaCompatibilityResult; inProgress marks a pair on
// the current path (a recursive type), taken as compatible.
type avroResult struct {
	incompatibilities []incompatibility
	inProgress        bool
}

func (r *avroResult) ok() bool { return len(r.incompatibilities) == 0 }

// avroChecker is Avro's ReaderWriterCompatibilityChecker: results are
// memoised per (reader, writer) pair for the whole check.
type avroChecker struct {
	memo map[[2]*avroschema.Schema]*avroResult
}

var avroOK = &avroResult{}

func (c *avroChecker) check(token string, rd, wr *avroschema.Schema, location []string) *avroResult {
	location = append(location[:len(location):len(location)], token)
	key := [2]*avroschema.Schema{rd, wr}
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
func (c *avroChecker) fresh(rd, wr *avroschema.Schema) *avroResult {
	return c.check("", rd, wr, nil)
}

func merge(results ...*avroResult) *avroResult {
	var out []incompatibility
	for _, r := range results {
		out = append(out, r.incompatibilities...)
	}
	if len(out) == 0 {
		return avroOK
	}
	return &avroResult{incompatibilities: out}
}

func incompatible(kind, message string, location []string) *avroResult {
	return &avroResult{incompatibilities: []incompatibility{{kind: kind, message: message, location: append([]string(nil), location...)}}}
}

// javaType is Avro-Java's Schema.Type name, as its messages print it.
func javaType(k avroschema.Kind) string { return strings.ToUpper(k.String()) }

func mismatch(rd, wr *avroschema.Schema, location []string) *avroResult {
	return incompatible(typeMismatch, "reader type: "+javaType(rd.Kind)+" not compatible with writer type: "+javaType(wr.Kind), location)
}

func (c *avroChecker) calculate(rd, wr *avroschema.Schema, location []string) *avroResult {
	if rd.Kind == wr.Kind {
		switch rd.Kind {
		case avroschema.Array:
			return c.check("items", rd.Items, wr.Items, location)
		case avroschema.Map:
			return c.check("values", rd.Values, wr.Values, location)
		case avroschema.Fixed:
			return merge(checkNames(rd, wr, location), checkSize(rd, wr, location))
		case avroschema.Enum:
			return merge(checkNames(rd, wr, location), checkSymbols(rd, wr, location))
		case avroschema.Record:
			return merge(checkNames(rd, wr, location), c.checkFields(rd, wr, location))
		case avroschema.Union:
			var rs []*avroResult
			for i, b := range wr.Branches {
				if !c.fresh(rd, b).ok() {
					rs = append(rs, incompatible(missingUnionBranch, "reader union lacking writer type: "+javaType(b.Kind),
						append(location[:len(location):len(location)], strconv.Itoa(i))))
				}
			}
			return merge(rs...)
		}
		return avroOK
	}
	if wr.Kind == avroschema.Union {
		var rs []*avroResult
		for i, b := range wr.Branches {
			rs = append(rs, c.check(strconv.Itoa(i), rd, b, location))
		}
		return merge(rs...)
	}
	switch rd.Kind {
	case avroschema.Long:
		if wr.Kind == avroschema.Int {
			return avroOK
		}
	case avroschema.Float:
		if wr.Kind == avroschema.Int || wr.Kind == avroschema.Long {
			return avroOK
		}
	case avroschema.Double:
		if wr.Kind == avroschema.Int || wr.Kind == avroschema.Long || wr.Kind == avroschema.Float {
			return avroOK
		}
	case avroschema.Bytes:
		if wr.Kind == avroschema.String {
			return avroOK
		}
	case avroschema.String:
		if wr.Kind == avroschema.Bytes {
			return avroOK
		}
	case avroschema.Union:
		for _, b := range rd.Branches {
			if c.fresh(b, wr).ok() {
				return avroOK
			}
		}
		return incompatible(missingUnionBranch, "reader union lacking writer type: "+javaType(wr.Kind), location)
	}
	return mismatch(rd, wr, location)
}

// checkNames is Avro's schemaNameEquals: the unqualified names match, or
// a reader alias is the writer's full name.
func checkNames(rd, wr *avroschema.Schema, location []string) *avroResult {
	if rd.Name == wr.Name {
		return avroOK
	}
	for _, a := range rd.Aliases {
		if a == wr.FullName() {
			return avroOK
		}
	}
	return incompatible(nameMismatch, "expected: "+wr.FullName(), append(location[:len(location):len(location)], "name"))
}

func checkSize(rd, wr *avroschema.Schema, location []string) *avroResult {
	if rd.Size == wr.Size {
		return avroOK
	}
	return incompatible(fixedSizeMismatch, fmt.Sprintf("expected: %d, found: %d", wr.Size, rd.Size), append(location[:len(location):len(location)], "size"))
}

func checkSymbols(rd, wr *avroschema.Schema, location []string) *avroResult {
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
	return incompatible(missingEnumSymbols, "["+strings.Join(missing, ", ")+"]", append(location[:len(location):len(location)], "symbols"))
}

func (c *avroChecker) checkFields(rd, wr *avroschema.Schema, location []string) *avroResult {
	location = append(location[:len(location):len(location)], "fields")
	var rs []*avroResult
	for pos, rf := range rd.Fields {
		at := append(location[:len(location):len(location)], strconv.Itoa(pos))
		wf := writerField(wr, rf)
		switch {
		case wf != nil:
			rs = append(rs, c.check("type", rf.Type, wf.Type, at))
		case rf.HasDefault:
		case rf.Type.Kind == avroschema.Enum && rf.Type.Default != nil:
			// Avro checks the enum against the writer record itself.
			rs = append(rs, c.check("type", rf.Type, wr, at))
		default:
			rs = append(rs, incompatible(missingDefault, rf.Name, at))
		}
	}
	return merge(rs...)
}

// writerField is Avro's lookupWriterField: by name, then by the reader
// field's aliases (the first match; Avro refuses several).
func writerField(wr *avroschema.Schema, rf *avroschema.Field) *avroschema.Field {
	byName := func(n string) *avroschema.Field {
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
