package mysql

import (
	"errors"
	"testing"

	"github.com/goconnect/goconnect/connect/config"
)

func TestParseSnapshotSettings(t *testing.T) {
	s, err := parse(baseProps())
	if err != nil {
		t.Fatal(err)
	}
	if s.snapshotThreads != 1 || len(s.snapshotInclude) != 0 || len(s.snapshotSelect) != 0 {
		t.Fatalf("defaults: threads %d include %v overrides %v", s.snapshotThreads, s.snapshotInclude, s.snapshotSelect)
	}
	s, err = parse(with("snapshot.max.threads", "4", "snapshot.include.collection.list", "inv\\.a.*, inv.b",
		"snapshot.select.statement.overrides", " inv.a1 ,inv.nostatement",
		"snapshot.select.statement.overrides.inv.a1", "SELECT * FROM inv.a1 WHERE id > 10",
		"snapshot.fetch.size", "5000", "min.row.count.to.stream.results", "0"))
	if err != nil {
		t.Fatal(err)
	}
	if s.snapshotThreads != 4 || len(s.snapshotInclude) != 2 || !s.snapshotInclude[0].MatchString("INV.A1") || s.snapshotInclude[1].MatchString("inv.bb") {
		t.Errorf("threads %d include %v", s.snapshotThreads, s.snapshotInclude)
	}
	// A listed table without a statement is left out, as in Debezium.
	if len(s.snapshotSelect) != 1 || s.snapshotSelect["inv.a1"] != "SELECT * FROM inv.a1 WHERE id > 10" {
		t.Errorf("overrides %v", s.snapshotSelect)
	}
	tb := &table{db: "inv", name: "a1"}
	st := &Task{st: s}
	tables := st.snapshotDataTables([]*table{tb, {db: "inv", name: "b"}, {db: "inv", name: "c"}})
	if len(tables) != 2 || tables[0] != tb || tables[1].name != "b" {
		t.Errorf("data tables %v", tables)
	}
	for key, val := range map[string]string{
		"snapshot.max.threads":             "0",
		"snapshot.fetch.size":              "-1",
		"min.row.count.to.stream.results":  "-5",
		"snapshot.include.collection.list": "inv.(a",
	} {
		_, err := parse(with(key, val))
		var ce *config.Error
		if !errors.As(err, &ce) || ce.Key != key {
			t.Errorf("%s=%s: %v, want an error naming the key", key, val, err)
		}
	}
}
