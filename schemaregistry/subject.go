package schemaregistry

import (
	"fmt"
	"strings"
)

// DefaultContext is the context of unqualified subjects.
const DefaultContext = "."

// qualified is a subject split into its context and its name within it,
// as Confluent's QualifiedSubject reads ":.ctx:name".
type qualified struct {
	Context string // "." or ".name"
	Name    string
}

// parseSubject reads a subject of a route or a record. ":.:name" is the
// default context spelt out; ":.ctx:" alone names a context.
func parseSubject(s string) qualified {
	if strings.HasPrefix(s, ":.") {
		rest := s[1:]
		if i := strings.IndexByte(rest[1:], ':'); i >= 0 {
			return qualified{Context: rest[:i+1], Name: rest[i+2:]}
		}
		return qualified{Context: rest}
	}
	return qualified{Context: DefaultContext, Name: s}
}

// String is the subject as Confluent stores it: unqualified in the
// default context, ":.ctx:name" in another.
func (q qualified) String() string {
	if q.Context == DefaultContext {
		return q.Name
	}
	return ":" + q.Context + ":" + q.Name
}

// normalizeSubject turns ":.:name" into "name".
func normalizeSubject(s string) string { return parseSubject(s).String() }

// contextOf is the context of a subject.
func contextOf(s string) string { return parseSubject(s).Context }

// withParentContext qualifies a reference's subject with the context of
// the subject that refers to it, when the reference names none.
func withParentContext(parent, ref string) string {
	if strings.HasPrefix(ref, ":.") {
		return normalizeSubject(ref)
	}
	return qualified{Context: contextOf(parent), Name: ref}.String()
}

// validSubject is Confluent's rule for a subject one registers under: no
// control characters, not "__GLOBAL" or "__EMPTY", not in the
// ".__GLOBAL" context (which only config and mode may name).
func validSubject(s string, configOrMode bool) error {
	bad := strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || (r >= 0x7f && r < 0xa0) })
	q := parseSubject(s)
	if bad || q.Name == "__GLOBAL" || q.Name == "__EMPTY" || (!configOrMode && q.Context == ".__GLOBAL") {
		return &Error{422, 42208, fmt.Sprintf("The specified subject '%s' is not a valid.", s)}
	}
	return nil
}

// qualifiedContext is a context as Confluent's messages name it: "" for
// the default context, ":.ctx:" for another.
func qualifiedContext(ctx string) string {
	if ctx == DefaultContext {
		return ""
	}
	return ":" + ctx + ":"
}
