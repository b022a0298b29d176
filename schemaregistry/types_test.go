package schemaregistry

import (
	"fmt"
	"strings"
	"testing"
)

// lineType is a schema type for the tests of the plug point: a schema is
// a list of words; a reader reads a writer when it has all its words.
type lineType struct{}

func (lineType) Name() string { return "LINES" }

func (lineType) Parse(text string, refs []ResolvedReference) (ParsedSchema, error) {
	if strings.Contains(text, "!") {
		return nil, fmt.Errorf("Invalid schema: '!' is not a word")
	}
	words := strings.Fields(text)
	for _, r := range refs {
		words = append(words, strings.Fields(r.Schema)...)
	}
	return lines{text: strings.Join(strings.Fields(text), " "), words: words}, nil
}

type lines struct {
	text  string
	words []string
}

func (l lines) Canonical() string { return l.text }

func (l lines) Formatted(format string) (string, error) {
	if format != "upper" {
		return "", fmt.Errorf("unknown format %s", format)
	}
	return strings.ToUpper(l.text), nil
}
func (l lines) Normalized() string { return strings.ToLower(l.text) }
func (l lines) BackwardCompatible(prev ParsedSchema) []string {
	var out []string
	for _, w := range prev.(lines).words {
		found := false
		for _, mine := range l.words {
			found = found || mine == w
		}
		if !found {
			out = append(out, "the %s schema lacks "+w+" of the %s one")
		}
	}
	return out
}

// A type added to the registry is served by every route: registration with
// its references resolved, its name in answers and /schemas/types, its
// normalisation, and its compatibility rule in Confluent's message layout.
func TestSchemaTypePlugPoint(t *testing.T) {
	a := newAPI(t)
	a.reg.AddType(lineType{})
	a.expect("GET", "/schemas/types", "", 200, `["AVRO","JSON","LINES","PROTOBUF"]`)
	typ := `"schemaType":"LINES"`
	a.expect("POST", "/subjects/base/versions", body("zeta", typ), 200, `{"id":1}`)
	a.expect("POST", "/subjects/s/versions", body("alpha  beta", typ, `"references":[{"name":"z","subject":"base","version":1}]`), 200, `{"id":2}`)
	a.expect("GET", "/subjects/s/versions/1", "", 200, `{"subject":"s","version":1,"id":2,"schemaType":"LINES","references":[{"name":"z","subject":"base","version":1}],"schema":"alpha beta"}`)
	a.expect("GET", "/schemas/ids/2", "", 200, `{"guid":"580c9043-3eaa-a49d-d48a-79a0ca0cd8c0","schemaType":"LINES","schema":"alpha beta","references":[{"name":"z","subject":"base","version":1}]}`)
	a.expectCode("POST", "/subjects/s/versions", body("a!", typ), 422, 42201)
	// ?format= asks the type (Formatter) for another rendering.
	a.expect("GET", "/subjects/s/versions/1/schema?format=upper", "", 200, `ALPHA BETA`)
	a.expect("GET", "/schemas/ids/2?format=upper", "", 200, `{"guid":"580c9043-3eaa-a49d-d48a-79a0ca0cd8c0","schemaType":"LINES","schema":"ALPHA BETA","references":[{"name":"z","subject":"base","version":1}]}`)
	a.expect("GET", "/subjects/s/versions/1?format=default", "", 200, `{"subject":"s","version":1,"id":2,"schemaType":"LINES","references":[{"name":"z","subject":"base","version":1}],"schema":"alpha beta"}`)
	a.expectCode("GET", "/subjects/s/versions/1?format=nope", "", 422, 42201)
	// normalize=true stores the type's normalised text.
	a.expect("POST", "/subjects/n/versions?normalize=true", body("Hello World", typ), 200, `{"id":3}`)
	a.expect("GET", "/subjects/n/versions/1/schema", "", 200, `hello world`)
	a.expect("POST", "/subjects/n?normalize=true", body("HELLO world", typ), 200, `{"subject":"n","version":1,"id":3,"schemaType":"LINES","schema":"hello world"}`)
	a.expectCode("POST", "/subjects/n", body("HELLO world", typ), 404, 40403)

	// BACKWARD: the new schema must read the old one's words (its own
	// reference's included); the roles are filled in as Confluent does.
	a.expect("POST", "/compatibility/subjects/s/versions?verbose=true", body("alpha zeta", typ), 200,
		`{"is_compatible":false,"messages":["the new schema lacks beta of the old one","{oldSchemaVersion: 1}","{oldSchema: 'alpha beta'}","{validateFields: 'false', compatibility: 'BACKWARD'}"]}`)
	a.expect("POST", "/compatibility/subjects/s/versions?verbose=true", body("alpha beta zeta gamma", typ), 200, `{"is_compatible":true,"messages":[]}`)
	// Another type than the versions': Confluent's message.
	a.expect("POST", "/compatibility/subjects/s/versions?verbose=true", body(`"string"`), 200,
		`{"is_compatible":false,"messages":["Incompatible because of different schema type","{validateFields: 'false', compatibility: 'BACKWARD'}"]}`)

	// FULL_TRANSITIVE checks newest first and stops at the first failure;
	// FORWARD asks the old schema to read the new.
	a.expect("PUT", "/config/f", `{"compatibility":"NONE"}`, 200, `{"compatibility":"NONE"}`)
	a.expect("POST", "/subjects/f/versions", body("x", typ), 200, `{"id":4}`)
	a.expect("POST", "/subjects/f/versions", body("y", typ), 200, `{"id":5}`)
	a.expect("PUT", "/config/f", `{"compatibility":"FULL_TRANSITIVE"}`, 200, `{"compatibility":"FULL_TRANSITIVE"}`)
	a.expect("POST", "/compatibility/subjects/f/versions?verbose=true", body("y", typ), 200,
		`{"is_compatible":false,"messages":["the old schema lacks y of the new one","the new schema lacks x of the old one","{oldSchemaVersion: 1}","{oldSchema: 'x'}","{validateFields: 'false', compatibility: 'FULL_TRANSITIVE'}"]}`)
	a.expect("PUT", "/config/f", `{"compatibility":"FORWARD"}`, 200, `{"compatibility":"FORWARD"}`)
	a.expect("POST", "/compatibility/subjects/f/versions?verbose=true", body("x", typ), 200,
		`{"is_compatible":false,"messages":["the old schema lacks x of the new one","{oldSchemaVersion: 2}","{oldSchema: 'y'}","{validateFields: 'false', compatibility: 'FORWARD'}"]}`)
}
