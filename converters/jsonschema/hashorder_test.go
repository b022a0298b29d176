package jsonschema

import (
	"slices"

	"github.com/goconnect/goconnect/internal/hashorder"
	"testing"
)

// The orders below are from schemas Confluent's JsonSchemaConverter
// registered for Debezium records (seen in public issue reports).
func TestPropertyOrderMatchesConfluentOutput(t *testing.T) {
	for _, c := range []struct{ in, want []string }{
		{[]string{"id", "first_name", "last_name", "email", "phone_number"}, []string{"last_name", "phone_number", "id", "first_name", "email"}},
		{[]string{"before", "after", "source", "op"}, []string{"op", "before", "after", "source"}},
		{[]string{"connect.type", "connect.index"}, []string{"connect.index", "connect.type"}},
	} {
		if got := hashorder.Order(c.in); !slices.Equal(got, c.want) {
			t.Errorf("hashorder.Order(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}
