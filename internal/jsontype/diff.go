package jsontype

import (
	"fmt"
	"math/big"
	"slices"
	"strings"
)

// Difference is one change between two schema versions, named as
// Confluent's JSON Schema diff names it.
type Difference struct {
	Type string
	Path string
}

// compatibleStrict is the set of changes Confluent's STRICT policy (its
// default) accepts when a new schema must read data of the old one.
var compatibleStrict = setOf(
	"ID_CHANGED", "DESCRIPTION_CHANGED", "TITLE_CHANGED", "DEFAULT_CHANGED", "SCHEMA_REMOVED", "TYPE_EXTENDED",
	"MAX_LENGTH_INCREASED", "MAX_LENGTH_REMOVED", "MIN_LENGTH_DECREASED", "MIN_LENGTH_REMOVED", "PATTERN_REMOVED",
	"MAXIMUM_INCREASED", "MAXIMUM_REMOVED", "MINIMUM_DECREASED", "MINIMUM_REMOVED",
	"EXCLUSIVE_MAXIMUM_INCREASED", "EXCLUSIVE_MAXIMUM_REMOVED", "EXCLUSIVE_MINIMUM_DECREASED", "EXCLUSIVE_MINIMUM_REMOVED",
	"MULTIPLE_OF_REDUCED", "MULTIPLE_OF_REMOVED", "REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED", "REQUIRED_ATTRIBUTE_REMOVED",
	"DEPENDENCY_ARRAY_NARROWED", "DEPENDENCY_ARRAY_REMOVED", "DEPENDENCY_SCHEMA_REMOVED",
	"MAX_PROPERTIES_INCREASED", "MAX_PROPERTIES_REMOVED", "MIN_PROPERTIES_DECREASED", "MIN_PROPERTIES_REMOVED",
	"ADDITIONAL_PROPERTIES_ADDED", "ADDITIONAL_PROPERTIES_EXTENDED", "UNEVALUATED_PROPERTIES_ADDED", "UNEVALUATED_PROPERTIES_EXTENDED",
	"PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL", "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL",
	"OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL", "PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL",
	"PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL", "PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
	"PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
	"MAX_ITEMS_INCREASED", "MAX_ITEMS_REMOVED", "MIN_ITEMS_DECREASED", "MIN_ITEMS_REMOVED",
	"MAX_CONTAINS_INCREASED", "MAX_CONTAINS_REMOVED", "MIN_CONTAINS_DECREASED", "MIN_CONTAINS_REMOVED", "UNIQUE_ITEMS_REMOVED",
	"ADDITIONAL_ITEMS_ADDED", "ADDITIONAL_ITEMS_EXTENDED", "UNEVALUATED_ITEMS_ADDED", "UNEVALUATED_ITEMS_EXTENDED",
	"ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL", "ITEM_ADDED_TO_CLOSED_CONTENT_MODEL",
	"ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL", "ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL",
	"ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", "ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
	"ENUM_ARRAY_EXTENDED", "COMBINED_TYPE_EXTENDED", "PRODUCT_TYPE_NARROWED", "SUM_TYPE_EXTENDED", "NOT_TYPE_NARROWED",
)

// compatibleLenient adds what the LENIENT policy also accepts.
var compatibleLenient = union(compatibleStrict, setOf(
	"ADDITIONAL_PROPERTIES_NARROWED", "ADDITIONAL_PROPERTIES_REMOVED", "UNEVALUATED_PROPERTIES_NARROWED",
	"UNEVALUATED_PROPERTIES_REMOVED", "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_OPEN_CONTENT_MODEL",
	"OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL", "PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL",
	"PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL", "PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
	"PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
))

func setOf(s ...string) map[string]bool {
	m := make(map[string]bool, len(s))
	for _, x := range s {
		m[x] = true
	}
	return m
}

func union(a, b map[string]bool) map[string]bool {
	m := setOf()
	for k := range a {
		m[k] = true
	}
	for k := range b {
		m[k] = true
	}
	return m
}

// ctx collects differences under a path.
type ctx struct {
	ok    map[string]bool
	path  []string
	diffs []Difference
	// onStack breaks cycles of recursive schemas: a pair met again while
	// being compared counts as compatible, as Confluent's memo does.
	onStack map[[2]*node]bool
}

