package mysql

import (
	"slices"
	"testing"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"
)

func TestChunkResultStructure(t *testing.T) {
	tb := &table{db: "d", name: "t", cols: []*column{{name: "id"}, {name: "v"}, {name: "Name"}}}
	fields := func(names ...string) []*gomysql.Field {
		var out []*gomysql.Field
		for _, n := range names {
			out = append(out, &gomysql.Field{Name: []byte(n), Type: gomysql.MYSQL_TYPE_LONG})
		}
		return out
	}
	if !sameColumns(tb, fields("ID", "v", "name")) || sameColumns(tb, fields("id", "v")) || sameColumns(tb, fields("id", "name", "v")) {
		t.Fatal("sameColumns: names in order, case-insensitive")
	}
	// A column added: the known ones are picked by name, the new one left out.
	if got := pickColumns(tb, fields("id", "v", "extra", "name")); !slices.Equal(got, []int{0, 1, -1, 2}) {
		t.Fatalf("pickColumns with an added column: %v", got)
	}
	// A column dropped or renamed: nothing to pick from.
	if got := pickColumns(tb, fields("id", "name")); got != nil {
		t.Fatalf("pickColumns with a dropped column: %v", got)
	}
	if got := pickColumns(tb, fields("id", "v", "v", "extra")); got != nil {
		t.Fatalf("pickColumns with a renamed column: %v", got)
	}
	// The structure compared by allow.schema.changes sees a type change
	// that keeps the names.
	a, b := fields("id", "v"), fields("id", "v")
	b[1].Type = gomysql.MYSQL_TYPE_VAR_STRING
	if resultSchema(a) == resultSchema(b) || resultSchema(a) != resultSchema(fields("id", "v")) {
		t.Fatal("resultSchema must tell a column type change and only that")
	}
}
