package mysql

import (
	"reflect"
	"testing"
)

func mustMark(t *testing.T, mariaDB bool, s string) *gtidMark {
	t.Helper()
	m, err := parseGtidMark(mariaDB, s)
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return m
}

// TestMariaDBWatermarks: gtid_binlog_pos has the last GTID of each domain;
// a transaction is inside a watermark when its sequence is not after its
// domain's, whichever server wrote it.
func TestMariaDBWatermarks(t *testing.T) {
	low := mustMark(t, true, "0-1-100,1-2-7")
	for gtid, in := range map[string]bool{
		"0-1-99": true, "0-1-100": true, "0-1-101": false, "0-3-100": true, "0-3-101": false,
		"1-2-7": true, "1-2-8": false, "2-1-1": false, "bogus": false, "0-1": false,
	} {
		if low.contains(gtid) != in {
			t.Errorf("%s in %s: want %v", gtid, "0-1-100,1-2-7", in)
		}
	}
	if _, err := parseGtidMark(true, "0-1-x"); err == nil {
		t.Error("a bad GTID must be refused")
	}
	// Nothing written while the chunk was read.
	w := &roWindow{low: low, high: mustMark(t, true, "0-1-100,\n1-2-7")}
	w.fresh = newer(w.high, w.low)
	if len(w.fresh) != 0 {
		t.Fatalf("no new transactions: %v", w.fresh)
	}
	for cur, want := range map[string]bool{"": true, "0-1-99": false, "0-1-100": true, "0-1-101": true, "5-1-1": false} {
		if got := w.reached(cur); got != want {
			t.Errorf("idle window, stream at %q: reached %v, want %v", cur, got, want)
		}
	}
	if w.pastHigh("0-1-100") || !w.pastHigh("0-1-101") {
		t.Error("pastHigh of an idle window")
	}
	// Five transactions of domain 0 while the chunk was read.
	w = &roWindow{low: low, high: mustMark(t, true, "0-1-105,1-2-7")}
	w.fresh = newer(w.high, w.low)
	if !reflect.DeepEqual(w.fresh, map[string]uint64{"0": 105}) {
		t.Fatalf("fresh %v", w.fresh)
	}
	for cur, want := range map[string]bool{"": false, "0-1-100": false, "0-1-104": false, "0-1-105": true, "0-2-106": true, "1-2-9": false} {
		if got := w.reached(cur); got != want {
			t.Errorf("window 100..105, stream at %q: reached %v, want %v", cur, got, want)
		}
	}
	for gtid, past := range map[string]bool{"0-1-101": false, "0-1-105": false, "0-1-106": true, "1-2-8": true} {
		if w.pastHigh(gtid) != past {
			t.Errorf("window 100..105: pastHigh(%s) want %v", gtid, past)
		}
	}
	// A new domain appears, and two domains move: more than one stream.
	w = &roWindow{low: low, high: mustMark(t, true, "0-1-101,1-2-8,3-1-1")}
	if got := newer(w.high, w.low); !reflect.DeepEqual(got, map[string]uint64{"0": 101, "1": 8, "3": 1}) {
		t.Fatalf("fresh %v", got)
	}
	var nilWindow *roWindow
	if nilWindow.reached("0-1-1") || nilWindow.pastHigh("0-1-1") || (&roWindow{low: low}).reached("0-1-100") {
		t.Error("a window without a high watermark is never complete")
	}
}

// TestMySQLWatermarks: Executed_Gtid_Set intervals per server uuid (and
// tag); the window is what high has beyond low.
func TestMySQLWatermarks(t *testing.T) {
	const a = "3e11fa47-71ca-11e1-9e33-c80aa9429562"
	const b = "4f22fa47-71ca-11e1-9e33-c80aa9429563"
	low := mustMark(t, false, a+":1-5:7-10,\n"+b+":1-3")
	for gtid, in := range map[string]bool{
		a + ":1": true, a + ":5": true, a + ":6": false, a + ":10": true, a + ":11": false,
		"3E11FA47-71CA-11E1-9E33-C80AA9429562:3": true, b + ":4": false, "x": false,
	} {
		if low.contains(gtid) != in {
			t.Errorf("%s: want %v", gtid, in)
		}
	}
	for _, bad := range []string{a, a + ":5-3", a + ":x:1:y"} {
		if _, err := parseGtidMark(false, bad); err == nil {
			t.Errorf("%q must be refused", bad)
		}
	}
	tagged := mustMark(t, false, a+":1-5:tg:1-2")
	if !tagged.contains(a+":tg:2") || tagged.contains(a+":tg:3") || !tagged.contains(a+":4") {
		t.Error("tagged GTIDs are a stream of their own")
	}
	w := &roWindow{low: low, high: mustMark(t, false, a+":1-10,"+b+":1-3")}
	w.fresh = newer(w.high, w.low)
	if !reflect.DeepEqual(w.fresh, map[string]uint64{a: 10}) {
		t.Fatalf("gap 6 filled: fresh %v", w.fresh)
	}
	for cur, want := range map[string]bool{a + ":6": false, a + ":9": false, a + ":10": true, b + ":3": false} {
		if got := w.reached(cur); got != want {
			t.Errorf("stream at %s: reached %v, want %v", cur, got, want)
		}
	}
	if w.pastHigh(a+":6") || !w.pastHigh(a+":11") || !w.pastHigh(b+":4") {
		t.Error("pastHigh")
	}
	w = &roWindow{low: low, high: low}
	w.fresh = newer(w.high, w.low)
	if len(w.fresh) != 0 || !w.reached(a+":10") || w.reached(a+":9") || !w.reached(b+":3") {
		t.Errorf("idle window: fresh %v", w.fresh)
	}
	if got := newer(mustMark(t, false, a+":1-10:12,"+b+":1-4"), low); !reflect.DeepEqual(got, map[string]uint64{a: 12, b: 4}) {
		t.Errorf("two servers: %v", got)
	}
}

// TestReadOnlyOffsets: a read-only connector's offsets carry the Kafka
// signal offset whether a snapshot runs or not (null before any), and a
// restart reads it back.
func TestReadOnlyOffsets(t *testing.T) {
	c := roContext(nil)
	off := map[string]any{}
	c.store(off)
	if v, ok := off[offIncrSignalOffset]; !ok || v != nil || len(off) != 1 {
		t.Fatalf("before any signal: %v", off)
	}
	n := int64(41)
	c.sigOffset = &n
	off = map[string]any{}
	c.store(off)
	if off[offIncrSignalOffset] != int64(41) {
		t.Fatalf("after a signal: %v", off)
	}
	back, err := loadIncrContext(map[string]any{"file": "b.1", "pos": int64(4), offIncrSignalOffset: float64(41)})
	if err != nil || back == nil || back.running() || back.sigOffset == nil || *back.sigOffset != 41 {
		t.Fatalf("loaded %+v, %v", back, err)
	}
	st := &settings{readOnly: true}
	if got := roSignalSeek(st, &position{incr: back}); got == nil || *got != 41 {
		t.Fatalf("seek %v", got)
	}
	if roSignalSeek(&settings{}, &position{incr: back}) != nil {
		t.Fatal("only a read-only connector seeks the signal topic")
	}
	var rw *incrContext
	off = map[string]any{}
	rw.store(off)
	(&incrContext{}).store(off)
	if len(off) != 0 {
		t.Fatalf("read-write offsets without a snapshot: %v", off)
	}
}