func (c *ctx) sub() *ctx {
	return &ctx{ok: c.ok, path: slices.Clone(c.path), onStack: c.onStack}
}

func (c *ctx) add(t string) {
	c.diffs = append(c.diffs, Difference{t, "#/" + strings.Join(c.path, "/")})
}
func (c *ctx) addAt(attr, t string)  { c.enter(attr); c.add(t); c.leave() }
func (c *ctx) enter(p string)        { c.path = append(c.path, p) }
func (c *ctx) leave()                { c.path = c.path[:len(c.path)-1] }
func (c *ctx) addAll(d []Difference) { c.diffs = append(c.diffs, d...) }
func (c *ctx) compatible() bool {
	for _, d := range c.diffs {
		if !c.ok[d.Type] {
			return false
		}
	}
	return true
}

// Diff lists the changes from original to update (Confluent's
// SchemaDiff.compare); an error means a schema could not be loaded.
func Diff(original, update *Schema) (diffs []Difference, err error) {
	o, err := load(original, original.doc, nil)
	if err != nil {
		return nil, err
	}
	u, err := load(update, update.doc, nil)
	if err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			le, ok := r.(loadError)
			if !ok {
				panic(r)
			}
			diffs, err = nil, le.err
		}
	}()
	c := &ctx{ok: compatibleStrict, onStack: map[[2]*node]bool{}}
	compare(c, o, u)
	return c.diffs, nil
}

// loadError carries a failure to load a subschema out of the walk.
type loadError struct{ err error }

func get(l *lazy) *node {
	if l == nil {
		return nil
	}
	n, err := l.get()
	if err != nil {
		panic(loadError{err})
	}
	return n
}

func compare(c *ctx, o, u *node) {
	switch {
	case o == nil && u == nil:
		return
	case o == nil:
		c.add("SCHEMA_ADDED")
		return
	case u == nil:
		c.add("SCHEMA_REMOVED")
		return
	}
	key := [2]*node{o, u}
	if c.onStack[key] {
		return
	}
	c.onStack[key] = true
	defer delete(c.onStack, key)
	compareTypes(c, o, u)
}

