package smtutil

import (
	"testing"

	"github.com/goconnect/goconnect/connect/data"
)

// TestCopyBasics: Connect's SchemaUtil.copySchemaBasics(schema,
// SchemaBuilder.struct()) keeps name, version, doc and parameters but not
// optionality, so a schema derived from an optional struct is required.
func TestCopyBasics(t *testing.T) {
	in := data.StructBuilder().Name("n").Version(3).Doc("d").Param("p", "v").Optional().
		Field("a", data.OptionalString).MustBuild()
	out := CopyBasics(in).MustBuild()
	if out.Optional || out.Name != "n" || out.Version == nil || *out.Version != 3 || out.Doc != "d" || out.Param("p") != "v" || len(out.Fields) != 0 {
		t.Errorf("copied basics %+v", out)
	}
}
