package mysql

import (
	"fmt"
	"testing"
	"time"

	"github.com/go-mysql-org/go-mysql/replication"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/data"
	jsonconv "github.com/goconnect/goconnect/converters/json"
)

// TestRowChangeMatchesImages: the records handleRows builds from a
// streamRow (structs allocated together) are those of the separately
// allocated images, source and envelope, for every op, with and without
// a key, key changes and column filters.
func TestRowChangeMatchesImages(t *testing.T) {
	conv := jsonconv.Desc().New().(connect.Converter)
	if err := conv.Configure(map[string]string{"schemas.enable": "true"}, false); err != nil {
		t.Fatal(err)
	}
	text := func(r connect.SourceRecord) string {
		k, err := conv.FromConnectData(r.Topic, nil, r.KeySchema, r.Key)
		if err != nil {
			t.Fatal(err)
		}
		v, err := conv.FromConnectData(r.Topic, nil, r.ValueSchema, r.Value)
		if err != nil {
			t.Fatal(err)
		}
		hs := ""
		for _, h := range r.Headers {
			b, err := conv.FromConnectData(r.Topic, nil, h.Schema, h.Value)
			if err != nil {
				t.Fatal(err)
			}
			hs += h.Key + "=" + string(b) + ";"
		}
		return fmt.Sprintf("%s %v|%s|%s|%s", r.Topic, r.SourceOffset, k, v, hs)
	}
	row2 := append([]any(nil), testRow...)
	row2[2] = "pw2"
	row3 := append([]any(nil), testRow...)
	row3[0], row3[4] = int32(8), nil
	for _, c := range []struct {
		name  string
		props map[string]string
		pk    []int
	}{
		{"pk", baseProps(), []int{0}},
		{"no key", baseProps(), nil},
		{"key column excluded", with("column.exclude.list", "inv.t.id"), []int{0}},
		{"message.key.columns filtered out", with("message.key.columns", "inv.t:secret", "column.exclude.list", "inv.t.secret"), []int{0}},
		{"no tombstones", with("tombstones.on.delete", "false"), []int{0}},
	} {
		task, tb := testTable(t, c.props, "inv", "t", c.pk)
		task.prefixBox = task.st.prefix
		gt, _ := newGtidState(false, "")
		th := int64(9)
		s := &streamState{file: "mysql-bin.000002", restartPos: 4, gtids: gt, inTx: true, thread: &th}
		h := &replication.EventHeader{Timestamp: 1705314600, ServerID: 223344, LogPos: 1000, EventSize: 50}
		now := time.Unix(0, 1705314600123456789)
		for _, op := range []struct {
			op   string
			rows [][]any
		}{
			{"c", [][]any{testRow, row3}},
			{"d", [][]any{testRow, row3}},
			{"u", [][]any{testRow, row2, testRow, row3, row3, row3}},
		} {
			step := 1
			if op.op == "u" {
				step = 2
			}
			for i := int64(0); i < int64(len(op.rows)/step); i++ {
				name := fmt.Sprintf("%s/%s/%d", c.name, op.op, i)
				var before, after, oldKey, newKey = tbImages(t, tb, op.op, op.rows, i)
				off := s.offset(h, i+1, 3)
				old := task.changeRecords(nil, tb, op.op, before, after, oldKey, newKey, task.rowSource(tb, s, h, 950, int32(i)), off, now)
				blk, err := tb.rowChange(task.src, op.op, op.rows, i)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				b, a, bk, ak := blk.images()
				task.rowSourceIn(&blk.src, tb, s, h, 950, int32(i))
				got := task.changeRecordsIn(nil, &blk.env, &intBox{}, tb, op.op, b, a, bk, ak, &blk.src, off, now)
				if len(got) != len(old) {
					t.Fatalf("%s: %d records, want %d", name, len(got), len(old))
				}
				for j := range old {
					if g, w := text(got[j]), text(old[j]); g != w {
						t.Errorf("%s record %d:\n got %s\nwant %s", name, j, g, w)
					}
				}
			}
		}
	}
}

// tbImages converts row i of a rows event as handleRows did before
// streamRow: each image and key allocated apart.
func tbImages(t *testing.T, tb *table, op string, rows [][]any, i int64) (before, after, oldKey, newKey *data.Struct) {
	t.Helper()
	var err error
	switch op {
	case "c":
		after, newKey, err = tb.rowImage(rows[i], true)
	case "d":
		before, oldKey, err = tb.rowImage(rows[i], true)
	case "u":
		if before, oldKey, err = tb.rowImage(rows[2*i], true); err == nil {
			after, newKey, err = tb.rowImage(rows[2*i+1], true)
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	return before, after, oldKey, newKey
}