func compareTypes(c *ctx, o, u *node) {
	if o.kind != kCombined && u.kind == kCombined {
		if len(u.subs) == 1 {
			s := c.sub()
			compare(s, o, get(u.subs[0]))
			if s.compatible() {
				c.addAll(s.diffs)
				return
			}
		} else if u.criterion == "anyOf" || u.criterion == "oneOf" {
			for _, sub := range u.subs {
				s := c.sub()
				compare(s, o, get(sub))
				if s.compatible() {
					c.addAll(s.diffs)
					c.add("SUM_TYPE_EXTENDED")
					return
				}
			}
		}
	} else if o.kind == kCombined && u.kind != kCombined {
		if len(o.subs) == 1 {
			s := c.sub()
			compare(s, get(o.subs[0]), u)
			if s.compatible() {
				c.addAll(s.diffs)
				return
			}
		} else if o.criterion == "allOf" {
			for _, sub := range o.subs {
				s := c.sub()
				compare(s, get(sub), u)
				if s.compatible() {
					c.addAll(s.diffs)
					c.add("PRODUCT_TYPE_NARROWED")
					return
				}
			}
		}
	}
	if o.kind != u.kind {
		if o.kind == kFalse || u.kind == kEmpty {
			return
		}
		if o.connectType == "bytes" && u.connectType == "bytes" {
			// Decimals written as strings or numbers are both bytes.
			return
		}
		c.add("TYPE_CHANGED")
		return
	}
	if o.id != u.id {
		c.add("ID_CHANGED")
	}
	if o.title != u.title {
		c.add("TITLE_CHANGED")
	}
	if o.desc != u.desc {
		c.add("DESCRIPTION_CHANGED")
	}
	if o.hasDef != u.hasDef || o.def != u.def {
		c.add("DEFAULT_CHANGED")
	}
	switch o.kind {
	case kString:
		compareInt(c, "maxLength", o.maxLen, u.maxLen, "MAX_LENGTH")
		compareInt(c, "minLength", o.minLen, u.minLen, "MIN_LENGTH")
		switch {
		case o.pattern == "" && u.pattern != "":
			c.addAt("pattern", "PATTERN_ADDED")
		case o.pattern != "" && u.pattern == "":
			c.addAt("pattern", "PATTERN_REMOVED")
		case o.pattern != u.pattern:
			c.addAt("pattern", "PATTERN_CHANGED")
		}
	case kNumber:
		compareRat(c, "maximum", o.max, u.max, "MAXIMUM")
		compareRat(c, "minimum", o.min, u.min, "MINIMUM")
		compareRat(c, "exclusiveMaximum", o.exclMax, u.exclMax, "EXCLUSIVE_MAXIMUM")
		compareRat(c, "exclusiveMinimum", o.exclMin, u.exclMin, "EXCLUSIVE_MINIMUM")
		compareMultipleOf(c, o.mul, u.mul)
		if o.integer != u.integer {
			if o.integer {
				c.add("TYPE_EXTENDED")
			} else {
				c.add("TYPE_NARROWED")
			}
		}
	case kConst:
		if o.values[0] != u.values[0] {
			c.addAt("const", "ENUM_ARRAY_CHANGED")
		}
	case kEnum:
		ov, uv := setOf(o.values...), setOf(u.values...)
		if !sameSet(ov, uv) {
			switch {
			case contains(uv, ov):
				c.addAt("enum", "ENUM_ARRAY_EXTENDED")
			case contains(ov, uv):
				c.addAt("enum", "ENUM_ARRAY_NARROWED")
			default:
				c.addAt("enum", "ENUM_ARRAY_CHANGED")
			}
		}
	case kCombined:
		compareCombined(c, o, u)
	case kNot:
		c.enter("not")
		s := c.sub()
		compare(s, get(u.not), get(o.not))
		if s.compatible() {
			c.add("NOT_TYPE_NARROWED")
		} else {
			c.add("NOT_TYPE_EXTENDED")
		}
		c.leave()
	case kObject:
		compareObject(c, o, u)
	case kArray:
		compareArray(c, o, u)
	}
}

func sameSet(a, b map[string]bool) bool { return len(a) == len(b) && contains(a, b) }

func contains(big, small map[string]bool) bool {
	for k := range small {
		if !big[k] {
			return false
		}
	}
	return true
}

func compareInt(c *ctx, attr string, o, u *int, name string) {
	switch {
	case o == nil && u == nil:
	case o == nil:
		c.addAt(attr, name+"_ADDED")
	case u == nil:
		c.addAt(attr, name+"_REMOVED")
	case *o < *u:
		c.addAt(attr, name+"_INCREASED")
	case *o > *u:
		c.addAt(attr, name+"_DECREASED")
	}
}

func compareRat(c *ctx, attr string, o, u *big.Rat, name string) {
	switch {
	case o == nil && u == nil:
	case o == nil:
		c.addAt(attr, name+"_ADDED")
	case u == nil:
		c.addAt(attr, name+"_REMOVED")
	case o.Cmp(u) < 0:
		c.addAt(attr, name+"_INCREASED")
	case o.Cmp(u) > 0:
		c.addAt(attr, name+"_DECREASED")
	}
}

func isMultiple(a, b *big.Rat) bool { // a is a multiple of b
	if b.Sign() == 0 {
		return false
	}
	q := new(big.Rat).Quo(a, b)
	return q.IsInt()
}

func compareMultipleOf(c *ctx, o, u *big.Rat) {
	switch {
	case o == nil && u == nil:
	case o != nil && u != nil && o.Cmp(u) == 0:
	case o == nil:
		c.addAt("multipleOf", "MULTIPLE_OF_ADDED")
	case u == nil:
		c.addAt("multipleOf", "MULTIPLE_OF_REMOVED")
	case isMultiple(u, o):
		c.addAt("multipleOf", "MULTIPLE_OF_EXPANDED")
	case isMultiple(o, u):
		c.addAt("multipleOf", "MULTIPLE_OF_REDUCED")
	default:
		c.addAt("multipleOf", "MULTIPLE_OF_CHANGED")
	}
}

