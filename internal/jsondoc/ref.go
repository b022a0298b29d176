package jsondoc

import (
	"net/url"
	"strconv"
	"strings"
)

// ResolveRef finds what a JSON Schema "$ref" names, as Confluent's
// registry and converters resolve it: the part before '#' is "" (the
// document doc itself) or a schema reference's name, also matched as the
// last path element of a URL ("https://example.com/other.json" names
// "other.json"); the fragment is a JSON pointer into that document. It
// answers the node and the document holding it. When it does not
// resolve, ok is false and step is the pointer token that failed, "" when
// the reference name is unknown.
func ResolveRef(ref string, doc any, refs map[string]*Object) (node, target any, step string, ok bool) {
	base, frag, _ := strings.Cut(ref, "#")
	target = doc
	if base != "" {
		t, found := refs[base]
		if !found {
			if u, err := url.Parse(base); err == nil {
				for name, s := range refs {
					if strings.HasSuffix(u.Path, "/"+name) {
						t, found = s, true
						break
					}
				}
			}
		}
		if !found {
			return nil, nil, "", false
		}
		target = t
	}
	node = target
	if frag == "" || frag == "/" {
		return node, target, "", true
	}
	for _, tok := range strings.Split(strings.TrimPrefix(frag, "/"), "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		if t, err := url.PathUnescape(tok); err == nil {
			tok = t
		}
		switch n := node.(type) {
		case *Object:
			v, found := n.Get(tok)
			if !found {
				return nil, nil, tok, false
			}
			node = v
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(n) {
				return nil, nil, tok, false
			}
			node = n[i]
		default:
			return nil, nil, tok, false
		}
	}
	return node, target, "", true
}
