package jsondoc

import "testing"

func TestResolveRef(t *testing.T) {
	doc, _ := Parse([]byte(`{"definitions":{"a/b":{"type":"string"},"list":[{"type":"int"},{"type":"boolean"}]}}`))
	other, _ := Parse([]byte(`{"definitions":{"x":{"type":"number"}}}`))
	refs := map[string]*Object{"other.json": other.(*Object)}
	typeOf := func(n any) string { s, _ := n.(*Object).String("type"); return s }
	for ref, want := range map[string]string{
		"#/definitions/a~1b":                                    "string",
		"#/definitions/list/1":                                  "boolean",
		"other.json#/definitions/x":                             "number",
		"https://example.com/schemas/other.json#/definitions/x": "number",
	} {
		node, _, _, ok := ResolveRef(ref, doc, refs)
		if !ok || typeOf(node) != want {
			t.Errorf("%s: %v %v", ref, node, ok)
		}
	}
	if _, target, _, ok := ResolveRef("other.json", doc, refs); !ok || target != refs["other.json"] {
		t.Errorf("whole reference: %v %v", target, ok)
	}
	if _, _, step, ok := ResolveRef("missing.json#/x", doc, refs); ok || step != "" {
		t.Errorf("unknown reference: %q %v", step, ok)
	}
	if _, _, step, ok := ResolveRef("#/definitions/list/7", doc, refs); ok || step != "7" {
		t.Errorf("bad index: %q %v", step, ok)
	}
}