func singleton(n *node) bool { return len(n.subs) == 1 }

func compareCombined(c *ctx, o, u *node) {
	if o.criterion != u.criterion {
		if u.criterion == "anyOf" || (singleton(o) && singleton(u)) ||
			(singleton(o) && u.criterion == "oneOf") || (singleton(u) && o.criterion == "allOf") {
			c.add("COMBINED_TYPE_EXTENDED")
		} else {
			c.add("COMBINED_TYPE_CHANGED")
			return
		}
	}
	os, us := distinct(o.subs), distinct(u.subs)
	switch {
	case len(os) < len(us):
		if u.criterion == "allOf" {
			c.add("PRODUCT_TYPE_EXTENDED")
		} else {
			c.add("SUM_TYPE_EXTENDED")
		}
	case len(os) > len(us):
		if o.criterion == "anyOf" || o.criterion == "oneOf" {
			c.add("SUM_TYPE_NARROWED")
		} else {
			c.add("PRODUCT_TYPE_NARROWED")
		}
	}
	// Compatible pairs, then a maximum matching between old and new
	// subschemas (each used once).
	edges := make([][]int, len(os))
	edgeDiffs := map[[2]int][]Difference{}
	for i, on := range os {
		c.enter(fmt.Sprintf("%s/%d", o.criterion, i))
		for j, un := range us {
			s := c.sub()
			compare(s, on, un)
			if s.compatible() {
				edges[i] = append(edges[i], j)
				edgeDiffs[[2]int{i, j}] = s.diffs
			}
		}
		c.leave()
	}
	matchOf := make([]int, len(us))
	for j := range matchOf {
		matchOf[j] = -1
	}
	var try func(i int, seen []bool) bool
	try = func(i int, seen []bool) bool {
		for _, j := range edges[i] {
			if seen[j] {
				continue
			}
			seen[j] = true
			if matchOf[j] < 0 || try(matchOf[j], seen) {
				matchOf[j] = i
				return true
			}
		}
		return false
	}
	matched := 0
	for i := range os {
		if try(i, make([]bool, len(us))) {
			matched++
		}
	}
	for j, i := range matchOf {
		if i >= 0 {
			c.addAll(edgeDiffs[[2]int{i, j}])
		}
	}
	if matched < min(len(os), len(us)) {
		c.add("COMBINED_TYPE_SUBSCHEMAS_CHANGED")
	}
}

// distinct loads subschemas, dropping repeats (equal canonical text).
func distinct(ls []*lazy) []*node {
	var out []*node
	seen := map[string]bool{}
	for _, l := range ls {
		n := get(l)
		if seen[n.text] {
			continue
		}
		seen[n.text] = true
		out = append(out, n)
	}
	return out
}

func openContent(n *node) bool {
	if !n.addlAllowed || n.addl != nil || len(n.patterns) > 0 {
		return false
	}
	return n.uneval == nil || get(n.uneval).kind == kEmpty
}

func partialSchema(n *node, prop string) *node {
	for _, p := range n.patterns {
		if p.re.MatchString(prop) {
			return get(p.schema)
		}
	}
	if n.addl != nil {
		return get(n.addl)
	}
	if n.addlAllowed && n.addl == nil && n.uneval != nil {
		if u := get(n.uneval); u.kind != kFalse && u.kind != kEmpty {
			return u
		}
	}
	return nil
}

func propKeys(o, u *node) []string {
	keys := slices.Clone(o.propOrder)
	for _, k := range u.propOrder {
		if _, ok := o.props[k]; !ok {
			keys = append(keys, k)
		}
	}
	return keys
}

