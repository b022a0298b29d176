package protoknown

import (
	"context"
	"strings"
	"testing"

	"github.com/bufbuild/protocompile"
)

// A schema as Confluent's ProtobufData writes it: the field_meta option
// without its import, Decimal, Date and TimeOfDay imported.
const confluentText = `syntax = "proto3";
package x;

import "confluent/type/decimal.proto";
import "google/type/date.proto";
import "google/type/timeofday.proto";

message M {
  int32 a = 1 [(confluent.field_meta) = {
    params: [
      {
        key: "connect.type",
        value: "int8"
      }
    ]
  }];
  confluent.type.Decimal d = 2;
  google.type.Date day = 3;
  google.type.TimeOfDay at = 4;
}
`

func TestConfluentSchemaCompiles(t *testing.T) {
	compile := func(text string) error {
		comp := protocompile.Compiler{Resolver: Resolver(map[string]string{"m.proto": text})}
		_, err := comp.Compile(context.Background(), "m.proto")
		return err
	}
	if err := compile(confluentText); err == nil || !strings.Contains(err.Error(), "confluent.field_meta") {
		t.Fatalf("without the meta import: %v, want an unknown extension", err)
	}
	if err := compile(WithMetaImport(confluentText)); err != nil {
		t.Fatal(err)
	}
	if got := WithMetaImport("syntax = \"proto3\";\n"); got != "syntax = \"proto3\";\n" {
		t.Errorf("a schema without Confluent options changed: %q", got)
	}
	reg, err := Registry()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{MetaLocation, DecimalLocation, DateLocation, TimeLocation, TimestampLocation, WrappersLocation} {
		if _, err := reg.FindFileByPath(p); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
}
