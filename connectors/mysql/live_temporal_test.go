//go:build e2e

package mysql

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/data"
)

// TestLiveStreamTemporal streams DATETIME and TIMESTAMP of precisions 0, 3
// and 6 written from a +05:30 session: from 1970 on go-mysql hands them
// over as time.Time (ParseTime), earlier DATETIMEs and zero dates as text;
// both must give Debezium's values.
func TestLiveStreamTemporal(t *testing.T) {
	db := liveDB(t)
	n := time.Now().UnixNano() % 1_000_000_000
	tb := fmt.Sprintf("gc_tmp%d", n)
	exec(t, db, "CREATE TABLE "+tb+" (id INT PRIMARY KEY, d0 DATETIME NULL, d3 DATETIME(3) NULL, d6 DATETIME(6) NULL, t0 TIMESTAMP NULL DEFAULT NULL, t3 TIMESTAMP(3) NULL DEFAULT NULL, t6 TIMESTAMP(6) NULL DEFAULT NULL)",
		"INSERT INTO "+tb+" (id) VALUES (0)")
	t.Cleanup(func() { _, _ = db.Execute("DROP TABLE IF EXISTS " + tb) })
	prefix := fmt.Sprintf("tmp%d", n)
	props := liveProps(prefix)
	props["table.include.list"] = "demo." + tb
	topic := prefix + ".demo." + tb
	task := startTask(t, props, nil)
	pollUntil(t, task, "snapshot", func(r []connect.SourceRecord) bool { return countTopic(r, topic) == 1 })
	exec(t, db, "SET SESSION time_zone = '+05:30', SESSION sql_mode = ''",
		"INSERT INTO "+tb+" VALUES (1, '2024-01-15 10:30:00', '2024-01-15 10:30:00.123', '2024-01-15 10:30:00.123456', '2024-01-15 16:00:00', '2024-01-15 16:00:00.5', '2024-01-15 16:00:00.000001')",
		"INSERT INTO "+tb+" VALUES (2, '1969-07-20 20:17:40', '1900-01-01 00:00:00.5', '1000-01-01 00:00:00.000001', '1970-01-01 05:30:01', '2038-01-19 08:44:07.999', NULL)",
		"INSERT INTO "+tb+" VALUES (3, '0000-00-00 00:00:00', '0000-00-00 00:00:00.000', NULL, '0000-00-00 00:00:00', NULL, NULL)",
		"INSERT INTO "+tb+" VALUES (4, '9999-12-31 23:59:59', '1970-01-01 00:00:00', '9999-12-31 23:59:59.999999', '2001-01-01 05:30:10', '2001-01-01 05:30:10.010', '2001-01-01 05:30:10.100000')")
	recs := pollUntil(t, task, "inserts", func(r []connect.SourceRecord) bool { return countTopic(r, topic) == 4 })
	utc := func(y int, mo time.Month, d, h, mi, s, ns int) time.Time {
		return time.Date(y, mo, d, h, mi, s, ns, time.UTC)
	}
	want := map[int32][]any{
		1: {utc(2024, 1, 15, 10, 30, 0, 0).UnixMilli(), utc(2024, 1, 15, 10, 30, 0, 123e6).UnixMilli(), utc(2024, 1, 15, 10, 30, 0, 123456e3).UnixMicro(),
			"2024-01-15T10:30:00Z", "2024-01-15T10:30:00.500Z", "2024-01-15T10:30:00.000001Z"},
		2: {utc(1969, 7, 20, 20, 17, 40, 0).UnixMilli(), utc(1900, 1, 1, 0, 0, 0, 5e8).UnixMilli(), utc(1000, 1, 1, 0, 0, 0, 1e3).UnixMicro(),
			"1970-01-01T00:00:01Z", "2038-01-19T03:14:07.999Z", nil},
		3: {nil, nil, nil, nil, nil, nil},
		4: {utc(9999, 12, 31, 23, 59, 59, 0).UnixMilli(), int64(0), utc(9999, 12, 31, 23, 59, 59, 999999e3).UnixMicro(),
			"2001-01-01T00:00:10Z", "2001-01-01T00:00:10.010Z", "2001-01-01T00:00:10.100000Z"},
	}
	cols := []string{"d0", "d3", "d6", "t0", "t3", "t6"}
	for _, r := range dataRecs(recs, topic) {
		after := get(r.Value.(*data.Struct), "after").(*data.Struct)
		id := get(after, "id").(int32)
		for i, c := range cols {
			if got := get(after, c); !reflect.DeepEqual(got, want[id][i]) {
				t.Errorf("row %d %s: %#v, want %#v", id, c, got, want[id][i])
			}
		}
	}
}