func compareObject(c *ctx, o, u *node) {
	c.enter("required")
	for _, k := range o.propOrder {
		if _, ok := u.props[k]; !ok {
			continue
		}
		c.enter(k)
		switch {
		case o.required[k] && !u.required[k]:
			c.add("REQUIRED_ATTRIBUTE_REMOVED")
		case !o.required[k] && u.required[k]:
			if get(u.props[k]).hasDef {
				c.add("REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED")
			} else {
				c.add("REQUIRED_ATTRIBUTE_ADDED")
			}
		}
		c.leave()
	}
	c.leave()

	c.enter("properties")
	for _, k := range propKeys(o, u) {
		c.enter(k)
		ol, uok := o.props[k], u.props[k] != nil
		switch {
		case !uok:
			os := get(ol)
			if openContent(u) {
				c.add("PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL")
			} else if p := partialSchema(u, k); p != nil {
				compareCovered(c, os, p, "PROPERTY_REMOVED")
			} else if os.kind == kFalse {
				c.add("PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL")
			} else {
				c.add("PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL")
			}
		case ol == nil:
			us := get(u.props[k])
			if openContent(o) {
				switch {
				case us.kind == kEmpty:
					c.add("PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL")
				case u.required[k] && us.hasDef:
					c.add("REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_OPEN_CONTENT_MODEL")
				case u.required[k]:
					c.add("REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL")
				default:
					c.add("OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL")
				}
			} else {
				if p := partialSchema(o, k); p != nil {
					compareCovered(c, p, us, "PROPERTY_ADDED")
				}
				switch {
				case u.required[k] && us.hasDef:
					c.add("REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL")
				case u.required[k]:
					c.add("REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL")
				default:
					c.add("OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL")
				}
			}
		default:
			compare(c, get(ol), get(u.props[k]))
		}
		c.leave()
	}
	c.leave()

	c.enter("dependencies")
	for _, k := range unionKeys(o.depArrays, u.depArrays) {
		c.enter(k)
		od, oOK := o.depArrays[k]
		ud, uOK := u.depArrays[k]
		switch {
		case !uOK:
			c.add("DEPENDENCY_ARRAY_REMOVED")
		case !oOK:
			c.add("DEPENDENCY_ARRAY_ADDED")
		default:
			os, us := setOf(od...), setOf(ud...)
			if !sameSet(os, us) {
				switch {
				case contains(us, os):
					c.add("DEPENDENCY_ARRAY_EXTENDED")
				case contains(os, us):
					c.add("DEPENDENCY_ARRAY_NARROWED")
				default:
					c.add("DEPENDENCY_ARRAY_CHANGED")
				}
			}
		}
		c.leave()
	}
	for _, k := range unionKeys(o.depSchemas, u.depSchemas) {
		c.enter(k)
		switch {
		case u.depSchemas[k] == nil:
			c.add("DEPENDENCY_SCHEMA_REMOVED")
		case o.depSchemas[k] == nil:
			c.add("DEPENDENCY_SCHEMA_ADDED")
		default:
			compare(c, get(o.depSchemas[k]), get(u.depSchemas[k]))
		}
		c.leave()
	}
	c.leave()

	compareAdditional(c, "additionalProperties", "ADDITIONAL_PROPERTIES", o.addlAllowed, u.addlAllowed, o.addl, u.addl)

	compareUneval(c, "unevaluatedProperties", o.uneval, u.uneval, "UNEVALUATED_PROPERTIES")
	compareInt(c, "maxProperties", o.maxProps, u.maxProps, "MAX_PROPERTIES")
	compareInt(c, "minProperties", o.minProps, u.minProps, "MIN_PROPERTIES")
}

// compareCovered compares what a change adds or removes (o to u) with the
// partially open content model's schema standing for it, and says whether
// that schema covers it: change is "PROPERTY_ADDED", "ITEM_REMOVED"...
func compareCovered(c *ctx, o, u *node, change string) {
	s := c.sub()
	compare(s, o, u)
	c.addAll(s.diffs)
	if s.compatible() {
		c.add(change + "_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL")
	} else {
		c.add(change + "_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL")
	}
}

// compareAdditional compares additionalProperties or additionalItems
// (attr): allowed or not, then the schema they must match (nil: any);
// name is the change types' prefix.
func compareAdditional(c *ctx, attr, name string, oAllowed, uAllowed bool, o, u *lazy) {
	c.enter(attr)
	defer c.leave()
	switch {
	case oAllowed != uAllowed:
		if uAllowed {
			c.add(name + "_ADDED")
		} else {
			c.add(name + "_REMOVED")
		}
	case o == nil && u != nil:
		c.add(name + "_NARROWED")
	case u == nil && o != nil:
		c.add(name + "_EXTENDED")
	case o != nil:
		compare(c, get(o), get(u))
	}
}

func unionKeys[V any](a, b map[string]V) []string {
	var keys []string
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

func compareUneval(c *ctx, attr string, ol, ul *lazy, name string) {
	if ol == nil && ul == nil {
		return
	}
	c.enter(attr)
	defer c.leave()
	o, u := get(ol), get(ul)
	switch {
	case o == nil:
		if u.kind == kFalse {
			c.add(name + "_REMOVED")
		} else {
			c.add(name + "_NARROWED")
		}
	case u == nil:
		if o.kind == kFalse {
			c.add(name + "_ADDED")
		} else {
			c.add(name + "_EXTENDED")
		}
	case o.kind == kFalse && u.kind != kFalse:
		c.add(name + "_ADDED")
	case o.kind != kFalse && u.kind == kFalse:
		c.add(name + "_REMOVED")
	case o.kind == kEmpty && u.kind != kEmpty:
		c.add(name + "_NARROWED")
	case o.kind != kEmpty && u.kind == kEmpty:
		c.add(name + "_EXTENDED")
	default:
		compare(c, o, u)
	}
}

func openItems(n *node) bool {
	if !n.addlItemsAllowed || n.addlItems != nil {
		return false
	}
	return n.unevalItems == nil || get(n.unevalItems).kind == kEmpty
}

func partialItems(n *node) *node {
	if n.addlItems != nil {
		return get(n.addlItems)
	}
	if n.addlItemsAllowed && n.unevalItems != nil {
		if u := get(n.unevalItems); u.kind != kFalse && u.kind != kEmpty {
			return u
		}
	}
	return nil
}

func compareArray(c *ctx, o, u *node) {
	c.enter("items")
	compare(c, get(o.items), get(u.items))
	c.leave()

	n := min(len(o.itemList), len(u.itemList))
	for i := 0; i < n; i++ {
		c.enter(fmt.Sprintf("items/%d", i))
		compare(c, get(o.itemList[i]), get(u.itemList[i]))
		c.leave()
	}
	for i := n; i < len(o.itemList); i++ {
		c.enter(fmt.Sprintf("items/%d", i))
		os := get(o.itemList[i])
		if openItems(u) {
			c.add("ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL")
		} else if p := partialItems(u); p != nil {
			compareCovered(c, os, p, "ITEM_REMOVED")
		} else if os.kind == kFalse {
			c.add("ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL")
		} else {
			c.add("ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL")
		}
		c.leave()
	}
	for i := n; i < len(u.itemList); i++ {
		c.enter(fmt.Sprintf("items/%d", i))
		us := get(u.itemList[i])
		if openItems(o) {
			if us.kind == kEmpty {
				c.add("ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL")
			} else {
				c.add("ITEM_ADDED_TO_OPEN_CONTENT_MODEL")
			}
		} else if p := partialItems(o); p != nil {
			compareCovered(c, p, us, "ITEM_ADDED")
		} else {
			c.add("ITEM_ADDED_TO_CLOSED_CONTENT_MODEL")
		}
		c.leave()
	}

	compareAdditional(c, "additionalItems", "ADDITIONAL_ITEMS", o.addlItemsAllowed, u.addlItemsAllowed, o.addlItems, u.addlItems)

	compareUneval(c, "unevaluatedItems", o.unevalItems, u.unevalItems, "UNEVALUATED_ITEMS")
	compareInt(c, "maxItems", o.maxItems, u.maxItems, "MAX_ITEMS")
	compareInt(c, "minItems", o.minItems, u.minItems, "MIN_ITEMS")
	if o.unique != u.unique {
		if o.unique {
			c.addAt("uniqueItems", "UNIQUE_ITEMS_REMOVED")
		} else {
			c.addAt("uniqueItems", "UNIQUE_ITEMS_ADDED")
		}
	}
	compareInt(c, "maxContains", o.maxContains, u.maxContains, "MAX_CONTAINS")
	compareInt(c, "minContains", o.minContains, u.minContains, "MIN_CONTAINS")
}
